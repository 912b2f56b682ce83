//! Graph: an attachment stored from Graph's own list at sync (its `part_id` marked with
//! Graph's id) is streamed from its `$value` at once. One stored from the MIME tree (a
//! message synced whole) is looked up in the message's attachment list first. Graph
//! numbers and names attachments its own way (it names an unnamed part itself, lists an
//! attached e-mail as an item named by its subject), so such a one is taken from that
//! list only when it is certain: the one listed with its file name, when that name is
//! given and unique on both sides. Anything else (two unnamed parts, two files of one
//! name, an attached e-mail) is cut from the message's original MIME by its part
//! number: slower, and never another part's bytes.

use super::{Download, charset_of, chunks, cut_part};
use crate::providers::ProviderError;
use crate::providers::graph::message::ATTACHMENT_ID_MARK;
use crate::providers::graph::{Collection, GraphClient, path_segment};
use serde::Deserialize;

/// The name the parser gives a part that has none; Graph gives such a part its own.
const UNNAMED: &str = "attachment";

/// Which attachment, as the store knows it.
#[derive(Debug, Clone)]
pub struct AttachmentName {
    pub filename: String,
    /// How many of the message's stored attachments carry this file name.
    pub named: usize,
    /// Its place in the MIME tree (Gmail's numbering), for cutting it from the original.
    pub part_id: String,
}

impl AttachmentName {
    /// The listed attachment that is certainly this one, if any.
    fn pick<'a>(&self, listed: &'a [Listed]) -> Option<&'a Listed> {
        if self.filename == UNNAMED || self.named != 1 {
            return None;
        }
        let mut same = listed
            .iter()
            .filter(|a| a.name.as_deref() == Some(self.filename.as_str()));
        match (same.next(), same.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
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
        // Stored from the attachment list at sync: its id is known, no list to ask.
        if let Some(attachment) = wanted.part_id.strip_prefix(ATTACHMENT_ID_MARK) {
            return self.attachment_value(token, id, attachment).await;
        }
        let listed: Collection<Listed> = self
            .json(self.get(
                token,
                &format!(
                    "/me/messages/{}/attachments?$select=id,name,contentType,size,isInline",
                    path_segment(id)
                ),
            ))
            .await?;
        let Some(attachment) = wanted.pick(&listed.value) else {
            return cut_part(self.original(token, id).await?, &wanted.part_id).await;
        };
        self.attachment_value(token, id, &attachment.id).await
    }

    /// The bytes of message `id`'s attachment `attachment` (Graph's id), as a stream.
    async fn attachment_value(
        &self,
        token: &str,
        id: &str,
        attachment: &str,
    ) -> Result<Download, ProviderError> {
        let response = self
            .answer(
                self.get(
                    token,
                    &format!(
                        "/me/messages/{}/attachments/{}/$value",
                        path_segment(id),
                        path_segment(attachment)
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

    fn listed(items: &[(&str, &str)]) -> Vec<Listed> {
        items
            .iter()
            .map(|(id, name)| Listed {
                id: (*id).into(),
                name: Some((*name).into()),
            })
            .collect()
    }

    fn wanted(filename: &str, named: usize) -> AttachmentName {
        AttachmentName {
            filename: filename.into(),
            named,
            part_id: "1".into(),
        }
    }

    /// Only a certain match is taken from the list: two unnamed parts (which Graph names
    /// itself) or two files of one name are cut from the original instead, so one can
    /// never be served the other's bytes.
    #[test]
    fn takes_only_a_certain_match() {
        let list = listed(&[
            ("1", "a.pdf"),
            ("2", "image001.png"),
            ("3", "a.pdf"),
            ("4", "b.txt"),
            ("5", "ATT00001.bin"),
        ]);
        let id = |w: AttachmentName| w.pick(&list).map(|a| a.id.clone());
        assert_eq!(id(wanted("b.txt", 1)), Some("4".into()));
        assert_eq!(id(wanted("image001.png", 1)), Some("2".into()));
        assert_eq!(id(wanted("a.pdf", 2)), None, "two of one name here");
        assert_eq!(id(wanted("a.pdf", 1)), None, "two of one name there");
        assert_eq!(id(wanted("attachment", 1)), None, "unnamed");
        assert_eq!(id(wanted("c.doc", 1)), None, "not listed");
    }
}
