use super::{Run, SyncError, gmail, graph, imap, schedule_due};
use crate::jobs::{Job, Next, Outcome, Stopping};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::mail_accounts::AccountRow;
use crate::store::{StoreError, mail_accounts, sync_jobs};
use actix_web::web;
use chrono::{Duration, Utc};
use std::time::Instant;
use tokio::sync::Notify;

/// Failed runs in a row after which an account shows `error`.
const GIVE_UP_AFTER: i64 = 3;

/// Claims and runs one due job; `false` when none was due.
pub async fn run_one(state: &AppState) -> Result<bool, StoreError> {
    let owner = state.instance_id.clone();
    let lease = Duration::seconds(state.settings.sync.lease_secs as i64);
    let Some(claimed) = state
        .store
        .run(move |c| sync_jobs::claim(c, &owner, lease, Utc::now().naive_utc()))
        .await?
    else {
        return Ok(false);
    };
    let fence = claimed.fence.clone();
    let account_id = fence.account_id;
    let account = state
        .store
        .run(move |c| mail_accounts::get(c, account_id))
        .await?;
    let Some(kind) = account.as_ref().and_then(AccountRow::kind) else {
        let f = fence.clone();
        state
            .store
            .run(move |c| sync_jobs::finish(c, &f, None))
            .await?;
        return Ok(true);
    };
    let started = Instant::now();
    let run = Run {
        state,
        fence: fence.clone(),
        kind,
        full: claimed.full_resync,
    };
    let engine = async {
        // One request every few hours, first, so a new mailbox's aliases show in the
        // compose form while its first import is still running.
        crate::send::identities::refresh_if_due(state, account_id, kind).await;
        match kind {
            ProviderKind::Google => gmail::run(&run).await,
            ProviderKind::Microsoft => graph::run(&run).await,
            ProviderKind::Imap => imap::run(&run).await,
        }
    };
    // On shutdown the run stops where it is: every page already committed with its
    // resume point, and a page still being written commits or is fenced off. The job
    // is handed back at once, so another replica resumes it within seconds.
    let stopping = state.jobs.stopping();
    let result = tokio::select! {
        result = engine => result,
        () = stopping.wait() => {
            let f = fence.clone();
            let now = Utc::now().naive_utc();
            state
                .store
                .run(move |c| sync_jobs::release(c, &f, now))
                .await?;
            crate::metrics::sync_run(kind.as_str(), "stopped", 0);
            tracing::info!(account = account_id, "sync stopped by shutdown; the account is free for another replica");
            return Ok(true);
        }
    };
    let now = Utc::now().naive_utc();
    let (outcome, stored) = match &result {
        Ok(stats) => ("ok", stats.stored as u64),
        Err(SyncError::Fenced) => ("fenced", 0),
        Err(SyncError::Reauth) => ("reauth", 0),
        Err(_) => ("failed", 0),
    };
    crate::metrics::sync_run(kind.as_str(), outcome, stored);
    let publish = !matches!(result, Err(SyncError::Fenced));
    match result {
        Ok(stats) => {
            let f = fence.clone();
            state
                .store
                .run(move |c| {
                    mail_accounts::sync_succeeded(c, account_id, now)?;
                    sync_jobs::finish(c, &f, None)
                })
                .await?;
            tracing::info!(
                account = account_id,
                provider = %kind,
                stored = stats.stored,
                changed = stats.changed,
                deleted = stats.deleted,
                rescanned = stats.rescanned,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "sync finished"
            );
        }
        Err(SyncError::Fenced) => {
            tracing::warn!(
                account = account_id,
                instance = %state.instance_id,
                "another worker took this account over; stopping"
            );
        }
        Err(SyncError::Reauth) => {
            let f = fence.clone();
            state
                .store
                .run(move |c| sync_jobs::finish(c, &f, None))
                .await?;
            tracing::warn!(
                account = account_id,
                "sync stopped: the mailbox must be reconnected"
            );
        }
        Err(error) => {
            let (code, message) = describe(&error);
            let give_up = claimed.attempts >= GIVE_UP_AFTER;
            let retry_at = now + Duration::seconds(30 * claimed.attempts.clamp(1, 20));
            let f = fence.clone();
            state
                .store
                .run(move |c| {
                    mail_accounts::sync_failed(c, account_id, code, &message, give_up, now)?;
                    sync_jobs::finish(c, &f, Some(retry_at))
                })
                .await?;
            // A database failure's cause is ours and holds no mail: it goes to the log.
            // (A provider's own text never does.)
            let cause = match &error {
                SyncError::Store(store) => store.to_string(),
                _ => String::new(),
            };
            tracing::warn!(
                account = account_id,
                code,
                attempts = claimed.attempts,
                cause,
                "sync failed; will retry"
            );
        }
    }
    if publish {
        crate::events::publish_account(state, account_id).await;
    }
    Ok(true)
}

/// A code and a message safe to show the user (no provider bodies, no tokens).
fn describe(error: &SyncError) -> (&'static str, String) {
    use crate::providers::ProviderError as P;
    match error {
        SyncError::Provider(P::RateLimited { .. }) => (
            "PROVIDER_THROTTLED",
            "The provider kept throttling the sync; it will continue later.".into(),
        ),
        SyncError::Provider(P::Transient(_)) => (
            "PROVIDER_UNAVAILABLE",
            "The provider did not answer reliably; the sync will continue later.".into(),
        ),
        SyncError::Provider(P::Permanent { code, .. }) => (
            "PROVIDER_REFUSED",
            format!("The provider refused a sync request ({code})."),
        ),
        SyncError::Provider(other) => ("PROVIDER_ERROR", other.to_string()),
        SyncError::Access(_) => (
            "TOKEN_REFRESH_FAILED",
            "The sign-in could not be renewed for now; the sync will continue later.".into(),
        ),
        SyncError::Store(_) => (
            "STORE_ERROR",
            "The mail could not be stored; the sync will continue later.".into(),
        ),
        SyncError::Fenced | SyncError::Reauth => ("SYNC_STOPPED", String::new()),
    }
}

/// Queues due accounts every 2 s.
struct Scheduler(web::Data<AppState>);

impl Job for Scheduler {
    async fn step(&mut self, _: &Stopping) -> Next {
        match schedule_due(&self.0).await {
            Ok(_) => Next::after(Outcome::Worked, std::time::Duration::from_secs(2)),
            Err(error) => {
                tracing::warn!(%error, "sync scheduling failed");
                Next::after(Outcome::Failed, std::time::Duration::from_secs(2))
            }
        }
    }
}

/// Claims and runs one account at a time; polls every 0.5 s when idle (or is woken).
struct Worker(web::Data<AppState>);

impl Job for Worker {
    async fn step(&mut self, _: &Stopping) -> Next {
        match run_one(&self.0).await {
            Ok(true) => Next::again(),
            Ok(false) => Next::after(Outcome::Idle, std::time::Duration::from_millis(500)),
            Err(error) => {
                tracing::warn!(%error, "sync worker failed");
                Next::after(Outcome::Failed, std::time::Duration::from_secs(5))
            }
        }
    }

    fn wake(&self) -> Option<&Notify> {
        Some(&self.0.sync_wake)
    }
}

/// Starts the scheduler and `sync.workers` workers as this process's jobs.
pub fn spawn(state: web::Data<AppState>) {
    state.jobs.spawn("sync-scheduler", Scheduler(state.clone()));
    for _ in 0..state.settings.sync.workers {
        state.jobs.spawn("sync-worker", Worker(state.clone()));
    }
}
