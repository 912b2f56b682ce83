//! One part of a message, cut from its original bytes as the sender attached it: the file
//! an attachment row names, or an attached e-mail whole (its `.eml`). Parts are found by
//! the numbers [`parse`](super::parse) gives them (Gmail's numbering: "" for the root of
//! a single-part message, then "0", "0.1", …), so a download never depends on how a
//! provider names or orders attachments.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use std::borrow::Cow;

/// A part's bytes and the charset its Content-Type names (for a text file served as
/// text).
#[derive(Debug)]
pub struct PartBytes {
    pub bytes: Vec<u8>,
    pub charset: Option<String>,
}

/// The bytes of the leaf part `part_id` of the message `raw`, transfer encoding undone;
/// `None` when `raw` is no message or has no such leaf part.
pub fn part_bytes(raw: &[u8], part_id: &str) -> Option<PartBytes> {
    let message = MessageParser::default().parse(raw)?;
    let mut index = 0u32;
    for step in part_id.split('.').filter(|_| !part_id.is_empty()) {
        let child: usize = step.parse().ok()?;
        let PartType::Multipart(children) = &message.part(index)?.body else {
            return None;
        };
        index = *children.get(child)?;
    }
    let part = message.part(index)?;
    if matches!(part.body, PartType::Multipart(_)) {
        return None;
    }
    Some(PartBytes {
        bytes: file_bytes(&message, part).into_owned(),
        charset: part
            .content_type()
            .and_then(|ct| ct.attribute("charset"))
            .map(ToString::to_string),
    })
}

/// A leaf part's file: its body with the transfer encoding undone and nothing else. A
/// text file stays in its own charset (the parser's text is converted to UTF-8, which
/// makes a Latin-1 "März.txt" a byte longer per umlaut); an attached e-mail is its
/// bytes as they stand in the message.
pub(super) fn file_bytes<'a>(message: &'a Message<'_>, part: &'a MessagePart<'_>) -> Cow<'a, [u8]> {
    if matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_)) {
        return Cow::Borrowed(part.contents());
    }
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    let decoded = match part.encoding {
        Encoding::Base64 => base64_decode(raw),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::None => return Cow::Borrowed(raw),
    };
    decoded.map_or(Cow::Borrowed(part.contents()), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::part_bytes;
    use crate::mail::parse;

    /// A forward as attachment (Outlook's "Forward as attachment"): the attached e-mail
    /// comes back byte for byte, and the PDF next to it is its own bytes.
    #[test]
    fn an_attached_email_and_a_file_come_back_as_sent() {
        let inner = "From: Carl <carl@globex.test>\r\nTo: ann@acme.test\r\nSubject: Q3 numbers\r\n\
Date: Mon, 02 Nov 2026 09:00:00 +0000\r\n\r\nRevenue is up.\r\n";
        let raw = format!(
            "From: ann@acme.test\r\nTo: bob@acme.test\r\nSubject: Fw: Q3 numbers\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n\
--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n{inner}\
--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=q3.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
        );
        let parsed = parse(raw.as_bytes()).unwrap();
        let ids: Vec<&str> = parsed
            .attachments
            .iter()
            .map(|a| a.part_id.as_str())
            .collect();
        assert_eq!(ids, ["1", "2"]);
        let eml = part_bytes(raw.as_bytes(), "1").unwrap().bytes;
        assert_eq!(
            String::from_utf8(eml.clone()).unwrap().trim_end(),
            inner.trim_end()
        );
        assert_eq!(parsed.attachments[0].size, eml.len() as u64);
        assert_eq!(
            part_bytes(raw.as_bytes(), "2").unwrap().bytes,
            b"%PDF-1.4\n"
        );
        for missing in ["3", "", "x", "1.0"] {
            assert!(part_bytes(raw.as_bytes(), missing).is_none(), "{missing:?}");
        }
    }
}
