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

mod budget;
mod gmail;
mod graph;
mod retry;
mod scheduler;
mod worker;

pub use budget::{Budgets, gmail_units};
pub use scheduler::{schedule_due, start_soon};
pub use worker::{run_one, spawn};

use crate::oauth::tokens::AccessError;
use crate::providers::ProviderError;
use crate::providers::ProviderKind;
use crate::providers::session::CallError;
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
pub(crate) type PageWrite<T> = tokio::task::JoinHandle<Result<T, StoreError>>;

/// Starts a page's write on the store's blocking pool.
pub(crate) fn write_page<T, F>(state: &AppState, work: F) -> PageWrite<T>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::store::DbConnection) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    tokio::spawn(async move { store.run(work).await })
}

/// Waits for work handed to another task (a page's write, parsing a batch): a panic
/// there fails the run as a failed write would.
pub(crate) async fn off_thread<T>(task: tokio::task::JoinHandle<T>) -> Result<T, SyncError> {
    Ok(task.await.map_err(|e| StoreError::Task(e.to_string()))?)
}

/// Waits for a page's write.
pub(crate) async fn landed<T>(write: PageWrite<T>) -> Result<T, SyncError> {
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

    /// Tells the open pages what a committed page did.
    pub async fn committed(&self, stored: usize, changed: usize, deleted: usize) {
        crate::events::publish_changes(self.state, self.account_id(), stored, changed, deleted)
            .await;
    }

    /// Records progress and keeps the lease alive between pages.
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
