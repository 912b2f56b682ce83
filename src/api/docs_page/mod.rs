//! `GET /api-docs`: the API page. Every operation of `/api/openapi.json`, grouped by
//! resource, each with a form that sends it with a bearer token and shows the answer.
//! Served from the binary (no CDN: the service runs offline); a page, not an operation,
//! so it is not in the OpenAPI document. The token comes from the page's own field (the
//! demo prints a link that fills it from `#token=`) and is kept in the tab's
//! `sessionStorage` only.

use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("app.css");

/// The page's own files only; the answers it shows come from this service.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn file(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-type", content_type))
        .insert_header(("content-security-policy", POLICY))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(body)
}

/// The page and its script and style, outside the API router.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            "/api-docs",
            web::get().to(|| async { file("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/api-docs/app.js",
            web::get().to(|| async { file("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/api-docs/app.css",
            web::get().to(|| async { file("text/css; charset=utf-8", STYLE) }),
        );
}
