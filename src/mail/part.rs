//! Finding one attachment's bytes again in a message, by the part path `parse` stored
//! (Gmail's numbering: "" is the root, then "0", "0.1", …).

use mail_parser::{MessageParser, PartType};

/// The decoded bytes of the part at `path`, or `None` when the message has no such leaf
/// part (the message changed at the provider, or the path is not one we handed out).
/// Text parts come back as UTF-8, whatever charset they were sent in.
pub fn part_bytes(raw: &[u8], path: &str) -> Option<Vec<u8>> {
    let message = MessageParser::default().parse(raw)?;
    let mut index = 0u32;
    if !path.is_empty() {
        for step in path.split('.') {
            let k: usize = step.parse().ok()?;
            let PartType::Multipart(children) = &message.part(index)?.body else {
                return None;
            };
            index = *children.get(k)?;
        }
    }
    let part = message.part(index)?;
    if index == 0 || matches!(part.body, PartType::Multipart(_)) {
        return None;
    }
    Some(part.contents().to_vec())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::part_bytes;
    use crate::mail::parse;

    const RAW: &[u8] = b"Message-ID: <a@t>\r\nFrom: a@x.test\r\nTo: b@x.test\r\nSubject: s\r\n\
Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n\
Content-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
--i\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--i--\r\n--o\r\n\
Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=x.bin\r\n\
Content-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n--o--\r\n";

    #[test]
    fn finds_the_part_parse_numbered() {
        let parsed = parse(RAW).unwrap();
        let path = &parsed.attachments[0].part_id;
        assert_eq!(part_bytes(RAW, path).unwrap(), [0u8, 1, 2, 255]);
    }

    #[test]
    fn refuses_paths_that_are_not_leaves() {
        for path in ["", "0", "7", "1.0", "x", "0.9"] {
            assert_eq!(part_bytes(RAW, path), None, "{path}");
        }
        assert_eq!(part_bytes(RAW, "0.0").unwrap(), b"hi");
    }
}
