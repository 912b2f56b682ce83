//! Graph change-notification subscriptions: create, renew, remove.

use crate::crypto::RowIdentity;
use crate::gateway::{CallError, Mailbox, Urgency};
use crate::providers::operation::graph as op;
use crate::providers::{ProviderError, ProviderKind};
use crate::state::AppState;
use crate::store::mail_push::{self, PushRow, PushUpdate};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};

/// The sealed `clientState` column's identity for the vault.
pub fn client_state_identity(account_key: &str) -> RowIdentity<'_> {
    RowIdentity {
        table: "mail_push",
        row: account_key,
        column: "client_state",
    }
}

/// The URL Graph posts notifications (and lifecycle events) to.
pub fn webhook_url(state: &AppState) -> String {
    format!(
        "{}/api/mailWebhooks:microsoft",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

/// Renews the row's subscription, or creates one when there is none (or Graph forgot
/// it); returns what to store.
pub async fn ensure(state: &AppState, row: &PushRow) -> Result<PushUpdate, CallError> {
    let account_id = row.account_id;
    let lifetime = Duration::seconds(state.settings.push.graph_lifetime_secs as i64);
    let expires = Utc::now() + lifetime;
    let graph = state.graph();
    let mailbox = Mailbox::new(state, account_id, ProviderKind::Microsoft, Urgency::Now);
    if let (Some(id), Some(sealed)) = (&row.subscription_id, &row.client_state_sealed) {
        let renewed = mailbox
            .call(op::RENEW, |token| {
                let graph = graph.clone();
                let id = id.clone();
                async move { graph.renew_subscription(&token, &id, expires).await }
            })
            .await;
        match renewed {
            Ok(subscription) => {
                return Ok(active(
                    state,
                    subscription.id,
                    sealed.clone(),
                    subscription.expiration_date_time,
                ));
            }
            // Expired or removed at Graph: make a new one below.
            Err(CallError::Provider(ProviderError::NotFound)) => {}
            Err(error) => return Err(error),
        }
    }
    let client_state = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let url = webhook_url(state);
    let created = mailbox
        .call(op::SUBSCRIBE, |token| {
            let (graph, url, client_state) = (graph.clone(), url.clone(), client_state.clone());
            async move { graph.subscribe(&token, &url, &client_state, expires).await }
        })
        .await?;
    let key = account_id.to_string();
    let sealed = state
        .vault
        .seal(client_state.as_bytes(), client_state_identity(&key));
    Ok(active(
        state,
        created.id,
        sealed,
        created.expiration_date_time,
    ))
}

fn active(
    state: &AppState,
    id: String,
    sealed: String,
    expires: chrono::DateTime<Utc>,
) -> PushUpdate {
    let now = Utc::now();
    // Renew when half the lifetime Graph granted is left (never later than a minute
    // before it ends, never sooner than a second from now).
    let half = (expires - now) / 2;
    let lifetime = Duration::seconds(state.settings.push.graph_lifetime_secs as i64);
    let next = (now + half.min(lifetime)).max(now + Duration::seconds(1));
    PushUpdate {
        status: mail_push::ACTIVE,
        subscription_id: Some(id),
        client_state_sealed: Some(sealed),
        expires_at: Some(expires.naive_utc()),
        next_check_at: next.naive_utc(),
        last_error: None,
    }
}

/// Deletes a subscription at Graph.
pub async fn remove(state: &AppState, account_id: i64, id: &str) -> Result<(), CallError> {
    let graph = state.graph();
    let mailbox = Mailbox::new(state, account_id, ProviderKind::Microsoft, Urgency::Now);
    let outcome = mailbox
        .call(op::UNSUBSCRIBE, |token| {
            let (graph, id) = (graph.clone(), id.to_string());
            async move { graph.delete_subscription(&token, &id).await }
        })
        .await;
    match outcome {
        Err(CallError::Provider(ProviderError::NotFound)) => Ok(()),
        other => other,
    }
}
