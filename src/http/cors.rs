use actix_cors::Cors;
use actix_web::http::{Method, header};

/// Request headers the NocoBase client sends (see nocobase.md §3).
const ALLOWED_HEADERS: [&str; 13] = [
    "authorization",
    "content-type",
    "x-authenticator",
    "x-role",
    "x-locale",
    "x-timezone",
    "x-app",
    "x-hostname",
    "x-csrf-token",
    "x-with-acl-meta",
    "x-data-source",
    "x-request-id",
    "idempotency-key",
];

/// CORS for the configured origins. The NocoBase client must be able to read
/// `X-New-Token` (renewed sessions) and `Content-Disposition` (downloads).
pub fn cors(origins: &[String]) -> Cors {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allowed_headers(ALLOWED_HEADERS.map(header::HeaderName::from_static))
        .expose_headers([
            header::HeaderName::from_static("x-new-token"),
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .supports_credentials()
        .max_age(600)
}
