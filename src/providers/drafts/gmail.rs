//! Gmail `drafts.create`, `get`, `list`, `update`, `delete`, `send` (the message as
//! base64url `raw` in JSON; the thread kept with `threadId`).

use super::{DraftContent, DraftPage, DraftRef};
use crate::providers::ProviderError;
use crate::providers::gmail::GmailClient;
use crate::providers::send::{Sent, gmail_sent_by};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
struct Draft {
    id: String,
    message: DraftMessage,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DraftMessage {
    id: String,
    thread_id: Option<String>,
    raw: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DraftList {
    #[serde(default)]
    drafts: Vec<Draft>,
    next_page_token: Option<String>,
}

impl Draft {
    fn reference(&self) -> DraftRef {
        DraftRef {
            id: self.id.clone(),
            thread_id: self.message.thread_id.clone(),
            version: self.message.id.clone(),
        }
    }
}

fn body(raw: &[u8], thread: Option<&str>) -> serde_json::Value {
    let mut message = json!({"raw": URL_SAFE_NO_PAD.encode(raw)});
    if let Some(thread) = thread {
        message["threadId"] = json!(thread);
    }
    json!({"message": message})
}

impl GmailClient {
    pub async fn draft_create(
        &self,
        token: &str,
        raw: &[u8],
        thread: Option<&str>,
    ) -> Result<DraftRef, ProviderError> {
        let request = self
            .http
            .post(format!("{}/drafts", self.base))
            .bearer_auth(token)
            .json(&body(raw, thread));
        Ok(self.send::<Draft>(request).await?.reference())
    }

    pub async fn draft_update(
        &self,
        token: &str,
        id: &str,
        raw: &[u8],
        thread: Option<&str>,
    ) -> Result<DraftRef, ProviderError> {
        let mut update = body(raw, thread);
        update["id"] = json!(id);
        let request = self
            .http
            .put(format!("{}/drafts/{}", self.base, urlencoding(id)))
            .bearer_auth(token)
            .json(&update);
        Ok(self.send::<Draft>(request).await?.reference())
    }

    pub async fn draft_get(&self, token: &str, id: &str) -> Result<DraftContent, ProviderError> {
        let draft: Draft = self
            .send(self.get(token, &format!("/drafts/{}?format=raw", urlencoding(id))))
            .await?;
        let raw = draft.message.raw.as_deref().unwrap_or("");
        let raw = URL_SAFE_NO_PAD
            .decode(raw.trim_end_matches('='))
            .or_else(|_| URL_SAFE.decode(raw))
            .map_err(|_| ProviderError::Transient("a draft's raw message did not decode".into()))?;
        Ok(DraftContent {
            draft: draft.reference(),
            raw,
        })
    }

    pub async fn draft_list(
        &self,
        token: &str,
        max: u32,
        page: Option<&str>,
    ) -> Result<DraftPage, ProviderError> {
        let mut path = format!("/drafts?maxResults={}", max.clamp(1, 500));
        if let Some(page) = page {
            path.push_str(&format!("&pageToken={}", urlencoding(page)));
        }
        let list: DraftList = self.send(self.get(token, &path)).await?;
        Ok(DraftPage {
            drafts: list.drafts.iter().map(Draft::reference).collect(),
            next: list.next_page_token,
        })
    }

    pub async fn draft_delete(&self, token: &str, id: &str) -> Result<(), ProviderError> {
        self.answer(
            self.http
                .delete(format!("{}/drafts/{}", self.base, urlencoding(id)))
                .bearer_auth(token),
        )
        .await?;
        Ok(())
    }

    /// Sends the draft as it is at Gmail. Like a send: a failure after the request went
    /// out is `OutcomeUnknown`, never retried.
    pub async fn draft_send(&self, token: &str, id: &str) -> Result<Sent, ProviderError> {
        let request = self
            .http
            .post(format!("{}/drafts/send", self.base))
            .bearer_auth(token)
            .json(&json!({"id": id}));
        gmail_sent_by(request).await
    }
}

/// A path segment: Gmail's draft ids are letters and digits, but nothing is assumed.
fn urlencoding(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}
