//! Gmail's resumable uploads (`uploadType=resumable`): a POST with the metadata opens a
//! session and answers its URL in `Location`; PUTs send the message bytes (all at once or
//! in `Content-Range` chunks, 308 "Resume Incomplete" until the last); the last one runs
//! the method as a multipart upload would.

use super::{call, errors, gmail};
use crate::oauth::{bearer, pairs};
use crate::world::Shared;
use actix_web::{HttpRequest, HttpResponse, web};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

struct Session {
    token: Option<String>,
    user: String,
    tail: String,
    metadata: Vec<u8>,
    total: Option<usize>,
    bytes: Vec<u8>,
}

fn sessions() -> &'static Mutex<HashMap<String, Session>> {
    static SESSIONS: OnceLock<Mutex<HashMap<String, Session>>> = OnceLock::new();
    SESSIONS.get_or_init(Default::default)
}

/// True for a request that opens a resumable upload.
pub fn is_resumable(request: &HttpRequest) -> bool {
    pairs(request.query_string().as_bytes())
        .iter()
        .any(|(k, v)| k == "uploadType" && v == "resumable")
}

/// The POST that opens a session.
pub fn open(request: &HttpRequest, user: String, tail: String, body: &[u8]) -> HttpResponse {
    if gmail::route("POST", &tail).is_none() {
        return errors::not_found().into_http();
    }
    let id = format!("{:032x}", rand::random::<u128>());
    let total = request
        .headers()
        .get("x-upload-content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    sessions()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(
            id.clone(),
            Session {
                token: bearer(request),
                user,
                tail,
                metadata: body.to_vec(),
                total,
                bytes: Vec::new(),
            },
        );
    let info = request.connection_info().clone();
    let location = format!(
        "{}://{}{}?uploadType=resumable&upload_id={id}",
        info.scheme(),
        info.host(),
        request.path()
    );
    HttpResponse::Ok()
        .insert_header(("location", location))
        .finish()
}

/// A PUT with (part of) the message.
pub async fn put(world: web::Data<Shared>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let query: HashMap<String, String> = pairs(request.query_string().as_bytes())
        .into_iter()
        .collect();
    let Some(id) = query.get("upload_id") else {
        return errors::invalid("upload_id is required").into_http();
    };
    let range = request
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .map(ToString::to_string);
    let finished = {
        let mut all = sessions()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(session) = all.get_mut(id) else {
            return errors::not_found().into_http();
        };
        // `Content-Range: bytes a-b/total` for a chunk; a plain body is the whole message.
        if let Some(range) = range.as_deref().and_then(|r| r.strip_prefix("bytes ")) {
            let parsed = range.split_once('/').and_then(|(span, total)| {
                let (start, _) = span.split_once('-')?;
                Some((start.parse::<usize>().ok()?, total.parse::<usize>().ok()))
            });
            match parsed {
                Some((start, total)) if start == session.bytes.len() => {
                    session.total = total.or(session.total);
                }
                _ => {
                    return errors::invalid("Content-Range does not continue the upload")
                        .into_http();
                }
            }
        }
        session.bytes.extend_from_slice(&body);
        let total = session.total.unwrap_or(session.bytes.len());
        if session.bytes.len() < total {
            return HttpResponse::build(actix_web::http::StatusCode::PERMANENT_REDIRECT)
                .insert_header((
                    "range",
                    format!("bytes=0-{}", session.bytes.len().saturating_sub(1)),
                ))
                .finish();
        }
        all.remove(id)
    };
    let Some(session) = finished else {
        return errors::not_found().into_http();
    };
    let Some(op) = gmail::route("POST", &session.tail) else {
        return errors::not_found().into_http();
    };
    // The finished upload runs as the equivalent multipart upload would.
    let boundary = "resumable_upload_boundary";
    let mut related =
        format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n")
            .into_bytes();
    related.extend_from_slice(if session.metadata.is_empty() {
        b"{}"
    } else {
        &session.metadata
    });
    related.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n").as_bytes(),
    );
    related.extend_from_slice(&session.bytes);
    related.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let token = bearer(&request).or(session.token);
    call(
        &world,
        token,
        &session.user,
        op,
        String::new(),
        related,
        format!("multipart/related; boundary={boundary}"),
        None,
    )
    .await
    .into_http()
}
