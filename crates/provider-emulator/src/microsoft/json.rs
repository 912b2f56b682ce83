//! Graph's JSON views of messages, folders and attachments.

use crate::mail::Person;
use crate::world::{GraphBox, GraphFolder, GraphMessage};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use serde_json::{Map, Value, json};

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn person(p: &Person) -> Value {
    json!({"emailAddress": {"name": if p.name.is_empty() { &p.address } else { &p.name }, "address": p.address}})
}

fn people(list: &[Person]) -> Value {
    Value::Array(list.iter().map(person).collect())
}

/// Keeps only `$select`ed properties (case-insensitive), plus the annotations (etag,
/// type) and id. A property of a derived type is selected with its cast
/// (`microsoft.graph.fileAttachment/contentId`) and kept on values of that type only.
pub fn select(mut value: Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return value;
    }
    let kind = value["@odata.type"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_string();
    let wanted = |key: &str| {
        fields.iter().any(|f| match f.split_once('/') {
            Some((cast, name)) => {
                cast.eq_ignore_ascii_case(&kind) && name.eq_ignore_ascii_case(key)
            }
            None => f.eq_ignore_ascii_case(key),
        })
    };
    if let Some(map) = value.as_object_mut() {
        let kept: Map<String, Value> = std::mem::take(map)
            .into_iter()
            .filter(|(k, _)| k.starts_with("@odata.") || k == "id" || wanted(k))
            .collect();
        *map = kept;
    }
    value
}

fn wants(fields: &[String], name: &str) -> bool {
    fields.is_empty() || fields.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// A message as Graph shows it. The body (and headers) are rendered only when asked for.
pub fn message(
    mailbox: &GraphBox,
    m: &GraphMessage,
    fields: &[String],
    immutable: bool,
    prefer_text: bool,
) -> Value {
    let meta = &m.message.meta;
    let change_key = format!("CQAAABYAAA{:08}", m.version);
    let mut value = json!({
        "@odata.etag": format!("W/\"{change_key}\""),
        "id": m.id(immutable),
        "createdDateTime": iso(m.received_ms),
        "lastModifiedDateTime": iso(m.modified_ms),
        "changeKey": change_key,
        "categories": m.categories,
        "receivedDateTime": iso(m.received_ms),
        "sentDateTime": iso(meta.date_ms),
        "hasAttachments": meta.has_files,
        "internetMessageId": meta.message_id,
        "subject": meta.subject,
        "bodyPreview": meta.snippet,
        "importance": "normal",
        "parentFolderId": m.folder_id,
        "conversationId": m.conversation_id,
        "isDeliveryReceiptRequested": false,
        "isReadReceiptRequested": false,
        "isRead": m.is_read,
        "isDraft": m.is_draft,
        "webLink": format!("https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem", URL_SAFE_NO_PAD.encode(m.immutable_id.as_bytes())),
        "inferenceClassification": "focused",
        "sender": person(&meta.from),
        "from": person(&meta.from),
        "toRecipients": people(&meta.to),
        "ccRecipients": people(&meta.cc),
        "bccRecipients": people(&meta.bcc),
        "replyTo": people(&meta.reply_to),
        "flag": {"flagStatus": m.flag_status},
    });
    let _ = mailbox;
    if wants(fields, "body") {
        let parsed = m.message.parsed();
        value["body"] = match (prefer_text, &parsed.text, &parsed.html) {
            (true, Some(text), _) | (false, Some(text), None) => {
                json!({"contentType": "text", "content": text})
            }
            (_, _, Some(html)) => json!({"contentType": "html", "content": html}),
            _ => json!({"contentType": "text", "content": ""}),
        };
    }
    if fields
        .iter()
        .any(|f| f.eq_ignore_ascii_case("internetMessageHeaders"))
    {
        value["internetMessageHeaders"] = Value::Array(
            m.message
                .parsed()
                .headers
                .iter()
                .map(|(name, v)| json!({"name": name, "value": v}))
                .collect(),
        );
    }
    select(value, fields)
}

pub fn folder(mailbox: &GraphBox, f: &GraphFolder) -> Value {
    let (mut total, mut unread) = (0u64, 0u64);
    for m in mailbox.messages.values().filter(|m| m.folder_id == f.id) {
        total += 1;
        if !m.is_read {
            unread += 1;
        }
    }
    json!({
        "id": f.id,
        "displayName": f.display_name,
        "parentFolderId": f.parent_id,
        "childFolderCount": mailbox.folders.iter().filter(|c| c.parent_id == f.id).count(),
        "unreadItemCount": unread,
        "totalItemCount": total,
        "isHidden": f.hidden,
    })
}

/// Attachment id: names the message and the attachment's position.
pub fn attachment_id(immutable_id: &str, index: usize) -> String {
    format!(
        "AAMkAGatt{}",
        URL_SAFE_NO_PAD.encode(format!("{immutable_id}|{index}"))
    )
}

/// The attachments of raw bytes, as `fileAttachment`s (with or without their bytes),
/// each with its raw content for `$value`.
pub fn attachments(
    raw: &[u8],
    immutable_id: &str,
    modified: i64,
    with_bytes: bool,
) -> Vec<(Value, Vec<u8>)> {
    let Some(parsed) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    // Text parts besides the body come after the files, named as Exchange names them.
    let extras = crate::mail::extra_bodies(&parsed);
    let extras = extras.iter().enumerate().filter_map(|(n, &i)| {
        let part = parsed.part(i)?;
        let extension = if part.is_text_html() { "htm" } else { "txt" };
        Some((part, Some(format!("ATT{:05}.{extension}", n + 1))))
    });
    parsed
        .attachments()
        .filter(|part| !crate::mail::is_unnamed_text(part))
        .map(|part| (part, None))
        .chain(extras)
        .enumerate()
        .map(|(index, (part, named))| {
            // The file's own bytes: a text file in its own charset.
            let bytes = crate::mail::file_bytes(raw, part).into_owned();
            // An attached e-mail is an item named by its subject, its `$value` the MIME
            // as attached.
            if let PartType::Message(inner) = &part.body {
                let value = json!({
                    "@odata.type": "#microsoft.graph.itemAttachment",
                    "id": attachment_id(immutable_id, index),
                    "lastModifiedDateTime": iso(modified),
                    "name": inner.subject().unwrap_or("Untitled"),
                    "contentType": "message/rfc822",
                    "size": bytes.len(),
                    "isInline": false,
                });
                return (value, bytes);
            }
            let content_type = part
                .content_type()
                .map(|ct| match &ct.c_subtype {
                    Some(sub) => format!("{}/{}", ct.c_type, sub),
                    None => ct.c_type.to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            let inline = crate::mail::is_inline(part);
            let mut value = json!({
                "@odata.type": "#microsoft.graph.fileAttachment",
                "id": attachment_id(immutable_id, index),
                "lastModifiedDateTime": iso(modified),
                "name": named.as_deref().or(part.attachment_name()).unwrap_or("attachment"),
                "contentType": content_type,
                "size": bytes.len(),
                "isInline": inline,
                "contentId": part.content_id(),
                "contentLocation": null,
            });
            if with_bytes {
                value["contentBytes"] = json!(STANDARD.encode(&bytes));
            }
            (value, bytes)
        })
        .collect()
}
