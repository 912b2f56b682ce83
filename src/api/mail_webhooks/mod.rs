//! `mailWebhooks`: where the providers push. Public routes: a NocoBase token never
//! reaches them. Graph's notifications are authenticated by the subscription's secret
//! `clientState`, Gmail's Pub/Sub pushes by their Google-signed OIDC token. What passes
//! only wakes the account's sync; nothing in a push is stored as mail. Each sender has
//! `limits.webhook_requests_per_minute` (a refused request costs ten), then a 429 the
//! providers retry on.

pub(crate) mod google;
pub(crate) mod microsoft;

use crate::http::{ApiError, Router};
use crate::state::AppState;
use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use std::net::IpAddr;

/// What a refused request costs in a sender's budget, beyond the request itself.
const REFUSED_COST: f64 = 9.0;

pub fn configure(router: &mut Router) {
    router.post_action("mailWebhooks:microsoft", microsoft::microsoft_webhook);
    router.post_action("mailWebhooks:google", google::google_webhook);
}

/// 403 for a push that did not prove where it came from (no detail: the sender may be
/// probing).
fn refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "PUSH_REFUSED",
        "This notification could not be authenticated.",
    )
}

/// Who sent a request: the connection's peer, or, behind a proxy on this host or the
/// private network (the compose file's nginx, NocoBase's plugin), the address that proxy
/// appended to `X-Forwarded-For`.
fn sender(request: &HttpRequest) -> String {
    let peer = request.peer_addr().map(|a| a.ip());
    let behind_proxy = peer.is_some_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    });
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .and_then(|v| v.parse::<IpAddr>().ok());
    match (behind_proxy, forwarded, peer) {
        (true, Some(ip), _) => ip.to_string(),
        (_, _, Some(ip)) => ip.to_string(),
        _ => "unknown".into(),
    }
}

/// Takes one request from the sender's budget; a 429 when it is spent.
fn admit(
    state: &AppState,
    request: &HttpRequest,
    provider: &'static str,
) -> Result<String, ApiError> {
    let source = sender(request);
    if state.limits.webhooks.allow(&source, 1.0) {
        Ok(source)
    } else {
        crate::metrics::push_notification(provider, "throttled");
        Err(ApiError::too_many(
            "TOO_MANY_REQUESTS",
            "Too many notifications from this sender; try again shortly.",
        ))
    }
}

/// Charges a refused request's extra weight to its sender.
fn charge_refused(state: &AppState, source: &str) {
    state.limits.webhooks.charge(source, REFUSED_COST);
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
