//! Sending: a composed message handed to its provider, and the outcome as the outbox
//! records it — sent, failed (with the provider's reason) or unknown (it may have gone;
//! never sent again blindly: [`settle`] asks the provider). Scheduled sends are run by
//! [`scheduler`]; a send in flight holds its row by a renewed [`lease`].

pub mod identities;
pub mod lease;
pub mod scheduler;
pub mod settle;
pub mod submit;

use crate::gateway::{CallError, Mailbox, Urgency};
use crate::ids::{AccountId, SendId};
use crate::mail::compose::Outgoing;
use crate::oauth::tokens::AccessError;
use crate::providers::operation::{gmail, graph};
use crate::providers::{ProviderError, ProviderKind};
use crate::state::AppState;
use crate::store::outbox::{self, Outcome};
use std::sync::Arc;
use std::time::Duration;

/// Writes a send's outcome to its outbox row; a sent message's copy reaches the Sent
/// folder with the account's next sync, so that sync is asked for now.
pub async fn record(
    state: &AppState,
    send: SendId,
    account: AccountId,
    outcome: Outcome,
) -> Result<(), crate::store::StoreError> {
    let (id, account_id) = (send.0, account.0);
    let now = chrono::Utc::now().naive_utc();
    state
        .store
        .run(move |c| {
            outbox::finish(c, id, &outcome, now)?;
            if outcome.status == outbox::SendStatus::Sent {
                crate::store::mail_accounts::request_sync(c, account_id, false, now)?;
            }
            Ok(())
        })
        .await
}

/// The longest a throttled send waits for the provider before it is reported as failed.
const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(10);

/// Sends `outgoing` from `account_id` and says how it went. `urgency`: `Now` for a send
/// someone waits for (it goes at once); `Background` for a scheduled or campaign send,
/// which waits for room in the mailbox's quota budget, so a campaign is paced under the
/// provider's per-user limit instead of being throttled by it.
pub async fn deliver(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
    outgoing: Arc<Outgoing>,
    urgency: Urgency,
) -> Outcome {
    let mut waited = false;
    loop {
        let result = attempt(state, account_id, kind, outgoing.clone(), urgency).await;
        match result {
            Err(CallError::Provider(ProviderError::RateLimited { retry_after }))
                if !waited && retry_after.is_none_or(|wait| wait <= MAX_THROTTLE_WAIT) =>
            {
                waited = true;
                tokio::time::sleep(retry_after.unwrap_or(Duration::from_secs(2))).await;
            }
            other => {
                let outcome = outcome_of(account_id, other);
                crate::metrics::send(kind.as_str(), outcome.status.as_str());
                return outcome;
            }
        }
    }
}

async fn attempt(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
    outgoing: Arc<Outgoing>,
    urgency: Urgency,
) -> Result<crate::providers::send::Sent, CallError> {
    let date = chrono::Utc::now().timestamp();
    let mailbox = Mailbox::new(state, account_id, kind, urgency);
    match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            let raw = Arc::new(outgoing.to_mime(date));
            mailbox
                .call(gmail::MESSAGES_SEND, |token| {
                    let (client, raw, thread) = (
                        client.clone(),
                        raw.clone(),
                        outgoing.provider_thread_id.clone(),
                    );
                    async move { client.send_message(&token, &raw, thread.as_deref()).await }
                })
                .await
        }
        ProviderKind::Imap => crate::imap_account::send(state, account_id, &outgoing, date)
            .await
            .map_err(CallError::Provider),
        ProviderKind::Microsoft => {
            let client = state.graph();
            mailbox
                .call(graph::SEND, |token| {
                    let (client, outgoing) = (client.clone(), outgoing.clone());
                    async move { client.send_message(&token, &outgoing, date).await }
                })
                .await
        }
    }
}

fn failed(code: &str, message: impl Into<String>) -> Outcome {
    Outcome {
        status: outbox::SendStatus::Failed,
        error_code: Some(code.to_string()),
        error_message: Some(message.into()),
        ..Outcome::default()
    }
}

/// The outbox outcome of a send. Provider reasons are kept for the sender to read; the
/// log gets the code only (a reason may quote an address).
fn outcome_of(account_id: i64, result: Result<crate::providers::send::Sent, CallError>) -> Outcome {
    let error = match result {
        Ok(sent) => {
            return Outcome {
                status: outbox::SendStatus::Sent,
                provider_message_id: sent.provider_message_id,
                provider_thread_id: sent.provider_thread_id,
                ..Outcome::default()
            };
        }
        Err(error) => error,
    };
    let outcome = match error {
        CallError::Provider(ProviderError::OutcomeUnknown(_)) => Outcome {
            status: outbox::SendStatus::Unknown,
            error_code: Some("OUTCOME_UNKNOWN".into()),
            error_message: Some(
                "The provider did not confirm the send; it may or may not have gone. Check the Sent folder before sending again."
                    .into(),
            ),
            ..Outcome::default()
        },
        CallError::Provider(ProviderError::Permanent { code, message, .. }) => {
            failed("PROVIDER_REFUSED", format!("{message} ({code})"))
        }
        CallError::Provider(ProviderError::NotFound) => {
            failed("PROVIDER_REFUSED", "The provider refused the message (not found).")
        }
        CallError::Provider(ProviderError::Unsupported(what)) => failed("NOT_SUPPORTED", what),
        CallError::Provider(ProviderError::RateLimited { .. }) => failed(
            "PROVIDER_THROTTLED",
            "The provider is limiting how fast this mailbox sends; try again later.",
        ),
        CallError::Provider(ProviderError::Unauthorized | ProviderError::ReauthRequired)
        | CallError::Access(AccessError::ReauthRequired | AccessError::NoTokens) => failed(
            "REAUTH_REQUIRED",
            "The mailbox must be reconnected before it can send.",
        ),
        CallError::Access(AccessError::App(_)) => failed(
            "PROVIDER_APP_UNUSABLE",
            "The provider's OAuth app is not set up or was refused; an admin must check it.",
        ),
        CallError::Provider(ProviderError::Transient(_) | ProviderError::CursorExpired)
        | CallError::Access(_) => failed(
            "PROVIDER_UNAVAILABLE",
            "The provider could not be reached; the message was not sent.",
        ),
    };
    tracing::warn!(
        account = account_id,
        status = outcome.status.as_str(),
        code = outcome.error_code.as_deref().unwrap_or(""),
        "a send did not succeed"
    );
    outcome
}
