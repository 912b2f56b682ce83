//! A draft as the API shows it, read from its MIME: the form's fields, its files, and
//! its inline images given back as `data:` URLs in the HTML, so an editor shows them and
//! the next save sends them again as inline parts (nothing is lost by opening a draft).

use crate::mail::compose::html::clean_stored;
use crate::mail::compose::reply::Action;
use crate::mail::compose::{FileAttachment, Person};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_parser::{Address, Message, MessageParser, MimeHeaders};
use serde::Serialize;

/// A draft's file (its bytes stay at the provider until the draft is saved or sent).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DraftFile {
    /// Its place among the draft's files: what `keepAttachments` names.
    pub id: usize,
    pub filename: String,
    pub content_type: String,
    pub size: usize,
}

/// A draft.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    /// `<accountId>:<providerDraftId>`.
    pub id: String,
    pub account_id: i64,
    #[schema(value_type = Option<crate::api::openapi::Address>)]
    pub from: Option<Person>,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub to: Vec<Person>,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub cc: Vec<Person>,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub bcc: Vec<Person>,
    pub subject: String,
    pub html: Option<String>,
    pub text: Option<String>,
    pub attachments: Vec<DraftFile>,
    /// The message this draft answers (its Message-ID), if it is a reply or forward.
    pub in_reply_to: Option<String>,
    /// The message of this mailbox the draft answers, found by its In-Reply-To (or, for
    /// a forward, its References), wherever the draft was started; null for a new
    /// message or an original not synced here.
    pub reference: Option<DraftReference>,
    pub provider_draft_id: String,
    /// Changes with every save, here or at the provider: give it back to `update`.
    pub version: String,
    pub updated_at: String,
}

/// What a draft answers, in `mailMessages:send`'s terms.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DraftReference {
    pub message_id: i64,
    /// `reply` or `forward` (a reply-all reads as a reply: the headers are the same).
    #[schema(value_type = String)]
    pub action: Action,
}

fn people(list: Option<&Address<'_>>) -> Vec<Person> {
    list.map(|l| {
        l.iter()
            .filter_map(|a| a.address().map(|address| Person::new(a.name(), address)))
            .collect()
    })
    .unwrap_or_default()
}

/// What a draft's MIME holds, in the form's terms.
pub struct Parsed {
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub bcc: Vec<Person>,
    pub subject: String,
    pub html: Option<String>,
    pub text: Option<String>,
    /// The files, bytes included (an update keeps the ones asked for).
    pub files: Vec<FileAttachment>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub date: Option<i64>,
}

impl Parsed {
    /// The Message-ID of the message the draft answers, and how: In-Reply-To names a
    /// reply (a forward when the subject says so: ours carry In-Reply-To too); without
    /// it, the last of the References names a forward (Outlook's).
    pub fn answers(&self) -> Option<(String, Action)> {
        let subject = self.subject.trim_start().to_ascii_lowercase();
        let forward = ["fwd:", "fw:"].iter().any(|p| subject.starts_with(p));
        match (&self.in_reply_to, self.references.last()) {
            (Some(parent), _) if forward => Some((parent.clone(), Action::Forward)),
            (Some(parent), _) => Some((parent.clone(), Action::Reply)),
            (None, Some(last)) => Some((last.clone(), Action::Forward)),
            (None, None) => None,
        }
    }
}

fn is_inline_image(part: &mail_parser::MessagePart<'_>) -> bool {
    part.content_id().is_some()
        && part
            .content_type()
            .is_some_and(|c| c.c_type.eq_ignore_ascii_case("image"))
}

pub fn parse(raw: &[u8]) -> Parsed {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Parsed {
            from: None,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            subject: String::new(),
            html: None,
            text: None,
            files: Vec::new(),
            message_id: None,
            in_reply_to: None,
            references: Vec::new(),
            date: None,
        };
    };
    let html = html_with_images(&message);
    let files = message
        .attachments()
        .filter(|part| !is_inline_image(part))
        .map(|part| FileAttachment {
            filename: part.attachment_name().unwrap_or("attachment").to_string(),
            content_type: part
                .content_type()
                .map(|c| {
                    format!(
                        "{}/{}",
                        c.c_type,
                        c.c_subtype.as_deref().unwrap_or("octet-stream")
                    )
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase(),
            content: part.contents().to_vec(),
            content_id: None,
            forwarded: false,
        })
        .collect();
    Parsed {
        from: people(message.from()).into_iter().next(),
        to: people(message.to()),
        cc: people(message.cc()),
        bcc: people(message.bcc()),
        subject: message.subject().unwrap_or("").to_string(),
        text: message
            .body_text(0)
            .map(|t| t.into_owned())
            .filter(|_| html.is_none() || message.text_body.first() != message.html_body.first()),
        html,
        files,
        message_id: message.message_id().map(ToString::to_string),
        in_reply_to: message.in_reply_to().as_text().map(ToString::to_string),
        references: message
            .references()
            .as_text_list()
            .map(|l| l.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
        date: message.date().map(|d| d.to_timestamp()),
    }
}

/// The HTML body, cleaned, its `cid:` images replaced by `data:` URLs of their parts.
fn html_with_images(message: &Message<'_>) -> Option<String> {
    if message.html_body.is_empty() {
        return None;
    }
    let mut html = message.body_html(0)?.into_owned();
    for part in message.attachments().filter(|p| is_inline_image(p)) {
        let Some(cid) = part.content_id() else {
            continue;
        };
        let kind = part
            .content_type()
            .and_then(|c| c.c_subtype.as_deref())
            .unwrap_or("png")
            .to_ascii_lowercase();
        let url = format!(
            "data:image/{kind};base64,{}",
            STANDARD.encode(part.contents())
        );
        html = html.replace(&format!("cid:{cid}"), &url);
    }
    Some(clean_stored(&html))
}
