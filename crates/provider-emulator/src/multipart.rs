//! Splitting `multipart/*` bodies (batch requests, related uploads).

/// One part: its headers (names lower-cased) and body.
#[derive(Debug, Clone)]
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Splits a header block from a body at the first blank line (CRLF or LF).
pub fn split_headers(bytes: &[u8]) -> (Vec<(String, String)>, Vec<u8>) {
    let (head, body) = match find(bytes, b"\r\n\r\n", 0) {
        Some(at) => (&bytes[..at], &bytes[at + 4..]),
        None => match find(bytes, b"\n\n", 0) {
            Some(at) => (&bytes[..at], &bytes[at + 2..]),
            None => (bytes, &[][..]),
        },
    };
    let text = String::from_utf8_lossy(head);
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        } else if !line.trim().is_empty() {
            headers.push((line.trim().to_string(), String::new()));
        }
    }
    (headers, body.to_vec())
}

/// The parts of a multipart body with `boundary`.
pub fn split(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let Some(mut at) = find(body, delimiter.as_bytes(), 0) else {
        return parts;
    };
    loop {
        let start = at + delimiter.len();
        if body.get(start..start + 2) == Some(b"--") {
            break;
        }
        let Some(next) = find(body, delimiter.as_bytes(), start) else {
            break;
        };
        let mut chunk = &body[start..next];
        chunk = chunk
            .strip_prefix(b"\r\n")
            .or_else(|| chunk.strip_prefix(b"\n"))
            .unwrap_or(chunk);
        chunk = chunk
            .strip_suffix(b"\r\n")
            .or_else(|| chunk.strip_suffix(b"\n"))
            .unwrap_or(chunk);
        let (headers, content) = split_headers(chunk);
        parts.push(Part {
            headers,
            body: content,
        });
        at = next;
    }
    parts
}

/// The `boundary` parameter of a Content-Type value.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type
        .split(';')
        .filter_map(|p| {
            let (key, value) = p.trim().split_once('=')?;
            key.eq_ignore_ascii_case("boundary")
                .then(|| value.trim_matches('"').to_string())
        })
        .next()
}
