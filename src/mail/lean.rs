//! A message's MIME with its attachments' base64 bodies taken out, before it is parsed.
//!
//! The sync keeps an attachment's name, type and size, never its bytes (they are fetched
//! again when someone opens it), yet decoding those bodies was the largest item in the
//! sync's profile: a quarter of its CPU on Gmail, a fifth on Graph, and a buffer the size
//! of the rest of the message for each one. This finds them with a substring search and
//! cuts them out, counting the bytes each would have decoded to.
//!
//! The walk follows what `mail_parser` does on well-formed MIME (a part ends at the first
//! `--boundary` after it, whatever precedes it on the line; a base64 body is the
//! alphabet, `=` and white space) and gives up on anything else, leaving that part or
//! subtree as it was. `parse` then checks that every cut it made is, to the parser, an
//! empty binary part at the place the cut left, and parses the original bytes if not.

use memchr::memmem;

/// Header blocks longer than this are not walked (the parser handles them as it will).
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Nested multiparts deeper than this are left whole.
const MAX_DEPTH: usize = 8;
/// What the parser trims around a header value.
const BLANK: [char; 2] = [' ', '\t'];

/// The message without its attachments' encoded bodies.
pub struct Lean {
    pub bytes: Vec<u8>,
    /// For each body taken out: where its (now empty) body starts in `bytes`, and the
    /// size it decodes to.
    pub cut: Vec<(usize, u64)>,
}

/// `None` when there is nothing to take out.
pub fn without_attachment_bodies(raw: &[u8]) -> Option<Lean> {
    let mut walk = Walk {
        raw,
        cuts: Vec::new(),
    };
    let (headers, body) = header_block(raw, 0)?;
    let fields = Fields::read(headers);
    if let Some(boundary) = fields.multipart_boundary() {
        walk.multipart(body, &boundary, 0);
    }
    if walk.cuts.is_empty() {
        return None;
    }
    let removed: usize = walk.cuts.iter().map(|(start, end, _)| end - start).sum();
    let mut bytes = Vec::with_capacity(raw.len() - removed);
    let mut cut = Vec::with_capacity(walk.cuts.len());
    let mut from = 0;
    for (start, end, size) in walk.cuts {
        bytes.extend_from_slice(&raw[from..start]);
        cut.push((bytes.len(), size));
        from = end;
    }
    bytes.extend_from_slice(&raw[from..]);
    Some(Lean { bytes, cut })
}

struct Walk<'a> {
    raw: &'a [u8],
    /// Byte ranges of `raw` to leave out, in order, with their decoded sizes.
    cuts: Vec<(usize, usize, u64)>,
}

impl Walk<'_> {
    /// Walks the parts of a multipart body starting at `from`; returns where the parser
    /// goes on after its closing delimiter, or `None` where the walk gave up.
    fn multipart(&mut self, from: usize, boundary: &[u8], depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH || boundary.is_empty() {
            return None;
        }
        let delimiter = [b"--", boundary].concat();
        let finder = memmem::Finder::new(&delimiter);
        let mut at = from + finder.find(&self.raw[from..])? + delimiter.len();
        loop {
            let rest = &self.raw[at..];
            if rest.starts_with(b"--") {
                return Some(at + 2);
            }
            // A delimiter line with anything after the boundary (transport padding, or a
            // longer boundary sharing this one's start) is left to the parser.
            let start = at + line_end(rest)?;
            let (headers, body) = header_block(self.raw, start)?;
            let fields = Fields::read(headers);
            let mut next_from = body;
            if let Some(inner) = fields.multipart_boundary() {
                next_from = self.multipart(body, &inner, depth + 1)?;
            } else if fields.is_binary_base64()
                && let Some((end, size)) = base64_body(&self.raw[body..], boundary)
            {
                self.cuts.push((body, body + end, size));
                next_from = body + end;
            }
            at = next_from + finder.find(&self.raw[next_from..])? + delimiter.len();
        }
    }
}

/// The length of a line break right at the start of `rest` (`\r\n` or `\n`).
fn line_end(rest: &[u8]) -> Option<usize> {
    if rest.starts_with(b"\r\n") {
        Some(2)
    } else if rest.starts_with(b"\n") {
        Some(1)
    } else {
        None
    }
}

/// A part's header block starting at `start`: its bytes and where its body starts.
/// `None` unless every line is a `Name: value` field or a folded continuation and the
/// block ends with an empty line.
fn header_block(raw: &[u8], start: usize) -> Option<(&[u8], usize)> {
    let mut at = start;
    loop {
        let rest = &raw[at..];
        if let Some(blank) = line_end(rest) {
            return Some((&raw[start..at], at + blank));
        }
        if at - start > MAX_HEADER_BYTES {
            return None;
        }
        let len = memchr::memchr(b'\n', rest)? + 1;
        let line = &rest[..len];
        let folded = matches!(line[0], b' ' | b'\t') && at > start;
        if !folded {
            let colon = memchr::memchr(b':', line)?;
            let name = &line[..colon];
            if name.is_empty() || !name.iter().all(|&b| b.is_ascii_graphic()) {
                return None;
            }
        }
        at += len;
    }
}

/// The two fields the walk needs, unfolded.
struct Fields {
    content_type: Option<String>,
    encoding: Option<String>,
}

impl Fields {
    fn read(block: &[u8]) -> Self {
        let mut fields = Fields {
            content_type: None,
            encoding: None,
        };
        let mut current: Option<(String, String)> = None;
        let text = String::from_utf8_lossy(block);
        let mut finish = |field: Option<(String, String)>| {
            if let Some((name, value)) = field {
                let slot = match name.as_str() {
                    "content-type" => &mut fields.content_type,
                    "content-transfer-encoding" => &mut fields.encoding,
                    _ => return,
                };
                // The parser keeps the last of repeated fields. Only spaces and tabs are
                // trimmed, as the parser does: `base64` followed by a form feed is no
                // base64 to it (found by the MIME fuzzer), so it must not be here.
                *slot = Some(value.trim_matches(BLANK).to_string());
            }
        };
        for line in text.split_inclusive('\n') {
            let line = line.trim_end_matches(['\r', '\n']);
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = current.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim_matches(BLANK));
                }
                continue;
            }
            finish(current.take());
            if let Some((name, value)) = line.split_once(':') {
                current = Some((name.trim().to_ascii_lowercase(), value.to_string()));
            }
        }
        finish(current.take());
        fields
    }

    /// `type/subtype`, lower-cased.
    fn mime_type(&self) -> Option<String> {
        let value = self.content_type.as_deref()?;
        let end = value.find(';').unwrap_or(value.len());
        Some(value[..end].trim_matches(BLANK).to_ascii_lowercase())
    }

    /// The boundary of a multipart with a plain `boundary=` parameter.
    fn multipart_boundary(&self) -> Option<Vec<u8>> {
        if !self.mime_type()?.starts_with("multipart/") {
            return None;
        }
        let value = self.content_type.as_deref()?;
        let mut found = None;
        for parameter in value.split(';').skip(1) {
            let Some((name, raw)) = parameter.split_once('=') else {
                continue;
            };
            let name = name.trim();
            if name.eq_ignore_ascii_case("boundary") {
                let raw = raw.trim();
                let boundary = match raw.strip_prefix('"') {
                    Some(quoted) => quoted.strip_suffix('"')?,
                    None => raw,
                };
                // Escapes, encoded-words and RFC 2231 forms are left to the parser.
                if boundary.is_empty() || boundary.contains(['\\', '"', ' ']) {
                    return None;
                }
                found = Some(boundary.as_bytes().to_vec());
            } else if name.to_ascii_lowercase().starts_with("boundary") {
                return None;
            }
        }
        found
    }

    /// A base64 body of a type the parser keeps as binary: not text, not a message, not
    /// a multipart (whose bodies are needed, or parsed further).
    fn is_binary_base64(&self) -> bool {
        let Some(mime_type) = self.mime_type() else {
            return false;
        };
        let Some((kind, subtype)) = mime_type.split_once('/') else {
            return false;
        };
        !subtype.is_empty()
            && !matches!(kind, "text" | "message" | "multipart")
            && self
                .encoding
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("base64"))
    }
}

/// Base64 alphabet, as the decoder takes it.
fn is_alphabet(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'+' || byte == b'/'
}

/// A base64 body that ends at `--boundary`: how many bytes to cut (up to the `--`) and
/// the size it decodes to, counted as `mail_parser` decodes it. `None` where the parser
/// would find an encoding problem (a byte outside the alphabet, `--` not followed by the
/// boundary, no boundary at all): that part is left to it.
///
/// Counting byte by byte as the decoder does costs as much as decoding (each byte waits
/// on the last one's count); so the usual body (alphabet and line breaks, `=` only at
/// the end) is counted in one pass the compiler vectorizes, the rest byte by byte.
fn base64_body(body: &[u8], boundary: &[u8]) -> Option<(usize, u64)> {
    let end = memmem::find(body, b"--")?;
    if !body[end + 2..].starts_with(boundary) {
        return None;
    }
    let data = &body[..end];
    let (alphabet, others) = classify(data);
    let padding = memchr::memchr(b'=', data);
    let padded_at_end = padding.is_none_or(|at| !data[at..].iter().any(|&b| is_alphabet(b)));
    if others > 0 || !padded_at_end {
        return base64_body_exact(body, boundary);
    }
    let whole = (alphabet / 4 * 3) as u64;
    let tail = match (padding, alphabet % 4) {
        (None, _) | (Some(_), 0) => 0,
        (Some(_), 1 | 2) => 1,
        (Some(_), _) => 2,
    };
    Some((end, whole + tail))
}

/// How many bytes of `data` are of the base64 alphabet, and how many are neither that
/// nor white space nor `=`. Branch-free over byte-wide counters, so it runs 32 bytes to
/// an instruction.
fn classify(data: &[u8]) -> (usize, usize) {
    let (mut alphabet, mut others) = (0usize, 0usize);
    // A byte-wide counter holds 255 at most.
    for chunk in data.chunks(255) {
        let (mut a, mut o) = (0u8, 0u8);
        for &b in chunk {
            let letter = u8::from((b | 0x20).wrapping_sub(b'a') < 26);
            let digit = u8::from(b.wrapping_sub(b'0') < 10);
            let sign = u8::from(b == b'+') | u8::from(b == b'/');
            let blank = u8::from(b == b'\r')
                | u8::from(b == b'\n')
                | u8::from(b == b' ')
                | u8::from(b == b'\t')
                | u8::from(b == b'=');
            let letter = letter | digit | sign;
            a += letter;
            o += 1 - (letter | blank);
        }
        alphabet += usize::from(a);
        others += usize::from(o);
    }
    (alphabet, others)
}

/// [`base64_body`] byte by byte, the decoder's own way (`=` anywhere, lone `-`).
fn base64_body_exact(body: &[u8], boundary: &[u8]) -> Option<(usize, u64)> {
    let mut size = 0u64;
    let mut count = 0u8;
    let mut last = b'\n';
    for (at, &byte) in body.iter().enumerate() {
        if is_alphabet(byte) {
            count = (count + 1) & 3;
            if count == 0 {
                size += 3;
            }
        } else {
            match byte {
                b'=' => match count {
                    1 | 2 => {
                        size += 1;
                        count = 0;
                    }
                    3 => {
                        size += 2;
                        count = 0;
                    }
                    _ => {}
                },
                b'\n' | b'\r' | b' ' | b'\t' => {}
                b'-' if last == b'-' => {
                    return body[at + 1..]
                        .starts_with(boundary)
                        .then_some((at - 1, size));
                }
                b'-' => {}
                _ => return None,
            }
        }
        last = byte;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_sizes_count_as_the_decoder_does() {
        let b = b"bound";
        assert_eq!(base64_body(b"SGVsbG8=\r\n--bound", b), Some((10, 5)));
        assert_eq!(base64_body(b"SGVs\r\nbG8h\r\n--bound--", b), Some((12, 6)));
        assert_eq!(base64_body(b"SGVsbA==\n--bound", b), Some((9, 4)));
        assert_eq!(base64_body(b"SGV*bG8=\r\n--bound", b), None, "not base64");
        assert_eq!(
            base64_body(b"SGVsbG8=\r\n--other", b),
            None,
            "not its boundary"
        );
        assert_eq!(base64_body(b"SGVsbG8=", b), None, "no boundary");
    }

    #[test]
    fn the_quick_count_agrees_with_the_exact_one() {
        let pieces: [&[u8]; 9] = [
            b"QUJD", b"RA", b"x", b"=", b"==", b"\r\n", b" ", b"-", b"+/",
        ];
        let mut seed = 7u64;
        for _ in 0..20_000 {
            let mut body = Vec::new();
            for _ in 0..(seed % 12) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                body.extend_from_slice(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            body.extend_from_slice(b"\r\n--bound");
            assert_eq!(
                base64_body(&body, b"bound"),
                base64_body_exact(&body, b"bound"),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
    }

    #[test]
    fn header_blocks_must_be_fields() {
        let raw = b"Content-Type: a/b;\r\n x=y\r\n\r\nbody";
        assert_eq!(header_block(raw, 0).map(|(_, b)| b), Some(28));
        assert!(header_block(b"not a field\r\n\r\n", 0).is_none());
        assert!(header_block(b"A: b\r\n", 0).is_none(), "no end");
        assert_eq!(header_block(b"\r\nbody", 0).map(|(_, b)| b), Some(2));
    }

    #[test]
    fn boundaries_in_plain_and_quoted_forms() {
        let boundary = |ct: &str| {
            Fields {
                content_type: Some(ct.into()),
                encoding: None,
            }
            .multipart_boundary()
        };
        assert_eq!(
            boundary("multipart/mixed; boundary=\"a b\""),
            None,
            "left to the parser"
        );
        assert_eq!(
            boundary("Multipart/Mixed; charset=x; BOUNDARY=\"xyz\""),
            Some(b"xyz".to_vec())
        );
        assert_eq!(boundary("multipart/mixed; boundary*0=x"), None);
        assert_eq!(boundary("text/plain; boundary=x"), None);
    }

    #[test]
    fn only_binary_attachment_bodies_are_cut() {
        let raw = "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
--m\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n\
--m\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\nLjQK\r\n\
--m--\r\n";
        let lean = without_attachment_bodies(raw.as_bytes()).expect("one body to cut");
        let text = String::from_utf8(lean.bytes).unwrap();
        assert!(text.contains("aGk="), "text bodies stay");
        assert!(!text.contains("JVBERi0x"));
        assert_eq!(lean.cut.len(), 1);
        let (at, size) = lean.cut[0];
        assert_eq!(size, 9);
        assert!(text[at..].starts_with("--m--"));
    }
}
