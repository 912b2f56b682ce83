//! Initial sync throughput: a generated mailbox at the provider emulator (quotas off),
//! connected through the real OAuth flow, synced by the real engine into SQLite or
//! PostgreSQL; the time from connecting until the first sync has finished. The sync runs
//! in the release binary as a process of its own (the emulator and the harness stay in
//! this one), so its CPU time and peak memory are its own: read from /proc.
//!
//! ```text
//! cargo bench --bench sync_throughput -- [--messages 20000] [--backend sqlite|postgres]
//! ```
//! PostgreSQL needs EMAIL_MANAGER_TEST_POSTGRES_URL, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a benchmark stops loudly

#[path = "support/args.rs"]
mod args;
#[path = "../tests/common/mod.rs"]
mod common;

use args::arg;
use common::Backend;
use common::oauth::wired_with;
use common::process::ServiceProcess;
use common::tokens::user_token;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let messages: usize = arg("--messages")
        .and_then(|m| m.parse().ok())
        .unwrap_or(20_000);
    let backend = match arg("--backend").as_deref() {
        Some("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    println!(
        "{:<10} {:>9} {:>10} {:>10} {:>14} {:>12}",
        "provider", "messages", "seconds", "msg/s", "CPU s/1k msg", "peak RSS MiB"
    );
    for (provider, email) in [
        ("google", "bench@gmail.test"),
        ("microsoft", "bench@outlook.test"),
    ] {
        // Quotas off on both sides: this measures the engine, not the providers' limits.
        // This process only connects; the binary started below syncs.
        let w = wired_with(backend, |settings| {
            settings.sync.enabled = false;
            settings.sync.interval_secs = 3600;
            settings.sync.graph_requests_per_10_min = 0;
        })
        .await
        .expect("the backend is available (PostgreSQL needs EMAIL_MANAGER_TEST_POSTGRES_URL)");
        // The emulator enforces Graph's 10,000 requests per 10 minutes per mailbox by
        // default (the harness lifts only Gmail's quota); a sync that fetches each
        // message once meets it near 10,000 messages. Lifted here, concurrency kept.
        w.http
            .post(format!("{}/_emulator/quota", w.emulator.url))
            .json(&serde_json::json!({"provider": "microsoft", "requestsPer10Min": 0}))
            .send()
            .await
            .expect("emulator");
        w.mailbox(provider, email, messages).await;
        let mut settings = w.app.settings.clone();
        settings.sync.enabled = true;
        let dir = tempfile::tempdir().expect("a folder");
        let service = ServiceProcess::start(&settings, dir.path()).await;
        let cpu_before = service.cpu_seconds();
        let started = Instant::now();
        // The callback, taken by the binary, starts its first sync at once.
        let outcome = w
            .connect_at(&service.address, &user_token(7), provider, email)
            .await;
        let account = common::oauth::param(&outcome, "mailAccountId")
            .unwrap()
            .to_string();
        // Done when the first sync has finished (lastSyncAt set), whatever the mailbox
        // holds in folders a listing leaves out.
        let stored = loop {
            let row = w
                .app
                .call(
                    "mailAccounts:get",
                    Some(&user_token(7)),
                    &format!("filterByTk={account}"),
                    None,
                )
                .await;
            // A failed run is a result too: say why instead of waiting for the retry.
            if row.json["data"]["lastError"].is_object() || row.json["data"]["status"] == "error" {
                panic!("{provider}: the sync failed: {}", row.text);
            }
            if row.json["data"]["lastSyncAt"].is_string() {
                break row.json["data"]["messageCount"].as_u64().unwrap_or(0);
            }
            assert!(
                started.elapsed() < Duration::from_secs(3600),
                "{}",
                row.text
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let seconds = started.elapsed().as_secs_f64();
        let cpu = service.cpu_seconds() - cpu_before;
        println!(
            "{provider:<10} {stored:>9} {seconds:>10.1} {:>10.0} {:>14.2} {:>12.1}",
            stored as f64 / seconds,
            cpu * 1000.0 / stored.max(1) as f64,
            service.status_kib("VmHWM") as f64 / 1024.0
        );
    }
}
