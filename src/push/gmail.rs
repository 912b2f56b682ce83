//! Gmail watch: publish a mailbox's changes to the admin's Cloud Pub/Sub topic.

use crate::gateway::{CallError, Mailbox, Urgency};
use crate::providers::ProviderKind;
use crate::providers::operation::gmail as op;
use crate::state::AppState;
use crate::store::mail_push::{self, PushUpdate};
use chrono::{Duration, Utc};

/// The URL the Pub/Sub push subscription must post to.
pub fn webhook_url(state: &AppState) -> String {
    format!(
        "{}/api/mailWebhooks:google",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

/// Calls `users.watch` on `topic` (a renewal is the same call); returns what to store.
pub async fn ensure(
    state: &AppState,
    account_id: i64,
    topic: &str,
) -> Result<PushUpdate, CallError> {
    let gmail = state.gmail();
    let mailbox = Mailbox::new(state, account_id, ProviderKind::Google, Urgency::Now);
    let watch = mailbox
        .call(op::WATCH, |token| {
            let (gmail, topic) = (gmail.clone(), topic.to_string());
            async move { gmail.watch(&token, &topic).await }
        })
        .await?;
    let now = Utc::now();
    let expires = watch
        .expiration
        .parse::<i64>()
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .unwrap_or(now + Duration::days(7));
    let renew = Duration::seconds(state.settings.push.gmail_renew_secs as i64);
    let next = (now + renew)
        .min(expires - Duration::minutes(1))
        .max(now + Duration::seconds(1));
    Ok(PushUpdate {
        status: mail_push::ACTIVE,
        subscription_id: None,
        client_state_sealed: None,
        expires_at: Some(expires.naive_utc()),
        next_check_at: next.naive_utc(),
        last_error: None,
    })
}

/// Calls `users.stop`.
pub async fn stop(state: &AppState, account_id: i64) -> Result<(), CallError> {
    let gmail = state.gmail();
    let mailbox = Mailbox::new(state, account_id, ProviderKind::Google, Urgency::Now);
    mailbox
        .call(op::STOP, |token| {
            let gmail = gmail.clone();
            async move { gmail.stop(&token).await }
        })
        .await
}
