use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

/// The id of one request: the caller's `X-Request-Id` when it is sane, else a new one.
/// It is in every log line of the request and in the response header.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A renewed NocoBase token that must reach the browser as `X-New-Token`. The auth
/// extractor puts it into the request's extensions.
#[derive(Debug, Clone)]
pub struct NewToken(pub String);

fn request_id(request: &ServiceRequest) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(
            || format!("{:016x}", rand::random::<u64>()),
            ToString::to_string,
        )
}

/// Wraps every request: gives it an id and a tracing span, logs one line when it ends
/// (method, path without the query string, status, time), and adds `X-Request-Id` and
/// any `X-New-Token` to the response. The query string is never logged: it can hold
/// OAuth codes and mail addresses.
pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&request);
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.path()
    );
    let started = Instant::now();
    async move {
        let mut response = next.call(request).await?;
        let new_token = response.request().extensions().get::<NewToken>().cloned();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&id) {
            headers.insert(HeaderName::from_static("x-request-id"), value);
        }
        if let Some(Ok(value)) = new_token.map(|NewToken(token)| HeaderValue::from_str(&token)) {
            headers.insert(HeaderName::from_static("x-new-token"), value);
        }
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        crate::metrics::http_request(
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request finished"
        );
        Ok(response)
    }
    .instrument(span)
    .await
}
