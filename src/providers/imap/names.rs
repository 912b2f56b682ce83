//! IMAP folder names as servers send them: modified UTF-7 (RFC 3501 5.1.3), where
//! `&AOQ-` is `ä` and `&-` is `&`. Kept as sent for commands; decoded for people.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// `name` as people read it; a part that does not decode is kept as it came.
pub fn decode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('-') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let encoded = &after[..end];
        if encoded.is_empty() {
            out.push('&');
        } else {
            match decode_run(encoded) {
                Some(text) => out.push_str(&text),
                None => out.push_str(&rest[start..start + end + 2]),
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// One `&…-` run: modified base64 (`,` for `/`) of UTF-16BE.
fn decode_run(encoded: &str) -> Option<String> {
    let bytes = STANDARD_NO_PAD.decode(encoded.replace(',', "/")).ok()?;
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn modified_utf7_names_read_as_people_wrote_them() {
        assert_eq!(decode("INBOX"), "INBOX");
        assert_eq!(decode("Entw&APw-rfe"), "Entwürfe");
        assert_eq!(decode("Gel&APY-schte Elemente"), "Gelöschte Elemente");
        assert_eq!(decode("Tom &- Jerry"), "Tom & Jerry");
        // RFC 3501's own example: 台北 under ~peter/mail.
        assert_eq!(
            decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            "~peter/mail/台北/日本語"
        );
        // Not valid: kept as it came rather than lost.
        assert_eq!(decode("odd&%%-name"), "odd&%%-name");
        assert_eq!(decode("open&ended"), "open&ended");
    }
}
