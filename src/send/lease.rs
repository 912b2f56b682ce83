//! A send's lease: the process handing a message to the provider holds its outbox row
//! until the lease runs out, and renews it while the provider still has the message. So
//! the lease can be short — a stopped process's sends are settled soon after it — and
//! still never run out under a send that is merely slow (a large upload).

use crate::state::AppState;
use crate::store::outbox;
use chrono::{Duration, Utc};
use std::future::Future;

/// How long a send is held without a renewal (`send.lease_secs`).
pub fn length(state: &AppState) -> Duration {
    Duration::seconds(i64::try_from(state.settings.send.lease_secs).unwrap_or(i64::MAX / 1000))
}

/// Runs `work` (a send of outbox row `id`) while renewing the row's lease four times per
/// lease length.
pub async fn held<F: Future>(state: &AppState, id: i64, work: F) -> F::Output {
    let lease = length(state);
    let every = (lease / 4)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(1));
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => return done,
            () = tokio::time::sleep(every) => {
                let until = (Utc::now() + lease).naive_utc();
                if let Err(error) = state.store.run(move |c| outbox::renew(c, id, until)).await {
                    tracing::warn!(%error, send = id, "a send's lease could not be renewed");
                }
            }
        }
    }
}
