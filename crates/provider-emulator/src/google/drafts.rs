//! Gmail drafts: `drafts.create`, `get`, `list`, `update`, `send`, `delete`
//! (providers.md §3). A draft is a message labelled `DRAFT` under a draft id that stays;
//! each update replaces the message (a new message id, history records a delete and an
//! add), and sending files it as sent in its thread.

use super::errors;
use super::gmail::{Op, hex, max_results, message_json, param, raw_from_request, send_raw};
use crate::mail::StoredMessage;
use crate::oauth::Pairs;
use crate::reply::Reply;
use crate::world::gmail_box::GmailBox;
use crate::world::{Mailbox, Provider, World, now_ms};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

fn mailbox_of_google<'a>(world: &'a mut World, email: &str) -> Option<&'a mut GmailBox> {
    match &mut world.user_mut(Provider::Google, email)?.mailbox {
        Mailbox::Gmail(mailbox) => Some(mailbox),
        Mailbox::Graph(_) => None,
    }
}

/// The draft's message and thread from a create or update body: JSON
/// `{message: {raw, threadId?}}`, or an upload (multipart: that JSON, then the message).
fn draft_message(
    body: &[u8],
    content_type: &str,
    query: &Pairs,
) -> Result<(Vec<u8>, Option<u64>), Reply> {
    let lower = content_type.to_ascii_lowercase();
    let (raw, metadata) = if lower.starts_with("application/json") || lower.is_empty() {
        let request: Value = serde_json::from_slice(body)
            .map_err(|_| errors::invalid("Invalid JSON payload received."))?;
        let raw = request["message"]["raw"]
            .as_str()
            .ok_or_else(|| errors::invalid("Missing draft message"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.trim_end_matches('='))
            .or_else(|_| URL_SAFE.decode(raw))
            .map_err(|_| {
                errors::invalid(
                    "Invalid value at 'draft.message.raw' (TYPE_BYTES), Base64 decoding failed.",
                )
            })?;
        (bytes, request)
    } else {
        raw_from_request(body, content_type, query)?
    };
    let thread = metadata["message"]["threadId"]
        .as_str()
        .and_then(|t| u64::from_str_radix(t, 16).ok());
    Ok((raw, thread))
}

fn draft_json(mailbox: &GmailBox, id: &str, query: &Pairs, full: bool) -> Option<Value> {
    let message = mailbox.messages.get(mailbox.drafts.get(id)?)?;
    let message = if full {
        message_json(message, query)
    } else {
        json!({
            "id": hex(message.id),
            "threadId": hex(message.thread_id),
            "labelIds": message.labels.iter().collect::<Vec<_>>(),
        })
    };
    Some(json!({"id": id, "message": message}))
}

/// Runs a drafts method; `None` for any other method.
pub fn execute(
    world: &mut World,
    email: &str,
    op: &Op,
    query: &Pairs,
    body: &[u8],
    content_type: &str,
) -> Option<Reply> {
    let retention = world.settings.gmail_history_retention;
    Some(match op {
        Op::DraftsCreate | Op::DraftsUpdate(_) => {
            let (raw, thread) = match draft_message(body, content_type, query) {
                Ok(found) => found,
                Err(reply) => return Some(reply),
            };
            let Some(stored) = StoredMessage::from_raw(&raw, now_ms()) else {
                return Some(errors::invalid("Invalid RFC822 message"));
            };
            let Some(mailbox) = mailbox_of_google(world, email) else {
                return Some(errors::not_found());
            };
            let id = match op {
                Op::DraftsUpdate(id) => {
                    let Some(old) = mailbox.drafts.get(id).copied() else {
                        return Some(errors::not_found());
                    };
                    let thread = thread.or(mailbox.messages.get(&old).map(|m| m.thread_id));
                    mailbox.delete(old, retention);
                    let message = mailbox.insert(stored, &["DRAFT"], thread, false, retention);
                    mailbox.drafts.insert(id.clone(), message);
                    id.clone()
                }
                _ => {
                    let message = mailbox.insert(stored, &["DRAFT"], thread, false, retention);
                    let id = mailbox.new_draft_id();
                    mailbox.drafts.insert(id.clone(), message);
                    id
                }
            };
            match draft_json(mailbox, &id, query, false) {
                Some(draft) => Reply::ok(draft),
                None => errors::not_found(),
            }
        }
        Op::DraftsGet(id) => {
            let Some(mailbox) = mailbox_of_google(world, email) else {
                return Some(errors::not_found());
            };
            match draft_json(mailbox, id, query, true) {
                Some(draft) => Reply::ok(draft),
                None => errors::not_found(),
            }
        }
        Op::DraftsList => {
            let limit = match max_results(query, 100) {
                Ok(limit) => limit,
                Err(reply) => return Some(reply),
            };
            let offset: usize = param(query, "pageToken")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let Some(mailbox) = mailbox_of_google(world, email) else {
                return Some(errors::not_found());
            };
            // Newest first, by the message each draft holds now.
            let mut all: Vec<(&String, u64)> =
                mailbox.drafts.iter().map(|(d, m)| (d, *m)).collect();
            all.sort_by_key(|(_, message)| std::cmp::Reverse(*message));
            let page: Vec<Value> = all
                .iter()
                .skip(offset)
                .take(limit)
                .filter_map(|(draft, _)| draft_json(mailbox, draft, query, false))
                .map(|d| json!({"id": d["id"], "message": {"id": d["message"]["id"], "threadId": d["message"]["threadId"]}}))
                .collect();
            let mut answer = json!({"drafts": page, "resultSizeEstimate": all.len()});
            if offset + limit < all.len() {
                answer["nextPageToken"] = json!((offset + limit).to_string());
            }
            if all.is_empty() {
                answer = json!({"resultSizeEstimate": 0});
            }
            Reply::ok(answer)
        }
        Op::DraftsDelete(id) => {
            let Some(mailbox) = mailbox_of_google(world, email) else {
                return Some(errors::not_found());
            };
            let Some(message) = mailbox.drafts.remove(id) else {
                return Some(errors::not_found());
            };
            mailbox.delete(message, retention);
            Reply::empty(204)
        }
        Op::DraftsSend => {
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let Some(id) = request["id"].as_str().map(ToString::to_string) else {
                return Some(errors::invalid("Missing draft id"));
            };
            let Some(mailbox) = mailbox_of_google(world, email) else {
                return Some(errors::not_found());
            };
            let Some(message) = mailbox
                .drafts
                .get(&id)
                .and_then(|m| mailbox.messages.get(m))
            else {
                return Some(errors::not_found());
            };
            let (raw, thread, message_id) = (message.message.raw(), message.thread_id, message.id);
            let answer = send_raw(world, email, raw, Some(thread));
            if answer.status == 200
                && let Some(after) = mailbox_of_google(world, email)
            {
                after.drafts.remove(&id);
                after.delete(message_id, retention);
            }
            answer
        }
        _ => return None,
    })
}
