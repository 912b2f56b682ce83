//! Each account's provider budget in this process, spent before every call so the
//! service stays under the provider's limits instead of running into 429s: Gmail's quota
//! units per user per minute (each operation has its cost) and a cap on requests in
//! flight; for Graph, 4 requests in flight and 10,000 per 10 minutes per mailbox.
//! Throttles that still happen (other apps share the quota) are handled by `retry`.
//!
//! The sync waits for room in the window; a call someone is waiting for ([`Urgency::Now`])
//! is counted at once, even past the limit (the configured limits sit below the
//! provider's), and the sync's next call waits that much longer. Both take an in-flight
//! slot, a concurrency limit of the provider's own; the sync takes its slot only once it
//! has room, so a sync waiting for the window never holds the slot a user's call needs.
//!
//! A call is counted in the window from when it is sent, and its time is moved to when
//! its answer came once it has: the provider counts it from its arrival, which lies
//! between the two, so a window never frees its share before the provider's does (the
//! send time alone freed it a few milliseconds early at every window edge, and each time
//! the next call met a 429).

use super::Urgency;
use crate::config::SyncSettings;
use crate::providers::ProviderKind;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

impl Spent {
    /// Moves the call's time in the window to now (it is sent, or it has its answer).
    fn touch(&self) {
        if let Some((budget, number)) = &self.entry {
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

impl Drop for Spent {
    fn drop(&mut self) {
        self.touch();
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
                    // An IMAP server has no published quota; the sync holds one session
                    // per mailbox at a time, so one call at a time and no window.
                    ProviderKind::Imap => (1, 0, Duration::from_secs(60)),
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

    /// Counts a call costing `units` in the account's window (the sync first waits for
    /// room there), then waits for an in-flight slot.
    pub async fn spend(
        &self,
        account_id: i64,
        kind: ProviderKind,
        units: u64,
        urgency: Urgency,
    ) -> Spent {
        let budget = self.account(account_id, kind);
        let entry = if budget.limit == 0 {
            None
        } else {
            Some(budget.count(account_id, units, urgency).await)
        };
        let mut spent = Spent {
            _slot: None,
            entry: entry.map(|number| (budget.clone(), number)),
        };
        // The semaphore is never closed, so this always yields a slot.
        spent._slot = budget.in_flight.clone().acquire_owned().await.ok();
        // Counted from when it is sent, not from when it began to wait for a slot.
        spent.touch();
        spent
    }
}

impl AccountBudget {
    /// Puts a call costing `units` in the window and gives its number; the sync waits
    /// until it fits (a call dearer than the whole budget goes alone into an empty
    /// window), a call someone waits for goes in at once.
    async fn count(&self, account_id: i64, units: u64, urgency: Urgency) -> u64 {
        loop {
            let wait = {
                let mut spent = self
                    .spent
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                spent.expire(now, self.window);
                if urgency == Urgency::Now
                    || spent.used + units <= self.limit
                    || spent.calls.is_empty()
                {
                    spent.calls.push_back((now, units));
                    spent.used += units;
                    return spent.first + spent.calls.len() as u64 - 1;
                }
                let oldest = spent.calls.front().map_or(now, |(at, _)| *at);
                self.window.saturating_sub(now.duration_since(oldest))
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
        short_window(&budgets, 1, 50, 8);
        let started = Instant::now();
        drop(
            budgets
                .spend(1, ProviderKind::Google, 20, Urgency::Background)
                .await,
        );
        drop(
            budgets
                .spend(1, ProviderKind::Google, 20, Urgency::Background)
                .await,
        );
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "two calls fit in the budget"
        );
        drop(
            budgets
                .spend(1, ProviderKind::Google, 20, Urgency::Background)
                .await,
        );
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "the third waited for the window"
        );
        // Another account has its own budget.
        let other = Instant::now();
        drop(
            budgets
                .spend(2, ProviderKind::Google, 20, Urgency::Background)
                .await,
        );
        assert!(other.elapsed() < Duration::from_millis(100));
    }

    /// The provider counts a call from its arrival, which can be any time until its
    /// answer: a call answered late holds its share for a window after the answer.
    #[tokio::test]
    async fn a_slow_call_holds_its_share_for_a_window_after_its_answer() {
        let budgets = budgets(20, 8);
        short_window(&budgets, 1, 20, 8);
        let slow = budgets
            .spend(1, ProviderKind::Google, 20, Urgency::Background)
            .await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let answered = Instant::now();
        drop(slow);
        drop(
            budgets
                .spend(1, ProviderKind::Google, 20, Urgency::Background)
                .await,
        );
        assert!(
            answered.elapsed() >= Duration::from_millis(290),
            "the next call waited a window from the answer, not from the send"
        );
    }

    /// Gives `account` a window of 300 ms, so a test waits milliseconds, not a minute.
    fn short_window(budgets: &Budgets, account: i64, limit: u64, slots: usize) {
        budgets.accounts.lock().unwrap().insert(
            account,
            Arc::new(AccountBudget {
                in_flight: Arc::new(Semaphore::new(slots)),
                spent: Mutex::new(Window::default()),
                limit,
                window: Duration::from_millis(300),
            }),
        );
    }

    /// A user's write while the sync has spent the window: it goes at once, and the
    /// sync pays for it by waiting.
    #[tokio::test]
    async fn a_call_someone_waits_for_is_counted_at_once_and_the_sync_waits_for_it() {
        let budgets = budgets(50, 8);
        short_window(&budgets, 1, 50, 8);
        drop(
            budgets
                .spend(1, ProviderKind::Google, 50, Urgency::Background)
                .await,
        );
        let started = Instant::now();
        drop(
            budgets
                .spend(1, ProviderKind::Google, 50, Urgency::Now)
                .await,
        );
        assert!(started.elapsed() < Duration::from_millis(100), "not queued");
        assert_eq!(budgets.room(1, ProviderKind::Google), Some(0));
        drop(
            budgets
                .spend(1, ProviderKind::Google, 5, Urgency::Background)
                .await,
        );
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "the sync waited for the window to free what the user's call spent"
        );
    }

    /// A sync waiting for the window holds no in-flight slot: the one slot stays free
    /// for the call a person waits for.
    #[tokio::test]
    async fn a_sync_waiting_for_room_leaves_the_slot_free() {
        let budgets = Arc::new(budgets(20, 1));
        short_window(&budgets, 1, 20, 1);
        drop(
            budgets
                .spend(1, ProviderKind::Google, 20, Urgency::Background)
                .await,
        );
        let waiting = {
            let budgets = budgets.clone();
            tokio::spawn(async move {
                budgets
                    .spend(1, ProviderKind::Google, 20, Urgency::Background)
                    .await;
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = tokio::time::timeout(
            Duration::from_millis(100),
            budgets.spend(1, ProviderKind::Google, 5, Urgency::Now),
        )
        .await;
        assert!(now.is_ok(), "the user's call found the slot free");
        drop(now);
        waiting.await.unwrap();
    }

    #[tokio::test]
    async fn room_is_what_the_window_has_left() {
        let limited = budgets(50, 8);
        assert_eq!(limited.room(3, ProviderKind::Google), Some(50));
        drop(
            limited
                .spend(3, ProviderKind::Google, 20, Urgency::Background)
                .await,
        );
        drop(
            limited
                .spend(3, ProviderKind::Google, 5, Urgency::Background)
                .await,
        );
        assert_eq!(limited.room(3, ProviderKind::Google), Some(25));
        assert_eq!(budgets(0, 8).room(3, ProviderKind::Google), None);
    }

    #[tokio::test]
    async fn graph_allows_four_calls_in_flight() {
        let budgets = Budgets::new(&SyncSettings::default());
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(
                budgets
                    .spend(9, ProviderKind::Microsoft, 1, Urgency::Background)
                    .await,
            );
        }
        let fifth = tokio::time::timeout(
            Duration::from_millis(100),
            budgets.spend(9, ProviderKind::Microsoft, 1, Urgency::Background),
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
                budgets.spend(9, ProviderKind::Microsoft, 1, Urgency::Background)
            )
            .await
            .is_ok()
        );
    }
}
