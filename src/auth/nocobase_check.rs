use crate::http::ApiError;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Headers the NocoBase client sends that change what `auth:check` answers; they are
/// forwarded, and the ones that select a role or app are part of the cache key.
const FORWARDED: [&str; 8] = [
    "authorization",
    "x-authenticator",
    "x-role",
    "x-locale",
    "x-app",
    "x-timezone",
    "x-hostname",
    // NocoBase refuses to renew a token for `text/event-stream` requests.
    "accept",
];
const CACHE_KEYED: [&str; 4] = ["authorization", "x-authenticator", "x-role", "x-app"];
/// Past this many cached answers, expired ones are dropped (and, if that is not
/// enough, all of them): the cache is a convenience, never a memory leak.
const CACHE_LIMIT: usize = 10_000;
/// A 401 body from NocoBase larger than this is not passed through verbatim.
const MAX_PASSTHROUGH: usize = 16 * 1024;

/// NocoBase's answer about a token.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    pub user_id: i64,
    pub roles: Vec<String>,
    /// The name NocoBase shows for the user (nickname, else username, else email).
    pub name: Option<String>,
    /// NocoBase renewed the token; the browser must get this one.
    pub new_token: Option<String>,
}

#[derive(Deserialize)]
struct CheckBody {
    data: Option<CheckUser>,
}

#[derive(Deserialize)]
struct CheckUser {
    id: Option<Value>,
    #[serde(default)]
    roles: Vec<CheckRole>,
    nickname: Option<String>,
    username: Option<String>,
    email: Option<String>,
}

impl CheckUser {
    /// As NocoBase itself names a user: nickname, else username, else email.
    fn display_name(&self) -> Option<String> {
        [&self.nickname, &self.username, &self.email]
            .into_iter()
            .flatten()
            .map(|n| n.trim())
            .find(|n| !n.is_empty())
            .map(|n| n.chars().take(MAX_NAME_CHARS).collect())
    }
}

/// A user's name is kept to this many characters (NocoBase limits none).
const MAX_NAME_CHARS: usize = 100;

#[derive(Deserialize)]
struct CheckRole {
    name: String,
}

struct CacheEntry {
    expires: Instant,
    user_id: i64,
    roles: Vec<String>,
    name: Option<String>,
}

/// `GET {nocobase}/api/auth:check` with a short per-token cache.
pub(super) struct NocobaseCheck {
    client: reqwest::Client,
    url: String,
    ttl: Duration,
    cache: Mutex<HashMap<[u8; 32], CacheEntry>>,
}

impl NocobaseCheck {
    pub(super) fn new(base_url: &str, ttl: Duration) -> Result<Self, String> {
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/api").unwrap_or(base);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            url: format!("{base}/api/auth:check"),
            ttl,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Asks NocoBase who `headers`' token belongs to. `token_exp` (seconds) bounds how long
    /// the answer is reused.
    pub(super) async fn check(
        &self,
        headers: &HeaderMap,
        token_exp: Option<i64>,
    ) -> Result<Checked, ApiError> {
        let key = cache_key(headers);
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let mut request = self.client.get(&self.url);
        for name in FORWARDED {
            if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
                request = request.header(name, value);
            }
        }
        let response = request.send().await.map_err(|error| {
            tracing::warn!(error = %error.without_url(), "NocoBase auth:check did not answer");
            nocobase_unavailable()
        })?;
        let status = response.status();
        let new_token = response
            .headers()
            .get("x-new-token")
            .and_then(|v| v.to_str().ok())
            .map(ToString::to_string);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_string();
        let body = response.bytes().await.map_err(|_| nocobase_unavailable())?;

        if status == reqwest::StatusCode::UNAUTHORIZED {
            // NocoBase's own 401 (BLOCKED_TOKEN, EXPIRED_SESSION, …) goes to the client as
            // it came, so the NocoBase client reacts exactly as it does to NocoBase.
            if body.len() <= MAX_PASSTHROUGH {
                return Err(ApiError::passthrough(
                    StatusCode::UNAUTHORIZED,
                    content_type,
                    String::from_utf8_lossy(&body).into_owned(),
                ));
            }
            return Err(super::claims::invalid_token());
        }
        if !status.is_success() {
            tracing::warn!(status = status.as_u16(), "NocoBase auth:check failed");
            return Err(nocobase_unavailable());
        }
        let user = serde_json::from_slice::<CheckBody>(&body)
            .ok()
            .and_then(|b| b.data)
            .ok_or_else(unexpected_answer)?;
        let name = user.display_name();
        let user_id = match user.id {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(unexpected_answer)?;
        let roles: Vec<String> = user.roles.into_iter().map(|r| r.name).collect();
        let checked = Checked {
            user_id,
            roles,
            name,
            new_token,
        };
        if checked.new_token.is_none() {
            self.remember(key, &checked, token_exp);
        }
        Ok(checked)
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Checked> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(key)
            .filter(|entry| entry.expires > Instant::now())
            .map(|entry| Checked {
                user_id: entry.user_id,
                roles: entry.roles.clone(),
                name: entry.name.clone(),
                new_token: None,
            })
    }

    fn remember(&self, key: [u8; 32], checked: &Checked, token_exp: Option<i64>) {
        let mut ttl = self.ttl;
        if let Some(exp) = token_exp {
            let left = exp - chrono::Utc::now().timestamp();
            ttl = ttl.min(Duration::from_secs(u64::try_from(left).unwrap_or(0)));
        }
        if ttl.is_zero() {
            return;
        }
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= CACHE_LIMIT {
            let now = Instant::now();
            cache.retain(|_, entry| entry.expires > now);
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
        }
        cache.insert(
            key,
            CacheEntry {
                expires: Instant::now() + ttl,
                user_id: checked.user_id,
                roles: checked.roles.clone(),
                name: checked.name.clone(),
            },
        );
    }
}

/// A digest of the token and the headers that change the answer: the cache never holds
/// a token itself.
fn cache_key(headers: &HeaderMap) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for name in CACHE_KEYED {
        let value = headers.get(name).map(|v| v.as_bytes()).unwrap_or_default();
        hasher.update(value);
        hasher.update([0]);
    }
    hasher.finalize().into()
}

fn nocobase_unavailable() -> ApiError {
    ApiError::unavailable(
        "NOCOBASE_UNAVAILABLE",
        "NocoBase did not answer the sign-in check. Try again in a moment.",
    )
}

fn unexpected_answer() -> ApiError {
    tracing::warn!("NocoBase auth:check answered without a user");
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "NOCOBASE_UNEXPECTED_ANSWER",
        "NocoBase's sign-in check gave an answer this service does not understand.",
    )
}

#[cfg(test)]
mod name_tests {
    use super::*;

    fn user(body: Value) -> CheckUser {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_user_is_named_as_nocobase_names_them() {
        let named = |b| user(b).display_name();
        assert_eq!(
            named(json_of(
                r#"{"id":1,"nickname":"Ann","username":"ann","email":"a@x.io"}"#
            )),
            Some("Ann".into())
        );
        assert_eq!(
            named(json_of(r#"{"id":1,"nickname":"  ","username":"ann"}"#)),
            Some("ann".into())
        );
        assert_eq!(
            named(json_of(r#"{"id":1,"nickname":null,"email":"a@x.io"}"#)),
            Some("a@x.io".into())
        );
        assert_eq!(named(json_of(r#"{"id":1}"#)), None);
        let long = format!(r#"{{"id":1,"nickname":"{}"}}"#, "é".repeat(300));
        assert_eq!(
            named(json_of(&long)).unwrap().chars().count(),
            MAX_NAME_CHARS
        );
    }

    fn json_of(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }
}
