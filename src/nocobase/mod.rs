//! Reading NocoBase's own data on behalf of the caller: a record a template is filled
//! from, and the signed-in user. Every request carries the caller's own token and
//! role headers, so NocoBase's ACL decides what the caller may read — never more than
//! the caller could read in NocoBase itself. Nothing here is cached or stored.

use actix_web::http::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

/// The caller's headers NocoBase reads to decide who asks and as which role.
const FORWARDED: [&str; 7] = [
    "authorization",
    "x-authenticator",
    "x-role",
    "x-locale",
    "x-app",
    "x-timezone",
    "x-hostname",
];
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why NocoBase did not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("no NocoBase URL is configured (nocobase.url), so NocoBase's data cannot be read")]
    NotConfigured,
    #[error("NocoBase did not let the caller read it ({0})")]
    Forbidden(u16),
    #[error("NocoBase has no such record")]
    NotFound,
    #[error("NocoBase did not answer usably: {0}")]
    Unavailable(String),
}

/// A resource or collection name NocoBase would accept in a path segment.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

/// `GET {nocobase}/api/<resource>:<action>?<query>` as the caller; the answer's `data`.
async fn get_data(
    http: &reqwest::Client,
    base: Option<&str>,
    caller: &HeaderMap,
    path: &str,
    query: &[(&str, String)],
    data_source: Option<&str>,
) -> Result<Value, ReadError> {
    let base = base.ok_or(ReadError::NotConfigured)?.trim_end_matches('/');
    let base = base.strip_suffix("/api").unwrap_or(base);
    let mut request = http
        .get(format!("{base}/api/{path}"))
        .query(query)
        .timeout(TIMEOUT);
    for name in FORWARDED {
        if let Some(value) = caller.get(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    if let Some(source) = data_source.filter(|s| *s != "main") {
        request = request.header("x-data-source", source);
    }
    let response = request
        .send()
        .await
        .map_err(|e| ReadError::Unavailable(e.without_url().to_string()))?;
    let status = response.status().as_u16();
    match status {
        401 | 403 => return Err(ReadError::Forbidden(status)),
        404 => return Err(ReadError::NotFound),
        200..=299 => {}
        _ => return Err(ReadError::Unavailable(format!("status {status}"))),
    }
    let body: Value = response
        .json()
        .await
        .map_err(|_| ReadError::Unavailable("the answer was not JSON".into()))?;
    match body.get("data") {
        Some(Value::Null) | None => Err(ReadError::NotFound),
        Some(data) => Ok(data.clone()),
    }
}

/// One record of `collection` (in `data_source`, default `main`), as the caller may read it.
pub async fn record(
    http: &reqwest::Client,
    base: Option<&str>,
    caller: &HeaderMap,
    data_source: Option<&str>,
    collection: &str,
    filter_by_tk: &str,
) -> Result<Value, ReadError> {
    get_data(
        http,
        base,
        caller,
        &format!("{collection}:get"),
        &[("filterByTk", filter_by_tk.to_string())],
        data_source,
    )
    .await
}

/// The signed-in user as NocoBase shows it (`auth:check`).
pub async fn current_user(
    http: &reqwest::Client,
    base: Option<&str>,
    caller: &HeaderMap,
) -> Result<Value, ReadError> {
    get_data(http, base, caller, "auth:check", &[], None).await
}

/// The records of `collection` that match `filter` (NocoBase's filter JSON), as the
/// caller may read them: at most `limit` — the answer holds one more when there are more,
/// so a caller can tell "all" from "too many" without loading everything.
pub async fn records(
    http: &reqwest::Client,
    base: Option<&str>,
    caller: &HeaderMap,
    data_source: Option<&str>,
    collection: &str,
    filter: &Value,
    limit: usize,
) -> Result<Vec<Value>, ReadError> {
    let data = get_data(
        http,
        base,
        caller,
        &format!("{collection}:list"),
        &[
            ("filter", filter.to_string()),
            ("page", "1".to_string()),
            ("pageSize", (limit + 1).to_string()),
        ],
        data_source,
    )
    .await?;
    match data {
        Value::Array(rows) => Ok(rows),
        _ => Err(ReadError::Unavailable("the answer was not a list".into())),
    }
}
