//! Graph: a draft made from the MIME — with the attachments when the whole message fits
//! the ~3 MB Graph takes in one request — then larger attachments added to the draft (a
//! POST each under 3 MB, an upload session above), then the draft sent. With ImmutableId
//! the draft's id is the sent message's id, and the draft answer carries the thread.
//! A reply or forward is made from its original instead (`graph_answer.rs`).

use super::{SEND_TIMEOUT, Sent, hand_over};
use crate::mail::compose::{FileAttachment, Outgoing};
use crate::providers::ProviderError;
use crate::providers::error::{classify_graph, retry_after_of, transport};
use crate::providers::graph::{GraphClient, path_segment};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::json;

/// The most a message (or one attachment) may weigh to go in a single Graph request.
const ONE_REQUEST: u64 = 3 * 1024 * 1024;
/// Upload-session chunks: a multiple of 320 KiB, under Graph's 4 MB per request.
const CHUNK: usize = 10 * 320 * 1024;

/// A draft Graph made: its id (immutable) and conversation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub id: String,
    pub conversation_id: Option<String>,
    /// Changes with every change to the item.
    pub change_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadSession {
    upload_url: String,
}

impl GraphClient {
    /// Sends `outgoing` (dated `date`, seconds since the epoch).
    pub async fn send_message(
        &self,
        token: &str,
        outgoing: &Outgoing,
        date: i64,
    ) -> Result<Sent, ProviderError> {
        let draft = self.save_draft(token, outgoing, date).await?;
        let id = path_segment(&draft.id);
        let request = self
            .http
            .post(format!("{}/me/messages/{id}/send", self.base))
            .bearer_auth(token)
            .header("content-length", "0");
        let (response, status) = hand_over(request, "microsoft").await?;
        if !(200..300).contains(&status) {
            let retry_after = retry_after_of(&response);
            let body = response.bytes().await.map_err(transport)?;
            self.discard(token, &id).await;
            return Err(classify_graph(status, retry_after.as_deref(), &body));
        }
        Ok(Sent {
            provider_message_id: Some(draft.id),
            provider_thread_id: draft.conversation_id,
        })
    }

    /// Saves `outgoing` as a draft in Drafts: made from the MIME, large files added to it
    /// after. A draft left half made is deleted.
    pub async fn save_draft(
        &self,
        token: &str,
        outgoing: &Outgoing,
        date: i64,
    ) -> Result<Draft, ProviderError> {
        if let Some(answering) = &outgoing.answers {
            match self.save_answer(token, outgoing, answering).await {
                // The original is gone at Graph: the answer is a draft of its own.
                Err(ProviderError::NotFound) => {}
                saved => return saved,
            }
        }
        let together = outgoing.estimated_size() <= ONE_REQUEST;
        // Inline images stay in the MIME (the HTML names them by cid:); other files too
        // when the whole message fits one request, else they are added to the draft.
        let (inline, attached): (Vec<&FileAttachment>, Vec<&FileAttachment>) = outgoing
            .attachments
            .iter()
            .partition(|f| f.content_id.is_some());
        let mime = if together {
            outgoing.to_mime(date)
        } else {
            outgoing.mime_with(date, &inline)
        };
        let draft: Draft = self
            .json(
                self.http
                    .post(format!("{}/me/messages", self.base))
                    .bearer_auth(token)
                    .header("content-type", "text/plain")
                    .timeout(SEND_TIMEOUT)
                    .body(STANDARD.encode(&mime)),
            )
            .await?;
        drop(mime);
        let id = path_segment(&draft.id);
        if together {
            return Ok(draft);
        }
        for file in &attached {
            if let Err(error) = self.attach(token, &id, file).await {
                self.discard(token, &id).await;
                return Err(error);
            }
        }
        self.draft_as_now(token, &id).await
    }

    /// Draft `id` (path-escaped) as Graph holds it now: each file added changed its
    /// change key, and its version is the one after them.
    pub(super) async fn draft_as_now(&self, token: &str, id: &str) -> Result<Draft, ProviderError> {
        self.json(self.get(
            token,
            &format!("/me/messages/{id}?$select=id,conversationId,changeKey"),
        ))
        .await
    }

    /// Adds one file to a draft (an inline image with its `cid:`).
    pub(super) async fn attach(
        &self,
        token: &str,
        id: &str,
        file: &FileAttachment,
    ) -> Result<(), ProviderError> {
        if (file.content.len() as u64) < ONE_REQUEST {
            self.answer(
                self.http
                    .post(format!("{}/me/messages/{id}/attachments", self.base))
                    .bearer_auth(token)
                    .timeout(SEND_TIMEOUT)
                    .json(&json!({
                        "@odata.type": "#microsoft.graph.fileAttachment",
                        "name": file.filename,
                        "contentType": file.content_type,
                        "contentBytes": STANDARD.encode(&file.content),
                        "isInline": file.content_id.is_some(),
                        "contentId": file.content_id,
                    })),
            )
            .await?;
            return Ok(());
        }
        let session: UploadSession = self
            .json(
                self.http
                    .post(format!(
                        "{}/me/messages/{id}/attachments/createUploadSession",
                        self.base
                    ))
                    .bearer_auth(token)
                    .json(&json!({"AttachmentItem": {
                        "attachmentType": "file",
                        "name": file.filename,
                        "size": file.content.len(),
                        "contentType": file.content_type,
                        "isInline": file.content_id.is_some(),
                        "contentId": file.content_id,
                    }})),
            )
            .await?;
        if !(session.upload_url.starts_with("https://")
            || session.upload_url.starts_with("http://"))
        {
            return Err(ProviderError::Transient(
                "the upload session has no usable URL".into(),
            ));
        }
        let total = file.content.len();
        for (index, chunk) in file.content.chunks(CHUNK).enumerate() {
            let start = index * CHUNK;
            let end = start + chunk.len() - 1;
            // The upload URL carries its own authorization; the token is not sent there.
            let response = self
                .http
                .put(&session.upload_url)
                .header("content-range", format!("bytes {start}-{end}/{total}"))
                .timeout(SEND_TIMEOUT)
                .body(chunk.to_vec())
                .send()
                .await
                .map_err(transport)?;
            let status = response.status().as_u16();
            if !(200..300).contains(&status) {
                let body = response.bytes().await.map_err(transport)?;
                return Err(classify_graph(status, None, &body));
            }
        }
        Ok(())
    }

    /// Deletes a draft that will not be sent (best effort: a leftover draft harms no one).
    pub(super) async fn discard(&self, token: &str, id: &str) {
        if let Err(error) = self.delete(token, id).await {
            tracing::warn!(error = %error, "an unsent draft could not be deleted");
        }
    }
}
