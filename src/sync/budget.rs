//! Each account's provider budget in this process, spent before every call so a sync
//! stays under the provider's limits instead of running into 429s: Gmail's quota units
//! per user per minute (each method has its cost) and a cap on requests in flight; for
//! Graph, 4 requests in flight and 10,000 per 10 minutes per mailbox. Throttles that
//! still happen (other apps share the quota) are handled by `retry`.
//!
//! A call is counted in the window from when it is sent, and its time is moved to when
//! its answer came once it has: the provider counts it from its arrival, which lies
//! between the two, so a window never frees its share before the provider's does (the
//! send time alone freed it a few milliseconds early at every window edge, and each time
//! the next call met a 429).

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
/// sync makes thousands of calls per window). `first` numbers the oldest call, so a call
/// still in flight finds its entry when it ends. Times only ever move later, so the
/// entries behind the front may be older than it: they leave the window late, never early.
#[derive(Default)]
struct Window {
    calls: VecDeque<(Instant, u64)>,
    first: u64,
    used: u64,
}

impl Window {
    fn expire(&mut self, now: Instant, window: Duration) {
        while let Some(&(at, cost)) = self.calls.front()
            && now.duration_since(at) >= window
        {
            self.calls.pop_front();
            self.first += 1;
            self.used -= cost;
        }
    }
}

/// A spent share of the budget; the in-flight slot is freed when it is dropped, and the
/// call's time in the window becomes the time it ended.
pub struct Spent {
    _slot: Option<OwnedSemaphorePermit>,
    entry: Option<(Arc<AccountBudget>, u64)>,
}

impl Drop for Spent {
    fn drop(&mut self) {
        if let Some((budget, number)) = self.entry.take() {
            let mut spent = budget
                .spent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let first = spent.first;
            if let Some(call) = number
                .checked_sub(first)
                .and_then(|at| spent.calls.get_mut(at as usize))
            {
                call.0 = call.0.max(Instant::now());
            }
        }
    }
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

    /// The units the account may spend right now without waiting; `None` when its
    /// provider has no limit set. Calls cost their own units, so a window can end up
    /// with room no call fits (Gmail: a 1,000-unit batch after a 5-unit list leaves 995
    /// free in every window, a sixth of the budget); a caller that can size its next
    /// call (a batch of fewer messages) asks this first.
    pub fn room(&self, account_id: i64, kind: ProviderKind) -> Option<u64> {
        let budget = self.account(account_id, kind);
        if budget.limit == 0 {
            return None;
        }
        let mut spent = budget
            .spent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spent.expire(Instant::now(), budget.window);
        Some(budget.limit.saturating_sub(spent.used))
    }

    /// Waits until the account may make a call costing `units`, and takes a slot.
    pub async fn spend(&self, account_id: i64, kind: ProviderKind, units: u64) -> Spent {
        let budget = self.account(account_id, kind);
        // The semaphore is never closed, so this always yields a slot.
        let slot = budget.in_flight.clone().acquire_owned().await.ok();
        if budget.limit == 0 {
            return Spent {
                _slot: slot,
                entry: None,
            };
        }
        loop {
            let wait = {
                let mut spent = budget
                    .spent
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                spent.expire(now, budget.window);
                // A call dearer than the whole budget goes alone into an empty window.
                if spent.used + units <= budget.limit || spent.calls.is_empty() {
                    spent.calls.push_back((now, units));
                    spent.used += units;
                    let number = spent.first + spent.calls.len() as u64 - 1;
                    drop(spent);
                    return Spent {
                        _slot: slot,
                        entry: Some((budget, number)),
                    };
                }
                let oldest = spent.calls.front().map_or(now, |(at, _)| *at);
                budget.window.saturating_sub(now.duration_since(oldest))
            };
            tracing::debug!(
                account = account_id,
                wait_ms = wait.as_millis() as u64,
                "waiting for the provider budget"
            );
            tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
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

    /// The provider counts a call from its arrival, which can be any time until its
    /// answer: a call answered late holds its share for a window after the answer.
    #[tokio::test]
    async fn a_slow_call_holds_its_share_for_a_window_after_its_answer() {
        let budgets = budgets(20, 8);
        budgets.accounts.lock().unwrap().insert(
            1,
            Arc::new(AccountBudget {
                in_flight: Arc::new(Semaphore::new(8)),
                spent: Mutex::new(Window::default()),
                limit: 20,
                window: Duration::from_millis(300),
            }),
        );
        let slow = budgets.spend(1, ProviderKind::Google, 20).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let answered = Instant::now();
        drop(slow);
        drop(budgets.spend(1, ProviderKind::Google, 20).await);
        assert!(
            answered.elapsed() >= Duration::from_millis(290),
            "the next call waited a window from the answer, not from the send"
        );
    }

    #[tokio::test]
    async fn room_is_what_the_window_has_left() {
        let limited = budgets(50, 8);
        assert_eq!(limited.room(3, ProviderKind::Google), Some(50));
        drop(limited.spend(3, ProviderKind::Google, 20).await);
        drop(limited.spend(3, ProviderKind::Google, 5).await);
        assert_eq!(limited.room(3, ProviderKind::Google), Some(25));
        assert_eq!(budgets(0, 8).room(3, ProviderKind::Google), None);
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
