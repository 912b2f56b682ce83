//! Push: the providers tell us when a mailbox changes, so new mail shows in seconds
//! instead of at the next poll.
//!
//! - Microsoft Graph: a change-notification subscription on the mailbox's messages,
//!   posting to `/api/mailWebhooks:microsoft` with a random `clientState` (sealed in the
//!   database) that every notification must carry. Renewed when half its life is left;
//!   lifecycle events (`missed`, `subscriptionRemoved`, `reauthorizationRequired`) mean
//!   "sync now, then look at the subscription".
//! - Gmail: `users.watch` on the Google provider's Pub/Sub topic, renewed daily; the
//!   push subscription posts to `/api/mailWebhooks:google` with an OIDC token checked
//!   against Google's keys ([`oidc`]).
//! - IMAP: a connection held in IDLE on the inbox, leased to one process
//!   ([`imap_idle`]).
//!
//! A push never carries mail into the database: it only wakes the account's incremental
//! sync ([`wake`]), which stays the source of truth, and a burst of pushes makes one run
//! (the job queue keeps one job per account, see `store::sync_jobs::enqueue`). Polling
//! stays on, less often for accounts whose push is healthy (`push.poll_interval_secs`).
//!
//! [`maintain`] looks after every account's subscription or watch, in whichever process
//! claims its row first.

mod gmail;
mod graph;
mod imap_idle;
mod maintain;
pub mod oidc;

pub use gmail::webhook_url as gmail_webhook_url;
pub use graph::client_state_identity as graph_client_state_identity;
pub use imap_idle::IdleWatchers;
pub use maintain::spawn;

use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::{StoreError, mail_push, sync_jobs};
use chrono::Utc;

/// Starts a sync of the account now (or right after the one in progress) and wakes
/// this process's idle workers.
pub async fn wake(state: &AppState, account_id: i64) -> Result<(), StoreError> {
    let now = Utc::now().naive_utc();
    state
        .store
        .run(move |c| {
            mail_push::pushed(c, account_id, now)?;
            sync_jobs::enqueue(c, account_id, false, now)
        })
        .await?;
    state.sync_wake.notify_waiters();
    Ok(())
}

/// A mailbox was connected (or reconnected): set its push up soon.
pub async fn on_connect(state: &AppState, account_id: i64, kind: ProviderKind) {
    let now = Utc::now().naive_utc();
    let result = state
        .store
        .run(move |c| mail_push::ensure(c, account_id, kind.as_str(), now))
        .await;
    if let Err(error) = result {
        tracing::warn!(account = account_id, %error, "could not queue the push set-up");
    }
    state.push_wake.notify_waiters();
}

/// A mailbox is being disconnected: tell the provider to stop pushing (best effort; a
/// subscription left behind expires on its own and its notifications match no account).
pub async fn on_disconnect(state: &AppState, account_id: i64, kind: ProviderKind) {
    let row = state
        .store
        .run(move |c| mail_push::get(c, account_id))
        .await
        .ok()
        .flatten();
    let Some(row) = row else { return };
    let outcome = match (kind, row.subscription_id) {
        (ProviderKind::Microsoft, Some(id)) => graph::remove(state, account_id, &id).await,
        (ProviderKind::Google, _) if row.status == mail_push::ACTIVE => {
            gmail::stop(state, account_id).await
        }
        _ => Ok(()),
    };
    if let Err(error) = outcome {
        tracing::info!(account = account_id, error = %error, "the provider's push could not be removed; it will expire");
    }
}

/// Why setting push up failed, in words safe for logs and the account view.
fn describe(error: &crate::gateway::CallError) -> String {
    use crate::gateway::CallError as C;
    use crate::oauth::tokens::AccessError;
    use crate::providers::ProviderError as P;
    match error {
        C::Provider(P::Permanent { status, code, .. }) => {
            format!("the provider refused it (HTTP {status} {code})")
        }
        C::Provider(P::RateLimited { .. }) => "the provider throttled the request".into(),
        C::Provider(P::Transient(_)) => "the provider did not answer reliably".into(),
        C::Provider(P::NotFound) => "the provider no longer knows it".into(),
        C::Provider(_) => "the provider refused it".into(),
        C::Access(AccessError::ReauthRequired) => "the mailbox must be reconnected".into(),
        C::Access(_) => "the sign-in could not be renewed for now".into(),
    }
}
