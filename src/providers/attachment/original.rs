//! A message's original MIME, as the provider keeps it, streamed: "Show original" and the
//! source of parts that are only exact when cut from it (an attached e-mail, a part Graph
//! lists ambiguously). Gmail wraps the bytes in base64url inside JSON (`format=raw`),
//! decoded on the fly; Graph answers with the bytes (`$value`).

use super::{DataField, Download, chunks, gmail::decoded};
use crate::providers::ProviderError;
use crate::providers::gmail::GmailClient;
use crate::providers::graph::{GraphClient, path_segment};

impl GmailClient {
    /// Message `id`'s RFC 5322 bytes, as a stream.
    pub async fn original(&self, token: &str, id: &str) -> Result<Download, ProviderError> {
        let response = self
            .answer(
                self.get(token, &format!("/messages/{}", path_segment(id)))
                    .query(&[("format", "raw")])
                    .timeout(super::DOWNLOAD_TIMEOUT),
            )
            .await?;
        Ok(Download {
            body: Box::pin(decoded(chunks(response), DataField::member(b"raw"))),
            length: None,
            charset: None,
        })
    }
}

impl GraphClient {
    /// Message `id`'s RFC 5322 bytes, as a stream.
    pub async fn original(&self, token: &str, id: &str) -> Result<Download, ProviderError> {
        let response = self
            .answer(
                self.get(token, &format!("/me/messages/{}/$value", path_segment(id)))
                    .timeout(super::DOWNLOAD_TIMEOUT),
            )
            .await?;
        Ok(Download {
            length: response.content_length(),
            charset: None,
            body: Box::pin(chunks(response)),
        })
    }
}
