//! Gmail's batch endpoint: a `multipart/mixed` body of up to 100 `application/http`
//! requests, answered part by part, each part spending its own quota.

use super::{call, errors, gmail};
use crate::gate;
use crate::multipart::{self, split_headers};
use crate::oauth::bearer;
use crate::world::{Provider, Shared};
use actix_web::{HttpRequest, HttpResponse, web};

const MAX_PARTS: usize = 100;

/// `POST /google/batch/gmail/v1` and `POST /google/batch`.
pub async fn batch(
    world: web::Data<Shared>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let delay = match gate::fault(&world, Provider::Google, request.path()) {
        gate::Faulted::Serve(delay) => delay,
        gate::Faulted::Answer(answer) => return answer,
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = multipart::boundary(content_type).filter(|_| {
        content_type
            .to_ascii_lowercase()
            .starts_with("multipart/mixed")
    }) else {
        return errors::invalid("Batch requests must be multipart/mixed with a boundary")
            .into_http();
    };
    let parts = multipart::split(&body, &boundary);
    if parts.len() > MAX_PARTS {
        return errors::invalid(&format!(
            "Inner request count exceeds the limit. Received: {}, Limit: {MAX_PARTS}",
            parts.len()
        ))
        .into_http();
    }
    let outer_token = bearer(&request);
    let response_boundary = format!("batch_{:016x}", rand::random::<u64>());
    let mut out = Vec::new();
    for part in parts {
        let content_id = part
            .header("content-id")
            .unwrap_or("")
            .trim()
            .trim_matches(['<', '>'])
            .to_string();
        // An inner request: the request line (METHOD PATH HTTP/1.1), headers, blank line, body.
        let line_end = part
            .body
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(part.body.len());
        let request_line = String::from_utf8_lossy(&part.body[..line_end])
            .trim()
            .to_string();
        let rest = part.body.get(line_end + 1..).unwrap_or_default();
        let (head, inner_body) = match rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
        {
            Some(body) => (Vec::new(), body.to_vec()),
            None => split_headers(rest),
        };
        let mut words = request_line.split_whitespace();
        let (method, target) = (
            words.next().unwrap_or("").to_ascii_uppercase(),
            words.next().unwrap_or(""),
        );
        let header = |name: &str| head.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let token = header("authorization")
            .and_then(|v| v.strip_prefix("Bearer ").map(ToString::to_string))
            .or_else(|| outer_token.clone());
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let path = path.strip_prefix("/google").unwrap_or(path);
        let reply = match path
            .strip_prefix("/gmail/v1/users/")
            .and_then(|rest| rest.split_once('/'))
        {
            Some((user, tail)) => match gmail::route(&method, tail) {
                Some(op) => {
                    call(
                        &world,
                        token,
                        user,
                        op,
                        query.to_string(),
                        inner_body,
                        header("content-type").unwrap_or_default(),
                        None,
                    )
                    .await
                }
                None => errors::not_found(),
            },
            None => errors::not_found(),
        };
        out.extend_from_slice(format!("--{response_boundary}\r\nContent-Type: application/http\r\nContent-ID: <response-{content_id}>\r\n\r\n").as_bytes());
        out.extend_from_slice(&reply.into_http_text());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{response_boundary}--\r\n").as_bytes());
    HttpResponse::Ok()
        .insert_header((
            "content-type",
            format!("multipart/mixed; boundary={response_boundary}"),
        ))
        .body(out)
}
