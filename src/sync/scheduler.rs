use crate::state::AppState;
use crate::store::{mail_accounts, sync_jobs};
use chrono::{Duration, Utc};

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
