//! Gmail: `messages.send` through the upload endpoint (`uploadType=multipart`: the
//! metadata with the thread, then the raw message), so a message up to Gmail's 35 MB
//! goes in one request without base64-in-JSON.

use super::{Sent, hand_over};
use crate::providers::ProviderError;
use crate::providers::error::{classify_gmail, retry_after_of, transport};
use crate::providers::gmail::{GmailClient, MessageRef};
use serde_json::json;

impl GmailClient {
    /// Sends RFC 5322 bytes, into `thread_id` when it answers a message of that thread.
    pub async fn send_message(
        &self,
        token: &str,
        raw: &[u8],
        thread_id: Option<&str>,
    ) -> Result<Sent, ProviderError> {
        let boundary = format!("em_{:032x}", rand::random::<u128>());
        let metadata = match thread_id {
            Some(thread) => json!({"threadId": thread}),
            None => json!({}),
        };
        let mut body = Vec::with_capacity(raw.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(raw);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .http
            .post(format!(
                "{}/messages/send?uploadType=multipart",
                self.upload_base
            ))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/related; boundary={boundary}"),
            )
            .body(body);
        sent_by(request).await
    }
}

/// Hands a sending request (`messages.send`, `drafts.send`) to Gmail and reads the sent
/// message from its answer.
pub(crate) async fn sent_by(request: reqwest::RequestBuilder) -> Result<Sent, ProviderError> {
    let (response, status) = hand_over(request, "google").await?;
    let retry_after = retry_after_of(&response);
    let answer = response.bytes().await.map_err(|e| {
        if (200..300).contains(&status) {
            // Accepted, though the answer was lost: sent, without its id.
            ProviderError::OutcomeUnknown(e.without_url().to_string())
        } else {
            transport(e)
        }
    })?;
    if !(200..300).contains(&status) {
        return Err(classify_gmail(status, retry_after.as_deref(), &answer));
    }
    let sent: MessageRef = serde_json::from_slice(&answer)
        .map_err(|e| ProviderError::OutcomeUnknown(format!("unexpected answer: {e}")))?;
    Ok(Sent {
        provider_message_id: Some(sent.id),
        provider_thread_id: Some(sent.thread_id),
    })
}
