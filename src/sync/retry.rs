//! Provider calls during a sync: throttles are waited out (as long as the provider
//! asks, else backoff with jitter), transient failures retried, never turned into a
//! failed sync while retries remain.

use super::{Run, SyncError};
use crate::oauth::tokens::AccessError;
use crate::providers::session::{CallError, with_access};
use crate::providers::{ProviderError, ProviderKind};
use std::future::Future;
use std::time::Duration;

const LONGEST_WAIT: Duration = Duration::from_secs(60);

fn backoff(attempt: u32) -> Duration {
    let base = 250u64.saturating_mul(1 << attempt.min(8));
    Duration::from_millis(base.min(10_000) + rand::random::<u64>() % 250)
}

/// Calls the provider for the run's account with retries; `what` names the method (its
/// Gmail quota cost is looked up by that name; a Graph call is one request).
pub async fn call<T, F, Fut>(run: &Run<'_>, what: &'static str, f: F) -> Result<T, SyncError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let units = match run.kind {
        ProviderKind::Google => super::gmail_units(what),
        ProviderKind::Microsoft => 1,
    };
    call_costing(run, what, units, f).await
}

/// Like [`call`], for a call that costs `units`: a Gmail batch costs each of its parts,
/// a Graph call that makes several requests costs each of them.
pub async fn call_costing<T, F, Fut>(
    run: &Run<'_>,
    what: &'static str,
    units: u64,
    f: F,
) -> Result<T, SyncError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let spent = run
            .state
            .budgets
            .spend(run.account_id(), run.kind, units)
            .await;
        let result = with_access(run.state, run.account_id(), run.kind, &f).await;
        drop(spent);
        let wait = match &result {
            Err(CallError::Provider(ProviderError::RateLimited { retry_after })) => {
                let wait = retry_after
                    .unwrap_or_else(|| backoff(attempt))
                    .min(LONGEST_WAIT);
                tracing::info!(
                    account = run.account_id(),
                    call = what,
                    wait_ms = wait.as_millis() as u64,
                    "throttled by the provider; waiting"
                );
                Some(wait)
            }
            Err(CallError::Provider(ProviderError::Transient(reason)))
            | Err(CallError::Access(AccessError::Transient(reason))) => {
                tracing::info!(account = run.account_id(), call = what, attempt, %reason, "provider call failed; retrying");
                Some(backoff(attempt))
            }
            _ => None,
        };
        match wait {
            Some(wait) if attempt < run.state.settings.sync.call_attempts => {
                tokio::time::sleep(wait).await
            }
            _ => return result.map_err(SyncError::from),
        }
    }
}
