//! `limits.*`: how much of the service one request, one user or one webhook sender may
//! take, so that nobody can stall it for everyone else (the pool of database connections
//! and the CPU are shared with every user and with sync).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSettings {
    /// A list or search query running longer than this, in seconds, is stopped (a 503
    /// that says to narrow it): PostgreSQL's `statement_timeout`, a deadline on SQLite.
    pub query_timeout_secs: u64,
    /// Lists and searches one user may have running at once in this process; more wait
    /// up to five seconds for a turn, then get a 429.
    pub lists_per_user: u32,
    /// Substring (`$includes` / `$notIncludes`) terms in one request's filter, in all.
    pub like_terms: u32,
    /// Fewest characters of a substring term (shorter ones match nearly everything).
    pub like_min_chars: u32,
    /// Rows a list may skip (`(page - 1) * pageSize`); deeper pages are refused with a
    /// hint to narrow the filter, since skipping costs as much as reading.
    pub max_offset: u64,
    /// Live event streams one user may have open at once in this process.
    pub streams_per_user: u32,
    /// Largest HTML body sanitized and shown whole, in bytes; a larger one is shown up to
    /// this size and marked truncated.
    pub html_bytes: usize,
    /// Requests per minute one sender may make to the provider webhooks; a refused one
    /// (bad token or clientState) counts ten times. Beyond: 429, and the provider retries.
    pub webhook_requests_per_minute: u32,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        Self {
            query_timeout_secs: 10,
            lists_per_user: 6,
            like_terms: 20,
            like_min_chars: 3,
            max_offset: 10_000,
            streams_per_user: 10,
            html_bytes: 2 * 1024 * 1024,
            webhook_requests_per_minute: 3_000,
        }
    }
}
