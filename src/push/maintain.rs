//! Looks after every account's push: at start-up every row is due (subscriptions are
//! renewed or made again), then each row is looked at when its `next_check_at` comes
//! (renewal), when a mailbox connects, or when the Google provider's topic changes.
//! Rows are claimed, so among replicas one process handles each.

use super::{describe, gmail, graph};
use crate::jobs::{Job, Next, Outcome, Stopping};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::mail_accounts::AccountRow;
use crate::store::mail_push::{self, PushRow, PushUpdate};
use crate::store::{StoreError, mail_accounts, mail_providers};
use actix_web::web;
use chrono::{Duration, Utc};
use tokio::sync::Notify;

/// How long a claimed row is this process's.
const CLAIM: i64 = 60;
/// Rows handled per pass.
const BATCH: i64 = 20;
/// Without a topic, a Gmail row is looked at again this often (a topic set by the admin
/// makes it due at once).
const IDLE_CHECK_SECS: i64 = 24 * 3600;

/// Looks after the push rows: every 5 s, at once while a pass was full, or when woken.
struct Maintenance {
    state: web::Data<AppState>,
    /// Every row is queued once, at the job's first step.
    queued: bool,
}

impl Job for Maintenance {
    async fn step(&mut self, _: &Stopping) -> Next {
        if !self.queued {
            self.queued = true;
            let now = Utc::now().naive_utc();
            match self
                .state
                .store
                .run(move |c| mail_push::ensure_all(c, now))
                .await
            {
                Ok(count) => {
                    tracing::debug!(accounts = count, "push set-up queued for every mailbox")
                }
                Err(error) => tracing::warn!(%error, "could not queue the push set-up"),
            }
        }
        let every = std::time::Duration::from_secs(5);
        match pass(&self.state).await {
            Ok(handled) if handled as i64 == BATCH => Next::again(),
            Ok(0) => Next::after(Outcome::Idle, every),
            Ok(_) => Next::after(Outcome::Worked, every),
            Err(error) => {
                tracing::warn!(%error, "push maintenance failed");
                Next::after(Outcome::Failed, every)
            }
        }
    }

    fn wake(&self) -> Option<&Notify> {
        Some(&self.state.push_wake)
    }
}

/// Starts the push maintenance as this process's job.
pub fn spawn(state: web::Data<AppState>) {
    state.jobs.spawn(
        "push-maintenance",
        Maintenance {
            state: state.clone(),
            queued: false,
        },
    );
}

/// Handles the rows due now; returns how many.
async fn pass(state: &web::Data<AppState>) -> Result<usize, StoreError> {
    let owner = state.instance_id.clone();
    let now = Utc::now().naive_utc();
    let rows = state
        .store
        .run(move |c| mail_push::claim_due(c, &owner, now, Duration::seconds(CLAIM), BATCH))
        .await?;
    let count = rows.len();
    for row in rows {
        let account_id = row.account_id;
        let update = decide(state, &row).await?;
        let (owner, now) = (state.instance_id.clone(), Utc::now().naive_utc());
        let status = update.status;
        state
            .store
            .run(move |c| mail_push::save(c, account_id, &owner, &update, now))
            .await?;
        tracing::info!(account = account_id, provider = %row.provider, status, "push checked");
    }
    Ok(count)
}

/// What to do with one row, done.
async fn decide(state: &web::Data<AppState>, row: &PushRow) -> Result<PushUpdate, StoreError> {
    let now = Utc::now();
    let account_id = row.account_id;
    let retry = now + Duration::seconds(state.settings.push.retry_secs as i64);
    let unchanged =
        |status: &'static str, next: chrono::DateTime<Utc>, error: Option<String>| PushUpdate {
            status,
            subscription_id: row.subscription_id.clone(),
            client_state_sealed: row.client_state_sealed.clone(),
            expires_at: row.expires_at,
            next_check_at: next.naive_utc(),
            last_error: error,
        };
    let account = state
        .store
        .run(move |c| mail_accounts::get(c, account_id))
        .await?;
    let Some(kind) = account.as_ref().and_then(AccountRow::kind) else {
        return Ok(unchanged(
            mail_push::OFF,
            now + Duration::seconds(IDLE_CHECK_SECS),
            None,
        ));
    };
    if account.as_ref().is_some_and(AccountRow::needs_reauth) {
        return Ok(unchanged(
            mail_push::FAILED,
            retry,
            Some("the mailbox must be reconnected".into()),
        ));
    }
    if !state.settings.push.enabled {
        return Ok(unchanged(
            mail_push::OFF,
            now + Duration::seconds(IDLE_CHECK_SECS),
            None,
        ));
    }
    let outcome = match kind {
        // IMAP's push is a connection held in IDLE, leased to one process.
        ProviderKind::Imap => return Ok(super::imap_idle::decide(state, row)),
        ProviderKind::Microsoft => graph::ensure(state, row).await,
        ProviderKind::Google => {
            let topic = state
                .store
                .run(move |c| mail_providers::get(c, ProviderKind::Google))
                .await?
                .and_then(|p| p.pubsub_topic)
                .filter(|t| !t.trim().is_empty());
            match topic {
                Some(topic) => gmail::ensure(state, account_id, &topic).await,
                None => {
                    if row.status == mail_push::ACTIVE {
                        // The admin removed the topic: stop pushing to it.
                        let _ = gmail::stop(state, account_id).await;
                    }
                    let mut off = unchanged(
                        mail_push::OFF,
                        now + Duration::seconds(IDLE_CHECK_SECS),
                        None,
                    );
                    off.expires_at = None;
                    return Ok(off);
                }
            }
        }
    };
    Ok(match outcome {
        Ok(update) => update,
        Err(error) => {
            let message = describe(&error);
            tracing::warn!(account = account_id, provider = %kind, problem = %message, "push could not be set up; the mailbox keeps polling");
            unchanged(mail_push::FAILED, retry, Some(message))
        }
    })
}
