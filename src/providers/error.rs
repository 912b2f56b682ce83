//! Provider errors, classified once at this boundary so sync and send decide by kind,
//! never by status codes or message texts (DESIGN.md, providers).

use std::time::Duration;

/// What a provider's answer means for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The access token was refused: refresh it and retry once.
    #[error("the provider refused the access token")]
    Unauthorized,
    /// The grant itself is gone: the user must reconnect.
    #[error("the user must reconnect the mailbox")]
    ReauthRequired,
    /// Throttled: wait (at least `retry_after` when the provider said) and retry.
    #[error("throttled by the provider")]
    RateLimited { retry_after: Option<Duration> },
    /// The sync cursor is no longer known (Gmail history 404, Graph delta 410): rescan.
    #[error("the provider no longer knows the sync cursor")]
    CursorExpired,
    #[error("not found at the provider")]
    NotFound,
    /// Worth retrying with backoff: 5xx, resets, timeouts, answers that did not parse.
    #[error("the provider failed for now: {0}")]
    Transient(String),
    /// A write went out and no clear answer came back (a timeout, a reset, a 5xx): it
    /// may or may not have happened. Sends are never retried on this.
    #[error("the provider may or may not have done it: {0}")]
    OutcomeUnknown(String),
    /// The mailbox's kind of server offers no way to do this (an IMAP server has no
    /// labels); the text is ours and says what.
    #[error("{0}")]
    Unsupported(String),
    /// Retrying will not help: bad request, missing permission. The code is the provider's.
    #[error("the provider refused the request: {code}")]
    Permanent {
        status: u16,
        code: String,
        message: String,
    },
}

impl ProviderError {
    /// True for errors a retry with backoff may cure.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. } | ProviderError::Transient(_)
        )
    }
}

/// `Retry-After` as seconds (Graph sends fractions like `2.128`) or an HTTP date.
pub fn retry_after_header(value: Option<&str>) -> Option<Duration> {
    let value = value?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(3600.0)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    wait.to_std().ok()
}

/// Gmail puts its only hint in the message: "User-rate limit exceeded.  Retry after
/// 2023-03-07T18:18:23.688Z".
fn retry_after_message(message: &str) -> Option<Duration> {
    let at = message.split("Retry after").nth(1)?.trim();
    let at = chrono::DateTime::parse_from_rfc3339(at).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

/// Classifies a Gmail API answer that was not a success.
pub fn classify_gmail(status: u16, retry_after: Option<&str>, body: &[u8]) -> ProviderError {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = &json["error"];
    let message = error["message"].as_str().unwrap_or("").to_string();
    let reason = error["errors"][0]["reason"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let wait = retry_after_header(retry_after).or_else(|| retry_after_message(&message));
    match (status, reason.as_str()) {
        (401, _) => ProviderError::Unauthorized,
        (429, _) | (403, "rateLimitExceeded" | "userRateLimitExceeded" | "dailyLimitExceeded") => {
            ProviderError::RateLimited { retry_after: wait }
        }
        (404, _) => ProviderError::NotFound,
        (500..=599, _) => ProviderError::Transient(format!("HTTP {status} {reason}")),
        _ => ProviderError::Permanent {
            status,
            code: if reason.is_empty() {
                format!("HTTP_{status}")
            } else {
                reason
            },
            message,
        },
    }
}

/// Classifies a Microsoft Graph answer that was not a success.
pub fn classify_graph(status: u16, retry_after: Option<&str>, body: &[u8]) -> ProviderError {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = json["error"]["code"].as_str().unwrap_or("").to_string();
    let message = json["error"]["message"].as_str().unwrap_or("").to_string();
    match (status, code.as_str()) {
        (401, _) => ProviderError::Unauthorized,
        (410, _) | (_, "SyncStateNotFound" | "syncStateNotFound" | "resyncRequired") => {
            ProviderError::CursorExpired
        }
        (429, _) => ProviderError::RateLimited {
            retry_after: retry_after_header(retry_after),
        },
        (404, _) => ProviderError::NotFound,
        (500..=599, _) => ProviderError::Transient(format!("HTTP {status} {code}")),
        _ => ProviderError::Permanent {
            status,
            code: if code.is_empty() {
                format!("HTTP_{status}")
            } else {
                code
            },
            message,
        },
    }
}

/// A request that failed before any answer: always worth a retry.
/// How a provider's failure answer is read: status, `Retry-After`, body.
pub type Classify = fn(u16, Option<&str>, &[u8]) -> ProviderError;

/// Sends `request` to `provider` (counted in the metrics); a success answer comes back
/// unread, a failure classified by `classify`.
pub async fn checked(
    request: reqwest::RequestBuilder,
    provider: &'static str,
    classify: Classify,
) -> Result<reqwest::Response, ProviderError> {
    let response = request.send().await.map_err(|e| {
        crate::metrics::provider_request(provider, None);
        transport(e)
    })?;
    let status = response.status().as_u16();
    crate::metrics::provider_request(provider, Some(status));
    if response.status().is_success() {
        return Ok(response);
    }
    let retry_after = retry_after_of(&response);
    let body = response.bytes().await.map_err(transport)?;
    Err(classify(status, retry_after.as_deref(), &body))
}

/// A response's `Retry-After` header as sent.
pub fn retry_after_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(ToString::to_string)
}

pub fn transport(error: reqwest::Error) -> ProviderError {
    ProviderError::Transient(error.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_answers_are_classified_by_status_and_reason() {
        let body = |reason: &str, message: &str| {
            serde_json::json!({"error": {"code": 0, "message": message, "errors": [{"reason": reason, "domain": "global"}]}}).to_string().into_bytes()
        };
        assert_eq!(
            classify_gmail(401, None, &body("authError", "")),
            ProviderError::Unauthorized
        );
        assert_eq!(
            classify_gmail(404, None, &body("notFound", "")),
            ProviderError::NotFound
        );
        assert!(matches!(
            classify_gmail(403, None, &body("userRateLimitExceeded", "")),
            ProviderError::RateLimited { .. }
        ));
        assert!(matches!(
            classify_gmail(403, None, &body("insufficientPermissions", "")),
            ProviderError::Permanent { status: 403, .. }
        ));
        assert!(matches!(
            classify_gmail(503, None, b"<html>"),
            ProviderError::Transient(_)
        ));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(90))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let limited = classify_gmail(
            429,
            None,
            &body(
                "rateLimitExceeded",
                &format!("User-rate limit exceeded.  Retry after {later}"),
            ),
        );
        let ProviderError::RateLimited {
            retry_after: Some(wait),
        } = limited
        else {
            panic!("{limited:?}")
        };
        assert!(wait.as_secs() > 80 && wait.as_secs() <= 90);
    }

    #[test]
    fn graph_answers_are_classified_by_status_and_code() {
        let body = |code: &str| {
            serde_json::json!({"error": {"code": code, "message": "m"}})
                .to_string()
                .into_bytes()
        };
        assert_eq!(
            classify_graph(410, None, &body("SyncStateNotFound")),
            ProviderError::CursorExpired
        );
        assert_eq!(
            classify_graph(400, None, &body("resyncRequired")),
            ProviderError::CursorExpired
        );
        assert_eq!(
            classify_graph(429, Some("2.5"), &body("TooManyRequests")),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_millis(2500))
            }
        );
        assert!(
            matches!(classify_graph(400, None, &body("ErrorInvalidRecipients")), ProviderError::Permanent { ref code, .. } if code == "ErrorInvalidRecipients")
        );
    }
}
