//! What every handler may use, built once at start and shared through `web::Data`.

use crate::config::Settings;
use crate::crypto::Vault;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The shared parts of the running service.
pub struct AppState {
    pub settings: Settings,
    pub store: Store,
    pub vault: Vault,
    /// For calls to Google and Microsoft: short timeouts, no redirects followed.
    pub http: reqwest::Client,
    /// This process among the replicas: the owner name of the leases it takes.
    pub instance_id: String,
    /// One token refresh at a time per account within this process.
    pub refresh_locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Each account's provider budget (quota units, requests in flight).
    pub budgets: crate::gateway::Budgets,
    /// Wakes this process's idle sync workers (a push queued a job).
    pub sync_wake: tokio::sync::Notify,
    /// Wakes the push maintenance (a mailbox connected, a lifecycle event came).
    pub push_wake: tokio::sync::Notify,
    /// Google's keys for Gmail push tokens.
    pub push_keys: crate::push::oidc::KeyCache,
    /// Live events for this process's open streams.
    pub events: crate::events::Bus,
    /// Each user's and each webhook sender's share of this process.
    pub limits: crate::limits::Limits,
    /// The background jobs and the stop signal they and the event streams watch.
    pub jobs: crate::jobs::Jobs,
    /// How IMAP and SMTP servers' certificates are checked: the public roots and
    /// `imap.ca_file`.
    pub imap_tls: Arc<tokio_rustls::rustls::ClientConfig>,
    /// This process's IMAP IDLE connections.
    pub imap_idle: crate::push::IdleWatchers,
    /// Whether each IMAP mailbox's submission server files sent mail in Sent itself, as
    /// its sends have shown (`imap_account::send`); forgotten at a restart.
    pub imap_files_sent: Mutex<HashMap<i64, bool>>,
}

impl AppState {
    /// A Gmail client on the shared HTTP client and the configured API base.
    pub fn gmail(&self) -> crate::providers::gmail::GmailClient {
        crate::providers::gmail::GmailClient::new(
            self.http.clone(),
            &self.settings.providers.google.api_base_url,
        )
    }

    /// A Microsoft Graph client on the shared HTTP client and the configured base.
    pub fn graph(&self) -> crate::providers::graph::GraphClient {
        crate::providers::graph::GraphClient::new(
            self.http.clone(),
            &self.settings.providers.microsoft.graph_base_url,
        )
    }

    /// The lock that serializes token refreshes of one account in this process.
    pub fn refresh_lock(&self, account_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .refresh_locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.entry(account_id).or_default().clone()
    }

    /// The OAuth redirect URI the admin registers at both providers.
    pub fn redirect_uri(&self) -> String {
        format!(
            "{}/api/mailOAuth:callback",
            self.settings.server.public_url.trim_end_matches('/')
        )
    }
}
