use super::lean;
use super::part::file_bytes;
use chrono::NaiveDateTime;
use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use std::collections::HashMap;

/// Characters of the snippet.
const SNIPPET_CHARS: usize = 200;
/// Longest subject or display name kept (longer ones are cut, never refused).
const MAX_TEXT: usize = 2000;

/// One address on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: Option<String>,
    /// Lower-cased.
    pub address: String,
    /// The part after `@`, lower-cased.
    pub domain: String,
}

/// An attachment's metadata; `part_id` locates it in the MIME tree ("1", "0.1", …) the
/// way Gmail numbers parts, so its bytes can be fetched again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub part_id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub inline: bool,
    pub content_id: Option<String>,
}

/// What the store keeps of a message.
#[derive(Debug, Clone, Default)]
pub struct ParsedMessage {
    /// With angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub subject: String,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// The Date header, UTC.
    pub date: Option<NaiveDateTime>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub snippet: String,
    pub attachments: Vec<AttachmentMeta>,
    pub size: u64,
    /// Its HTML shows images by `cid:` that are not among `attachments` yet: read from
    /// the provider when the message is first opened (a Graph message synced from its
    /// delta page whose only files are inline images).
    pub inline_pending: bool,
}

impl ParsedMessage {
    /// Every participant with its role: `from`, `to`, `cc`, `bcc`, `reply_to`.
    pub fn participants(&self) -> Vec<(&'static str, &Address)> {
        let mut all: Vec<(&'static str, &Address)> =
            self.from.iter().map(|a| ("from", a)).collect();
        for (role, list) in [
            ("to", &self.to),
            ("cc", &self.cc),
            ("bcc", &self.bcc),
            ("reply_to", &self.reply_to),
        ] {
            all.extend(list.iter().map(|a| (role, a)));
        }
        all
    }
}

/// Text without control characters (a CR/LF in a decoded header must not reach a
/// header we write later), trimmed and bounded.
fn clean(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.trim().chars().take(MAX_TEXT).collect()
}

fn addresses(value: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    let Some(value) = value else {
        return Vec::new();
    };
    value
        .iter()
        .filter_map(|addr| {
            let address = addr.address.as_deref()?.trim().to_lowercase();
            let (local, domain) = address.rsplit_once('@')?;
            if local.is_empty()
                || domain.is_empty()
                || address.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return None;
            }
            Some(Address {
                name: addr.name.as_deref().map(clean).filter(|n| !n.is_empty()),
                domain: domain.to_string(),
                address,
            })
        })
        .collect()
}

/// A message id without its angle brackets, as mail-builder takes it.
pub fn bare_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![format!("<{}>", clean(id))],
        HeaderValue::TextList(list) => list.iter().map(|id| format!("<{}>", clean(id))).collect(),
        _ => Vec::new(),
    }
}

/// The words of HTML, as a reader sees them (tags, styles and scripts out, the common
/// entities read): for the snippet and the search index of a message without a text body.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    let lower = html.to_ascii_lowercase();
    // Style and script contents are not text a person reads.
    let mut skip_until: Option<&str> = None;
    let mut index = 0;
    let bytes = html.as_bytes();
    while index < bytes.len() {
        if let Some(end) = skip_until {
            match lower[index..].find(end) {
                Some(at) => {
                    index += at + end.len();
                    skip_until = None;
                    in_tag = false;
                    out.push(' ');
                    continue;
                }
                None => break,
            }
        }
        let c = html[index..].chars().next().unwrap_or(' ');
        if c == '<' {
            if lower[index..].starts_with("<style") {
                skip_until = Some("</style>");
            } else if lower[index..].starts_with("<script") {
                skip_until = Some("</script>");
            }
            in_tag = skip_until.is_none();
        } else if c == '>' {
            in_tag = false;
            out.push(' ');
        } else if !in_tag {
            out.push(c);
        }
        index += c.len_utf8();
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn snippet(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(SNIPPET_CHARS).collect()
}

fn content_type(part: &MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| match &ct.c_subtype {
            Some(sub) => format!("{}/{}", ct.c_type, sub).to_ascii_lowercase(),
            None => ct.c_type.to_ascii_lowercase(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.attachment_name().is_some()
        || part
            .content_disposition()
            .is_some_and(|d| d.c_type.eq_ignore_ascii_case("attachment"))
        || (matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_)))
}

/// The bytes of an attachment's file (see [`file_bytes`]); a binary part's length is
/// already its decoded size.
fn file_size(message: &Message<'_>, part: &MessagePart<'_>) -> u64 {
    if matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_)) {
        return part.len() as u64;
    }
    file_bytes(message, part).len() as u64
}

/// The file name an attached e-mail is offered under: the name its sender gave it, else
/// its subject, as mail clients do.
fn eml_name(part: &MessagePart<'_>, attached: &Message<'_>) -> String {
    let given = part.attachment_name().map(clean).filter(|n| !n.is_empty());
    eml_filename(&given.unwrap_or_else(|| attached.subject().map(clean).unwrap_or_default()))
}

/// A file name for a message saved whole, from its subject (or a given name): no path
/// or shell characters, at most 120 characters, "message" when nothing is left, always
/// ending in `.eml` so it opens as mail.
pub fn eml_filename(stem: &str) -> String {
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    let safe = safe.trim().trim_matches('.').trim();
    let stem = if safe.is_empty() { "message" } else { safe };
    if stem.to_ascii_lowercase().ends_with(".eml") {
        stem.to_string()
    } else {
        format!("{stem}.eml")
    }
}

/// Walks the MIME tree numbering parts as Gmail does ("" for the root, then "0", "0.1";
/// a single-part message's only part is the root).
/// `cut` holds the decoded sizes of bodies taken out before parsing, by where they began.
fn collect_attachments(
    message: &Message<'_>,
    index: u32,
    path: String,
    cut: &HashMap<u32, u64>,
    out: &mut Vec<AttachmentMeta>,
) {
    let Some(part) = message.part(index) else {
        return;
    };
    match &part.body {
        PartType::Multipart(children) => {
            for (k, child) in children.iter().enumerate() {
                let child_path = if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                };
                collect_attachments(message, *child, child_path, cut, out);
            }
        }
        // An attached e-mail (a forward as attachment, a digest's entry, the original a
        // bounce returns) is one file, its `.eml`; it was dropped before.
        PartType::Message(attached) => out.push(AttachmentMeta {
            filename: eml_name(part, attached),
            content_type: content_type(part),
            size: file_size(message, part),
            inline: false,
            content_id: part
                .content_id()
                .map(|id| clean(id.trim_matches(['<', '>']))),
            part_id: path,
        }),
        // The root too: a message whose whole body is one file (a scanner's PNG with
        // `Content-Disposition: attachment`) has no body, and that file is its content.
        _ if is_attachment(part) => {
            let inline = part
                .content_disposition()
                .is_some_and(|d| d.c_type.eq_ignore_ascii_case("inline"))
                || (part.content_id().is_some() && part.attachment_name().is_none());
            out.push(AttachmentMeta {
                filename: part
                    .attachment_name()
                    .map(clean)
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "attachment".into()),
                content_type: content_type(part),
                size: cut
                    .get(&part.offset_body)
                    .copied()
                    .unwrap_or_else(|| file_size(message, part)),
                inline,
                content_id: part
                    .content_id()
                    .map(|id| clean(id.trim_matches(['<', '>']))),
                part_id: path,
            });
        }
        _ => {}
    }
}

/// Parses RFC 5322 bytes; `None` when they are not a message at all. Attachment bodies
/// are taken out first (`lean`): the result is the same, without decoding them.
pub fn parse(raw: &[u8]) -> Option<ParsedMessage> {
    if let Some(lean) = lean::without_attachment_bodies(raw)
        && let Some(parsed) = parse_bytes(&lean.bytes, raw.len(), &lean.cut, Cuts::Binary)
    {
        return Some(parsed);
    }
    parse_original(raw)
}

/// Parses the bytes as they are, attachment bodies and all: what [`parse`] must match
/// (the MIME fuzzer compares the two).
pub fn parse_original(raw: &[u8]) -> Option<ParsedMessage> {
    parse_bytes(raw, raw.len(), &[], Cuts::Binary)
}

/// What a cut may be, to the parser.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Cuts {
    /// Only an empty binary part: `lean` cut a base64 body it judged binary, and a part
    /// the parser reads as text (a malformed `Content-Type: /text/html`, found by the
    /// MIME fuzzer) must make the caller parse the original instead.
    Binary,
    /// An empty text part too: a text file Gmail holds by id, rebuilt by `tree`.
    BinaryOrText,
}

/// Parses `bytes`, a message of `size` bytes from which the bodies in `cut` were taken
/// out; `None` when they are not a message, or when a cut is not, to the parser, the
/// empty part `cuts` allows where it was made (the caller then parses the original).
pub(super) fn parse_bytes(
    bytes: &[u8],
    size: usize,
    cut: &[(usize, u64)],
    cuts: Cuts,
) -> Option<ParsedMessage> {
    let message = MessageParser::default().parse(bytes)?;
    if message.headers().is_empty() {
        return None;
    }
    let cut: HashMap<u32, u64> = cut
        .iter()
        .map(|&(at, size)| (u32::try_from(at).unwrap_or(u32::MAX), size))
        .collect();
    let agrees = cut.keys().all(|&at| {
        message.parts.iter().any(|part| {
            part.offset_body == at
                && match &part.body {
                    PartType::Binary(b) | PartType::InlineBinary(b) => b.is_empty(),
                    PartType::Text(t) | PartType::Html(t) => {
                        cuts == Cuts::BinaryOrText && t.is_empty()
                    }
                    _ => false,
                }
        })
    });
    if !agrees {
        return None;
    }
    let body_html = super::body::html(&message);
    let body_text = super::body::text(&message);
    let preview = body_text
        .clone()
        .or_else(|| body_html.as_deref().map(html_text))
        .unwrap_or_default();
    let mut attachments = Vec::new();
    collect_attachments(&message, 0, String::new(), &cut, &mut attachments);
    Some(ParsedMessage {
        message_id: message.message_id().map(|id| format!("<{}>", clean(id))),
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        subject: message.subject().map(clean).unwrap_or_default(),
        from: addresses(message.from()).into_iter().next(),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        bcc: addresses(message.bcc()),
        reply_to: addresses(message.reply_to()),
        date: message
            .date()
            .and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0))
            .map(|d| d.naive_utc()),
        snippet: snippet(&preview),
        body_text,
        body_html,
        attachments,
        size: size as u64,
        inline_pending: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = "Message-ID: <abc@mail.example>\r\n\
From: =?utf-8?q?Jos=C3=A9_M=C3=BCller?= <Jose.Mueller@ACME.com>\r\n\
To: Ann <ann@gmail.test>, bob@Globex.IO\r\n\
Cc: \"Carl\" <carl@acme.com>\r\n\
Subject: =?utf-8?b?UmVjaG51bmcgZsO8ciBNw6RyeiDwn5qA?=\r\n\
In-Reply-To: <parent@mail.example>\r\n\
References: <root@mail.example> <parent@mail.example>\r\n\
Date: Tue, 03 Nov 2026 10:00:00 +0100\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
--outer\r\n\
Content-Type: multipart/alternative; boundary=\"inner\"\r\n\
\r\n\
--inner\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello   there,\r\nthe invoice is attached.\r\n\
--inner\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><style>p{}</style><p>Hello <b>there</b></p></html>\r\n\
--inner--\r\n\
--outer\r\n\
Content-Type: application/pdf\r\n\
Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQK\r\n\
--outer--\r\n";

    #[test]
    fn a_multipart_message_gives_its_fields() {
        let parsed = parse(MIXED.as_bytes()).unwrap();
        assert_eq!(parsed.message_id.as_deref(), Some("<abc@mail.example>"));
        assert_eq!(parsed.in_reply_to.as_deref(), Some("<parent@mail.example>"));
        assert_eq!(
            parsed.references,
            ["<root@mail.example>", "<parent@mail.example>"]
        );
        assert_eq!(parsed.subject, "Rechnung für März 🚀");
        let from = parsed.from.clone().unwrap();
        assert_eq!(
            (
                from.name.as_deref(),
                from.address.as_str(),
                from.domain.as_str()
            ),
            (Some("José Müller"), "jose.mueller@acme.com", "acme.com")
        );
        assert_eq!(
            parsed
                .to
                .iter()
                .map(|a| a.address.as_str())
                .collect::<Vec<_>>(),
            ["ann@gmail.test", "bob@globex.io"]
        );
        assert_eq!(parsed.cc[0].name.as_deref(), Some("Carl"));
        assert_eq!(parsed.date.unwrap().to_string(), "2026-11-03 09:00:00");
        assert_eq!(parsed.snippet, "Hello there, the invoice is attached.");
        assert!(
            parsed
                .body_html
                .as_deref()
                .unwrap()
                .contains("<b>there</b>")
        );
        assert_eq!(
            parsed.attachments,
            [AttachmentMeta {
                part_id: "1".into(),
                filename: "Rechnung März.pdf".into(),
                content_type: "application/pdf".into(),
                size: 9,
                inline: false,
                content_id: None,
            }]
        );
        assert_eq!(parsed.participants().len(), 4);
    }

    /// Found by the MIME fuzzer: a malformed `Content-Type:/text/html` looks binary to
    /// the cutter and is text to the parser; the cut must not empty the body (the
    /// original is parsed instead).
    #[test]
    fn a_part_the_parser_reads_as_text_is_never_cut() {
        let raw = "From: a@x.test\r\nTo: b@x.test\r\nSubject: s\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type:/text/html\r\n\
Content-Transfer-Encoding: base64\r\n\r\nPHA+SGk8L3A+\r\n--b--\r\n";
        let (lean, original) = both(raw.as_bytes());
        assert_eq!(lean, original);
        assert!(original.contains("Hi"), "{original}");
    }

    /// Found by the MIME fuzzer: `Content-Transfer-Encoding: base64` and a form feed is
    /// no base64 to the parser (it keeps the body as it is), so the cutter must not
    /// decode-count it either.
    #[test]
    fn an_encoding_the_parser_does_not_read_is_not_cut() {
        let raw = "From: a@x.test\r\nTo: b@x.test\r\nSubject: s\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\x0c\r\n\r\n\
iVBORw0KGgo=\r\n--b--\r\n";
        let (lean, original) = both(raw.as_bytes());
        assert_eq!(lean, original);
    }

    /// Everything the store keeps, from a parse with attachment bodies taken out and
    /// from one of the original bytes.
    fn both(raw: &[u8]) -> (String, String) {
        (
            format!("{:?}", parse(raw)),
            format!("{:?}", parse_original(raw)),
        )
    }

    #[test]
    fn taking_attachment_bodies_out_changes_nothing_kept() {
        let (lean, full) = both(MIXED.as_bytes());
        assert_eq!(lean, full);
        assert!(
            lean::without_attachment_bodies(MIXED.as_bytes()).is_some(),
            "the PDF's body was taken out"
        );
        // The emulator's mailboxes: attachments of every size, inline images, nesting.
        let owner = provider_emulator::mail::Person {
            name: "Ann Owner".into(),
            address: "ann@gmail.test".into(),
        };
        let mut cut = 0;
        for generated in provider_emulator::generate::generate(&owner, 300, 7, 1_790_000_000_000) {
            let raw = provider_emulator::generate::render(&generated.meta, &generated.body);
            cut += usize::from(lean::without_attachment_bodies(&raw).is_some());
            let (lean, full) = both(&raw);
            assert_eq!(lean, full);
        }
        assert!(cut > 20, "most attachments were taken out ({cut})");
    }

    #[test]
    fn where_the_walk_and_the_parser_disagree_the_original_is_parsed() {
        // A base64 "attachment" whose header block the parser reads differently (an
        // unterminated quoted boundary on the outer part): whatever the walk cut, the
        // result is what the parser makes of the original bytes.
        for raw in [
            MIXED.replace("boundary=\"outer\"", "boundary=\"outer"),
            MIXED.replace("--outer--", "--outer"),
            MIXED.replace("JVBERi0xLjQK", "JVBERi0x*LjQK"),
            MIXED.replace(
                "Content-Type: application/pdf\r\n",
                "Content-Type: application/pdf\r\n\r\n",
            ),
            MIXED.replace(
                "--outer\r\nContent-Type: application",
                "--outer  \r\nContent-Type: application",
            ),
            // Found by the fuzzer: an unknown text type leaves an inline image first
            // among the text bodies, whose (taken out) bytes read as empty text.
            MIXED
                .replace("multipart/alternative", "multipart/rel&ted")
                .replace("text/html", "text/ht\u{ed}ml")
                .replace(
                    "Content-Type: text/plain; charset=utf-8\r\n\r\nHello   there,\r\nthe invoice is attached.",
                    "Content-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=",
                ),
        ] {
            let (lean, full) = both(raw.as_bytes());
            assert_eq!(lean, full, "{raw}");
        }
    }

    #[test]
    fn html_only_mail_gets_a_text_snippet() {
        let raw = "From: a@b.c\r\nTo: d@e.f\r\nSubject: Hi\r\nContent-Type: text/html\r\n\r\n<div><script>x()</script>Sale &amp; more</div>\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        assert_eq!(parsed.snippet, "Sale & more");
        assert!(parsed.body_text.is_none());
    }

    #[test]
    fn header_injection_and_bad_addresses_are_defused() {
        let raw = "From: \"Evil\r\n Bcc: x@y.z\" <evil@bad.example>\r\nTo: not-an-address, ok@good.example\r\nSubject: a\r\n\tb\r\n\r\nbody\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        assert!(!parsed.subject.contains('\n') && !parsed.subject.contains('\r'));
        assert!(
            parsed
                .from
                .unwrap()
                .name
                .unwrap()
                .chars()
                .all(|c| !c.is_control())
        );
        assert_eq!(
            parsed
                .to
                .iter()
                .map(|a| a.address.as_str())
                .collect::<Vec<_>>(),
            ["ok@good.example"]
        );
        assert!(parse(b"").is_none());
    }
}
