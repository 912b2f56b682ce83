//! A message's `payload` in `messages.get?format=full`: its MIME tree, each part with its
//! headers and either its body (`data`, base64url, transfer encoding undone) or, for an
//! attachment, an `attachmentId` and a size. Read by the sync (as a [`Tree`]) and by
//! attachment downloads (a part found by its `partId`).

use crate::mail::{Tree, TreeBody};
use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;

/// Gmail's base64url, with or without padding.
pub(crate) const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    #[serde(default)]
    pub part_id: String,
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub body: PartBody,
    #[serde(default)]
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartBody {
    pub attachment_id: Option<String>,
    pub data: Option<String>,
    #[serde(default)]
    pub size: u64,
}

impl Part {
    /// The part numbered `part_id` ("" is the root).
    pub fn find(&self, part_id: &str) -> Option<&Part> {
        if self.part_id == part_id {
            return Some(self);
        }
        self.parts.iter().find_map(|part| part.find(part_id))
    }

    /// The first header `name`'s value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// The inline body's bytes; `None` when there is none or it is not base64url.
    pub fn data(&self) -> Option<Vec<u8>> {
        BASE64URL.decode(self.body.data.as_deref()?).ok()
    }

    /// The part as a [`Tree`]; `None` when a body is not base64url.
    pub fn tree(&self) -> Option<Tree> {
        let body = match (&self.body.attachment_id, &self.body.data) {
            (Some(_), _) => TreeBody::Held {
                size: self.body.size,
            },
            (None, Some(_)) => TreeBody::Data(self.data()?),
            (None, None) => TreeBody::Data(Vec::new()),
        };
        Some(Tree {
            mime_type: self.mime_type.clone(),
            headers: self
                .headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect(),
            body,
            parts: self.parts.iter().map(Part::tree).collect::<Option<_>>()?,
        })
    }
}
