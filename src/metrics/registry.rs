//! The counters, and their Prometheus text form.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock, PoisonError};

/// Every metric family: name, type and help line.
pub const FAMILIES: &[(&str, &str, &str)] = &[
    (
        "email_manager_http_requests_total",
        "counter",
        "HTTP requests answered, by route pattern and status.",
    ),
    (
        "email_manager_http_request_seconds_total",
        "counter",
        "Time spent answering HTTP requests, by route pattern.",
    ),
    (
        "email_manager_job_steps_total",
        "counter",
        "Steps of background jobs (sync-scheduler, sync-worker, send-scheduler, push-maintenance, event-tail), by outcome (worked, idle, failed).",
    ),
    (
        "email_manager_job_step_seconds_total",
        "counter",
        "Time spent in steps of background jobs, by job.",
    ),
    (
        "email_manager_sync_runs_total",
        "counter",
        "Sync runs of one account, by provider and outcome.",
    ),
    (
        "email_manager_messages_synced_total",
        "counter",
        "Messages stored by sync runs, by provider.",
    ),
    (
        "email_manager_provider_requests_total",
        "counter",
        "Requests to the providers' APIs, by provider and answer class.",
    ),
    (
        "email_manager_provider_throttles_total",
        "counter",
        "Provider answers of 429 (throttled), by provider.",
    ),
    (
        "email_manager_token_refreshes_total",
        "counter",
        "OAuth token refreshes, by provider and outcome.",
    ),
    (
        "email_manager_sends_total",
        "counter",
        "Messages handed to a provider, by provider and outcome.",
    ),
    (
        "email_manager_push_notifications_total",
        "counter",
        "Provider push requests to the webhooks, by provider and outcome (accepted, refused).",
    ),
];

type Series = BTreeMap<&'static str, BTreeMap<String, f64>>;

/// Counters by family and label set.
#[derive(Default)]
pub struct Registry {
    series: Mutex<Series>,
}

/// The process's registry.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// A label value as Prometheus text wants it: `\`, `"` and line breaks escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Registry {
    /// Adds `by` to the series of `family` with `labels`.
    pub fn add(&self, family: &'static str, labels: &[(&str, &str)], by: f64) {
        let key = labels
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
            .collect::<Vec<_>>()
            .join(",");
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        *series.entry(family).or_default().entry(key).or_insert(0.0) += by;
    }

    /// The text exposition of every family, then `gauges` (name, help, value).
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        for (name, kind, help) in FAMILIES {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in series.get(name).into_iter().flatten() {
                let _ = writeln!(out, "{name}{{{labels}}} {value}");
            }
        }
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Registry;

    #[test]
    fn renders_families_series_and_gauges() {
        let registry = Registry::default();
        registry.add(
            "email_manager_sync_runs_total",
            &[("provider", "google"), ("outcome", "ok")],
            1.0,
        );
        registry.add(
            "email_manager_sync_runs_total",
            &[("provider", "google"), ("outcome", "ok")],
            2.0,
        );
        registry.add(
            "email_manager_http_requests_total",
            &[("route", "/a\"b"), ("status", "200")],
            1.0,
        );
        let text = registry.render(&[("email_manager_outbox_scheduled", "Scheduled sends.", 4.0)]);
        assert!(text.contains("# TYPE email_manager_sync_runs_total counter\nemail_manager_sync_runs_total{provider=\"google\",outcome=\"ok\"} 3\n"), "{text}");
        assert!(text.contains("route=\"/a\\\"b\""), "{text}");
        assert!(
            text.contains(
                "# TYPE email_manager_outbox_scheduled gauge\nemail_manager_outbox_scheduled 4\n"
            ),
            "{text}"
        );
    }
}
