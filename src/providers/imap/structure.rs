//! A large message fetched in parts (#26): its MIME tree as the server describes it
//! (`BODYSTRUCTURE`), then in one more FETCH its header, each part's own header
//! (`BODY[n.MIME]`) and the bodies a reader sees (text parts that are not files),
//! never the attachments' bytes; those are fetched by part when someone opens them.
//! What arrives is made into a [`Tree`], which the parser reads as it reads Gmail's: each
//! held file an empty body with its size noted.
//!
//! A structure this cannot rebuild exactly gives `None` and the caller fetches the
//! message whole: an attached e-mail (its parts are the e-mail itself), a header that is
//! not UTF-8 or not `name: value`, a body whose transfer encoding does not decode.

use crate::mail::{Tree, TreeBody};
use async_imap::imap_proto::types::{
    BodyContentCommon, BodyStructure, ContentEncoding, MessageSection, SectionPath,
};

/// A part as `BODYSTRUCTURE` describes it, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Multipart {
        mime_type: String,
        parts: Vec<Shape>,
    },
    Leaf {
        mime_type: String,
        /// A text part that is not a file: its body is fetched.
        wanted: bool,
        encoding: Encoding,
        /// Its size on the wire, transfer-encoded.
        octets: u32,
    },
    /// An attached e-mail (`message/rfc822`, `message/global`).
    Message,
}

/// How a body is transfer-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 7bit, 8bit, binary: the bytes are the body.
    Identity,
    Base64,
    QuotedPrintable,
    /// One the parser would not undo either: the message is fetched whole.
    Unknown,
}

/// One piece of the message a FETCH names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// The message's header (`BODY[HEADER]`).
    Header,
    /// A single-part message's body (`BODY[TEXT]`).
    Text,
    /// Part `n`'s own header (`BODY[n.MIME]`).
    Mime(Vec<u32>),
    /// Part `n`'s body (`BODY[n]`).
    Body(Vec<u32>),
}

impl Section {
    fn item(&self) -> String {
        let dotted = |path: &[u32]| {
            path.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(".")
        };
        match self {
            Self::Header => "BODY.PEEK[HEADER]".into(),
            Self::Text => "BODY.PEEK[TEXT]".into(),
            Self::Mime(path) => format!("BODY.PEEK[{}.MIME]", dotted(path)),
            Self::Body(path) => format!("BODY.PEEK[{}]", dotted(path)),
        }
    }

    /// How the server's answer names this section.
    pub fn path(&self) -> SectionPath {
        match self {
            Self::Header => SectionPath::Full(MessageSection::Header),
            Self::Text => SectionPath::Full(MessageSection::Text),
            Self::Mime(path) => SectionPath::Part(path.clone(), Some(MessageSection::Mime)),
            Self::Body(path) => SectionPath::Part(path.clone(), None),
        }
    }
}

fn lower(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// A part its sender marked as a file: an `attachment` disposition or a file name.
fn is_file(common: &BodyContentCommon<'_>) -> bool {
    let named = |params: &Option<Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)>>,
                 key: &str| {
        params.iter().flatten().any(|(name, _)| {
            let name = lower(name);
            name == key || name.starts_with(&format!("{key}*"))
        })
    };
    common
        .disposition
        .as_ref()
        .is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment") || named(&d.params, "filename"))
        || named(&common.ty.params, "name")
}

fn encoding(value: &ContentEncoding<'_>) -> Encoding {
    match value {
        ContentEncoding::SevenBit | ContentEncoding::EightBit | ContentEncoding::Binary => {
            Encoding::Identity
        }
        ContentEncoding::Base64 => Encoding::Base64,
        ContentEncoding::QuotedPrintable => Encoding::QuotedPrintable,
        ContentEncoding::Other(_) => Encoding::Unknown,
    }
}

impl Shape {
    /// The shape of what the server described.
    pub fn of(structure: &BodyStructure<'_>) -> Self {
        let mime_type = |common: &BodyContentCommon<'_>| {
            format!("{}/{}", lower(&common.ty.ty), lower(&common.ty.subtype))
        };
        match structure {
            BodyStructure::Multipart { common, bodies, .. } => Self::Multipart {
                mime_type: mime_type(common),
                parts: bodies.iter().map(Self::of).collect(),
            },
            BodyStructure::Text { common, other, .. } => Self::Leaf {
                mime_type: mime_type(common),
                wanted: !is_file(common),
                encoding: encoding(&other.transfer_encoding),
                octets: other.octets,
            },
            BodyStructure::Basic { common, other, .. } => Self::Leaf {
                mime_type: mime_type(common),
                wanted: false,
                encoding: encoding(&other.transfer_encoding),
                octets: other.octets,
            },
            BodyStructure::Message { .. } => Self::Message,
        }
    }

    /// What to fetch to rebuild the message; `None` when it cannot be rebuilt exactly.
    pub fn sections(&self) -> Option<Vec<Section>> {
        let mut out = vec![Section::Header];
        match self {
            Self::Multipart { parts, .. } => children(parts, &[], &mut out)?,
            Self::Leaf { wanted: true, .. } => out.push(Section::Text),
            Self::Leaf { .. } => {}
            Self::Message => return None,
        }
        Some(out)
    }

    /// The FETCH items for [`sections`](Self::sections).
    pub fn query(sections: &[Section]) -> String {
        let items: Vec<String> = sections.iter().map(Section::item).collect();
        format!("(UID {})", items.join(" "))
    }

    /// The message as a [`Tree`], from what the FETCH of its sections answered.
    pub fn tree<'a>(&self, answer: impl Fn(&Section) -> Option<&'a [u8]>) -> Option<Tree> {
        let headers = fields(answer(&Section::Header)?)?;
        self.part(&headers, &[], &answer)
    }

    fn part<'a>(
        &self,
        headers: &[(String, String)],
        path: &[u32],
        answer: &impl Fn(&Section) -> Option<&'a [u8]>,
    ) -> Option<Tree> {
        match self {
            Self::Multipart { mime_type, parts } => {
                let mut children = Vec::with_capacity(parts.len());
                for (index, child) in parts.iter().enumerate() {
                    let child_path = step(path, index)?;
                    let own = fields(answer(&Section::Mime(child_path.clone()))?)?;
                    children.push(child.part(&own, &child_path, answer)?);
                }
                Some(Tree {
                    mime_type: mime_type.clone(),
                    headers: headers.to_vec(),
                    body: TreeBody::Data(Vec::new()),
                    parts: children,
                })
            }
            Self::Leaf {
                mime_type,
                wanted,
                encoding,
                octets,
            } => {
                let body = if *wanted {
                    let section = if path.is_empty() {
                        Section::Text
                    } else {
                        Section::Body(path.to_vec())
                    };
                    TreeBody::Data(decode(*encoding, answer(&section)?)?)
                } else {
                    TreeBody::Held {
                        size: decoded_size(*encoding, *octets),
                    }
                };
                Some(Tree {
                    mime_type: mime_type.clone(),
                    headers: headers.to_vec(),
                    body,
                    parts: Vec::new(),
                })
            }
            Self::Message => None,
        }
    }
}

/// Part numbers below `path`: IMAP counts a multipart's children from 1.
fn step(path: &[u32], index: usize) -> Option<Vec<u32>> {
    let mut child = path.to_vec();
    child.push(u32::try_from(index).ok()?.checked_add(1)?);
    Some(child)
}

fn children(parts: &[Shape], path: &[u32], out: &mut Vec<Section>) -> Option<()> {
    for (index, part) in parts.iter().enumerate() {
        let child = step(path, index)?;
        out.push(Section::Mime(child.clone()));
        match part {
            Shape::Multipart { parts, .. } => children(parts, &child, out)?,
            Shape::Leaf { wanted: true, .. } => out.push(Section::Body(child)),
            Shape::Leaf { .. } => {}
            Shape::Message => return None,
        }
    }
    Some(())
}

/// A header block's fields in order, values unfolded; `None` when it is not UTF-8 or a
/// line is neither a field nor its continuation.
pub fn fields(block: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(block).ok()?;
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            out.last_mut()?.1.push_str(line);
            continue;
        }
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.contains([' ', '\t']) {
            return None;
        }
        out.push((name.to_string(), value.trim_start().to_string()));
    }
    for (_, value) in &mut out {
        let trimmed = value.trim_end().len();
        value.truncate(trimmed);
    }
    Some(out)
}

/// A body with its transfer encoding undone, as the parser would undo it.
fn decode(encoding: Encoding, body: &[u8]) -> Option<Vec<u8>> {
    use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
    match encoding {
        Encoding::Identity => Some(body.to_vec()),
        Encoding::Base64 => base64_decode(body),
        Encoding::QuotedPrintable => quoted_printable_decode(body),
        Encoding::Unknown => None,
    }
}

/// About how many bytes a held body decodes to: base64 in the usual 76-character lines
/// (a CRLF between them; the last one's belongs to the boundary) gives 3 bytes for each
/// 4 characters, exact but for the padding of the last group; the others are counted as
/// sent.
pub fn decoded_size(encoding: Encoding, octets: u32) -> u64 {
    let octets = u64::from(octets);
    match encoding {
        Encoding::Base64 => {
            let breaks = octets.div_ceil(78).saturating_sub(1);
            octets.saturating_sub(2 * breaks) / 4 * 3
        }
        _ => octets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{parse, parse_tree};
    use async_imap::imap_proto::{Response, types::AttributeValue};
    use std::collections::HashMap;

    /// A report with a Latin-1 text body, an HTML alternative and a 60 KB PDF.
    const RAW: &str = "From: =?utf-8?q?Jos=C3=A9?= <jose@acme.test>\r\nTo: ann@acme.test\r\n\
Subject: Quarterly\r\n report\r\nMessage-ID: <q@acme.test>\r\nDate: Tue, 03 Nov 2026 10:00:00 +0100\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"out\"\r\n\r\n\
--out\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
--alt\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
Gr=FC=DFe aus M=E4rz\r\n\
--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Grüße</p>\r\n\
--alt--\r\n\
--out\r\nContent-Type: application/pdf; name=\"q.pdf\"\r\nContent-Disposition: attachment; filename=\"q.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n";

    /// What Dovecot 2.3 answers for [`RAW`] (its BODYSTRUCTURE, abridged to one line).
    const STRUCTURE: &[u8] = b"* 1 FETCH (UID 7 BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 21 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 17 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"alt\") NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"q.pdf\") NIL NIL \"base64\" 82054 NIL (\"attachment\" (\"filename\" \"q.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"out\") NIL NIL NIL))\r\n";

    fn message() -> Vec<u8> {
        let mut raw = RAW.as_bytes().to_vec();
        // 60,000 bytes of PDF in 76-character base64 lines.
        let line = "A".repeat(76);
        for _ in 0..1052 {
            raw.extend_from_slice(line.as_bytes());
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"--out--\r\n");
        raw
    }

    fn shape() -> Shape {
        let (_, response) = Response::from_bytes(STRUCTURE).unwrap();
        let Response::Fetch(_, attributes) = response else {
            panic!("not a FETCH")
        };
        let structure = attributes
            .iter()
            .find_map(|a| match a {
                AttributeValue::BodyStructure(s) => Some(s),
                _ => None,
            })
            .unwrap();
        Shape::of(structure)
    }

    /// The sections as a server cuts them from the raw message.
    fn answers() -> HashMap<String, Vec<u8>> {
        let raw = message();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let header_end = text.find("\r\n\r\n").unwrap() + 4;
        let between = |from: &str, to: &str| {
            let start = text.find(from).unwrap() + from.len();
            let end = start + text[start..].find(to).unwrap();
            raw[start..end].to_vec()
        };
        let mut out = HashMap::new();
        out.insert("HEADER".into(), raw[..header_end].to_vec());
        out.insert(
            "1.MIME".into(),
            b"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n".to_vec(),
        );
        out.insert(
            "1.1.MIME".into(),
            b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                .to_vec(),
        );
        out.insert(
            "1.1".into(),
            between("quoted-printable\r\n\r\n", "\r\n--alt"),
        );
        out.insert(
            "1.2.MIME".into(),
            b"Content-Type: text/html; charset=utf-8\r\n\r\n".to_vec(),
        );
        out.insert("1.2".into(), between("utf-8\r\n\r\n", "\r\n--alt--"));
        out.insert(
            "2.MIME".into(),
            b"Content-Type: application/pdf; name=\"q.pdf\"\r\nContent-Disposition: attachment; filename=\"q.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                .to_vec(),
        );
        out
    }

    fn key(section: &Section) -> String {
        let item = section.item();
        item.trim_start_matches("BODY.PEEK[")
            .trim_end_matches(']')
            .to_string()
    }

    #[test]
    fn the_attachment_is_never_asked_for() {
        let sections = shape().sections().unwrap();
        assert_eq!(
            Shape::query(&sections),
            "(UID BODY.PEEK[HEADER] BODY.PEEK[1.MIME] BODY.PEEK[1.1.MIME] BODY.PEEK[1.1] \
             BODY.PEEK[1.2.MIME] BODY.PEEK[1.2] BODY.PEEK[2.MIME])"
        );
    }

    /// Everything but the file's size is what parsing the whole message stores; the size
    /// is its decoded size to within the last base64 group.
    #[test]
    fn a_message_in_parts_parses_as_the_whole_one_does() {
        let answers = answers();
        let tree = shape()
            .tree(|section| answers.get(&key(section)).map(Vec::as_slice))
            .unwrap();
        let raw = message();
        let mut from_parts = parse_tree(&tree, raw.len() as u64).unwrap();
        let whole = parse(&raw).unwrap();
        assert_eq!(whole.attachments[0].size, 1052 * 57);
        let estimated = from_parts.attachments[0].size;
        assert!(
            estimated.abs_diff(whole.attachments[0].size) <= 2,
            "{estimated}"
        );
        from_parts.attachments[0].size = whole.attachments[0].size;
        assert_eq!(format!("{from_parts:?}"), format!("{whole:?}"));
        assert_eq!(whole.subject, "Quarterly report");
        assert!(
            whole
                .body_text
                .as_deref()
                .unwrap()
                .contains("Grüße aus März")
        );
    }

    #[test]
    fn a_section_the_server_left_out_is_no_tree() {
        let mut answers = answers();
        answers.remove("1.2");
        assert!(
            shape()
                .tree(|section| answers.get(&key(section)).map(Vec::as_slice))
                .is_none()
        );
    }

    #[test]
    fn an_attached_email_is_fetched_whole() {
        let shape = Shape::Multipart {
            mime_type: "multipart/mixed".into(),
            parts: vec![Shape::Message],
        };
        assert_eq!(shape.sections(), None);
    }

    #[test]
    fn header_fields_unfold_and_refuse_what_is_not_a_field() {
        assert_eq!(
            fields(b"Subject: a\r\n\tb \r\nX-A:1\r\n\r\nbody: no").unwrap(),
            [
                ("Subject".to_string(), "a\tb".to_string()),
                ("X-A".to_string(), "1".to_string())
            ]
        );
        assert_eq!(fields(b"not a field\r\n\r\n"), None);
        assert_eq!(fields(b"Subject: M\xe4rz\r\n\r\n"), None);
    }
}
