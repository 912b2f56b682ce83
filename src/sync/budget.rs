//! Each account's provider budget in this process, spent before every call so a sync
//! stays under the provider's limits instead of running into 429s: Gmail's quota units
//! per user per minute (each method has its cost) and a cap on requests in flight; for
//! Graph, 4 requests in flight and 10,000 per 10 minutes per mailbox. Throttles that
//! still happen (other apps share the quota) are handled by `retry`.

use crate::config::SyncSettings;
use crate::providers::ProviderKind;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Gmail's quota units per method (Google's table for new projects where it differs).
pub fn gmail_units(method: &str) -> u64 {
    match method {
        "getProfile" | "labels.list" => 1,
        "history.list" => 2,
        "messages.list" | "messages.modify" | "messages.trash" => 5,
        "messages.get" => 20,
        "messages.batchModify" => 50,
        "messages.send" => 100,
        _ => 5,
    }
}

struct AccountBudget {
    in_flight: Arc<Semaphore>,
    spent: Mutex<Window>,
    limit: u64,
    window: Duration,
}

/// What was spent in the current window, and its sum (kept, not recounted: an initial
/// sync makes thousands of calls per window).
#[derive(Default)]
struct Window {
    calls: VecDeque<(Instant, u64)>,
    used: u64,
}

/// A spent share of the budget; the in-flight slot is freed when it is dropped.
pub struct Spent {
    _slot: Option<OwnedSemaphorePermit>,
}

/// The budgets of every account this process syncs.
pub struct Budgets {
    settings: SyncSettings,
    accounts: Mutex<HashMap<i64, Arc<AccountBudget>>>,
}

impl Budgets {
    pub fn new(settings: &SyncSettings) -> Self {
        Self {
            settings: settings.clone(),
            accounts: Mutex::new(HashMap::new()),
        }
    }

    fn account(&self, account_id: i64, kind: ProviderKind) -> Arc<AccountBudget> {
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts
            .entry(account_id)
            .or_insert_with(|| {
                let (concurrency, limit, window) = match kind {
                    ProviderKind::Google => (
                        self.settings.gmail_max_concurrent,
                        self.settings.gmail_units_per_minute,
                        Duration::from_secs(60),
                    ),
                    ProviderKind::Microsoft => (
                        self.settings.graph_max_concurrent,
                        self.settings.graph_requests_per_10_min,
                        Duration::from_secs(600),
                    ),
                };
                let window = match self.settings.quota_window_secs {
                    0 => window,
                    secs => Duration::from_secs(secs),
                };
                Arc::new(AccountBudget {
                    in_flight: Arc::new(Semaphore::new(concurrency.max(1) as usize)),
                    spent: Mutex::new(Window::default()),
                    limit,
                    window,
                })
            })
            .clone()
    }

    /// Waits until the account may make a call costing `units`, and takes a slot.
    pub async fn spend(&self, account_id: i64, kind: ProviderKind, units: u64) -> Spent {
        let budget = self.account(account_id, kind);
        let units = if kind == ProviderKind::Microsoft {
            1
        } else {
            units
        };
        // The semaphore is never closed, so this always yields a slot.
        let slot = budget.in_flight.clone().acquire_owned().await.ok();
        if budget.limit == 0 {
            return Spent { _slot: slot };
        }
        loop {
            let wait = {
                let mut spent = budget
                    .spent
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                while let Some(&(at, cost)) = spent.calls.front()
                    && now.duration_since(at) >= budget.window
                {
                    spent.calls.pop_front();
                    spent.used -= cost;
                }
                if spent.used + units <= budget.limit {
                    spent.calls.push_back((now, units));
                    spent.used += units;
                    None
                } else {
                    spent
                        .calls
                        .front()
                        .map(|(at, _)| budget.window.saturating_sub(now.duration_since(*at)))
                }
            };
            match wait {
                None => return Spent { _slot: slot },
                Some(wait) => {
                    tracing::debug!(
                        account = account_id,
                        wait_ms = wait.as_millis() as u64,
                        "waiting for the provider budget"
                    );
                    tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budgets(units: u64, concurrency: u32) -> Budgets {
        let settings = SyncSettings {
            gmail_units_per_minute: units,
            gmail_max_concurrent: concurrency,
            ..SyncSettings::default()
        };
        Budgets::new(&settings)
    }

    #[tokio::test]
    async fn calls_wait_when_the_units_of_the_window_are_spent() {
        let budgets = budgets(50, 8);
        let account = budgets.account(1, ProviderKind::Google);
        // Shrink the window so the test waits milliseconds, not a minute.
        let short = Arc::new(AccountBudget {
            in_flight: account.in_flight.clone(),
            spent: Mutex::new(Window::default()),
            limit: 50,
            window: Duration::from_millis(300),
        });
        budgets.accounts.lock().unwrap().insert(1, short);
        let started = Instant::now();
        drop(budgets.spend(1, ProviderKind::Google, 20).await);
        drop(budgets.spend(1, ProviderKind::Google, 20).await);
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "two calls fit in the budget"
        );
        drop(budgets.spend(1, ProviderKind::Google, 20).await);
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "the third waited for the window"
        );
        // Another account has its own budget.
        let other = Instant::now();
        drop(budgets.spend(2, ProviderKind::Google, 20).await);
        assert!(other.elapsed() < Duration::from_millis(100));
    }

    #[tokio::test]
    async fn graph_allows_four_calls_in_flight() {
        let budgets = Budgets::new(&SyncSettings::default());
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(budgets.spend(9, ProviderKind::Microsoft, 1).await);
        }
        let fifth = tokio::time::timeout(
            Duration::from_millis(100),
            budgets.spend(9, ProviderKind::Microsoft, 1),
        )
        .await;
        assert!(
            fifth.is_err(),
            "a fifth call waits while four are in flight"
        );
        held.pop();
        assert!(
            tokio::time::timeout(
                Duration::from_millis(500),
                budgets.spend(9, ProviderKind::Microsoft, 1)
            )
            .await
            .is_ok()
        );
    }
}
