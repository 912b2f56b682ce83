//! Outgoing mail: the message a caller asked for, completed from the message it answers
//! (recipients, subject, threading headers, the quoted original, forwarded attachments;
//! [`reply`]), checked ([`address`]), and written out as MIME by mail-builder.

pub mod address;
pub mod html;
pub mod reply;
pub mod text;
pub mod variables;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as BuilderAddress;
use mail_builder::mime::{BodyPart, MimePart};
use serde::{Deserialize, Serialize};

/// A sender or recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: Option<String>,
    /// As given; compared case-insensitively.
    pub address: String,
}

impl Person {
    pub fn new(name: Option<&str>, address: &str) -> Self {
        Self {
            name: name
                .filter(|n| !n.trim().is_empty())
                .map(ToString::to_string),
            address: address.to_string(),
        }
    }

    fn to_builder(&self) -> BuilderAddress<'static> {
        BuilderAddress::new_address(self.name.clone(), self.address.clone())
    }
}

/// A file to attach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAttachment {
    pub filename: String,
    pub content_type: String,
    /// Kept as base64 when a scheduled message is stored.
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
    /// Set for an inline part the HTML shows by `cid:` (without angle brackets).
    #[serde(default)]
    pub content_id: Option<String>,
    /// A file of the forwarded original, sent on with it (Graph's `createForward` copies
    /// these itself).
    #[serde(default)]
    pub forwarded: bool,
}

/// The message an answer answers, as its provider names it: Graph makes reply and
/// forward drafts from it (`createReply` …), which keeps them in the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answering {
    pub provider_message_id: String,
    pub action: reply::Action,
}

/// A message ready to be written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    pub from: Person,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub bcc: Vec<Person>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<FileAttachment>,
    /// Message-IDs without angle brackets.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The provider thread a reply or forward joins (Gmail `threadId`).
    pub provider_thread_id: Option<String>,
    /// The original a reply or forward answers, when the provider still holds it.
    #[serde(default)]
    pub answers: Option<Answering>,
}

impl Outgoing {
    /// Every recipient: To, Cc and Bcc.
    pub fn recipients(&self) -> impl Iterator<Item = &Person> {
        self.to.iter().chain(&self.cc).chain(&self.bcc)
    }

    /// The size the message will have, roughly: bodies plus attachments in base64.
    pub fn estimated_size(&self) -> u64 {
        let bodies =
            self.text.as_ref().map_or(0, String::len) + self.html.as_ref().map_or(0, String::len);
        let files: usize = self
            .attachments
            .iter()
            .map(|a| a.content.len() / 3 * 4 + 4)
            .sum();
        (bodies + files + 2048) as u64
    }

    /// RFC 5322 bytes, dated `date` (seconds since the epoch). Bcc stays in the headers
    /// on purpose: both providers read recipients from them and strip Bcc on delivery.
    pub fn to_mime(&self, date: i64) -> Vec<u8> {
        self.mime_with(date, &self.attachments.iter().collect::<Vec<_>>())
    }

    /// Like [`Outgoing::to_mime`] with only `files` attached (Graph takes large files
    /// separately).
    pub fn mime_with(&self, date: i64, files: &[&FileAttachment]) -> Vec<u8> {
        let list = |people: &[Person]| {
            BuilderAddress::new_list(people.iter().map(Person::to_builder).collect())
        };
        let mut builder = MessageBuilder::new()
            .from(self.from.to_builder())
            .subject(self.subject.clone())
            .message_id(self.message_id.clone())
            .date(date);
        if !self.to.is_empty() {
            builder = builder.to(list(&self.to));
        }
        if !self.cc.is_empty() {
            builder = builder.cc(list(&self.cc));
        }
        if !self.bcc.is_empty() {
            builder = builder.bcc(list(&self.bcc));
        }
        if let Some(parent) = &self.in_reply_to {
            builder = builder.in_reply_to(parent.clone());
        }
        if !self.references.is_empty() {
            builder = builder.references(self.references.clone());
        }
        // multipart/mixed (files) around multipart/related (inline images) around
        // multipart/alternative (text, HTML): each layer only when it has a second part.
        let text = |t: &String| MimePart::new("text/plain", BodyPart::Text(t.clone().into()));
        let html = |h: &String| MimePart::new("text/html", BodyPart::Text(h.clone().into()));
        let mut body = match (&self.text, &self.html) {
            (Some(t), Some(h)) => MimePart::new("multipart/alternative", vec![text(t), html(h)]),
            (None, Some(h)) => html(h),
            (Some(t), None) => text(t),
            (None, None) => text(&String::new()),
        };
        let (inline, attached): (Vec<&FileAttachment>, Vec<&FileAttachment>) =
            files.iter().copied().partition(|f| f.content_id.is_some());
        if !inline.is_empty() {
            let mut parts = vec![body];
            parts.extend(inline.into_iter().map(|f| {
                MimePart::new(f.content_type.clone(), f.content.clone())
                    .inline()
                    .cid(f.content_id.clone().unwrap_or_default())
            }));
            body = MimePart::new("multipart/related", parts);
        }
        if !attached.is_empty() {
            let mut parts = vec![body];
            parts.extend(attached.into_iter().map(|f| {
                MimePart::new(f.content_type.clone(), f.content.clone())
                    .attachment(f.filename.clone())
            }));
            body = MimePart::new("multipart/mixed", parts);
        }
        // Writing into a Vec cannot fail.
        builder.body(body).write_to_vec().unwrap_or_default()
    }
}

/// A new Message-ID at the sender's domain.
pub fn new_message_id(from: &str) -> String {
    let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    format!("{:032x}.em@{domain}", rand::random::<u128>())
}

mod base64_bytes {
    use super::{Engine, STANDARD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{FileAttachment, Outgoing, Person};
    use mail_parser::{MessageParser, MimeHeaders};

    #[test]
    fn writes_headers_bodies_and_attachments_that_parse_back() {
        let outgoing = Outgoing {
            from: Person::new(Some("Ann Example"), "ann@x.test"),
            to: vec![Person::new(Some("Zoë"), "zoe@acme.com")],
            cc: vec![Person::new(None, "carl@globex.io")],
            bcc: vec![Person::new(None, "boss@x.test")],
            subject: "Re: Überweisung \r\nBcc: evil@x.test".into(),
            text: Some("hello".into()),
            html: Some("<p>hello</p>".into()),
            attachments: vec![FileAttachment {
                filename: "Rechnung März.pdf".into(),
                content_type: "application/pdf".into(),
                content: vec![0, 1, 2, 255],
                content_id: None,
                forwarded: false,
            }],
            message_id: "abc.em@x.test".into(),
            in_reply_to: Some("orig@acme.com".into()),
            references: vec!["root@acme.com".into(), "orig@acme.com".into()],
            provider_thread_id: None,
            answers: None,
        };
        let raw = outgoing.to_mime(1_700_000_000);
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            parsed.from().unwrap().first().unwrap().address(),
            Some("ann@x.test")
        );
        assert_eq!(parsed.to().unwrap().first().unwrap().name(), Some("Zoë"));
        assert_eq!(
            parsed.bcc().unwrap().first().unwrap().address(),
            Some("boss@x.test")
        );
        assert_eq!(parsed.message_id(), Some("abc.em@x.test"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("orig@acme.com"));
        assert_eq!(
            parsed.references().as_text_list().unwrap(),
            ["root@acme.com", "orig@acme.com"]
        );
        assert_eq!(parsed.body_text(0).unwrap(), "hello");
        assert_eq!(parsed.body_html(0).unwrap(), "<p>hello</p>");
        let file = parsed.attachments().next().unwrap();
        assert_eq!(file.attachment_name(), Some("Rechnung März.pdf"));
        assert_eq!(file.contents(), [0, 1, 2, 255]);
        // A line break in the subject stays inside the subject.
        assert!(parsed.subject().unwrap().contains("Überweisung"));
        assert_eq!(parsed.bcc().unwrap().iter().count(), 1);
    }
}
