//! Messages as both providers hold them: metadata kept in memory, bytes rendered or stored.

use crate::generate;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Address, Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// A name and an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub address: String,
}

/// An attachment a generated message carries; its bytes are made when rendered.
#[derive(Debug, Clone)]
pub struct AttachmentSpec {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
}

/// What [`generate::render`] needs besides the metadata.
#[derive(Debug, Clone)]
pub struct GeneratedBody {
    pub seed: u64,
    pub attachments: Vec<AttachmentSpec>,
    pub inline_image: bool,
    pub remote_image: bool,
}

/// The header facts and sizes searches and listings need, without the body.
#[derive(Debug, Clone)]
pub struct MessageMeta {
    /// RFC 5322 Message-ID, with angle brackets.
    pub message_id: String,
    pub subject: String,
    pub from: Person,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub bcc: Vec<Person>,
    pub reply_to: Vec<Person>,
    /// Epoch milliseconds.
    pub date_ms: i64,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attachment_names: Vec<String>,
    /// Whether it has a file that is not shown inline (Graph's `hasAttachments`: an
    /// inline image in an HTML body does not count).
    pub has_files: bool,
    /// The start of the plain text (whitespace collapsed, up to 255 characters).
    pub snippet: String,
    pub size: u64,
}

/// Where a message's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    Generated(Arc<GeneratedBody>),
    Raw(Arc<Vec<u8>>),
}

/// What reads take from a message's MIME besides its metadata.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The plain-text body and the HTML body, as Graph shows them.
    pub text: Option<String>,
    pub html: Option<String>,
    /// Every header as written, in order, its value trimmed.
    pub headers: Vec<(String, String)>,
}

impl Parsed {
    fn of(raw: &[u8]) -> Parsed {
        let Some(message) = MessageParser::default().parse(raw) else {
            return Parsed::default();
        };
        let (text, html) = main_bodies(&message);
        let content = |i: Option<u32>| {
            i.and_then(|i| message.part(i))
                .and_then(|p| p.text_contents().map(ToString::to_string))
        };
        Parsed {
            text: content(text),
            html: content(html),
            headers: message
                .headers_raw()
                .map(|(name, value)| (name.to_string(), value.trim().to_string()))
                .collect(),
        }
    }
}

/// A message: its metadata and a way to its bytes.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub meta: Arc<MessageMeta>,
    pub source: Source,
    /// Its bodies and headers, parsed once: on arrival for delivered mail (before the
    /// world is locked), on first read for generated mail. Parsing a 40 MB message on
    /// every delta page held the world's lock for seconds on a loaded machine, and every
    /// other request, the sidecar's retries included, timed out behind it.
    parsed: Arc<OnceLock<Parsed>>,
}

impl StoredMessage {
    /// A generated message; its bytes are rendered when read.
    pub fn generated(meta: MessageMeta, body: GeneratedBody) -> StoredMessage {
        StoredMessage {
            meta: Arc::new(meta),
            source: Source::Generated(Arc::new(body)),
            parsed: Arc::default(),
        }
    }

    /// Its bodies and headers (parsed on the first call).
    pub fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| Parsed::of(&self.raw()))
    }

    /// The RFC 5322 bytes.
    pub fn raw(&self) -> Vec<u8> {
        match &self.source {
            Source::Generated(body) => generate::render(&self.meta, body),
            Source::Raw(bytes) => bytes.as_ref().clone(),
        }
    }

    /// Stores `raw` as sent or delivered mail. A missing Message-ID or Date is added, as
    /// the providers do. `None` when the bytes are not a message.
    pub fn from_raw(raw: &[u8], now_ms: i64) -> Option<StoredMessage> {
        let mut bytes = raw.to_vec();
        let parsed = MessageParser::default().parse(raw)?;
        if parsed.headers().is_empty() {
            return None;
        }
        let mut prefix = String::new();
        if parsed.message_id().is_none() {
            prefix.push_str(&format!(
                "Message-ID: <emu-{:016x}@mail.emulator>\r\n",
                rand::random::<u64>()
            ));
        }
        if parsed.date().is_none() {
            prefix.push_str(&format!(
                "Date: {}\r\n",
                chrono::DateTime::from_timestamp_millis(now_ms)
                    .unwrap_or_default()
                    .to_rfc2822()
            ));
        }
        if !prefix.is_empty() {
            bytes.splice(0..0, prefix.into_bytes());
        }
        let meta = meta_from_raw(&bytes, now_ms)?;
        let parsed = OnceLock::from(Parsed::of(&bytes));
        Some(StoredMessage {
            meta: Arc::new(meta),
            source: Source::Raw(Arc::new(bytes)),
            parsed: Arc::new(parsed),
        })
    }
}

impl MessageMeta {
    /// Metadata for a generated message (its snippet and size estimated from the body).
    #[allow(clippy::too_many_arguments)]
    pub fn for_generated(
        message_id: String,
        subject: String,
        from: Person,
        to: Vec<Person>,
        cc: Vec<Person>,
        date_ms: i64,
        in_reply_to: Option<String>,
        references: Vec<String>,
        body: &GeneratedBody,
    ) -> Self {
        let greeting = to
            .first()
            .map_or("there", |p| p.name.split(' ').next().unwrap_or("there"));
        let text = generate::body_text(body.seed, greeting);
        let attachments: u64 = body
            .attachments
            .iter()
            .map(|a| a.size * 137 / 100 + 300)
            .sum();
        Self {
            snippet: snippet(&text),
            size: 1200 + text.len() as u64 * 3 + attachments,
            attachment_names: body
                .attachments
                .iter()
                .map(|a| a.filename.clone())
                .collect(),
            has_files: !body.attachments.is_empty(),
            message_id,
            subject,
            from,
            to,
            cc,
            bcc: Vec::new(),
            reply_to: Vec::new(),
            date_ms,
            in_reply_to,
            references,
        }
    }

    /// Every address on the message, lower-cased.
    pub fn participants(&self) -> impl Iterator<Item = &Person> {
        std::iter::once(&self.from)
            .chain(&self.to)
            .chain(&self.cc)
            .chain(&self.bcc)
    }
}

fn people(address: Option<&Address<'_>>) -> Vec<Person> {
    address
        .map(|a| {
            a.iter()
                .filter_map(|addr| {
                    Some(Person {
                        name: addr.name.as_deref().unwrap_or("").to_string(),
                        address: addr.address.as_deref()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the metadata of stored bytes.
pub fn meta_from_raw(raw: &[u8], now_ms: i64) -> Option<MessageMeta> {
    let message = MessageParser::default().parse(raw)?;
    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .or_else(|| message.body_html(0).map(|h| strip_tags(&h)))
        .unwrap_or_default();
    let id_list = |value: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        match value {
            mail_parser::HeaderValue::Text(id) => vec![format!("<{id}>")],
            mail_parser::HeaderValue::TextList(ids) => {
                ids.iter().map(|id| format!("<{id}>")).collect()
            }
            _ => Vec::new(),
        }
    };
    Some(MessageMeta {
        message_id: message
            .message_id()
            .map(|id| format!("<{id}>"))
            .unwrap_or_default(),
        subject: message.subject().unwrap_or("").to_string(),
        from: people(message.from()).into_iter().next().unwrap_or(Person {
            name: String::new(),
            address: String::new(),
        }),
        to: people(message.to()),
        cc: people(message.cc()),
        bcc: people(message.bcc()),
        reply_to: people(message.reply_to()),
        date_ms: message.date().map_or(now_ms, |d| d.to_timestamp() * 1000),
        in_reply_to: id_list(message.in_reply_to()).into_iter().next(),
        references: id_list(message.references()),
        attachment_names: message
            .attachments()
            .filter_map(|part| part.attachment_name().map(ToString::to_string))
            .collect(),
        has_files: message
            .attachments()
            .any(|part| !is_inline(part) && !is_unnamed_text(part))
            || !extra_bodies(&message).is_empty(),
        snippet: snippet(&text),
        size: raw.len() as u64,
    })
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A preview: whitespace collapsed, at most 255 characters (Graph's `bodyPreview`).
pub fn snippet(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(255).collect()
}

/// Gmail's snippet: about 200 characters of the preview, HTML-escaped.
pub fn gmail_snippet(preview: &str) -> String {
    let short: String = preview.chars().take(200).collect();
    short
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The parts Graph shows as the body: the first plain-text part and the first HTML part
/// (by index).
fn main_bodies(message: &Message<'_>) -> (Option<u32>, Option<u32>) {
    let first = |list: &[u32], html: bool| {
        list.iter().copied().find(|&i| {
            message.part(i).is_some_and(|p| {
                matches!(
                    (&p.body, html),
                    (PartType::Text(_), false) | (PartType::Html(_), true)
                )
            })
        })
    };
    let text = first(&message.text_body, false).or_else(|| {
        message
            .attachments
            .iter()
            .copied()
            .find(|&i| message.part(i).is_some_and(is_bare_text))
    });
    (text, first(&message.html_body, true))
}

/// A text part with neither a file name nor an attachment disposition: part of the body
/// to Exchange (a calendar invite's `text/calendar` alternative, a bare `text` part),
/// never one of the files it lists.
pub fn is_unnamed_text(part: &MessagePart<'_>) -> bool {
    matches!(part.body, PartType::Text(_) | PartType::Html(_))
        && part.attachment_name().is_none()
        && !part
            .content_disposition()
            .is_some_and(|d| d.c_type.eq_ignore_ascii_case("attachment"))
}

/// A `Content-Type: text` part with no subtype, not marked as a file: plain text by RFC
/// 2045 §5.2, which the parser files among the attachments.
pub fn is_bare_text(part: &MessagePart<'_>) -> bool {
    part.content_type()
        .is_some_and(|ct| ct.c_type.eq_ignore_ascii_case("text") && ct.c_subtype.is_none())
        && !part
            .content_disposition()
            .is_some_and(|d| d.c_type.eq_ignore_ascii_case("attachment"))
}

/// The text parts besides the body: a banner or a list footer added as its own part.
/// Exchange keeps one body and offers these as files it names `ATT00001.txt`,
/// `ATT00002.htm`, … (the attachments Outlook users know by that name), by index.
pub fn extra_bodies(message: &Message<'_>) -> Vec<u32> {
    let (text, html) = main_bodies(message);
    let mut extra: Vec<u32> = message
        .text_body
        .iter()
        .chain(&message.html_body)
        .copied()
        .filter(|&i| Some(i) != text && Some(i) != html)
        .filter(|&i| {
            message
                .part(i)
                .is_some_and(|p| matches!(p.body, PartType::Text(_) | PartType::Html(_)))
        })
        .collect();
    extra.sort_unstable();
    extra.dedup();
    extra
}

/// A leaf part's file as both providers hand it out: the body with its transfer encoding
/// undone and nothing else. A text file stays in its own charset (the parser's text is
/// UTF-8); an attached e-mail is cut by the part's own offsets (the parser's nested
/// message spans the whole outer message).
pub fn file_bytes<'a>(raw: &'a [u8], part: &'a MessagePart<'_>) -> Cow<'a, [u8]> {
    if matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_)) {
        return Cow::Borrowed(part.contents());
    }
    let body = raw
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    let decoded = match part.encoding {
        Encoding::Base64 => base64_decode(body),
        Encoding::QuotedPrintable => quoted_printable_decode(body),
        Encoding::None => return Cow::Borrowed(body),
    };
    decoded.map_or(Cow::Borrowed(part.contents()), Cow::Owned)
}

/// Whether a part is shown in the body rather than offered as a file: inline by its
/// disposition, or an image named by Content-ID without a file name.
pub fn is_inline(part: &MessagePart<'_>) -> bool {
    part.content_disposition()
        .is_some_and(|d| d.c_type.eq_ignore_ascii_case("inline"))
        || (part.content_id().is_some() && part.attachment_name().is_none())
}
