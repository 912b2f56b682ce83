//! The providers' limits (Gmail quota units per user per minute and concurrent requests;
//! Graph's 4 concurrent requests and 10,000 requests per 10 minutes per mailbox) and
//! injected faults.

use super::Provider;
use crate::generate::Rng;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Gmail's per-method quota units (Google's table for new projects where it differs).
pub fn gmail_units(method: &str) -> u64 {
    match method {
        "getProfile" | "labels.list" | "labels.get" => 1,
        "history.list" => 2,
        "messages.list"
        | "messages.attachments.get"
        | "messages.modify"
        | "messages.trash"
        | "messages.untrash"
        | "drafts.get"
        | "drafts.list"
        | "labels.create"
        | "labels.update"
        | "labels.patch"
        | "labels.delete" => 5,
        "messages.delete" | "drafts.create" | "drafts.delete" | "threads.list" => 10,
        "messages.get" => 20,
        "messages.insert" | "messages.import" => 25,
        "threads.get" | "threads.modify" | "threads.trash" | "threads.untrash" => 40,
        "messages.batchModify" | "messages.batchDelete" | "stop" => 50,
        "messages.send" | "drafts.send" | "watch" => 100,
        _ => 5,
    }
}

/// The limits in force; 0 switches a limit off.
#[derive(Debug, Clone)]
pub struct LimitSettings {
    pub gmail_units_per_minute: u64,
    pub gmail_max_concurrent: u64,
    /// 429 (`RESOURCE_EXHAUSTED`) or 403 (`usageLimits`) for Gmail's rate limit.
    pub gmail_rate_limit_status: u16,
    pub graph_max_concurrent: u64,
    pub graph_requests_per_10_min: u64,
    /// Shortens the rate windows (1 minute for Gmail, 10 for Graph) so tests and
    /// benchmarks see a throttle recover quickly; the budgets apply per window.
    pub window_secs: Option<u64>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            // Google's per-user limit for Cloud projects created from May 2026.
            gmail_units_per_minute: 6_000,
            gmail_max_concurrent: 10,
            gmail_rate_limit_status: 429,
            graph_max_concurrent: 4,
            graph_requests_per_10_min: 10_000,
            window_secs: None,
        }
    }
}

#[derive(Debug, Default)]
struct Usage {
    /// (when, units) spent in the last window.
    spent: VecDeque<(Instant, u64)>,
    in_flight: u64,
    totals: UsageTotals,
}

/// What one mailbox has spent and been refused since the usage was last cleared, for
/// benchmarks that measure how much of a budget a client uses.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTotals {
    /// Requests admitted, and the units they cost (Graph: one per request).
    pub requests: u64,
    pub units: u64,
    /// Refused for the rate budget (429 / 403 with a retry time).
    pub rate_limited: u64,
    /// Refused for too many requests in flight.
    pub concurrency_refused: u64,
    /// Bytes of the admitted requests' answers (for a batch, its parts' bodies).
    pub bytes: u64,
}

/// Quota bookkeeping for every mailbox. Kept apart from the world's lock so a request
/// holding a concurrency slot never blocks others.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    pub settings: Arc<Mutex<LimitSettings>>,
    usage: Arc<Mutex<HashMap<(Provider, String), Usage>>>,
}

/// What the limiter says about one request.
#[derive(Debug)]
pub enum QuotaVerdict {
    Allowed(SlotGuard),
    /// Over the rate; retry after this long.
    RateLimited(Duration),
    /// Too many requests in flight.
    Concurrency,
}

/// Holds a concurrency slot until dropped.
#[derive(Debug)]
pub struct SlotGuard {
    key: (Provider, String),
    usage: Arc<Mutex<HashMap<(Provider, String), Usage>>>,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        let mut usage = self
            .usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(entry) = usage.get_mut(&self.key) {
            entry.in_flight = entry.in_flight.saturating_sub(1);
        }
    }
}

impl Limits {
    pub fn settings(&self) -> LimitSettings {
        self.settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn update(&self, change: impl FnOnce(&mut LimitSettings)) {
        change(
            &mut self
                .settings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }

    /// Forgets all usage (used by reset).
    pub fn clear_usage(&self) {
        self.usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// What a mailbox has spent and been refused since usage was last cleared.
    pub fn totals(&self, provider: Provider, mailbox: &str) -> UsageTotals {
        self.usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(provider, mailbox.to_lowercase()))
            .map(|u| u.totals)
            .unwrap_or_default()
    }

    /// Counts an answer's body against the mailbox (what a client downloads to sync).
    pub fn add_bytes(&self, provider: Provider, mailbox: &str, bytes: usize) {
        let mut usage = self
            .usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        usage
            .entry((provider, mailbox.to_lowercase()))
            .or_default()
            .totals
            .bytes += bytes as u64;
    }

    /// Spends `units` of a mailbox's budget and takes a concurrency slot, or says no.
    pub fn admit(&self, provider: Provider, mailbox: &str, units: u64) -> QuotaVerdict {
        let settings = self.settings();
        let (window, budget, max_concurrent) = match provider {
            Provider::Google => (
                Duration::from_secs(60),
                settings.gmail_units_per_minute,
                settings.gmail_max_concurrent,
            ),
            Provider::Microsoft => (
                Duration::from_secs(600),
                settings.graph_requests_per_10_min,
                settings.graph_max_concurrent,
            ),
        };
        let window = settings.window_secs.map_or(window, Duration::from_secs);
        let units = if provider == Provider::Microsoft {
            1
        } else {
            units
        };
        let key = (provider, mailbox.to_lowercase());
        let mut usage = self
            .usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = usage.entry(key.clone()).or_default();
        let now = Instant::now();
        while entry
            .spent
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) >= window)
        {
            entry.spent.pop_front();
        }
        if max_concurrent > 0 && entry.in_flight >= max_concurrent {
            entry.totals.concurrency_refused += 1;
            return QuotaVerdict::Concurrency;
        }
        if budget > 0 {
            let used: u64 = entry.spent.iter().map(|(_, u)| u).sum();
            if used + units > budget {
                // Room comes back when the oldest spending leaves the window.
                let retry = entry
                    .spent
                    .front()
                    .map_or(Duration::from_secs(1), |(at, _)| {
                        window.saturating_sub(now.duration_since(*at))
                    });
                entry.totals.rate_limited += 1;
                return QuotaVerdict::RateLimited(retry.max(Duration::from_millis(100)));
            }
        }
        entry.spent.push_back((now, units));
        entry.in_flight += 1;
        entry.totals.requests += 1;
        entry.totals.units += units;
        QuotaVerdict::Allowed(SlotGuard {
            key,
            usage: self.usage.clone(),
        })
    }
}

/// A kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Status500,
    Status503,
    TooMany,
    TooManyNoRetryAfter,
    Reset,
    Slow,
}

impl FaultKind {
    pub fn parse(name: &str) -> Option<FaultKind> {
        Some(match name {
            "500" => FaultKind::Status500,
            "503" => FaultKind::Status503,
            "429" => FaultKind::TooMany,
            "429-no-retry-after" => FaultKind::TooManyNoRetryAfter,
            "reset" => FaultKind::Reset,
            "slow" => FaultKind::Slow,
            _ => return None,
        })
    }
}

/// A fault to apply to one request.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    pub kind: FaultKind,
}

/// Injected faults: with probability `rate`, a request to the provider (or to every
/// provider when none is named) fails in one of `kinds`.
#[derive(Debug, Default)]
pub struct Faults {
    pub provider: Option<Provider>,
    /// Only requests whose path contains this (e.g. `/send`), when set.
    pub path: Option<String>,
    pub rate: f64,
    pub kinds: Vec<FaultKind>,
    rng: Option<Rng>,
}

impl Faults {
    pub fn set(
        &mut self,
        provider: Option<Provider>,
        path: Option<String>,
        rate: f64,
        kinds: Vec<FaultKind>,
        seed: u64,
    ) {
        *self = Faults {
            provider,
            path,
            rate,
            kinds,
            rng: Some(Rng::new(seed)),
        };
    }

    /// Decides whether this request fails, and how.
    pub fn draw(&mut self, provider: Provider, path: &str) -> Option<Fault> {
        if self.kinds.is_empty()
            || self.rate <= 0.0
            || self.provider.is_some_and(|p| p != provider)
            || self
                .path
                .as_deref()
                .is_some_and(|wanted| !path.contains(wanted))
        {
            return None;
        }
        let rng = self.rng.get_or_insert_with(|| Rng::new(1));
        if !rng.chance(self.rate) {
            return None;
        }
        Some(Fault {
            kind: *rng.pick(&self.kinds),
        })
    }
}
