//! Scheduled sends: every second, due rows of the outbox are claimed (one process per
//! row, by a conditional update), their sealed message opened and sent. Sends a stopped
//! process left half-done become `unknown` here once their lease runs out, and unknown
//! sends are then settled by asking the provider (`settle`).

use super::deliver;
use crate::crypto::RowIdentity;
use crate::gateway::Urgency;
use crate::ids::{AccountId, SendId};
use crate::jobs::{Job, Next, Outcome as Step, Stopping};
use crate::mail::compose::Outgoing;
use crate::state::AppState;
use crate::store::outbox::{self, Outcome};
use crate::store::{StoreError, mail_accounts};
use actix_web::web;
use chrono::Utc;
use std::sync::Arc;

/// Looks at the outbox every second.
struct Scheduled(web::Data<AppState>);

impl Job for Scheduled {
    async fn step(&mut self, _: &Stopping) -> Next {
        let every = std::time::Duration::from_secs(1);
        match run_due(&self.0).await {
            Ok(()) => Next::after(Step::Worked, every),
            Err(error) => {
                tracing::warn!(%error, "the outbox could not be read");
                Next::after(Step::Failed, every)
            }
        }
    }
}

/// Starts the scheduled sends as this process's job.
pub fn spawn(state: web::Data<AppState>) {
    state.jobs.spawn("send-scheduler", Scheduled(state.clone()));
}

/// The identity a scheduled message is sealed under.
pub fn sealed_identity(row: &str) -> RowIdentity<'_> {
    RowIdentity {
        table: "mail_outbox",
        row,
        column: "message",
    }
}

/// Sends whatever is due now; once the process is stopping, claims nothing more (a send
/// already handed over is finished and recorded: stopping half way would leave it unknown).
pub async fn run_due(state: &AppState) -> Result<(), StoreError> {
    let stopping = state.jobs.stopping();
    let now = Utc::now().naive_utc();
    let abandoned = state
        .store
        .run(move |c| outbox::abandon_stale(c, now))
        .await?;
    if abandoned > 0 {
        tracing::warn!(abandoned, "sends interrupted by a stop are now unknown");
    }
    if !stopping.is_set() {
        super::settle::settle_unknown(state).await?;
    }
    while !stopping.is_set() {
        let now = Utc::now().naive_utc();
        let lease = now + super::lease::length(state);
        let Some((row, sealed)) = state
            .store
            .run(move |c| outbox::claim_due(c, now, lease))
            .await?
        else {
            return Ok(());
        };
        let account = row.account_id;
        let kind = state
            .store
            .run(move |c| mail_accounts::get(c, account))
            .await?
            .and_then(|a| a.kind());
        let id = row.id.to_string();
        let outgoing = sealed.and_then(|sealed| {
            let json = state
                .vault
                .open_string(&sealed, sealed_identity(&id))
                .ok()?;
            serde_json::from_str::<Outgoing>(&json).ok()
        });
        let outcome = match (kind, outgoing) {
            (Some(kind), Some(outgoing)) => {
                let sending = deliver(state, account, kind, Arc::new(outgoing), Urgency::Background);
                super::lease::held(state, row.id, sending).await
            }
            _ => Outcome {
                status: outbox::SendStatus::Failed,
                error_code: Some("MESSAGE_UNREADABLE".into()),
                error_message: Some(
                    "The scheduled message could not be read back (its mailbox or the encryption key changed).".into(),
                ),
                ..Outcome::default()
            },
        };
        super::record(state, SendId(row.id), AccountId(account), outcome).await?;
    }
    Ok(())
}
