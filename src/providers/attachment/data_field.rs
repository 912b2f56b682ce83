//! Gmail hands attachment bytes back as one JSON object, `{"size": n, "data": "<base64url>"}`,
//! which for a 25 MB file is a 34 MB answer. [`DataField`] decodes that answer as it
//! arrives, chunk by chunk, so a download holds one chunk at a time instead of the file.
//!
//! It reads exactly one top-level object, skips every member but `data` (strings, numbers,
//! nested values) and decodes `data` from base64url with or without padding. The same
//! holds for a message's original MIME, the `raw` member of `messages.get?format=raw`
//! ([`DataField::member`]).

use crate::providers::gmail::payload::BASE64URL;
use base64::Engine;

/// Where the reader is in the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    BeforeObject,
    BeforeKey,
    InKey {
        escaped: bool,
    },
    BeforeColon,
    BeforeValue,
    InData,
    InString {
        escaped: bool,
    },
    InNested {
        depth: u32,
        in_string: bool,
        escaped: bool,
    },
    InScalar,
    AfterValue,
    Done,
}

/// A streaming decoder of the `data` member; feed it the answer's chunks in order.
#[derive(Debug)]
pub struct DataField {
    /// The member decoded: `data`, or `raw`.
    member: &'static [u8],
    at: At,
    key: Vec<u8>,
    /// base64 characters not yet decoded (fewer than four after each feed).
    pending: Vec<u8>,
    seen_data: bool,
}

impl Default for DataField {
    fn default() -> Self {
        Self::new()
    }
}

impl DataField {
    pub fn new() -> Self {
        Self::member(b"data")
    }

    /// A decoder of the member named `name` (shorter than 16 bytes) instead of `data`.
    pub fn member(name: &'static [u8]) -> Self {
        Self {
            member: name,
            at: At::BeforeObject,
            key: Vec::new(),
            pending: Vec::new(),
            seen_data: false,
        }
    }

    /// Decodes what `chunk` holds of `data`; the bytes come back in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(chunk.len() / 4 * 3 + 3);
        let mut rest = chunk;
        while let Some((&byte, after)) = rest.split_first() {
            if self.at == At::InData {
                // The bulk of the answer: take the run of base64 up to the closing quote
                // at once (the decoder refuses anything in it that is not base64url).
                let run = rest
                    .iter()
                    .position(|&b| b == b'"' || b == b'\\')
                    .unwrap_or(rest.len());
                if run > 0 {
                    self.pending.extend_from_slice(&rest[..run]);
                    rest = &rest[run..];
                    continue;
                }
            }
            self.step(byte, &mut out)?;
            rest = after;
        }
        self.decode_whole_groups(&mut out)?;
        Ok(out)
    }

    /// Checks the answer ended where an object ends and held a `data` member.
    pub fn finish(&self) -> Result<(), String> {
        match (self.at, self.seen_data) {
            (At::Done, true) => Ok(()),
            (At::Done, false) => Err("the answer has no data member".into()),
            _ => Err("the answer ended early".into()),
        }
    }

    fn step(&mut self, byte: u8, out: &mut Vec<u8>) -> Result<(), String> {
        let space = byte.is_ascii_whitespace();
        self.at = match (self.at, byte) {
            (at, _) if space && !matches!(at, At::InKey { .. } | At::InString { .. }) => {
                if matches!(at, At::InScalar) {
                    At::AfterValue
                } else if matches!(at, At::InData) {
                    return Err("whitespace inside data".into());
                } else {
                    at
                }
            }
            (At::BeforeObject, b'{') => At::BeforeKey,
            (At::BeforeKey, b'"') => {
                self.key.clear();
                At::InKey { escaped: false }
            }
            (At::BeforeKey, b'}') | (At::AfterValue, b'}') => At::Done,
            (At::InKey { escaped: false }, b'"') => At::BeforeColon,
            (At::InKey { escaped: false }, b'\\') => At::InKey { escaped: true },
            (At::InKey { .. }, other) => {
                // Keys longer than any we look for are not kept whole; they cannot match.
                if self.key.len() < 16 {
                    self.key.push(other);
                }
                At::InKey { escaped: false }
            }
            (At::BeforeColon, b':') => At::BeforeValue,
            (At::BeforeValue, b'"') if self.key == self.member => {
                if self.seen_data {
                    return Err("data appears twice".into());
                }
                self.seen_data = true;
                At::InData
            }
            (At::BeforeValue, b'"') => At::InString { escaped: false },
            (At::BeforeValue, b'{' | b'[') => At::InNested {
                depth: 1,
                in_string: false,
                escaped: false,
            },
            (At::BeforeValue, b'}' | b']' | b',' | b':') => {
                return Err("a member has no value".into());
            }
            (At::BeforeValue, _) => At::InScalar,
            (At::InData, b'"') => {
                self.finish_data(out)?;
                At::AfterValue
            }
            (At::InData, b'\\') => return Err("an escape inside data".into()),
            (At::InData, other) => {
                self.pending.push(other);
                At::InData
            }
            (At::InString { escaped: false }, b'"') => At::AfterValue,
            (At::InString { escaped: false }, b'\\') => At::InString { escaped: true },
            (At::InString { .. }, _) => At::InString { escaped: false },
            (nested @ At::InNested { .. }, _) => nest(nested, byte),
            (At::InScalar, b',') | (At::AfterValue, b',') => At::BeforeKey,
            (At::InScalar, b'}') => At::Done,
            (At::InScalar, _) => At::InScalar,
            (at, _) => return Err(format!("unexpected byte at {at:?}")),
        };
        Ok(())
    }

    fn decode_whole_groups(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        let whole = self.pending.len() / 4 * 4;
        if whole == 0 {
            return Ok(());
        }
        BASE64URL
            .decode_vec(&self.pending[..whole], out)
            .map_err(|e| format!("data is not base64url: {e}"))?;
        self.pending.drain(..whole);
        Ok(())
    }

    fn finish_data(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        self.decode_whole_groups(out)?;
        if !self.pending.is_empty() {
            BASE64URL
                .decode_vec(&self.pending, out)
                .map_err(|e| format!("data is not base64url: {e}"))?;
            self.pending.clear();
        }
        Ok(())
    }
}

/// One byte inside a nested object or array (skipped whole, strings respected).
fn nest(at: At, byte: u8) -> At {
    let At::InNested {
        depth,
        in_string,
        escaped,
    } = at
    else {
        return at;
    };
    let (depth, in_string, escaped) = match (in_string, escaped, byte) {
        (true, true, _) => (depth, true, false),
        (true, false, b'\\') => (depth, true, true),
        (true, false, b'"') => (depth, false, false),
        (true, false, _) => (depth, true, false),
        (false, _, b'"') => (depth, true, false),
        (false, _, b'{' | b'[') => (depth + 1, false, false),
        (false, _, b'}' | b']') => (depth - 1, false, false),
        (false, _, _) => (depth, false, false),
    };
    if depth == 0 {
        At::AfterValue
    } else {
        At::InNested {
            depth,
            in_string,
            escaped,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::DataField;
    use base64::Engine;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

    fn decode_in_chunks(answer: &[u8], size: usize) -> Result<Vec<u8>, String> {
        let mut field = DataField::new();
        let mut out = Vec::new();
        for chunk in answer.chunks(size) {
            out.extend(field.feed(chunk)?);
        }
        field.finish()?;
        Ok(out)
    }

    /// `messages.get?format=raw`: the MIME is the `raw` member, next to a `data`-free
    /// state; a `data` member there is skipped like any other.
    #[test]
    fn decodes_the_raw_member_of_a_format_raw_answer() {
        let mime = b"From: a@acme.test\r\nSubject: Hi\r\n\r\nBody\r\n";
        let answer = format!(
            "{{\"id\": \"m1\", \"labelIds\": [\"INBOX\"], \"data\": \"eA\", \"sizeEstimate\": 40, \"raw\": \"{}\"}}",
            URL_SAFE.encode(mime)
        );
        for size in [1, 3, 7, answer.len()] {
            let mut field = DataField::member(b"raw");
            let mut out = Vec::new();
            for chunk in answer.as_bytes().chunks(size) {
                out.extend(field.feed(chunk).unwrap());
            }
            field.finish().unwrap();
            assert_eq!(out, mime);
        }
    }

    #[test]
    fn decodes_data_split_at_every_position() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for (encoded, layout) in [
            (URL_SAFE.encode(&bytes), 0),
            (URL_SAFE_NO_PAD.encode(&bytes[..998]), 1),
        ] {
            let answer = if layout == 0 {
                format!("{{\"size\": {}, \"data\": \"{encoded}\"}}", bytes.len())
            } else {
                format!(
                    "{{\n  \"attachmentId\": \"A\\\"B\",\n  \"nested\": {{\"x\": [1, \"}}\"]}},\n  \"data\": \"{encoded}\",\n  \"size\": 998\n}}\n"
                )
            };
            let want = if layout == 0 {
                &bytes[..]
            } else {
                &bytes[..998]
            };
            for size in 1..=9 {
                assert_eq!(decode_in_chunks(answer.as_bytes(), size).unwrap(), want);
            }
            assert_eq!(decode_in_chunks(answer.as_bytes(), 4096).unwrap(), want);
        }
    }

    #[test]
    fn an_empty_attachment_is_empty() {
        assert_eq!(
            decode_in_chunks(b"{\"size\":0,\"data\":\"\"}", 3).unwrap(),
            b""
        );
    }

    #[test]
    fn refuses_answers_that_are_not_one_whole_object_with_data() {
        for bad in [
            &b"{\"size\": 3}"[..],
            b"{\"data\": \"QUJD",
            b"[\"data\"]",
            b"{\"data\": \"QU JD\"}",
            b"{\"data\": \"QU\\/JD\"}",
            b"{\"data\": \"Q\"}",
            b"{\"data\": \"QUJD\", \"data\": \"QUJD\"}",
            b"{\"data\": }",
        ] {
            assert!(
                decode_in_chunks(bad, 2).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
