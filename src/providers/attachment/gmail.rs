//! Gmail: find the part in `messages.get` (format=full), then stream
//! `messages.attachments.get`. Attachment ids are not stable between calls, so the part
//! is looked up by its `partId` each time; small parts come inline in the payload. An
//! attached e-mail, or a part the payload does not hold as a leaf, is cut from the
//! message's original instead.

use super::{DataField, Download, charset_of, chunks, cut_part};
use crate::providers::ProviderError;
use crate::providers::gmail::GmailClient;
use crate::providers::gmail::payload::Part;
use bytes::Bytes;
use futures_util::{StreamExt, stream};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct MessagePayload {
    payload: Part,
}

impl GmailClient {
    /// The bytes of the leaf part `part_id` of message `id`, as a stream.
    pub async fn attachment(
        &self,
        token: &str,
        id: &str,
        part_id: &str,
    ) -> Result<Download, ProviderError> {
        let message: MessagePayload = self
            .send(self.get(token, &format!("/messages/{id}?format=full")))
            .await?;
        let leaf = message.payload.find(part_id).filter(|part| {
            part.parts.is_empty() && !part.mime_type.to_ascii_lowercase().starts_with("message/")
        });
        let Some(part) = leaf else {
            return cut_part(self.original(token, id).await?, part_id).await;
        };
        let charset = part.header("content-type").and_then(charset_of);
        if part.body.data.is_some() {
            let bytes = part.data().ok_or_else(|| {
                ProviderError::Transient("unexpected answer: data is not base64url".into())
            })?;
            return Ok(Download {
                length: Some(bytes.len() as u64),
                body: Box::pin(stream::once(async { Ok(Bytes::from(bytes)) })),
                charset,
            });
        }
        let attachment = part
            .body
            .attachment_id
            .as_deref()
            .ok_or(ProviderError::NotFound)?;
        let response = self
            .answer(
                self.get(token, &format!("/messages/{id}/attachments/{attachment}"))
                    .timeout(super::DOWNLOAD_TIMEOUT),
            )
            .await?;
        Ok(Download {
            body: Box::pin(decoded(chunks(response), DataField::new())),
            length: None,
            charset,
        })
    }
}

/// The member `field` reads (`data` of an attachments.get answer, `raw` of a message in
/// `format=raw`), decoded as the answer arrives.
pub(super) fn decoded(
    answer: impl futures_util::Stream<Item = Result<Bytes, ProviderError>> + Send + 'static,
    field: DataField,
) -> impl futures_util::Stream<Item = Result<Bytes, ProviderError>> + Send {
    let malformed = |e: String| ProviderError::Transient(format!("unexpected answer: {e}"));
    let state = (Box::pin(answer), field);
    stream::try_unfold(state, move |(mut answer, mut field)| async move {
        loop {
            match answer.next().await {
                Some(chunk) => {
                    let bytes = field.feed(&chunk?).map_err(malformed)?;
                    if !bytes.is_empty() {
                        return Ok(Some((Bytes::from(bytes), (answer, field))));
                    }
                }
                None => {
                    field.finish().map_err(malformed)?;
                    return Ok(None);
                }
            }
        }
    })
}
