//! Graph writes: sendMail, drafts and their attachments (including upload sessions),
//! reply / reply-all / forward, PATCH, move and delete.

use super::compose::{self, prop};
use super::route::Respond;
use super::{Ctx, errors, json};
use crate::delivery;
use crate::mail::StoredMessage;
use crate::reply::Reply;
use crate::world::{GraphMessage, Mailbox, Provider, World, now_ms};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};

/// Largest attachment added with a plain POST; bigger ones need an upload session.
const SMALL_ATTACHMENT: usize = 3 * 1024 * 1024;

/// An attachment being uploaded in chunks.
#[derive(Debug, Clone, Default)]
pub struct UploadSession {
    pub email: String,
    pub message_id: String,
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub is_inline: bool,
    pub content_id: Option<String>,
    pub data: Vec<u8>,
}

fn body_json(ctx: &Ctx<'_>) -> Result<Value, Reply> {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(ctx.body).map_err(|_| {
        errors::error(
            400,
            "RequestBodyRead",
            "Unable to read JSON request payload.",
        )
    })
}

fn mailbox_of<'a>(world: &'a mut World, email: &str) -> Option<&'a mut crate::world::GraphBox> {
    match &mut world.user_mut(Provider::Microsoft, email)?.mailbox {
        Mailbox::Graph(graph) => Some(graph),
        Mailbox::Gmail(_) => None,
    }
}

fn owner(world: &World, email: &str) -> (String, String) {
    world
        .user(Provider::Microsoft, email)
        .map(|u| (u.person.name.clone(), u.person.address.clone()))
        .unwrap_or_else(|| (String::new(), email.to_string()))
}

fn check_recipients(world: &World, addresses: &[String]) -> Result<(), Reply> {
    if addresses.is_empty()
        || addresses
            .iter()
            .any(|a| !a.contains('@') || a.contains(' '))
        || world
            .settings
            .rejected(addresses.iter().map(String::as_str))
            .is_some()
    {
        return Err(errors::error(
            400,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        ));
    }
    Ok(())
}

/// Stores a sent message in Sent Items (unless told not to), keeps it for the control
/// API and delivers it to recipients who are emulator users.
fn dispatch(world: &mut World, email: &str, raw: &[u8], save: bool) -> Result<(), Reply> {
    let stored = StoredMessage::from_raw(raw, now_ms()).ok_or_else(|| {
        errors::error(
            400,
            "ErrorMimeContentInvalid",
            "The MIME content is invalid.",
        )
    })?;
    let recipients: Vec<String> = stored
        .meta
        .to
        .iter()
        .chain(&stored.meta.cc)
        .chain(&stored.meta.bcc)
        .map(|p| p.address.clone())
        .collect();
    check_recipients(world, &recipients)?;
    let bytes = match &stored.source {
        crate::mail::Source::Raw(bytes) => bytes.as_ref().clone(),
        crate::mail::Source::Generated(_) => raw.to_vec(),
    };
    let retention = world.settings.graph_change_retention;
    let id = match mailbox_of(world, email) {
        Some(mailbox) if save => mailbox.insert(stored, "sentitems", true, false, retention),
        Some(_) => format!("unsaved-{:016x}", rand::random::<u64>()),
        None => return Err(errors::not_found()),
    };
    if let Some(user) = world.user_mut(Provider::Microsoft, email) {
        user.sent.push((id, bytes.clone()));
    }
    delivery::deliver_to_recipients(world, &bytes, &email.to_lowercase());
    Ok(())
}

/// `POST /me/sendMail`: JSON `{message, saveToSentItems}` or base64 MIME as text/plain.
pub fn send_mail(world: &mut World, ctx: &Ctx<'_>) -> Reply {
    let (raw, save) = if ctx
        .content_type
        .to_ascii_lowercase()
        .starts_with("text/plain")
    {
        let text: String = String::from_utf8_lossy(ctx.body)
            .split_whitespace()
            .collect();
        match STANDARD.decode(text) {
            Ok(raw) => (raw, true),
            Err(_) => {
                return errors::error(
                    400,
                    "ErrorMimeContentInvalidBase64String",
                    "Invalid base64 string for MIME content.",
                );
            }
        }
    } else {
        let request = match body_json(ctx) {
            Ok(request) => request,
            Err(reply) => return reply,
        };
        let message = prop(&request, "message");
        if message.is_null() {
            return errors::error(
                400,
                "ErrorInvalidParameter",
                "The value of the parameter 'Message' is empty.",
            );
        }
        if let Err(reply) = check_recipients(world, &compose::all_recipients(message)) {
            return reply;
        }
        let (name, address) = owner(world, ctx.email);
        (
            compose::to_mime(message, (&name, &address), None, &[]),
            prop(&request, "saveToSentItems").as_bool() != Some(false),
        )
    };
    match dispatch(world, ctx.email, &raw, save) {
        Ok(()) => Reply::empty(202),
        Err(reply) => reply,
    }
}

/// A draft's fields as Graph JSON (recipients, subject, body, attachments), so a PATCH
/// or a new attachment can be applied and the MIME rebuilt.
fn draft_json(raw: &[u8]) -> Value {
    let Some(parsed) = MessageParser::default().parse(raw) else {
        return json!({});
    };
    let list = |address: Option<&mail_parser::Address<'_>>| -> Value {
        Value::Array(
            address
                .map(|a| {
                    a.iter()
                        .filter_map(|x| {
                            Some(compose::recipient_json(
                                x.name.as_deref().unwrap_or(""),
                                x.address.as_deref()?,
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        )
    };
    let body = match (parsed.html_bodies().next(), parsed.text_bodies().next()) {
        (Some(html), _) if html.is_text_html() => {
            json!({"contentType": "html", "content": html.text_contents().unwrap_or("")})
        }
        (_, Some(text)) => {
            json!({"contentType": "text", "content": text.text_contents().unwrap_or("")})
        }
        _ => json!({"contentType": "text", "content": ""}),
    };
    let attachments: Vec<Value> = parsed
        .attachments()
        .map(|part| {
            json!({
                "name": part.attachment_name().unwrap_or("attachment"),
                "contentType": part.content_type().map(|ct| match &ct.c_subtype { Some(s) => format!("{}/{}", ct.c_type, s), None => ct.c_type.to_string() }).unwrap_or_default(),
                "contentBytes": STANDARD.encode(part.contents()),
                "isInline": part.content_id().is_some() && part.attachment_name().is_none(),
                "contentId": part.content_id(),
            })
        })
        .collect();
    json!({
        "subject": parsed.subject().unwrap_or(""),
        "body": body,
        "toRecipients": list(parsed.to()),
        "ccRecipients": list(parsed.cc()),
        "bccRecipients": list(parsed.bcc()),
        "replyTo": list(parsed.reply_to()),
        "from": list(parsed.from()).as_array().and_then(|a| a.first().cloned()).unwrap_or(Value::Null),
        "internetMessageId": parsed.message_id().map(|id| format!("<{id}>")),
        "attachments": attachments,
    })
}

fn merge(target: &mut Value, changes: &Value) {
    if let (Some(target), Some(changes)) = (target.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            let existing = target.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned();
            target.insert(existing.unwrap_or_else(|| key.clone()), value.clone());
        }
    }
}

/// Replaces a draft's MIME with one built from `fields`, keeping its threading headers.
fn rebuild(world: &mut World, email: &str, message: &GraphMessage, fields: &Value) -> Option<()> {
    let (name, address) = owner(world, email);
    let meta = message.message.meta.clone();
    let raw = compose::to_mime(
        fields,
        (&name, &address),
        meta.in_reply_to.as_deref(),
        &meta.references,
    );
    let stored = StoredMessage::from_raw(&raw, now_ms())?;
    let mailbox = mailbox_of(world, email)?;
    let draft = mailbox.messages.get_mut(&message.immutable_id)?;
    draft.message = stored;
    draft.version += 1;
    draft.modified_ms = now_ms();
    Some(())
}

/// `POST /me/messages` (or in a folder): a new draft from JSON or base64 MIME.
pub fn create_draft(world: &mut World, ctx: &Ctx<'_>, folder: Option<&str>) -> Reply {
    let (name, address) = owner(world, ctx.email);
    let raw = if ctx
        .content_type
        .to_ascii_lowercase()
        .starts_with("text/plain")
    {
        let text: String = String::from_utf8_lossy(ctx.body)
            .split_whitespace()
            .collect();
        match STANDARD.decode(text) {
            Ok(raw) => raw,
            Err(_) => {
                return errors::error(
                    400,
                    "ErrorMimeContentInvalidBase64String",
                    "Invalid base64 string for MIME content.",
                );
            }
        }
    } else {
        match body_json(ctx) {
            Ok(request) => compose::to_mime(&request, (&name, &address), None, &[]),
            Err(reply) => return reply,
        }
    };
    let Some(stored) = StoredMessage::from_raw(&raw, now_ms()) else {
        return errors::error(
            400,
            "ErrorMimeContentInvalid",
            "The MIME content is invalid.",
        );
    };
    let retention = world.settings.graph_change_retention;
    let Some(mailbox) = mailbox_of(world, ctx.email) else {
        return errors::not_found();
    };
    let folder = folder.unwrap_or("drafts");
    if mailbox.folder_id(folder).is_none() {
        return errors::not_found();
    }
    let id = mailbox.insert_draft(stored, folder, None, retention);
    created(mailbox, ctx, &id)
}

fn created(mailbox: &crate::world::GraphBox, ctx: &Ctx<'_>, id: &str) -> Reply {
    match mailbox.find(id) {
        Some(m) => Reply::json(
            201,
            json::message(mailbox, m, &[], ctx.immutable, ctx.prefer_text),
        ),
        None => errors::not_found(),
    }
}

fn find(world: &mut World, email: &str, id: &str) -> Option<GraphMessage> {
    mailbox_of(world, email)?.find(id).cloned()
}

/// Whether the signed-in user may put `from` in From: the sign-in name, the `mail`
/// attribute or one of the proxy addresses (a tenant that allows sending from aliases).
fn may_send_as(world: &World, email: &str, from: &str) -> bool {
    world.user(Provider::Microsoft, email).is_some_and(|user| {
        user.directory
            .mail
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(from))
            || user.send_as.may_send_as(&user.person.address, from)
    })
}

/// `POST /me/messages/{id}/send`.
pub fn send_draft(world: &mut World, ctx: &Ctx<'_>, id: &str) -> Reply {
    let Some(draft) = find(world, ctx.email, id) else {
        return errors::not_found();
    };
    if !draft.is_draft {
        return errors::error(400, "ErrorInvalidOperation", "Only drafts can be sent.");
    }
    let raw = draft.message.raw();
    let recipients: Vec<String> = draft
        .message
        .meta
        .to
        .iter()
        .chain(&draft.message.meta.cc)
        .chain(&draft.message.meta.bcc)
        .map(|p| p.address.clone())
        .collect();
    if let Err(reply) = check_recipients(world, &recipients) {
        return reply;
    }
    let from = draft.message.meta.from.address.as_str();
    if !from.is_empty() && !may_send_as(world, ctx.email, from) {
        return errors::error(
            403,
            "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.",
        );
    }
    let retention = world.settings.graph_change_retention;
    if let Some(mailbox) = mailbox_of(world, ctx.email) {
        mailbox.move_to(&draft.immutable_id, "sentitems", retention);
        if let Some(sent) = mailbox.messages.get_mut(&draft.immutable_id) {
            sent.is_draft = false;
            sent.is_read = true;
            sent.received_ms = now_ms();
        }
    }
    if let Some(user) = world.user_mut(Provider::Microsoft, ctx.email) {
        user.sent.push((draft.immutable_id.clone(), raw.clone()));
    }
    delivery::deliver_to_recipients(world, &raw, &ctx.email.to_lowercase());
    Reply::empty(202)
}

/// The draft a reply, reply-all or forward starts from (Outlook's rules: `RE:`/`FW:`
/// without stacking, the original quoted, a forward keeps the attachments).
fn response_fields(original: &GraphMessage, kind: Respond, own: &str, request: &Value) -> Value {
    let meta = &original.message.meta;
    let prefix = match kind {
        Respond::Forward => "FW: ",
        _ => "RE: ",
    };
    let base = meta.subject.trim();
    let stacked = ["re:", "fw:", "fwd:"]
        .iter()
        .any(|p| base.to_ascii_lowercase().starts_with(p));
    let subject = if stacked {
        base.to_string()
    } else {
        format!("{prefix}{base}")
    };
    let person = |p: &crate::mail::Person| compose::recipient_json(&p.name, &p.address);
    let not_me = |p: &&crate::mail::Person| !p.address.eq_ignore_ascii_case(own);
    let (to, cc): (Vec<Value>, Vec<Value>) = match kind {
        Respond::Reply | Respond::ReplyAll => {
            let mut to: Vec<Value> = if meta.reply_to.is_empty() {
                vec![person(&meta.from)]
            } else {
                meta.reply_to.iter().map(person).collect()
            };
            let mut cc = Vec::new();
            if kind == Respond::ReplyAll {
                to.extend(meta.to.iter().filter(not_me).map(person));
                cc.extend(meta.cc.iter().filter(not_me).map(person));
            }
            (to, cc)
        }
        Respond::Forward => (
            prop(request, "toRecipients")
                .as_array()
                .cloned()
                .unwrap_or_default(),
            Vec::new(),
        ),
    };
    let parsed = original.message.parsed();
    let quoted = parsed
        .html
        .clone()
        .unwrap_or_else(|| format!("<pre>{}</pre>", parsed.text.as_deref().unwrap_or_default()));
    let comment = prop(request, "comment").as_str().unwrap_or("");
    let sent = chrono::DateTime::from_timestamp_millis(meta.date_ms)
        .unwrap_or_default()
        .to_rfc2822();
    let body = format!(
        "<html><body><div>{comment}</div><hr><div><b>From:</b> {} &lt;{}&gt;<br><b>Sent:</b> {sent}<br><b>Subject:</b> {}</div>{quoted}</body></html>",
        meta.from.name, meta.from.address, meta.subject
    );
    let mut fields = json!({
        "subject": subject,
        "body": {"contentType": "html", "content": body},
        "toRecipients": to,
        "ccRecipients": cc,
    });
    if kind == Respond::Forward {
        fields["attachments"] = draft_json(&original.message.raw())["attachments"].clone();
    }
    merge(&mut fields, prop(request, "message"));
    fields
}

fn build_response(
    world: &mut World,
    ctx: &Ctx<'_>,
    id: &str,
    kind: Respond,
) -> Result<Vec<u8>, Reply> {
    let original = find(world, ctx.email, id).ok_or_else(errors::not_found)?;
    let request = body_json(ctx)?;
    let (name, address) = owner(world, ctx.email);
    let fields = response_fields(&original, kind, &address, &request);
    let meta = &original.message.meta;
    let mut references = meta.references.clone();
    references.push(meta.message_id.clone());
    let in_reply_to = (kind != Respond::Forward).then_some(meta.message_id.as_str());
    Ok(compose::to_mime(
        &fields,
        (&name, &address),
        in_reply_to,
        &references,
    ))
}

/// `POST …/createReply|createReplyAll|createForward`: a draft, 201.
pub fn create_response(world: &mut World, ctx: &Ctx<'_>, id: &str, kind: Respond) -> Reply {
    let raw = match build_response(world, ctx, id, kind) {
        Ok(raw) => raw,
        Err(reply) => return reply,
    };
    let Some(stored) = StoredMessage::from_raw(&raw, now_ms()) else {
        return errors::error(500, "InternalServerError", "Could not build the draft.");
    };
    let conversation = find(world, ctx.email, id).map(|original| original.conversation_id);
    let retention = world.settings.graph_change_retention;
    let Some(mailbox) = mailbox_of(world, ctx.email) else {
        return errors::not_found();
    };
    let draft = mailbox.insert_draft(stored, "drafts", conversation, retention);
    created(mailbox, ctx, &draft)
}

/// `POST …/reply|replyAll|forward`: sent at once, 202.
pub fn respond_now(world: &mut World, ctx: &Ctx<'_>, id: &str, kind: Respond) -> Reply {
    match build_response(world, ctx, id, kind)
        .and_then(|raw| dispatch(world, ctx.email, &raw, true))
    {
        Ok(()) => Reply::empty(202),
        Err(reply) => reply,
    }
}

/// `PATCH /me/messages/{id}`: read state, flag, categories; for drafts also subject,
/// body and recipients.
pub fn patch(world: &mut World, ctx: &Ctx<'_>, id: &str) -> Reply {
    let request = match body_json(ctx) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let Some(message) = find(world, ctx.email, id) else {
        return errors::not_found();
    };
    let editable = [
        "subject",
        "body",
        "toRecipients",
        "ccRecipients",
        "bccRecipients",
        "replyTo",
        "from",
        "internetMessageId",
    ];
    let edits: Vec<&str> = editable
        .iter()
        .copied()
        .filter(|k| !prop(&request, k).is_null())
        .collect();
    if !edits.is_empty() {
        if !message.is_draft {
            return errors::error(
                400,
                "ErrorInvalidPropertyUpdateSentMessage",
                "Update of a property on a sent message isn't allowed.",
            );
        }
        let mut fields = draft_json(&message.message.raw());
        merge(&mut fields, &request);
        if rebuild(world, ctx.email, &message, &fields).is_none() {
            return errors::not_found();
        }
    }
    let is_read = prop(&request, "isRead").as_bool();
    let flag = prop(prop(&request, "flag"), "flagStatus")
        .as_str()
        .map(ToString::to_string);
    if flag.as_deref().is_some_and(|f| {
        !["notFlagged", "flagged", "complete"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(f))
    }) {
        return errors::bad_request("Invalid flagStatus.");
    }
    let categories = prop(&request, "categories").as_array().map(|a| {
        a.iter()
            .filter_map(|c| c.as_str().map(ToString::to_string))
            .collect()
    });
    let retention = world.settings.graph_change_retention;
    let Some(mailbox) = mailbox_of(world, ctx.email) else {
        return errors::not_found();
    };
    match mailbox.update(&message.immutable_id, is_read, flag, categories, retention) {
        Some(immutable) => match mailbox.find(&immutable) {
            Some(m) => Reply::ok(json::message(
                mailbox,
                m,
                &[],
                ctx.immutable,
                ctx.prefer_text,
            )),
            None => errors::not_found(),
        },
        None => errors::not_found(),
    }
}

/// `POST /me/messages/{id}/move {destinationId}`: 201 with the moved message (a new id
/// unless immutable ids were asked for).
pub fn move_message(world: &mut World, ctx: &Ctx<'_>, id: &str) -> Reply {
    let request = match body_json(ctx) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let Some(destination) = prop(&request, "destinationId")
        .as_str()
        .map(ToString::to_string)
    else {
        return errors::error(
            400,
            "ErrorInvalidParameter",
            "The value of the parameter 'DestinationId' is empty.",
        );
    };
    let retention = world.settings.graph_change_retention;
    let Some(mailbox) = mailbox_of(world, ctx.email) else {
        return errors::not_found();
    };
    if mailbox.folder_id(&destination).is_none() {
        return errors::not_found();
    }
    match mailbox.move_to(id, &destination, retention) {
        Some(immutable) => created(mailbox, ctx, &immutable),
        None => errors::not_found(),
    }
}

pub fn delete(world: &mut World, ctx: &Ctx<'_>, id: &str) -> Reply {
    let retention = world.settings.graph_change_retention;
    match mailbox_of(world, ctx.email).map(|mailbox| mailbox.delete(id, retention)) {
        Some(true) => Reply::empty(204),
        _ => errors::not_found(),
    }
}

/// Message `id`, whose files may change: only a draft's do.
fn draft_for_files(world: &mut World, email: &str, id: &str) -> Result<GraphMessage, Reply> {
    let message = find(world, email, id).ok_or_else(errors::not_found)?;
    if !message.is_draft {
        return Err(errors::error(
            403,
            "ErrorAccessDenied",
            "Attachments can only be added to or removed from drafts.",
        ));
    }
    Ok(message)
}

fn add_to_draft(
    world: &mut World,
    email: &str,
    id: &str,
    attachment: Value,
) -> Result<Value, Reply> {
    let message = draft_for_files(world, email, id)?;
    let mut fields = draft_json(&message.message.raw());
    if let Some(list) = fields["attachments"].as_array_mut() {
        list.push(attachment);
    }
    rebuild(world, email, &message, &fields).ok_or_else(errors::not_found)?;
    let updated = find(world, email, id).ok_or_else(errors::not_found)?;
    let all = json::attachments(
        &updated.message.raw(),
        &updated.immutable_id,
        updated.modified_ms,
        false,
    );
    Ok(all.into_iter().last().map(|(v, _)| v).unwrap_or(json!({})))
}

/// `POST /me/messages/{id}/attachments`: a file attachment under 3 MB on a draft.
pub fn add_attachment(world: &mut World, ctx: &Ctx<'_>, id: &str) -> Reply {
    let request = match body_json(ctx) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let bytes = STANDARD
        .decode(prop(&request, "contentBytes").as_str().unwrap_or(""))
        .unwrap_or_default();
    if bytes.len() > SMALL_ATTACHMENT {
        return errors::error(
            413,
            "ErrorRequestEntityTooLarge",
            "The attachment is too large; use an upload session for attachments over 3 MB.",
        );
    }
    match add_to_draft(world, ctx.email, id, request) {
        Ok(value) => Reply::json(201, value),
        Err(reply) => reply,
    }
}

/// `DELETE /me/messages/{id}/attachments/{attachmentId}`: a file off a draft, 204.
pub fn delete_attachment(world: &mut World, ctx: &Ctx<'_>, id: &str, attachment: &str) -> Reply {
    let message = match draft_for_files(world, ctx.email, id) {
        Ok(message) => message,
        Err(reply) => return reply,
    };
    let raw = message.message.raw();
    let listed = json::attachments(&raw, &message.immutable_id, message.modified_ms, false);
    let Some(index) = listed
        .iter()
        .position(|(value, _)| value["id"].as_str() == Some(attachment))
    else {
        return errors::not_found();
    };
    let mut fields = draft_json(&raw);
    match fields["attachments"].as_array_mut() {
        Some(list) if index < list.len() => {
            list.remove(index);
        }
        _ => return errors::not_found(),
    }
    match rebuild(world, ctx.email, &message, &fields) {
        Some(()) => Reply::empty(204),
        None => errors::not_found(),
    }
}

/// `POST …/attachments/createUploadSession`.
pub fn create_upload_session(world: &mut World, ctx: &Ctx<'_>, id: &str) -> Reply {
    let request = match body_json(ctx) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let item = prop(&request, "AttachmentItem");
    let Some(size) = prop(item, "size").as_u64().filter(|s| *s > 0) else {
        return errors::error(
            400,
            "ErrorInvalidParameter",
            "AttachmentItem.size is required.",
        );
    };
    let message = match draft_for_files(world, ctx.email, id) {
        Ok(message) => message,
        Err(reply) => return reply,
    };
    let session_id = format!("{:032x}", rand::random::<u128>());
    world.uploads.insert(
        session_id.clone(),
        UploadSession {
            email: ctx.email.to_string(),
            message_id: message.immutable_id,
            name: prop(item, "name")
                .as_str()
                .unwrap_or("attachment")
                .to_string(),
            content_type: prop(item, "contentType")
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_string(),
            size: size as usize,
            is_inline: prop(item, "isInline").as_bool().unwrap_or(false),
            content_id: prop(item, "contentId").as_str().map(ToString::to_string),
            data: Vec::new(),
        },
    );
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let upload_root = ctx.base.trim_end_matches("/v1.0");
    Reply::json(
        201,
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.uploadSession",
            "uploadUrl": format!("{upload_root}/upload/{session_id}?authtoken=emulator"),
            "expirationDateTime": expires,
            "nextExpectedRanges": ["0-"],
        }),
    )
}

/// `PUT {uploadUrl}` with `Content-Range: bytes a-b/total` (no Authorization header).
pub fn upload_chunk(
    world: &mut World,
    session_id: &str,
    content_range: &str,
    chunk: &[u8],
) -> Reply {
    let Some(session) = world.uploads.get(session_id).cloned() else {
        return errors::error(
            404,
            "ErrorItemNotFound",
            "The upload session was not found or has expired.",
        );
    };
    let range = content_range.trim().strip_prefix("bytes ").and_then(|r| {
        let (span, total) = r.split_once('/')?;
        let (start, end) = span.split_once('-')?;
        Some((
            start.parse::<usize>().ok()?,
            end.parse::<usize>().ok()?,
            total.parse::<usize>().ok()?,
        ))
    });
    let Some((start, end, total)) = range else {
        return errors::bad_request("Content-Range is missing or invalid.");
    };
    if start != session.data.len()
        || end < start
        || end - start + 1 != chunk.len()
        || total != session.size
        || chunk.len() > 4 * 1024 * 1024 + 1
    {
        return errors::error(
            416,
            "InvalidRange",
            "The uploaded fragment does not fit the expected range.",
        );
    }
    let mut data = session.data.clone();
    data.extend_from_slice(chunk);
    if data.len() < session.size {
        if let Some(stored) = world.uploads.get_mut(session_id) {
            stored.data = data.clone();
        }
        let expires = (chrono::Utc::now() + chrono::Duration::hours(1))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        return Reply::ok(
            json!({"expirationDateTime": expires, "nextExpectedRanges": [format!("{}-", data.len())]}),
        );
    }
    world.uploads.remove(session_id);
    let attachment = json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": session.name,
        "contentType": session.content_type,
        "contentBytes": STANDARD.encode(&data),
        "isInline": session.is_inline,
        "contentId": session.content_id,
    });
    match add_to_draft(world, &session.email, &session.message_id, attachment) {
        Ok(value) => {
            let id = value["id"].as_str().unwrap_or("").to_string();
            Reply::json(201, json!({})).header("location", format!("https://outlook.office.com/api/v2.0/Users('me')/Messages('{}')/Attachments('{id}')", session.message_id))
        }
        Err(reply) => reply,
    }
}
