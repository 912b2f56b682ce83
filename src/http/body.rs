use super::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde_json::{Map, Value};

/// The largest body an ordinary action reads (`server.max_body_bytes`), as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// An action's `values`: the JSON object in the body. A GET, or a POST with an empty body,
/// has no values (an empty object), as in NocoBase.
#[derive(Debug, Default)]
pub struct Values(pub Map<String, Value>);

impl FromRequest for Values {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = request
            .app_data::<web::Data<BodyLimit>>()
            .map_or(1024 * 1024, |limit| limit.0);
        let declared = declared_length(request);
        let content_type = content_type(request);
        let payload = payload.take();
        Box::pin(read_values(payload, limit, declared, content_type))
    }
}

/// The request's Content-Length, when it states one.
pub fn declared_length(request: &HttpRequest) -> Option<usize> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// The request's Content-Type, lower-cased ("" when absent).
pub fn content_type(request: &HttpRequest) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads a JSON object body of at most `limit` bytes into [`Values`].
pub async fn read_values(
    mut payload: Payload,
    limit: usize,
    declared: Option<usize>,
    content_type: String,
) -> Result<Values, ApiError> {
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::payload_too_large(limit));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request("INVALID_BODY", "The request body could not be read.")
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Values::default());
    }
    if !(content_type.is_empty() || content_type.starts_with("application/json")) {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send the action's values as application/json.",
        ));
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(Values(map)),
        Ok(_) => Err(ApiError::bad_request(
            "INVALID_JSON",
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::bad_request(
            "INVALID_JSON",
            format!(
                "The request body is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        )),
    }
}
