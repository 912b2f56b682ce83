//! Graph: find the attachment among the message's attachments (metadata only), then
//! stream its `$value`. Graph numbers attachments its own way, so the one we stored from
//! the MIME tree is matched by file name and, among equal names, by position; when no
//! name matches (a part without a name, which Graph names itself), by position alone
//! provided Graph lists as many attachments as we stored.

use super::{Download, charset_of, chunks};
use crate::providers::ProviderError;
use crate::providers::graph::{Collection, GraphClient, path_segment};
use serde::Deserialize;

/// Which attachment: its file name, how many earlier attachments of the same message
/// carry the same name, its position among them all and how many there are.
#[derive(Debug, Clone)]
pub struct AttachmentName {
    pub filename: String,
    pub ordinal: usize,
    pub position: usize,
    pub siblings: usize,
}

impl AttachmentName {
    fn pick<'a>(&self, listed: &'a [Listed]) -> Option<&'a Listed> {
        let named = listed
            .iter()
            .filter(|a| a.name.as_deref() == Some(self.filename.as_str()))
            .nth(self.ordinal);
        named.or_else(|| {
            (listed.len() == self.siblings)
                .then(|| listed.get(self.position))
                .flatten()
        })
    }
}

#[derive(Debug, Deserialize)]
struct Listed {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

impl GraphClient {
    /// The bytes of message `id`'s attachment `wanted`, as a stream.
    pub async fn attachment(
        &self,
        token: &str,
        id: &str,
        wanted: &AttachmentName,
    ) -> Result<Download, ProviderError> {
        let listed: Collection<Listed> = self
            .json(self.get(
                token,
                &format!("/me/messages/{id}/attachments?$select=id,name,contentType,size"),
            ))
            .await?;
        let attachment = wanted.pick(&listed.value).ok_or(ProviderError::NotFound)?;
        let response = self
            .answer(
                self.get(
                    token,
                    &format!(
                        "/me/messages/{id}/attachments/{}/$value",
                        path_segment(&attachment.id)
                    ),
                )
                .timeout(super::DOWNLOAD_TIMEOUT),
            )
            .await?;
        let charset = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(charset_of);
        Ok(Download {
            length: response.content_length(),
            charset,
            body: Box::pin(chunks(response)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{AttachmentName, Listed};

    #[test]
    fn matches_by_name_then_by_position() {
        let listed: Vec<Listed> = [("1", "a.pdf"), ("2", "x.png"), ("3", "a.pdf")]
            .iter()
            .map(|(id, name)| Listed {
                id: (*id).into(),
                name: Some((*name).into()),
            })
            .collect();
        let wanted = |filename: &str, ordinal, position, siblings| AttachmentName {
            filename: filename.into(),
            ordinal,
            position,
            siblings,
        };
        let id = |w: AttachmentName| w.pick(&listed).map(|a| a.id.clone());
        assert_eq!(id(wanted("a.pdf", 1, 2, 3)), Some("3".into()));
        assert_eq!(id(wanted("attachment", 0, 1, 3)), Some("2".into()));
        assert_eq!(id(wanted("attachment", 0, 1, 4)), None);
        assert_eq!(id(wanted("a.pdf", 2, 2, 4)), None);
    }
}
