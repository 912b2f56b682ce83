//! A call through the gateway: its budget spent, its token supplied, and for the sync
//! its throttles waited out (as long as the provider asks, else backoff with jitter) and
//! passing failures retried, never turned into a failed sync while attempts remain.

use super::access::{CallError, with_access};
use super::{Mailbox, Urgency};
use crate::oauth::tokens::AccessError;
use crate::providers::{Operation, ProviderError};
use std::future::Future;
use std::time::Duration;

const LONGEST_WAIT: Duration = Duration::from_secs(60);

fn backoff(attempt: u32) -> Duration {
    let base = 250u64.saturating_mul(1 << attempt.min(8));
    Duration::from_millis(base.min(10_000) + rand::random::<u64>() % 250)
}

pub(super) async fn call<T, F, Fut>(
    mailbox: &Mailbox<'_>,
    op: Operation,
    f: F,
) -> Result<T, CallError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let state = mailbox.state;
    let account = mailbox.account_id;
    let attempts = match mailbox.urgency {
        Urgency::Background => state.settings.sync.call_attempts,
        Urgency::Now => 1,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let spent = state
            .budgets
            .spend(account, mailbox.kind, op.cost, mailbox.urgency)
            .await;
        let result = with_access(state, account, mailbox.kind, &f).await;
        drop(spent);
        if attempt >= attempts {
            return result;
        }
        let wait = match &result {
            Err(CallError::Provider(ProviderError::RateLimited { retry_after })) => {
                let wait = retry_after
                    .unwrap_or_else(|| backoff(attempt))
                    .min(LONGEST_WAIT);
                tracing::info!(
                    account,
                    call = op.name,
                    wait_ms = wait.as_millis() as u64,
                    "throttled by the provider; waiting"
                );
                wait
            }
            Err(CallError::Provider(ProviderError::Transient(reason)))
            | Err(CallError::Access(AccessError::Transient(reason))) => {
                tracing::info!(account, call = op.name, attempt, %reason, "provider call failed; retrying");
                backoff(attempt)
            }
            _ => return result,
        };
        tokio::time::sleep(wait).await;
    }
}
