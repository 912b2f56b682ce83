//! A provider answer built without HTTP types, so the same handlers serve plain requests
//! and the parts of a batch.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(Value),
    Bytes {
        content_type: String,
        bytes: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Reply {
    pub fn json(status: u16, value: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Json(value),
        }
    }

    pub fn ok(value: Value) -> Self {
        Self::json(200, value)
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub fn bytes(status: u16, content_type: &str, bytes: Vec<u8>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Bytes {
                content_type: content_type.to_string(),
                bytes,
            },
        }
    }

    /// How many bytes the body takes on the wire.
    pub fn body_len(&self) -> usize {
        match &self.body {
            Body::Empty => 0,
            Body::Json(value) => serde_json::to_vec(value).map_or(0, |v| v.len()),
            Body::Bytes { bytes, .. } => bytes.len(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn into_http(self) -> HttpResponse {
        let mut response = HttpResponse::build(
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
        for (name, value) in &self.headers {
            response.insert_header((name.as_str(), value.as_str()));
        }
        match self.body {
            Body::Empty => response.finish(),
            Body::Json(value) => response
                .insert_header(("content-type", "application/json; charset=UTF-8"))
                .body(value.to_string()),
            Body::Bytes {
                content_type,
                bytes,
            } => response
                .insert_header(("content-type", content_type))
                .body(bytes),
        }
    }

    /// The answer as an `application/http` batch part: status line, headers, body.
    pub fn into_http_text(self) -> Vec<u8> {
        let reason = StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let mut out = format!("HTTP/1.1 {} {reason}\r\n", self.status).into_bytes();
        let (content_type, body) = match self.body {
            Body::Empty => (None, Vec::new()),
            Body::Json(value) => (
                Some("application/json; charset=UTF-8".to_string()),
                value.to_string().into_bytes(),
            ),
            Body::Bytes {
                content_type,
                bytes,
            } => (Some(content_type), bytes),
        };
        if let Some(content_type) = content_type {
            out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        out.extend_from_slice(&body);
        out
    }
}
