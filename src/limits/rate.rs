//! Token buckets per sender: a steady rate per minute with a burst of the same size.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets keyed by sender.
pub struct RateBuckets {
    per_minute: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateBuckets {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` tokens from `sender`'s bucket; `false` when it has too few (nothing
    /// is taken then).
    pub fn allow(&self, sender: &str, cost: f64) -> bool {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 10_000 {
            // Full buckets are as good as none.
            let rate = self.per_minute;
            buckets.retain(|_, (tokens, at)| {
                *tokens + at.elapsed().as_secs_f64() * rate / 60.0 < rate
            });
        }
        let (tokens, at) = buckets
            .entry(sender.to_string())
            .or_insert((self.per_minute, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_minute / 60.0)
            .min(self.per_minute);
        *at = now;
        if *tokens >= cost {
            *tokens -= cost;
            true
        } else {
            false
        }
    }

    /// Takes `cost` more from `sender`, as far as there is any (a refused request's
    /// extra weight, charged after the fact).
    pub fn charge(&self, sender: &str, cost: f64) {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((tokens, _)) = buckets.get_mut(sender) {
            *tokens = (*tokens - cost).max(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_gets_its_rate_and_others_theirs() {
        let buckets = RateBuckets::new(10);
        for _ in 0..10 {
            assert!(buckets.allow("a", 1.0));
        }
        assert!(!buckets.allow("a", 1.0));
        assert!(buckets.allow("b", 1.0));
        buckets.charge("b", 100.0);
        assert!(!buckets.allow("b", 1.0), "charged to empty");
    }
}
