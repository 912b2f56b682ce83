//! The gateway: the one way to call Gmail or Graph for a mailbox. Sync, the API's writes
//! and downloads, sending and push upkeep all call through a [`Mailbox`], which
//!
//! - spends the operation's quota cost from the mailbox's budget in this process
//!   ([`Budgets`]), so every caller shares one account of what the provider allows;
//! - supplies the access token, refreshing it once when the provider answers 401;
//! - waits out throttles and retries passing failures, for the callers that can wait.
//!
//! The clients in `crate::providers` know the wire; this module knows the account.

mod access;
mod budget;
mod retry;

pub use access::CallError;
pub use budget::Budgets;

use crate::providers::{Operation, ProviderKind};
use crate::state::AppState;
use std::future::Future;

/// How soon a call must go, which decides how it meets the budget and a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// The sync: waits for room in the budget before each call, waits out
    /// throttles and retries passing failures (`sync.call_attempts`).
    Background,
    /// A person waiting for the answer (a write, a download, a send) or upkeep with a
    /// deadline (push subscriptions): counted in the budget at once, never queued behind
    /// a window the sync filled (the sync waits longer instead), and tried once; the
    /// caller tells its own story of a throttle.
    Now,
}

/// A mailbox, as the gateway calls its provider.
pub struct Mailbox<'a> {
    state: &'a AppState,
    account_id: i64,
    kind: ProviderKind,
    urgency: Urgency,
}

impl<'a> Mailbox<'a> {
    pub fn new(state: &'a AppState, account_id: i64, kind: ProviderKind, urgency: Urgency) -> Self {
        Self {
            state,
            account_id,
            kind,
            urgency,
        }
    }

    pub fn account_id(&self) -> i64 {
        self.account_id
    }

    pub fn kind(&self) -> ProviderKind {
        self.kind
    }

    /// The quota units (Gmail) or requests (Graph) the mailbox may spend right now
    /// without waiting; `None` when its provider has no limit set. A caller that can
    /// size its next call (a batch of fewer messages) asks this first.
    pub fn room(&self) -> Option<u64> {
        self.state.budgets.room(self.account_id, self.kind)
    }

    /// Makes `op` with the mailbox's access token (`call` gets the token and makes the
    /// request), as its [`Urgency`] allows.
    pub async fn call<T, F, Fut>(&self, op: Operation, call: F) -> Result<T, CallError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, crate::providers::ProviderError>>,
    {
        retry::call(self, op, call).await
    }

    /// Counts an operation made for the mailbox before it was stored (the `/me` that
    /// found it while connecting): the provider counted it, so its window does too.
    pub async fn counted(&self, op: Operation) {
        drop(
            self.state
                .budgets
                .spend(self.account_id, self.kind, op.cost, Urgency::Now)
                .await,
        );
    }
}
