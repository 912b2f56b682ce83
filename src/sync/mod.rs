//! Sync: keeps every connected mailbox in step with its provider.
//!
//! A scheduler queues each account every `sync.interval_secs` (and at once when asked);
//! workers claim one account at a time from the database queue (`store::sync_jobs`), so
//! several processes on one PostgreSQL never sync the same account together. The Gmail
//! engine records the history id first, pages the mailbox newest first, then follows
//! history; the Graph engine runs a delta round per folder. Each page commits with the
//! cursor that follows it, so a crash resumes from the last page and nothing is stored
//! twice. Throttles are waited out, transient failures retried with backoff, a cursor
//! the provider forgot triggers a rescan.

mod gmail;
mod graph;
mod imap;
mod labels;
pub mod page;
mod scheduler;
mod worker;

pub use page::{Changes, Progress};
pub use scheduler::{schedule_due, start_soon};
pub use worker::{run_one, spawn};

use crate::gateway::{CallError, Mailbox, Urgency};
use crate::oauth::tokens::AccessError;
use crate::providers::{Operation, ProviderError, ProviderKind};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::sync_jobs::Fence;

/// The oldest mail a first sync takes (`sync.initial_window_days`; none = all of it).
pub(crate) fn window_start(state: &AppState) -> Option<chrono::DateTime<chrono::Utc>> {
    let days = state.settings.sync.initial_window_days;
    (days > 0).then(|| chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
}

/// What a run did, for the log line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub stored: usize,
    pub changed: usize,
    pub deleted: usize,
    pub rescanned: bool,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("another worker took the account over")]
    Fenced,
    #[error("the user must reconnect the mailbox")]
    Reauth,
    #[error(transparent)]
    Provider(ProviderError),
    #[error("tokens: {0}")]
    Access(AccessError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for SyncError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Fenced => SyncError::Fenced,
            other => SyncError::Store(other),
        }
    }
}

impl From<CallError> for SyncError {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Provider(error) => SyncError::Provider(error),
            CallError::Access(AccessError::ReauthRequired) => SyncError::Reauth,
            CallError::Access(error) => SyncError::Access(error),
        }
    }
}

/// A page's write handed to the database. It commits (or fails on the fence) whether or
/// not it is awaited; the engines await each before starting the next, so pages commit
/// in order while the next page is fetched.
pub(crate) type PageWrite = tokio::task::JoinHandle<Result<Changes, StoreError>>;

/// Starts a page's write on the store's blocking pool ([`page::commit`]: one pool
/// checkout and one transaction per page).
pub(crate) fn write_page<F>(run: &Run<'_>, progress: Option<Progress>, work: F) -> PageWrite
where
    F: FnOnce(&mut crate::store::DbConnection) -> Result<Changes, StoreError> + Send + 'static,
{
    let store = run.state.store.clone();
    let fence = run.fence.clone();
    let lease = chrono::Duration::seconds(run.state.settings.sync.lease_secs as i64);
    tokio::spawn(async move {
        store
            .run(move |c| page::commit(c, &fence, lease, progress, work))
            .await
    })
}

/// Waits for work handed to another task (a page's write, parsing a batch): a panic
/// there fails the run as a failed write would.
pub(crate) async fn off_thread<T>(task: tokio::task::JoinHandle<T>) -> Result<T, SyncError> {
    Ok(task.await.map_err(|e| StoreError::Task(e.to_string()))?)
}

/// Waits for a page's write; what it changed.
pub(crate) async fn landed(write: PageWrite) -> Result<Changes, SyncError> {
    Ok(off_thread(write).await??)
}

/// One claimed run.
pub(crate) struct Run<'a> {
    pub state: &'a AppState,
    pub fence: Fence,
    pub kind: ProviderKind,
    pub full: bool,
}

impl Run<'_> {
    pub fn account_id(&self) -> i64 {
        self.fence.account_id
    }

    /// A full resync asked for: every cursor and all mail of the account forgotten first.
    pub async fn reset_if_full(&self) -> Result<(), SyncError> {
        if self.full {
            let fence = self.fence.clone();
            self.state
                .store
                .run(move |c| crate::store::messages::reset_account(c, &fence))
                .await?;
        }
        Ok(())
    }

    /// The mailbox as the gateway calls it for a sync: waiting for budget, retrying.
    pub fn mailbox(&self) -> Mailbox<'_> {
        Mailbox::new(
            self.state,
            self.account_id(),
            self.kind,
            Urgency::Background,
        )
    }

    /// Makes `op` through the gateway (`call` gets the access token).
    pub async fn call<T, F, Fut>(&self, op: Operation, call: F) -> Result<T, SyncError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, ProviderError>>,
    {
        Ok(self.mailbox().call(op, call).await?)
    }

    /// Records where the run stands and keeps the lease alive (as a phase starts; pages
    /// record theirs with their write, [`write_page`]).
    pub async fn progress(
        &self,
        phase: &'static str,
        done: usize,
        total: Option<u64>,
    ) -> Result<(), SyncError> {
        let (fence, now) = (self.fence.clone(), chrono::Utc::now().naive_utc());
        let lease = chrono::Duration::seconds(self.state.settings.sync.lease_secs as i64);
        let held = self
            .state
            .store
            .run(move |c| {
                crate::store::mail_accounts::set_progress(
                    c,
                    fence.account_id,
                    phase,
                    done as i64,
                    total.map(|t| t as i64),
                    now,
                )?;
                crate::store::sync_jobs::heartbeat(c, &fence, lease, now)
            })
            .await?;
        if !held {
            return Err(SyncError::Fenced);
        }
        crate::events::publish_account(self.state, self.account_id()).await;
        tracing::info!(
            account = self.account_id(),
            phase,
            done,
            total,
            "sync progress"
        );
        Ok(())
    }
}

/// Waits for a page's write (which recorded its progress and events) and counts it.
pub(crate) async fn finish_page(
    stats: &mut Stats,
    run: &Run<'_>,
    write: PageWrite,
    at: Progress,
) -> Result<(), SyncError> {
    let (stored, changed, deleted) = landed(write).await?;
    stats.stored += stored;
    stats.changed += changed;
    stats.deleted += deleted;
    log_progress(run, at);
    Ok(())
}

/// Logs where a run stands after a page landed.
pub(crate) fn log_progress(run: &Run<'_>, at: Progress) {
    tracing::info!(
        account = run.account_id(),
        phase = at.phase,
        done = at.done,
        total = at.total,
        "sync progress"
    );
}
