//! A sync page's one transaction: the account's row taken first (the lock order every
//! writer of an account's mail follows, `mail_accounts::lock_mail`), then the mail, the
//! events that tell the open pages about it and, with progress, the account's progress
//! and the lease's extension. One pool checkout and one write transaction per page (the
//! store's own transactions nest in it as savepoints), so progress and events never say
//! more than what is stored, and a page that fails leaves none of it.

use crate::store::sync_jobs::{self, Fence};
use crate::store::{DbConnection, StoreError, mail_accounts};

/// What a page's write did: messages stored, changed, deleted.
pub type Changes = (usize, usize, usize);

/// Where a run stands once a page is stored, written with that page.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub phase: &'static str,
    pub done: usize,
    pub total: Option<u64>,
}

/// Commits a page: `work` writes its mail under the account's row lock, and the page's
/// events, progress and lease go with it. Fails with [`StoreError::Fenced`] when another
/// worker took the account over.
pub fn commit<F>(
    connection: &mut DbConnection,
    fence: &Fence,
    lease: chrono::Duration,
    progress: Option<Progress>,
    work: F,
) -> Result<Changes, StoreError>
where
    F: FnOnce(&mut DbConnection) -> Result<Changes, StoreError>,
{
    connection.write_transaction(|c| {
        mail_accounts::lock_mail(c, fence.account_id)?;
        let changes = work(c)?;
        let now = chrono::Utc::now().naive_utc();
        crate::events::record_changes(c, fence.account_id, changes, now)?;
        if let Some(at) = progress {
            mail_accounts::set_progress(
                c,
                fence.account_id,
                at.phase,
                at.done as i64,
                at.total.map(|t| t as i64),
                now,
            )?;
            if !sync_jobs::heartbeat(c, fence, lease, now)? {
                return Err(StoreError::Fenced);
            }
            crate::events::record_account(c, fence.account_id, now)?;
        }
        Ok(changes)
    })
}
