//! `mailWebhooks`: where the providers push. Public routes: a NocoBase token never
//! reaches them. Graph's notifications are authenticated by the subscription's secret
//! `clientState`, Gmail's Pub/Sub pushes by their Google-signed OIDC token. What passes
//! only wakes the account's sync; nothing in a push is stored as mail.

pub(crate) mod google;
pub(crate) mod microsoft;

use crate::http::{ApiError, Router};
use actix_web::http::StatusCode;

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

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
