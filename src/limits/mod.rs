//! Fair shares of this process: how many lists and searches and event streams one user
//! may have going, how fast one sender may call the webhooks, and how much CPU-bound
//! work (sanitizing HTML) runs at once. In-process, per replica: each replica protects
//! its own database connections and cores.

mod rate;
mod user_slots;

pub use rate::RateBuckets;
pub use user_slots::{Slot, UserSlots};

use crate::config::LimitsSettings;
use std::time::Duration;

/// How long a list waits for one of its user's slots before a 429.
const LIST_WAIT: Duration = Duration::from_secs(5);

/// The limits of one process.
pub struct Limits {
    /// CPU-bound work at once: one per core, so HTML sanitizing of a flood of large mails
    /// cannot take every core from the rest of the service.
    pub cpu: tokio::sync::Semaphore,
    /// Lists and searches running per user.
    pub lists: UserSlots,
    /// Open event streams per user.
    pub streams: UserSlots,
    /// Webhook requests per sender.
    pub webhooks: RateBuckets,
}

impl Limits {
    pub fn new(settings: &LimitsSettings) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            cpu: tokio::sync::Semaphore::new(cores),
            lists: UserSlots::new(settings.lists_per_user as usize, LIST_WAIT),
            streams: UserSlots::new(settings.streams_per_user as usize, Duration::ZERO),
            webhooks: RateBuckets::new(settings.webhook_requests_per_minute),
        }
    }
}
