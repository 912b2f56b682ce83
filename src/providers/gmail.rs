//! The Gmail API v1 calls sync and send make. Answers are typed here; failures are
//! classified by [`classify_gmail`].

pub mod payload;

use super::error::{ProviderError, checked, classify_gmail, retry_after_of, transport};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A Gmail client for one base URL (`providers.google.api_base_url`).
#[derive(Clone)]
pub struct GmailClient {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    /// Where messages are uploaded (`/upload/gmail/v1/users/me`).
    pub(super) upload_base: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub email_address: String,
    pub messages_total: u64,
    pub threads_total: u64,
    /// Gmail's int64s are strings.
    pub history_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// User labels only, when one was chosen.
    #[serde(default)]
    pub color: Option<LabelColor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelColor {
    pub background_color: Option<String>,
    pub text_color: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    pub id: String,
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageList {
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub result_size_estimate: u64,
}

/// How much of a message `messages.get` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The RFC 5322 bytes, attachments and all.
    Raw,
    /// The MIME tree: headers, text bodies, attachments as ids and sizes.
    Full,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Raw => "raw",
            Format::Full => "full",
        }
    }
}

/// A fetched message's content, as its format gives it.
#[derive(Debug, Clone)]
pub enum Content {
    Raw(Vec<u8>),
    Tree(payload::Part),
}

/// A fetched message: its state and its content.
#[derive(Debug, Clone)]
pub struct FetchedMessage {
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    pub history_id: u64,
    /// Epoch milliseconds.
    pub internal_date: i64,
    /// Gmail's estimate of the message's size in bytes.
    pub size_estimate: u64,
    pub content: Content,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageAnswer {
    id: String,
    thread_id: String,
    #[serde(default)]
    label_ids: Vec<String>,
    #[serde(default)]
    history_id: String,
    #[serde(default)]
    internal_date: String,
    #[serde(default)]
    size_estimate: u64,
    #[serde(default)]
    raw: Option<String>,
    #[serde(default)]
    payload: Option<payload::Part>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryMessage {
    pub message: MessageRef,
    #[serde(default)]
    pub label_ids: Vec<String>,
}

/// One history record; the typed arrays say what changed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    pub id: String,
    #[serde(default)]
    pub messages_added: Vec<HistoryMessage>,
    #[serde(default)]
    pub messages_deleted: Vec<HistoryMessage>,
    #[serde(default)]
    pub labels_added: Vec<HistoryMessage>,
    #[serde(default)]
    pub labels_removed: Vec<HistoryMessage>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    #[serde(default)]
    pub history: Vec<HistoryRecord>,
    pub next_page_token: Option<String>,
    /// The mailbox's history id now: the cursor to keep when no page follows.
    pub history_id: String,
}

#[derive(Deserialize)]
struct Labels {
    #[serde(default)]
    labels: Vec<Label>,
}

/// A watch's answer: the history id it starts at and its expiry (epoch ms, as strings).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Watch {
    #[serde(default)]
    pub history_id: Option<String>,
    pub expiration: String,
}

impl GmailClient {
    pub fn new(http: reqwest::Client, api_base_url: &str) -> Self {
        let root = api_base_url.trim_end_matches('/');
        Self {
            http,
            base: format!("{root}/gmail/v1/users/me"),
            upload_base: format!("{root}/upload/gmail/v1/users/me"),
        }
    }

    /// Sends `request`; a success answer comes back unread, a failure classified.
    pub(super) async fn answer(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ProviderError> {
        checked(request, "google", classify_gmail).await
    }

    pub(super) async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let body = self
            .answer(request)
            .await?
            .bytes()
            .await
            .map_err(transport)?;
        let body: &[u8] = if body.is_empty() { b"null" } else { &body };
        serde_json::from_slice(body)
            .map_err(|e| ProviderError::Transient(format!("unexpected answer: {e}")))
    }

    pub(super) fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
    }

    pub async fn profile(&self, token: &str) -> Result<Profile, ProviderError> {
        self.send(self.get(token, "/profile")).await
    }

    pub async fn labels(&self, token: &str) -> Result<Vec<Label>, ProviderError> {
        Ok(self
            .send::<Labels>(self.get(token, "/labels"))
            .await?
            .labels)
    }

    /// One page of message ids, newest first (spam and trash included, so the local copy
    /// knows every message the provider has).
    pub async fn list(
        &self,
        token: &str,
        page_token: Option<&str>,
        max: u32,
        query: Option<&str>,
    ) -> Result<MessageList, ProviderError> {
        let mut params = vec![
            ("maxResults", max.clamp(1, 500).to_string()),
            ("includeSpamTrash", "true".to_string()),
        ];
        if let Some(token) = page_token {
            params.push(("pageToken", token.to_string()));
        }
        if let Some(q) = query {
            params.push(("q", q.to_string()));
        }
        self.send(self.get(token, "/messages").query(&params)).await
    }

    /// A message with its raw bytes.
    pub async fn raw(&self, token: &str, id: &str) -> Result<FetchedMessage, ProviderError> {
        let answer: MessageAnswer = self
            .send(
                self.get(token, &format!("/messages/{id}"))
                    .query(&[("format", "raw")]),
            )
            .await?;
        fetched_from_answer(answer)
    }

    /// Changes after `start` (history ids grow but are not contiguous).
    pub async fn history(
        &self,
        token: &str,
        start: &str,
        page_token: Option<&str>,
    ) -> Result<HistoryPage, ProviderError> {
        let mut params = vec![
            ("startHistoryId", start.to_string()),
            ("maxResults", "500".to_string()),
        ];
        if let Some(page) = page_token {
            params.push(("pageToken", page.to_string()));
        }
        match self.send(self.get(token, "/history").query(&params)).await {
            // A start id Gmail no longer keeps: the cursor is gone, not the mailbox.
            Err(ProviderError::NotFound) => Err(ProviderError::CursorExpired),
            other => other,
        }
    }

    /// Publishes the mailbox's changes to a Cloud Pub/Sub topic (for about 7 days).
    pub async fn watch(&self, token: &str, topic: &str) -> Result<Watch, ProviderError> {
        self.send(self.post(token, "/watch", &json!({"topicName": topic})))
            .await
    }

    /// Stops publishing the mailbox's changes.
    pub async fn stop(&self, token: &str) -> Result<(), ProviderError> {
        self.answer(self.post(token, "/stop", &json!({})))
            .await
            .map(|_| ())
    }

    pub async fn modify(
        &self,
        token: &str,
        id: &str,
        add: &[&str],
        remove: &[&str],
    ) -> Result<MessageRef, ProviderError> {
        self.send(self.post(
            token,
            &format!("/messages/{id}/modify"),
            &json!({"addLabelIds": add, "removeLabelIds": remove}),
        ))
        .await
    }

    /// Up to 1,000 ids at once; Gmail reports no per-id outcome.
    pub async fn batch_modify(
        &self,
        token: &str,
        ids: &[&str],
        add: &[&str],
        remove: &[&str],
    ) -> Result<(), ProviderError> {
        self.send::<Value>(self.post(
            token,
            "/messages/batchModify",
            &json!({"ids": ids, "addLabelIds": add, "removeLabelIds": remove}),
        ))
        .await
        .map(|_| ())
    }

    pub async fn trash(&self, token: &str, id: &str) -> Result<MessageRef, ProviderError> {
        self.send(self.post(token, &format!("/messages/{id}/trash"), &json!({})))
            .await
    }

    /// Sends RFC 5322 bytes, in `thread_id` when replying.
    pub async fn send_raw(
        &self,
        token: &str,
        raw: &[u8],
        thread_id: Option<&str>,
    ) -> Result<MessageRef, ProviderError> {
        let mut body = json!({"raw": URL_SAFE_NO_PAD.encode(raw)});
        if let Some(thread) = thread_id {
            body["threadId"] = json!(thread);
        }
        self.send(self.post(token, "/messages/send", &body)).await
    }
}

/// One answer of a batch: the message, or why that part failed.
pub type BatchItem = (String, Result<FetchedMessage, ProviderError>);

fn fetched_from_answer(answer: MessageAnswer) -> Result<FetchedMessage, ProviderError> {
    let content = match (answer.raw, answer.payload) {
        (Some(raw), _) => Content::Raw(
            URL_SAFE
                .decode(raw.as_bytes())
                .or_else(|_| URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')))
                .map_err(|_| ProviderError::Transient("raw message is not base64url".into()))?,
        ),
        (None, Some(payload)) => Content::Tree(payload),
        (None, None) => {
            return Err(ProviderError::Transient(
                "a message answer with neither raw nor payload".into(),
            ));
        }
    };
    Ok(FetchedMessage {
        id: answer.id,
        thread_id: answer.thread_id,
        label_ids: answer.label_ids,
        history_id: answer.history_id.parse().unwrap_or_default(),
        internal_date: answer.internal_date.parse().unwrap_or_default(),
        size_estimate: answer.size_estimate,
        content,
    })
}

/// Where `needle` next occurs in `haystack` at or after `from`. A substring search, not
/// a comparison at every offset: a batch answer of 50 messages is megabytes, and the
/// byte-by-byte version was a quarter of the sync's CPU time.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|p| p + from)
}

/// Splits a `multipart/mixed` body into its parts (each without its boundary lines).
fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let Some(mut at) = find(body, delimiter.as_bytes(), 0) else {
        return parts;
    };
    loop {
        let start = at + delimiter.len();
        if body.get(start..start + 2) == Some(b"--") {
            break;
        }
        let Some(next) = find(body, delimiter.as_bytes(), start) else {
            break;
        };
        parts.push(&body[start..next]);
        at = next;
    }
    parts
}

/// Splits `head\r\n\r\nbody` (LF alone accepted too).
fn split_once_blank(bytes: &[u8]) -> (&[u8], &[u8]) {
    match find(bytes, b"\r\n\r\n", 0) {
        Some(at) => (&bytes[..at], &bytes[at + 4..]),
        None => match find(bytes, b"\n\n", 0) {
            Some(at) => (&bytes[..at], &bytes[at + 2..]),
            None => (bytes, &[][..]),
        },
    }
}

impl GmailClient {
    /// Gets up to 100 messages in `format` in one batch request; each answer comes back
    /// with its own outcome. A batch whose parts were all refused for the token reports
    /// `Unauthorized` as a whole, so the caller refreshes and retries it.
    pub async fn batch_get(
        &self,
        token: &str,
        ids: &[String],
        format: Format,
    ) -> Result<Vec<BatchItem>, ProviderError> {
        let format = format.name();
        let boundary = format!("batch_{:016x}", rand::random::<u64>());
        let mut body = String::new();
        for (k, id) in ids.iter().enumerate() {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item-{k}>\r\n\r\nGET /gmail/v1/users/me/messages/{id}?format={format}\r\n\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let root = self.base.trim_end_matches("/gmail/v1/users/me");
        let response = self
            .http
            .post(format!("{root}/batch/gmail/v1"))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/mixed; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let retry_after = retry_after_of(&response);
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(classify_gmail(status, retry_after.as_deref(), &bytes));
        }
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_string())
            .ok_or_else(|| ProviderError::Transient("batch answer without a boundary".into()))?;
        let mut answers: Vec<Option<Result<FetchedMessage, ProviderError>>> =
            (0..ids.len()).map(|_| None).collect();
        for part in multipart_parts(&bytes, &boundary) {
            let (head, http) = split_once_blank(part);
            let head = String::from_utf8_lossy(head);
            let Some(index) = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-id:"))
                .and_then(|l| l.rsplit('-').next())
                .and_then(|n| n.trim().trim_end_matches('>').parse::<usize>().ok())
                .filter(|i| *i < ids.len())
            else {
                continue;
            };
            let (status_and_headers, json) = split_once_blank(http);
            let status_and_headers = String::from_utf8_lossy(status_and_headers);
            let status: u16 = status_and_headers
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(500);
            let part_retry = status_and_headers
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("retry-after:"))
                .map(|l| l[12..].trim().to_string());
            let json = json.strip_suffix(b"\r\n").unwrap_or(json);
            answers[index] = Some(if (200..300).contains(&status) {
                serde_json::from_slice::<MessageAnswer>(json)
                    .map_err(|e| ProviderError::Transient(format!("unexpected answer: {e}")))
                    .and_then(fetched_from_answer)
            } else {
                Err(classify_gmail(status, part_retry.as_deref(), json))
            });
        }
        let items: Vec<BatchItem> = ids
            .iter()
            .cloned()
            .zip(answers)
            .map(|(id, answer)| {
                (
                    id,
                    answer.unwrap_or_else(|| {
                        Err(ProviderError::Transient("no answer for this part".into()))
                    }),
                )
            })
            .collect();
        if !items.is_empty()
            && items
                .iter()
                .all(|(_, r)| matches!(r, Err(ProviderError::Unauthorized)))
        {
            return Err(ProviderError::Unauthorized);
        }
        Ok(items)
    }
}

/// Gmail has no Archive: archiving takes the INBOX label off and the message stays in
/// "All Mail". This service shows an Archive folder for every Gmail mailbox anyway, so `e`
/// and "Archive" work as they do for Outlook: it holds the messages that are in none of
/// Gmail's own places (Inbox, Sent, Drafts, Trash, Spam). It is no label at Gmail: its id
/// is one Gmail never gives (system ids are these upper-case words, user ones `Label_N`),
/// and a move to it only takes labels off (see `api::mail_messages::write_through`).
pub const ARCHIVE: &str = "ARCHIVE";

/// The labels whose messages are not archived.
pub const NOT_ARCHIVED: [&str; 5] = ["INBOX", "SENT", "DRAFT", "TRASH", "SPAM"];

/// The folders a Gmail message shows in. Gmail keeps a trashed (or spam) message's other
/// labels but hides it from every other view, so here it sits in Trash (or Spam) alone —
/// a message you deleted must not stay listed in the Inbox. A message in none of Gmail's
/// own places is in [`ARCHIVE`] too.
pub fn folders_from_labels(labels: &[String]) -> Vec<String> {
    for hidden in ["TRASH", "SPAM"] {
        if labels.iter().any(|l| l == hidden) {
            return vec![hidden.to_string()];
        }
    }
    let mut folders: Vec<String> = labels.iter().filter(|l| *l != ARCHIVE).cloned().collect();
    if !folders.iter().any(|l| NOT_ARCHIVED.contains(&l.as_str())) {
        folders.push(ARCHIVE.to_string());
    }
    folders
}

#[cfg(test)]
mod archive_tests {
    use super::*;

    fn of(labels: &[&str]) -> Vec<String> {
        let labels: Vec<String> = labels.iter().map(ToString::to_string).collect();
        folders_from_labels(&labels)
    }

    #[test]
    fn a_message_out_of_gmails_own_places_is_archived() {
        assert_eq!(of(&["Label_7", "UNREAD"]), ["Label_7", "UNREAD", ARCHIVE]);
        assert_eq!(of(&[]), [ARCHIVE]);
        assert_eq!(of(&["INBOX", "Label_7"]), ["INBOX", "Label_7"]);
        assert_eq!(of(&["SENT"]), ["SENT"]);
        assert_eq!(of(&["DRAFT"]), ["DRAFT"]);
        assert_eq!(of(&["TRASH", "Label_7"]), ["TRASH"]);
        // Computed afresh: a stale ARCHIVE in the input does not survive a return to the inbox.
        assert_eq!(of(&["INBOX", ARCHIVE]), ["INBOX"]);
        assert_eq!(of(&[ARCHIVE, "Label_7"]), ["Label_7", ARCHIVE]);
    }
}
