use crate::state::AppState;
use crate::store::{mail_accounts, sync_jobs};
use chrono::{Duration, Utc};

/// Queues what is due now and wakes this process's idle workers: for "sync now" and a
/// newly connected mailbox, which would otherwise wait for the scheduler's next look (every
/// 2 s) and an idle worker's next poll (every 0.5 s). Failing is not fatal: the
/// scheduler's next look queues the same accounts.
pub async fn start_soon(state: &AppState) {
    if let Err(error) = schedule_due(state).await {
        tracing::warn!(%error, "sync scheduling failed; the next look will retry");
    }
    state.sync_wake.notify_waiters();
}

/// Queues every account that is due (asked for, never synced, or not synced for
/// `sync.interval_secs`, or `push.poll_interval_secs` when its provider pushes). A
/// periodic run gets a little jitter so accounts spread out.
pub async fn schedule_due(state: &AppState) -> Result<usize, crate::store::StoreError> {
    let interval = state.settings.sync.interval_secs as i64;
    let push_interval = (state.settings.push.poll_interval_secs as i64).max(interval);
    let now = Utc::now().naive_utc();
    let stale_before = now - Duration::seconds(interval);
    let push_stale_before = now - Duration::seconds(push_interval);
    let due = state
        .store
        .run(move |c| mail_accounts::take_due(c, stale_before, push_stale_before, now, 200))
        .await?;
    let count = due.len();
    for (account_id, full, requested) in due {
        let jitter = if requested {
            0
        } else {
            rand::random::<u64>() % (interval as u64 / 10).clamp(1, 30)
        };
        let at = now + Duration::seconds(jitter as i64);
        state
            .store
            .run(move |c| sync_jobs::enqueue(c, account_id, full, at))
            .await?;
    }
    Ok(count)
}
