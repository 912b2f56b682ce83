//! Push: Graph change notifications (subscriptions, the validation call, lifecycle
//! events) and Gmail's `users.watch` delivered as Cloud Pub/Sub push requests signed
//! with the emulator's own OIDC key. A background task (`deliver`) looks at every
//! watched mailbox a few times a second and posts what changed, as the providers do.
//!
//! The emulator has a clock offset (`/_emulator/clock`) so tests can move time forward
//! and see subscriptions and watches expire without waiting days.

mod control;
mod deliver;
pub mod gmail_watch;
pub mod graph_subscriptions;
pub mod oidc;

pub use control::configure as configure_control;
pub use deliver::spawn as spawn_delivery;

use std::collections::HashMap;

/// Graph's longest subscription on Outlook messages (10,080 minutes).
pub const GRAPH_MAX_LIFETIME_MS: i64 = 10_080 * 60 * 1000;
/// A Gmail watch lasts seven days unless renewed.
pub const GMAIL_WATCH_MS: i64 = 7 * 24 * 3600 * 1000;

/// A Graph subscription on one mailbox's messages.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphSubscription {
    pub id: String,
    pub email: String,
    pub resource: String,
    pub change_type: String,
    pub notification_url: String,
    pub lifecycle_notification_url: Option<String>,
    pub client_state: Option<String>,
    /// Epoch ms, on the emulator's clock.
    pub expires_ms: i64,
    /// The mailbox's change sequence already notified.
    pub notified_seq: u64,
    /// Times the expiry was moved by a PATCH.
    pub renewals: u32,
}

/// A Cloud Pub/Sub push subscription on a topic (set up through the control API, as an
/// admin does in Google Cloud's console).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PubsubPush {
    pub topic: String,
    pub push_endpoint: String,
    /// The OIDC token's audience; Google's default is the endpoint itself.
    #[serde(default)]
    pub audience: Option<String>,
    /// The service account the token names.
    #[serde(default = "default_service_account")]
    pub service_account_email: String,
}

fn default_service_account() -> String {
    "gmail-push@emulator-project.iam.gserviceaccount.com".into()
}

/// A Gmail mailbox's watch.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GmailWatch {
    pub email: String,
    pub topic: String,
    pub expires_ms: i64,
    /// The history id already pushed.
    pub pushed_history_id: u64,
    pub renewals: u32,
}

/// A request the emulator posted (or failed to), for tests to look at.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub kind: &'static str,
    pub email: String,
    pub url: String,
    /// HTTP status of the answer; 0 when there was none.
    pub status: u16,
    pub at_ms: i64,
}

/// Everything push-related the emulator holds.
#[derive(Debug, Default)]
pub struct PushState {
    pub graph: HashMap<String, GraphSubscription>,
    pub gmail: HashMap<String, GmailWatch>,
    pub topics: HashMap<String, PubsubPush>,
    /// Lifecycle events asked for through the control API, not yet sent:
    /// `(subscription id, event)`.
    pub lifecycle_queue: Vec<(String, String)>,
    /// Moves the emulator's clock forward, in ms.
    pub clock_offset_ms: i64,
    /// The latest deliveries, newest last (bounded).
    pub deliveries: Vec<Delivery>,
}

impl PushState {
    /// Now on the emulator's clock (epoch ms).
    pub fn now_ms(&self) -> i64 {
        crate::world::now_ms() + self.clock_offset_ms
    }

    pub fn record(&mut self, delivery: Delivery) {
        self.deliveries.push(delivery);
        let excess = self.deliveries.len().saturating_sub(1_000);
        self.deliveries.drain(..excess);
    }
}

/// RFC 3339 with milliseconds and `Z`, as Graph writes dates.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
