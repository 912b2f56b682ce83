//! The Gmail API v1 under `users/{userId}/`: routing and execution without HTTP types, so
//! plain requests and batch parts share it.

use super::errors;
use super::payload::{self, parse_attachment_id};
use super::query::Query;
use crate::mail::StoredMessage;
use crate::oauth::Pairs;
use crate::reply::Reply;
use crate::world::{
    GmailBox, GmailMessage, HistoryChange, Mailbox, Provider, Shared, World, gmail_box, now_ms,
};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// One Gmail method with its path arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Profile,
    LabelsList,
    LabelsGet(String),
    LabelsCreate,
    LabelsUpdate(String),
    LabelsPatch(String),
    LabelsDelete(String),
    MessagesList,
    MessagesGet(String),
    AttachmentsGet(String, String),
    Send,
    Insert,
    Import,
    Modify(String),
    BatchModify,
    Trash(String),
    Untrash(String),
    Delete(String),
    BatchDelete,
    History,
    ThreadsList,
    ThreadsGet(String),
    Watch,
    Stop,
    SendAsList,
    DraftsList,
    DraftsCreate,
    DraftsGet(String),
    DraftsUpdate(String),
    DraftsDelete(String),
    DraftsSend,
}

/// What a method needs the token's scopes to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Read,
    Modify,
    Send,
    /// drafts.create, update, delete: gmail.compose or gmail.modify.
    Compose,
    Insert,
    /// labels.create, update, patch, delete: gmail.labels or gmail.modify.
    Labels,
    FullAccess,
}

impl Op {
    /// The method's name, as in Google's quota table.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Profile => "getProfile",
            Op::LabelsList => "labels.list",
            Op::LabelsGet(_) => "labels.get",
            Op::LabelsCreate => "labels.create",
            Op::LabelsUpdate(_) => "labels.update",
            Op::LabelsPatch(_) => "labels.patch",
            Op::LabelsDelete(_) => "labels.delete",
            Op::MessagesList => "messages.list",
            Op::MessagesGet(_) => "messages.get",
            Op::AttachmentsGet(..) => "messages.attachments.get",
            Op::Send => "messages.send",
            Op::Insert => "messages.insert",
            Op::Import => "messages.import",
            Op::Modify(_) => "messages.modify",
            Op::BatchModify => "messages.batchModify",
            Op::Trash(_) => "messages.trash",
            Op::Untrash(_) => "messages.untrash",
            Op::Delete(_) => "messages.delete",
            Op::BatchDelete => "messages.batchDelete",
            Op::History => "history.list",
            Op::ThreadsList => "threads.list",
            Op::ThreadsGet(_) => "threads.get",
            Op::Watch => "watch",
            Op::Stop => "stop",
            Op::SendAsList => "settings.sendAs.list",
            Op::DraftsList => "drafts.list",
            Op::DraftsCreate => "drafts.create",
            Op::DraftsGet(_) => "drafts.get",
            Op::DraftsUpdate(_) => "drafts.update",
            Op::DraftsDelete(_) => "drafts.delete",
            Op::DraftsSend => "drafts.send",
        }
    }

    fn need(&self) -> Need {
        match self {
            Op::Send | Op::DraftsSend => Need::Send,
            Op::DraftsCreate | Op::DraftsUpdate(_) | Op::DraftsDelete(_) => Need::Compose,
            Op::Insert | Op::Import => Need::Insert,
            Op::LabelsCreate | Op::LabelsUpdate(_) | Op::LabelsPatch(_) | Op::LabelsDelete(_) => {
                Need::Labels
            }
            Op::Modify(_) | Op::BatchModify | Op::Trash(_) | Op::Untrash(_) => Need::Modify,
            Op::Delete(_) | Op::BatchDelete => Need::FullAccess,
            _ => Need::Read,
        }
    }
}

/// The method for an HTTP method and the path after `users/{userId}/`.
pub fn route(method: &str, tail: &str) -> Option<Op> {
    let segments: Vec<&str> = tail.trim_matches('/').split('/').collect();
    Some(match (method, segments.as_slice()) {
        ("GET", ["profile"]) => Op::Profile,
        ("GET", ["labels"]) => Op::LabelsList,
        ("GET", ["labels", id]) => Op::LabelsGet((*id).into()),
        ("POST", ["labels"]) => Op::LabelsCreate,
        ("PUT", ["labels", id]) => Op::LabelsUpdate((*id).into()),
        ("PATCH", ["labels", id]) => Op::LabelsPatch((*id).into()),
        ("DELETE", ["labels", id]) => Op::LabelsDelete((*id).into()),
        ("GET", ["messages"]) => Op::MessagesList,
        ("POST", ["messages"]) => Op::Insert,
        ("POST", ["messages", "send"]) => Op::Send,
        ("POST", ["messages", "import"]) => Op::Import,
        ("POST", ["messages", "batchModify"]) => Op::BatchModify,
        ("POST", ["messages", "batchDelete"]) => Op::BatchDelete,
        ("GET", ["messages", id]) => Op::MessagesGet((*id).into()),
        ("DELETE", ["messages", id]) => Op::Delete((*id).into()),
        ("POST", ["messages", id, "modify"]) => Op::Modify((*id).into()),
        ("POST", ["messages", id, "trash"]) => Op::Trash((*id).into()),
        ("POST", ["messages", id, "untrash"]) => Op::Untrash((*id).into()),
        ("GET", ["messages", id, "attachments", attachment]) => {
            Op::AttachmentsGet((*id).into(), (*attachment).into())
        }
        ("GET", ["history"]) => Op::History,
        ("GET", ["threads"]) => Op::ThreadsList,
        ("GET", ["threads", id]) => Op::ThreadsGet((*id).into()),
        ("POST", ["watch"]) => Op::Watch,
        ("POST", ["stop"]) => Op::Stop,
        ("GET", ["settings", "sendAs"]) => Op::SendAsList,
        ("GET", ["drafts"]) => Op::DraftsList,
        ("POST", ["drafts"]) => Op::DraftsCreate,
        ("POST", ["drafts", "send"]) => Op::DraftsSend,
        ("GET", ["drafts", id]) => Op::DraftsGet((*id).into()),
        ("PUT", ["drafts", id]) => Op::DraftsUpdate((*id).into()),
        ("DELETE", ["drafts", id]) => Op::DraftsDelete((*id).into()),
        _ => return None,
    })
}

/// Whether granted scopes allow a method (providers.md §1.7).
pub fn allowed(op: &Op, scopes: &[String]) -> bool {
    let has = |short: &str| {
        scopes.iter().any(|s| {
            s == short
                || s.strip_prefix("https://www.googleapis.com/auth/")
                    .is_some_and(|rest| rest == short)
        })
    };
    let full = scopes.iter().any(|s| s == "https://mail.google.com/");
    full || match op.need() {
        Need::Read => {
            has("gmail.modify")
                || has("gmail.readonly")
                || (has("gmail.metadata") && !matches!(op, Op::AttachmentsGet(..)))
                || (has("gmail.settings.basic") && matches!(op, Op::SendAsList))
        }
        Need::Modify => has("gmail.modify"),
        Need::Send => has("gmail.modify") || has("gmail.send") || has("gmail.compose"),
        Need::Compose => has("gmail.modify") || has("gmail.compose"),
        Need::Insert => has("gmail.modify") || has("gmail.insert"),
        Need::Labels => has("gmail.modify") || has("gmail.labels"),
        Need::FullAccess => false,
    }
}

pub(super) fn param<'a>(query: &'a Pairs, key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn params<'a>(query: &'a Pairs, key: &str) -> Vec<&'a str> {
    query
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// A message id: hex below 2^63. Anything else is 400 "Invalid id value".
fn parse_id(id: &str) -> Result<u64, Reply> {
    if id.is_empty() || id.len() > 16 {
        return Err(errors::invalid("Invalid id value"));
    }
    match u64::from_str_radix(id, 16) {
        Ok(value) if value < (1 << 63) => Ok(value),
        _ => Err(errors::invalid("Invalid id value")),
    }
}

pub(super) fn hex(id: u64) -> String {
    format!("{id:016x}")
}

pub(super) fn max_results(query: &Pairs, default: usize) -> Result<usize, Reply> {
    match param(query, "maxResults") {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) => Ok(n.clamp(1, 500)),
            Err(_) => Err(errors::invalid("Invalid value for maxResults")),
        },
    }
}

/// Runs one method for `email`'s mailbox.
pub fn execute(
    shared: &Shared,
    email: &str,
    op: Op,
    query: &Pairs,
    body: &[u8],
    content_type: &str,
) -> Reply {
    let mut world = shared.lock();
    let retention = world.settings.gmail_history_retention;
    if matches!(op, Op::Send) {
        return send(&mut world, email, query, body, content_type);
    }
    if matches!(op, Op::SendAsList) {
        return super::settings::send_as_list(&world, email);
    }
    if let Some(reply) = super::drafts::execute(&mut world, email, &op, query, body, content_type) {
        return reply;
    }
    if let Some(reply) = super::labels::execute(&mut world, email, &op, body, retention) {
        return reply;
    }
    match op {
        Op::Watch => return crate::push::gmail_watch::watch(&mut world, email, body),
        Op::Stop => return crate::push::gmail_watch::stop(&mut world, email),
        _ => {}
    }
    let Some(user) = world.user_mut(Provider::Google, email) else {
        return errors::error(
            400,
            "Mail service not enabled",
            "global",
            "failedPrecondition",
            "FAILED_PRECONDITION",
        );
    };
    let Mailbox::Gmail(mailbox) = &mut user.mailbox else {
        return errors::not_found();
    };
    let address = user.person.address.clone();
    match op {
        Op::Profile => Reply::ok(json!({
            "emailAddress": address,
            "messagesTotal": mailbox.messages.len(),
            "threadsTotal": mailbox.messages.values().map(|m| m.thread_id).collect::<std::collections::BTreeSet<_>>().len(),
            "historyId": mailbox.history_id.to_string(),
        })),
        Op::LabelsList => Reply::ok(
            json!({"labels": mailbox.labels.iter().map(|l| label_json(mailbox, l, false)).collect::<Vec<_>>()}),
        ),
        Op::LabelsGet(id) => match mailbox.labels.iter().find(|l| l.id == id) {
            Some(label) => Reply::ok(label_json(mailbox, label, true)),
            None => errors::not_found(),
        },
        Op::MessagesList => list(mailbox, query),
        Op::MessagesGet(id) => {
            let id = match parse_id(&id) {
                Ok(id) => id,
                Err(reply) => return reply,
            };
            let Some(message) = mailbox.messages.get(&id).cloned() else {
                return errors::not_found();
            };
            drop(world);
            message_reply(&message, query)
        }
        Op::AttachmentsGet(message_id, attachment_id) => {
            let id = match parse_id(&message_id) {
                Ok(id) => id,
                Err(reply) => return reply,
            };
            let Some(message) = mailbox.messages.get(&id).cloned() else {
                return errors::not_found();
            };
            drop(world);
            let Some((owner, part_id)) =
                parse_attachment_id(&attachment_id).filter(|(owner, _)| *owner == id)
            else {
                return errors::invalid("Invalid attachment token");
            };
            match payload::part_bytes(&message.message.raw(), &part_id) {
                Some(bytes) => Reply::ok(json!({
                    "attachmentId": payload::attachment_id(owner, &part_id),
                    "size": bytes.len(),
                    "data": URL_SAFE_NO_PAD.encode(&bytes),
                })),
                None => errors::not_found(),
            }
        }
        Op::Insert | Op::Import => {
            let (raw, meta) = match raw_from_request(body, content_type, query) {
                Ok(found) => found,
                Err(reply) => return reply,
            };
            let Some(stored) = StoredMessage::from_raw(&raw, now_ms()) else {
                return errors::invalid("Invalid RFC822 message");
            };
            let labels: Vec<String> = meta["labelIds"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(ToString::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
            let id = mailbox.insert(stored, &refs, None, true, retention);
            summary(mailbox, id)
        }
        Op::Modify(id) => {
            let id = match parse_id(&id) {
                Ok(id) => id,
                Err(reply) => return reply,
            };
            let (add, remove) = match label_changes(mailbox, body) {
                Ok(changes) => changes,
                Err(reply) => return reply,
            };
            match mailbox.modify(id, &add, &remove, retention) {
                Some(()) => summary(mailbox, id),
                None => errors::not_found(),
            }
        }
        Op::BatchModify => {
            let (add, remove) = match label_changes(mailbox, body) {
                Ok(changes) => changes,
                Err(reply) => return reply,
            };
            let ids = match batch_ids(body) {
                Ok(ids) => ids,
                Err(reply) => return reply,
            };
            for id in ids {
                let _ = mailbox.modify(id, &add, &remove, retention);
            }
            Reply::empty(204)
        }
        Op::Trash(ref id) | Op::Untrash(ref id) => {
            let trash = matches!(op, Op::Trash(_));
            let id = match parse_id(id) {
                Ok(id) => id,
                Err(reply) => return reply,
            };
            let label = vec!["TRASH".to_string()];
            let (add, remove) = if trash {
                (label, Vec::new())
            } else {
                (Vec::new(), label)
            };
            match mailbox.modify(id, &add, &remove, retention) {
                Some(()) => summary(mailbox, id),
                None => errors::not_found(),
            }
        }
        Op::Delete(id) => match parse_id(&id) {
            Ok(id) if mailbox.delete(id, retention) => Reply::empty(204),
            Ok(_) => errors::not_found(),
            Err(reply) => reply,
        },
        Op::BatchDelete => match batch_ids(body) {
            Ok(ids) => {
                for id in ids {
                    mailbox.delete(id, retention);
                }
                Reply::empty(204)
            }
            Err(reply) => reply,
        },
        Op::History => history(mailbox, query),
        Op::ThreadsList => threads_list(mailbox, query),
        Op::Watch | Op::Stop => errors::not_found(),
        Op::ThreadsGet(id) => {
            let id = match parse_id(&id) {
                Ok(id) => id,
                Err(reply) => return reply,
            };
            if param(query, "format") == Some("raw") {
                return errors::invalid("Invalid format: raw is not supported for threads");
            }
            let messages: Vec<GmailMessage> = mailbox
                .messages
                .values()
                .filter(|m| m.thread_id == id)
                .cloned()
                .collect();
            if messages.is_empty() {
                return errors::not_found();
            }
            drop(world);
            let history_id = messages
                .iter()
                .map(|m| m.history_id)
                .max()
                .unwrap_or_default();
            let rendered: Vec<Value> = messages.iter().map(|m| message_json(m, query)).collect();
            Reply::ok(
                json!({"id": hex(id), "historyId": history_id.to_string(), "messages": rendered}),
            )
        }
        Op::Send
        | Op::SendAsList
        | Op::DraftsList
        | Op::DraftsCreate
        | Op::DraftsGet(_)
        | Op::DraftsUpdate(_)
        | Op::DraftsDelete(_)
        | Op::DraftsSend
        | Op::LabelsCreate
        | Op::LabelsUpdate(_)
        | Op::LabelsPatch(_)
        | Op::LabelsDelete(_) => errors::not_found(),
    }
}

fn label_json(mailbox: &GmailBox, label: &crate::world::GmailLabel, counts: bool) -> Value {
    let user = label.kind == crate::world::LabelKind::User;
    let mut value = json!({
        "id": label.id,
        "name": label.name,
        "type": if user { "user" } else { "system" },
    });
    if user
        || [
            "INBOX",
            "SENT",
            "DRAFT",
            "STARRED",
            "IMPORTANT",
            "TRASH",
            "SPAM",
            "UNREAD",
        ]
        .contains(&label.id.as_str())
    {
        value["messageListVisibility"] = json!("show");
        value["labelListVisibility"] = json!(if label.id == "UNREAD" {
            "labelHide"
        } else {
            "labelShow"
        });
    }
    if let Some((text, background)) = &label.color {
        value["color"] = json!({"textColor": text, "backgroundColor": background});
    }
    if counts {
        let (total, unread, threads, unread_threads) = mailbox.label_counts(&label.id);
        value["messagesTotal"] = json!(total);
        value["messagesUnread"] = json!(unread);
        value["threadsTotal"] = json!(threads);
        value["threadsUnread"] = json!(unread_threads);
    }
    value
}

fn summary(mailbox: &GmailBox, id: u64) -> Reply {
    match mailbox.messages.get(&id) {
        Some(message) => Reply::ok(json!({
            "id": hex(message.id),
            "threadId": hex(message.thread_id),
            "labelIds": message.labels.iter().collect::<Vec<_>>(),
        })),
        None => errors::not_found(),
    }
}

/// A message as `messages.get` returns it for the requested format.
pub fn message_json(message: &GmailMessage, query: &Pairs) -> Value {
    let format = param(query, "format").unwrap_or("full");
    let meta = &message.message.meta;
    let mut value = json!({
        "id": hex(message.id),
        "threadId": hex(message.thread_id),
        "snippet": crate::mail::gmail_snippet(&meta.snippet),
        "sizeEstimate": meta.size,
        "historyId": message.history_id.to_string(),
        "internalDate": message.internal_date.to_string(),
    });
    if !message.labels.is_empty() {
        value["labelIds"] = json!(message.labels.iter().collect::<Vec<_>>());
    }
    match format {
        "minimal" => {}
        "raw" => {
            value["raw"] = json!(URL_SAFE.encode(message.message.raw()));
        }
        "metadata" => {
            let wanted: Vec<String> = params(query, "metadataHeaders")
                .into_iter()
                .map(ToString::to_string)
                .collect();
            value["payload"] = payload::payload(&message.message.raw(), message.id, true, &wanted);
        }
        _ => {
            let raw = message.message.raw();
            value["sizeEstimate"] = json!(raw.len());
            value["payload"] = payload::payload(&raw, message.id, false, &[]);
        }
    }
    value
}

fn message_reply(message: &GmailMessage, query: &Pairs) -> Reply {
    match param(query, "format") {
        None | Some("full" | "minimal" | "raw" | "metadata") => {
            Reply::ok(message_json(message, query))
        }
        Some(other) => errors::invalid(&format!("Invalid value at 'format' ({other})")),
    }
}

/// Whether a listing should show this message: label filters, spam/trash rule, `q`.
fn listed(
    message: &GmailMessage,
    labels: &[&str],
    include_spam_trash: bool,
    query: &Query,
    now: i64,
) -> bool {
    labels.iter().all(|l| message.labels.contains(*l))
        && (include_spam_trash
            || labels.iter().any(|l| *l == "TRASH" || *l == "SPAM")
            || !(message.labels.contains("TRASH") || message.labels.contains("SPAM")))
        && query.matches(message, now)
}

/// Keyset paging: the page token is the id of the last message of the previous page.
fn list(mailbox: &GmailBox, query_params: &Pairs) -> Reply {
    let limit = match max_results(query_params, 100) {
        Ok(limit) => limit,
        Err(reply) => return reply,
    };
    let query = Query::parse(param(query_params, "q").unwrap_or(""));
    let labels = params(query_params, "labelIds");
    let include =
        param(query_params, "includeSpamTrash") == Some("true") || query.mentions_spam_or_trash();
    let now = now_ms();
    let after = match param(query_params, "pageToken") {
        Some(token) => match u64::from_str_radix(token, 16) {
            Ok(id) => Some(id),
            Err(_) => return errors::invalid("Invalid pageToken"),
        },
        None => None,
    };
    let upper = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    let mut page: Vec<&GmailMessage> = Vec::with_capacity(limit);
    let mut more = false;
    for message in mailbox
        .messages
        .range((std::ops::Bound::Unbounded, upper))
        .rev()
        .map(|(_, m)| m)
    {
        if listed(message, &labels, include, &query, now) {
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(message);
        }
    }
    let estimate = if after.is_none() {
        mailbox
            .messages
            .values()
            .filter(|m| listed(m, &labels, include, &query, now))
            .count()
    } else {
        page.len() + usize::from(more)
    };
    let mut value = json!({"resultSizeEstimate": estimate});
    if !page.is_empty() {
        value["messages"] = json!(
            page.iter()
                .map(|m| json!({"id": hex(m.id), "threadId": hex(m.thread_id)}))
                .collect::<Vec<_>>()
        );
    }
    if let Some(last) = page.last().filter(|_| more) {
        value["nextPageToken"] = json!(format!("{:x}", last.id));
    }
    Reply::ok(value)
}

fn threads_list(mailbox: &GmailBox, query_params: &Pairs) -> Reply {
    let limit = match max_results(query_params, 100) {
        Ok(limit) => limit,
        Err(reply) => return reply,
    };
    let offset: usize = param(query_params, "pageToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let query = Query::parse(param(query_params, "q").unwrap_or(""));
    let labels = params(query_params, "labelIds");
    let include =
        param(query_params, "includeSpamTrash") == Some("true") || query.mentions_spam_or_trash();
    let now = now_ms();
    let mut seen = std::collections::HashSet::new();
    let threads: Vec<&GmailMessage> = mailbox
        .messages
        .values()
        .rev()
        .filter(|m| listed(m, &labels, include, &query, now))
        .filter(|m| seen.insert(m.thread_id))
        .collect();
    let page: Vec<Value> = threads
        .iter()
        .skip(offset)
        .take(limit)
        .map(|m| json!({"id": hex(m.thread_id), "snippet": crate::mail::gmail_snippet(&m.message.meta.snippet), "historyId": m.history_id.to_string()}))
        .collect();
    let mut value = json!({"resultSizeEstimate": threads.len()});
    if !page.is_empty() {
        value["threads"] = Value::Array(page);
    }
    if offset + limit < threads.len() {
        value["nextPageToken"] = json!((offset + limit).to_string());
    }
    Reply::ok(value)
}

fn history(mailbox: &GmailBox, query: &Pairs) -> Reply {
    let Some(start) = param(query, "startHistoryId").and_then(|s| s.parse::<u64>().ok()) else {
        return errors::invalid("Missing/invalid parameter: startHistoryId");
    };
    if start < mailbox.history_floor || start > mailbox.history_id {
        return errors::not_found();
    }
    let limit = match max_results(query, 100) {
        Ok(limit) => limit,
        Err(reply) => return reply,
    };
    let after = param(query, "pageToken")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(start);
    let types = params(query, "historyTypes");
    let label = param(query, "labelId");
    let wanted = |record: &crate::world::HistoryRecord| {
        let kind = match record.change {
            HistoryChange::Added => "messageAdded",
            HistoryChange::Deleted => "messageDeleted",
            HistoryChange::LabelsAdded(_) => "labelAdded",
            HistoryChange::LabelsRemoved(_) => "labelRemoved",
        };
        (types.is_empty() || types.contains(&kind)) && label.is_none_or(|l| record.labels.iter().any(|x| x == l) || matches!(&record.change, HistoryChange::LabelsRemoved(r) if r.iter().any(|x| x == l)))
    };
    let records: Vec<&crate::world::HistoryRecord> = mailbox
        .history
        .iter()
        .filter(|r| r.id > after && wanted(r))
        .collect();
    let page: Vec<Value> = records
        .iter()
        .take(limit)
        .map(|r| history_json(r))
        .collect();
    let mut value = json!({"historyId": mailbox.history_id.to_string()});
    if !page.is_empty() {
        value["history"] = Value::Array(page);
    }
    if records.len() > limit {
        value["nextPageToken"] = json!(records[limit - 1].id.to_string());
    }
    Reply::ok(value)
}

fn history_json(record: &crate::world::HistoryRecord) -> Value {
    let message = json!({"id": hex(record.message_id), "threadId": hex(record.thread_id), "labelIds": record.labels});
    let bare = json!({"id": hex(record.message_id), "threadId": hex(record.thread_id)});
    let mut value = json!({"id": record.id.to_string(), "messages": [bare.clone()]});
    match &record.change {
        HistoryChange::Added => value["messagesAdded"] = json!([{"message": message}]),
        HistoryChange::Deleted => value["messagesDeleted"] = json!([{"message": bare}]),
        HistoryChange::LabelsAdded(labels) => {
            value["labelsAdded"] = json!([{"message": message, "labelIds": labels}])
        }
        HistoryChange::LabelsRemoved(labels) => {
            value["labelsRemoved"] = json!([{"message": message, "labelIds": labels}])
        }
    }
    value
}

fn label_changes(mailbox: &GmailBox, body: &[u8]) -> Result<(Vec<String>, Vec<String>), Reply> {
    let request: Value = serde_json::from_slice(body).unwrap_or(json!({}));
    let list = |key: &str| -> Result<Vec<String>, Reply> {
        let items: Vec<String> = request[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(ToString::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if items.len() > 100 {
            return Err(errors::invalid("Too many label ids"));
        }
        if let Some(bad) = items
            .iter()
            .find(|l| !mailbox.has_label(l) || gmail_box::UNMODIFIABLE.contains(&l.as_str()))
        {
            return Err(errors::invalid(&format!("Invalid label: {bad}")));
        }
        Ok(items)
    };
    Ok((list("addLabelIds")?, list("removeLabelIds")?))
}

fn batch_ids(body: &[u8]) -> Result<Vec<u64>, Reply> {
    let request: Value = serde_json::from_slice(body)
        .map_err(|_| errors::invalid("Invalid JSON payload received."))?;
    let ids = request["ids"].as_array().cloned().unwrap_or_default();
    if ids.len() > 1000 {
        return Err(errors::invalid("Too many ids: at most 1000"));
    }
    ids.iter()
        .map(|id| parse_id(id.as_str().unwrap_or("")))
        .collect()
}

/// The raw message of a send/insert: JSON `{raw}`, a `message/rfc822` upload, or a
/// `multipart/related` upload (metadata JSON, then the message). Returns the bytes and
/// the JSON metadata.
pub(super) fn raw_from_request(
    body: &[u8],
    content_type: &str,
    query: &Pairs,
) -> Result<(Vec<u8>, Value), Reply> {
    let lower = content_type.to_ascii_lowercase();
    let upload = param(query, "uploadType");
    if lower.starts_with("message/") || upload == Some("media") {
        return Ok((body.to_vec(), json!({})));
    }
    if lower.starts_with("multipart/related") {
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_string())
            .ok_or_else(|| errors::invalid("multipart upload without boundary"))?;
        let parts = crate::multipart::split(body, &boundary);
        let metadata = parts
            .first()
            .and_then(|p| serde_json::from_slice::<Value>(&p.body).ok())
            .unwrap_or(json!({}));
        let message = parts
            .get(1)
            .map(|p| p.body.clone())
            .ok_or_else(|| errors::invalid("'raw' RFC822 payload message string or uploading message via /upload/* URL required"))?;
        return Ok((message, metadata));
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|_| errors::invalid("Invalid JSON payload received."))?;
    let raw = request["raw"].as_str().ok_or_else(|| {
        errors::invalid(
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
        )
    })?;
    if raw.contains('+') || raw.contains('/') {
        return Err(errors::invalid(
            "Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed.",
        ));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.trim_end_matches('='))
        .map_err(|_| {
            errors::invalid("Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed.")
        })?;
    Ok((bytes, request))
}

/// `messages.send`: stores the message in the sender's Sent (threaded only when asked),
/// keeps the raw bytes for the control API, and delivers it to recipients who are
/// emulator users of either provider (without the Bcc header).
fn send(world: &mut World, email: &str, query: &Pairs, body: &[u8], content_type: &str) -> Reply {
    let (raw, metadata) = match raw_from_request(body, content_type, query) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let thread = metadata["threadId"]
        .as_str()
        .and_then(|t| u64::from_str_radix(t, 16).ok());
    send_raw(world, email, raw, thread)
}

/// Sends `raw` from `email` into `thread`: checked as Gmail checks it, filed under SENT
/// (and INBOX when sent to oneself), delivered to the recipients who are users here.
pub(super) fn send_raw(world: &mut World, email: &str, raw: Vec<u8>, thread: Option<u64>) -> Reply {
    let raw = super::settings::checked_from(world, email, raw);
    let Some(stored) = StoredMessage::from_raw(&raw, now_ms()) else {
        return errors::invalid("Invalid RFC822 message");
    };
    let meta = stored.meta.clone();
    if meta.to.is_empty() && meta.cc.is_empty() && meta.bcc.is_empty() {
        return errors::invalid("Recipient address required");
    }
    if meta.participants().any(|p| !p.address.contains('@'))
        || world
            .settings
            .rejected(meta.participants().map(|p| p.address.as_str()))
            .is_some()
    {
        return errors::invalid("Invalid To header");
    }
    let retention = world.settings.gmail_history_retention;
    let own = email.to_lowercase();
    let to_self = meta
        .participants()
        .skip(1)
        .any(|p| p.address.eq_ignore_ascii_case(&own));
    let stored_raw = match &stored.source {
        crate::mail::Source::Raw(bytes) => bytes.as_ref().clone(),
        crate::mail::Source::Generated(_) => raw.clone(),
    };
    let Some(user) = world.user_mut(Provider::Google, email) else {
        return errors::not_found();
    };
    let Mailbox::Gmail(mailbox) = &mut user.mailbox else {
        return errors::not_found();
    };
    let labels: Vec<&str> = if to_self {
        vec!["SENT", "INBOX", "UNREAD"]
    } else {
        vec!["SENT"]
    };
    let id = mailbox.insert(stored, &labels, thread, false, retention);
    let reply = summary(mailbox, id);
    user.sent.push((hex(id), stored_raw.clone()));
    crate::delivery::deliver_to_recipients(world, &stored_raw, &own);
    reply
}
