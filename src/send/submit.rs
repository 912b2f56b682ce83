//! A send someone asked for, from its composed message to its outbox row: recorded under
//! its Idempotency-Key (one row per key and mailbox, so concurrent retries agree on it),
//! then handed to the provider now, or sealed in the row until its time comes.

use super::scheduler::sealed_identity;
use crate::gateway::Urgency;
use crate::ids::{AccountId, SendId};
use crate::mail::compose::Outgoing;
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::outbox::{self, Begun, NewSend, OutboxRow};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// What is to be sent, from which mailbox, and when.
pub struct Submission {
    pub account_id: i64,
    pub user_id: i64,
    pub kind: ProviderKind,
    /// The caller's Idempotency-Key, or one made up for this send.
    pub key: String,
    /// The request's digest: a retry under the same key must ask for the same message.
    pub digest: String,
    /// Later, or now when `None`.
    pub send_at: Option<DateTime<Utc>>,
    pub outgoing: Outgoing,
}

/// How a submission ended.
pub enum Submitted {
    /// The key was used already (a concurrent retry won the race): its row, unchanged.
    Earlier(Box<OutboxRow>),
    /// This send's row: sent, failed or unknown when it was due now; queued otherwise.
    Recorded(i64),
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the message could not be kept for later: {0}")]
    Keep(serde_json::Error),
}

/// Records the send, then sends it now (waiting for the provider's answer) or keeps it
/// sealed for the scheduler.
pub async fn submit(state: &AppState, submission: Submission) -> Result<Submitted, SubmitError> {
    let Submission {
        account_id,
        user_id,
        kind,
        key,
        digest,
        send_at,
        outgoing,
    } = submission;
    let now = Utc::now();
    let new = NewSend {
        account_id,
        user_id,
        idempotency_key: key,
        request_digest: digest,
        status: if send_at.is_some() {
            outbox::SendStatus::Queued
        } else {
            outbox::SendStatus::Sending
        },
        send_at: send_at.map(|at| at.naive_utc()),
        subject: outgoing.subject.chars().take(300).collect(),
        recipient_count: outgoing.recipients().count() as i64,
        lease_until: send_at
            .is_none()
            .then(|| (now + super::lease::length(state)).naive_utc()),
        rfc_message_id: Some(outgoing.message_id.clone()),
    };
    let begun = state
        .store
        .run(move |c| outbox::begin(c, &new, now.naive_utc()))
        .await?;
    let id = match begun {
        Begun::Existing(row) => return Ok(Submitted::Earlier(row)),
        Begun::New(id) => id,
    };
    if send_at.is_some() {
        let json = serde_json::to_string(&outgoing).map_err(SubmitError::Keep)?;
        let row = id.to_string();
        let sealed = state.vault.seal(json.as_bytes(), sealed_identity(&row));
        state
            .store
            .run(move |c| outbox::keep_message(c, id, &sealed))
            .await?;
    } else {
        let sending = super::deliver(state, account_id, kind, Arc::new(outgoing), Urgency::Now);
        let outcome = super::lease::held(state, id, sending).await;
        super::record(state, SendId(id), AccountId(account_id), outcome).await?;
    }
    Ok(Submitted::Recorded(id))
}
