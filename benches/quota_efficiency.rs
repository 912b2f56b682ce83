//! Quota efficiency: an initial sync against the provider emulator enforcing the
//! providers' per-mailbox limits, with their windows shortened so a run takes a minute
//! instead of hours (the budget per window unchanged, the service told the same window:
//! `sync.quota_window_secs`). Reported per provider: how much of the allowed budget the
//! sync used over its run, and how often the emulator refused a request (429 for the
//! rate, or for too many in flight), read from the emulator's own counts.
//!
//! The most a sliding window of length w admits in a run of T seconds is
//! budget × ⌈T / w⌉, so "share used" = units admitted / (budget × ⌈T / w⌉). That share
//! punishes a run that needs a few units past a whole number of windows (6,075 requests
//! against 1,000 per window must run into a seventh), so "vs fastest" compares T with
//! the shortest run that admits the same units: (⌈units / budget⌉ − 1) × w.
//!
//! ```text
//! cargo bench --bench quota_efficiency -- [--messages 6000] [--backend sqlite|postgres] [--window-scale 1]
//!     [--provider google|microsoft]
//! ```
//!
//! `--window-scale K` makes both windows K times longer (same budget per window, so a
//! run of the same mailbox takes about K times as long): what a run loses at its start
//! and its end, and per call while an answer is on its way, then weighs 1/K as much, as
//! it does against the real one-minute and ten-minute windows.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a benchmark stops loudly

#[path = "support/args.rs"]
mod args;
#[path = "../tests/it/common/mod.rs"]
mod common;

use args::arg;
use common::Backend;
use common::oauth::wired_with;
use common::process::ServiceProcess;
use common::tokens::user_token;
use serde_json::json;
use std::time::{Duration, Instant};

/// One provider's limit as the run enforces it.
struct Limit {
    provider: &'static str,
    email: &'static str,
    /// Units (Gmail) or requests (Graph) per window.
    budget: u64,
    window_secs: u64,
    max_concurrent: u64,
}

#[tokio::main]
async fn main() {
    let messages: usize = arg("--messages")
        .and_then(|m| m.parse().ok())
        .unwrap_or(6_000);
    let backend = match arg("--backend").as_deref() {
        Some("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let scale: u64 = arg("--window-scale")
        .map(|k| k.parse().expect("--window-scale takes a whole number"))
        .unwrap_or(1)
        .max(1);
    // Gmail: 6,000 units per user per minute (new projects) in 2 s, 30 times the real
    // rate; a message costs 20 units, so 300 messages per window. Graph: 10,000 requests
    // per 10 minutes scaled to 1,000 per 6 s, 10 times the real rate, 4 in flight.
    let limits = [
        Limit {
            provider: "google",
            email: "quota@gmail.test",
            budget: 6_000,
            window_secs: 2 * scale,
            max_concurrent: 10,
        },
        Limit {
            provider: "microsoft",
            email: "quota@outlook.test",
            budget: 1_000,
            window_secs: 6 * scale,
            max_concurrent: 4,
        },
    ];
    println!(
        "{:<10} {:>8} {:>9} {:>9} {:>10} {:>10} {:>11} {:>8} {:>11} {:>8} {:>10} {:>8}",
        "provider",
        "window s",
        "messages",
        "seconds",
        "requests",
        "units",
        "allowed",
        "share",
        "vs fastest",
        "429 rate",
        "429 flight",
        "outcome"
    );
    let only = arg("--provider");
    for limit in limits {
        if only.as_deref().is_none_or(|p| p == limit.provider) {
            run(backend, messages, &limit).await;
        }
    }
}

async fn run(backend: Backend, messages: usize, limit: &Limit) {
    let google = limit.provider == "google";
    let w = wired_with(backend, |settings| {
        settings.sync.enabled = false;
        settings.sync.interval_secs = 3600;
        settings.sync.quota_window_secs = limit.window_secs;
        if google {
            settings.sync.gmail_units_per_minute = limit.budget;
        } else {
            settings.sync.graph_requests_per_10_min = limit.budget;
        }
    })
    .await
    .expect("the backend is available (PostgreSQL needs EMAIL_MANAGER_TEST_POSTGRES_URL)");
    let quota = if google {
        json!({"provider": "google", "unitsPerMinute": limit.budget, "maxConcurrent": limit.max_concurrent, "windowSecs": limit.window_secs})
    } else {
        json!({"provider": "microsoft", "requestsPer10Min": limit.budget, "maxConcurrent": limit.max_concurrent, "windowSecs": limit.window_secs})
    };
    w.mailbox(limit.provider, limit.email, messages).await;
    let mut settings = w.app.settings.clone();
    settings.sync.enabled = true;
    let dir = tempfile::tempdir().expect("a folder");
    let service = ServiceProcess::start(&settings, dir.path()).await;
    // Set last: it also clears the emulator's counts, so they cover this sync alone.
    let set = w
        .http
        .post(format!("{}/_emulator/quota", w.emulator.url))
        .json(&quota)
        .send()
        .await
        .expect("emulator");
    assert!(set.status().is_success());
    let started = Instant::now();
    let outcome = w
        .connect_at(
            &service.address,
            &user_token(7),
            limit.provider,
            limit.email,
        )
        .await;
    let account = common::oauth::param(&outcome, "mailAccountId")
        .unwrap()
        .to_string();
    // A run that ends in an error (a throttle it gave up on) is retried later; the
    // benchmark keeps waiting, and says which errors it saw.
    let mut errors: Vec<String> = Vec::new();
    let stored = loop {
        let data = &w.account(&account).await;
        if let Some(code) = data["lastError"]["code"].as_str()
            && !errors.iter().any(|e| e == code)
        {
            errors.push(code.to_string());
        }
        if data["status"] == "error" {
            panic!("{}: the account is in error: {data}", limit.provider);
        }
        if data["lastSyncAt"].is_string() && data["lastError"].is_null() {
            break data["messageCount"].as_u64().unwrap_or(0);
        }
        assert!(started.elapsed() < Duration::from_secs(1800), "{data}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    let verdict = if errors.is_empty() {
        "ok".to_string()
    } else {
        errors.join(",")
    };
    let usage = w.quota_usage(limit.provider, limit.email).await;
    let units = usage["units"].as_u64().unwrap_or(0);
    let windows = (seconds / limit.window_secs as f64).ceil().max(1.0);
    let allowed = limit.budget as f64 * windows;
    let fastest =
        ((units as f64 / limit.budget as f64).ceil() - 1.0).max(0.0) * limit.window_secs as f64;
    println!(
        "{:<10} {:>8} {stored:>9} {seconds:>9.1} {:>10} {units:>10} {allowed:>11.0} {:>7.1}% {:>10.1}% {:>8} {:>10} {verdict:>8}",
        limit.provider,
        limit.window_secs,
        usage["requests"],
        100.0 * units as f64 / allowed,
        100.0 * fastest / seconds,
        usage["rateLimited"],
        usage["concurrencyRefused"],
    );
    drop(service);
}
