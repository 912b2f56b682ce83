//! A message Gmail hands over as a tree (`messages.get?format=full`: every part's
//! headers, small bodies inline, attachments as ids and sizes), made into the MIME the
//! parser reads with each held attachment's body left empty and its size noted, as
//! [`lean`](super::lean) leaves them. So the sync never downloads attachment bytes, and
//! stores what parsing the whole message stores.
//!
//! A tree this cannot rebuild exactly is `None`, and the caller fetches that message
//! whole: an attached e-mail (its parts are the e-mail itself), a text body held by id
//! (its text would be lost), a multipart without a boundary, a header with a line break.

use super::ParsedMessage;
use super::parse::Cuts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Nested multiparts deeper than this are not rebuilt.
const MAX_DEPTH: usize = 16;
/// Base64 line length in the rebuilt MIME (RFC 2045's limit).
const LINE: usize = 76;

/// One part of a message as a provider describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// `type/subtype`, as the provider gives it.
    pub mime_type: String,
    /// The part's header fields, in order, values unfolded.
    pub headers: Vec<(String, String)>,
    pub body: TreeBody,
    pub parts: Vec<Tree>,
}

/// A leaf part's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeBody {
    /// Its bytes, transfer encoding undone (a text part in its own charset).
    Data(Vec<u8>),
    /// Held at the provider (an attachment id): only its size in bytes is known.
    Held { size: u64 },
}

/// The message `tree` describes, of `size` bytes, parsed as [`parse`](super::parse)
/// would parse its MIME; `None` when the tree cannot be rebuilt exactly.
pub fn parse_tree(tree: &Tree, size: u64) -> Option<ParsedMessage> {
    let mut out = Rebuilt::default();
    out.part(tree, 0)?;
    super::parse::parse_bytes(
        &out.bytes,
        usize::try_from(size).unwrap_or(usize::MAX),
        &out.cut,
        Cuts::BinaryOrText,
    )
}

#[derive(Default)]
struct Rebuilt {
    bytes: Vec<u8>,
    /// Where each held body (empty here) starts, with its size.
    cut: Vec<(usize, u64)>,
}

impl Rebuilt {
    fn part(&mut self, part: &Tree, depth: usize) -> Option<()> {
        let mime_type = part.mime_type.to_ascii_lowercase();
        if depth > MAX_DEPTH || mime_type.starts_with("message/") {
            return None;
        }
        for (name, value) in &part.headers {
            // Bodies here are base64, whatever they were sent as.
            if name.eq_ignore_ascii_case("content-transfer-encoding") {
                continue;
            }
            if name.is_empty() || name.contains([':', '\r', '\n']) || value.contains(['\r', '\n']) {
                return None;
            }
            self.bytes.extend_from_slice(name.as_bytes());
            self.bytes.extend_from_slice(b": ");
            self.bytes.extend_from_slice(value.as_bytes());
            self.bytes.extend_from_slice(b"\r\n");
        }
        if mime_type.starts_with("multipart/") {
            let boundary = boundary(&part.headers)?;
            self.bytes.extend_from_slice(b"\r\n");
            for child in &part.parts {
                self.bytes
                    .extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                self.part(child, depth + 1)?;
                self.bytes.extend_from_slice(b"\r\n");
            }
            self.bytes
                .extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            return Some(());
        }
        self.bytes
            .extend_from_slice(b"Content-Transfer-Encoding: base64\r\n\r\n");
        match &part.body {
            TreeBody::Data(data) => {
                let encoded = STANDARD.encode(data);
                for (k, line) in encoded.as_bytes().chunks(LINE).enumerate() {
                    if k > 0 {
                        self.bytes.extend_from_slice(b"\r\n");
                    }
                    self.bytes.extend_from_slice(line);
                }
            }
            // A text part held by id is a file only when it says so; otherwise it is a
            // body, whose text must not be lost.
            TreeBody::Held { .. } if mime_type.starts_with("text/") && !is_file(&part.headers) => {
                return None;
            }
            TreeBody::Held { size } => self.cut.push((self.bytes.len(), *size)),
        }
        Some(())
    }
}

/// The value of the first header `name`.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A part its sender marked as a file: an `attachment` disposition or a file name.
fn is_file(headers: &[(String, String)]) -> bool {
    let disposition = header(headers, "content-disposition")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let content_type = header(headers, "content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    disposition.starts_with("attachment")
        || disposition.contains("filename")
        || content_type.contains("name=")
}

/// The `boundary` parameter of the part's Content-Type.
fn boundary(headers: &[(String, String)]) -> Option<String> {
    let content_type = header(headers, "content-type")?;
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (name.trim().eq_ignore_ascii_case("boundary") && !value.is_empty())
            .then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::{Tree, TreeBody, parse_tree};
    use crate::mail::parse;

    fn leaf(mime_type: &str, headers: &[(&str, &str)], body: TreeBody) -> Tree {
        Tree {
            mime_type: mime_type.into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).into(), (*v).into()))
                .collect(),
            body,
            parts: Vec::new(),
        }
    }

    /// A Latin-1 quoted-printable text and a PDF Gmail holds by id: the tree parses to
    /// what the whole MIME parses to.
    #[test]
    fn a_tree_parses_as_its_mime_does() {
        let raw = "From: =?utf-8?q?Jos=C3=A9?= <jose@acme.test>\r\nTo: ann@acme.test\r\n\
Subject: Rechnung\r\nMessage-ID: <r@acme.test>\r\nDate: Tue, 03 Nov 2026 10:00:00 +0100\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
Gr=FC=DFe aus M=E4rz\r\n\
--b\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
        let root_headers: Vec<(&str, &str)> = vec![
            ("From", "=?utf-8?q?Jos=C3=A9?= <jose@acme.test>"),
            ("To", "ann@acme.test"),
            ("Subject", "Rechnung"),
            ("Message-ID", "<r@acme.test>"),
            ("Date", "Tue, 03 Nov 2026 10:00:00 +0100"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "multipart/mixed; boundary=\"b\""),
        ];
        let mut tree = leaf("multipart/mixed", &root_headers, TreeBody::Data(Vec::new()));
        tree.parts = vec![
            leaf(
                "text/plain",
                &[
                    ("Content-Type", "text/plain; charset=iso-8859-1"),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                TreeBody::Data(b"Gr\xfc\xdfe aus M\xe4rz".to_vec()),
            ),
            leaf(
                "application/pdf",
                &[
                    ("Content-Type", "application/pdf; name=\"r.pdf\""),
                    ("Content-Disposition", "attachment; filename=\"r.pdf\""),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                TreeBody::Held { size: 9 },
            ),
        ];
        let from_tree = parse_tree(&tree, raw.len() as u64).unwrap();
        let from_mime = parse(raw.as_bytes()).unwrap();
        assert_eq!(format!("{from_tree:?}"), format!("{from_mime:?}"));
        assert_eq!(
            from_tree.body_text.as_deref().map(str::trim),
            Some("Grüße aus März")
        );
    }

    /// What cannot be rebuilt exactly is refused, so the caller fetches it whole.
    #[test]
    fn an_attached_email_or_a_held_body_is_refused() {
        let root = |parts: Vec<Tree>| Tree {
            mime_type: "multipart/mixed".into(),
            headers: vec![
                ("Subject".into(), "x".into()),
                ("Content-Type".into(), "multipart/mixed; boundary=b".into()),
            ],
            body: TreeBody::Data(Vec::new()),
            parts,
        };
        let held_body = leaf(
            "text/html",
            &[("Content-Type", "text/html")],
            TreeBody::Held { size: 9 },
        );
        assert!(parse_tree(&root(vec![held_body]), 100).is_none());
        let attached = leaf(
            "message/rfc822",
            &[("Content-Type", "message/rfc822")],
            TreeBody::Held { size: 9 },
        );
        assert!(parse_tree(&root(vec![attached]), 100).is_none());
        let held_file = leaf(
            "text/csv",
            &[("Content-Disposition", "attachment; filename=a.csv")],
            TreeBody::Held { size: 9 },
        );
        let parsed = parse_tree(&root(vec![held_file]), 100).unwrap();
        assert_eq!(parsed.attachments.len(), 1);
        assert_eq!(
            (
                parsed.attachments[0].filename.as_str(),
                parsed.attachments[0].size
            ),
            ("a.csv", 9)
        );
        let mut no_boundary = root(Vec::new());
        no_boundary.headers[1].1 = "multipart/mixed".into();
        assert!(parse_tree(&no_boundary, 100).is_none());
    }
}
