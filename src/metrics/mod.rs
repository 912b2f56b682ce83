//! Prometheus metrics at `/metrics`: counters this process keeps (each replica is scraped
//! on its own) and gauges read from the database at scrape time. Labels are route
//! patterns, providers, outcomes and status classes only — never ids, addresses or paths
//! with values in them — so the series stay few and say nothing about anyone's mail.

mod registry;
pub(crate) mod scrape;

pub use registry::{Registry, registry};
pub use scrape::metrics_endpoint;

/// The status class of a provider answer: `2xx`, `4xx`, `429`, `5xx`.
fn class(status: u16) -> &'static str {
    match status {
        429 => "429",
        200..=299 => "2xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}

/// One request to a provider's API, by its answer (`None`: no answer came back).
pub fn provider_request(provider: &'static str, status: Option<u16>) {
    let status = status.map_or("error", class);
    registry().add(
        "email_manager_provider_requests_total",
        &[("provider", provider), ("status", status)],
        1.0,
    );
    if status == "429" {
        registry().add(
            "email_manager_provider_throttles_total",
            &[("provider", provider)],
            1.0,
        );
    }
}

/// One finished HTTP request of ours.
pub fn http_request(route: &str, status: u16, seconds: f64) {
    let status = status.to_string();
    let labels = [("route", route), ("status", status.as_str())];
    registry().add("email_manager_http_requests_total", &labels, 1.0);
    registry().add(
        "email_manager_http_request_seconds_total",
        &[("route", route)],
        seconds,
    );
}

/// One step of a background job (`jobs`), by how it went, and the time it took.
pub fn job_step(job: &'static str, outcome: &'static str, took: std::time::Duration) {
    registry().add(
        "email_manager_job_steps_total",
        &[("job", job), ("outcome", outcome)],
        1.0,
    );
    registry().add(
        "email_manager_job_step_seconds_total",
        &[("job", job)],
        took.as_secs_f64(),
    );
}

/// One sync run of an account, by how it ended, and the messages it stored.
pub fn sync_run(provider: &'static str, outcome: &'static str, stored: u64) {
    registry().add(
        "email_manager_sync_runs_total",
        &[("provider", provider), ("outcome", outcome)],
        1.0,
    );
    if stored > 0 {
        registry().add(
            "email_manager_messages_synced_total",
            &[("provider", provider)],
            stored as f64,
        );
    }
}

/// One token refresh, by outcome (`ok`, `reauth`, `failed`).
pub fn token_refresh(provider: &'static str, outcome: &'static str) {
    registry().add(
        "email_manager_token_refreshes_total",
        &[("provider", provider), ("outcome", outcome)],
        1.0,
    );
}

/// One send handed to a provider, by its outcome (`sent`, `failed`, `unknown`).
pub fn send(provider: &'static str, status: &'static str) {
    registry().add(
        "email_manager_sends_total",
        &[("provider", provider), ("status", status)],
        1.0,
    );
}

/// One push request to a webhook, by provider and outcome (`accepted`, `refused`).
pub fn push_notification(provider: &'static str, outcome: &'static str) {
    registry().add(
        "email_manager_push_notifications_total",
        &[("provider", provider), ("outcome", outcome)],
        1.0,
    );
}
