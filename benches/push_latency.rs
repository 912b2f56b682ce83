//! Delivery-to-visible latency with push: a message delivered at the provider emulator
//! until `mailMessages:list` shows it, with the poll set to an hour (so only push can
//! bring it). One message at a time, `--rounds` times per provider, on a synced mailbox;
//! the list is asked every 20 ms. Prints p50, p95 and the worst.
//!
//! ```text
//! cargo bench --bench push_latency -- [--rounds 50] [--backend sqlite|postgres]
//! ```
//! The service runs in this process (release build), beside the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a benchmark stops loudly

#[path = "support/args.rs"]
mod args;
#[path = "../tests/it/common/mod.rs"]
mod common;

use args::arg;
use common::Backend;
use common::push::{push_wired, subscriptions_of, wait_push, watch_of};
use common::tokens::user_token;
use serde_json::json;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let rounds: usize = arg("--rounds").and_then(|m| m.parse().ok()).unwrap_or(50);
    let backend = match arg("--backend").as_deref() {
        Some("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    println!(
        "{:<10} {:>7} {:>9} {:>9} {:>9}",
        "provider", "rounds", "p50 ms", "p95 ms", "max ms"
    );
    for (provider, email) in [
        ("google", "bench@gmail.test"),
        ("microsoft", "bench@outlook.test"),
    ] {
        let w = push_wired(backend, |_| {})
            .await
            .expect("the backend is available (PostgreSQL needs EMAIL_MANAGER_TEST_POSTGRES_URL)");
        w.mailbox(provider, email, 500).await;
        let params = w.connect(&user_token(7), provider, email).await;
        let account: i64 = common::oauth::param(&params, "mailAccountId")
            .and_then(|v| v.parse().ok())
            .expect("connected");
        w.wait_listed(500, &format!("filter={{\"accountId\":{account}}}"))
            .await;
        wait_push(&w, 60, "push set up", |s| {
            subscriptions_of(s, email).len() == 1 || watch_of(s, email).is_some()
        })
        .await;
        let mut took = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let subject = format!("latency probe {round}");
            let query = format!(
                "filter={{\"accountId\":{account}}}&q={}",
                subject.replace(' ', "+")
            );
            let started = Instant::now();
            w.control(
                &format!("/users/{email}/deliver"),
                json!({"from": "probe@client.test", "subject": subject, "text": "probe"}),
            )
            .await;
            loop {
                let list = w
                    .app
                    .call("mailMessages:list", Some(&user_token(7)), &query, None)
                    .await;
                if list.json["meta"]["count"].as_u64() == Some(1) {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "round {round} never became visible"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            took.push(started.elapsed());
            // Let the run that brought it end, so rounds do not overlap.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        took.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<10} {:>7} {:>9.0} {:>9.0} {:>9.0}",
            provider,
            rounds,
            ms(percentile(&took, 0.5)),
            ms(percentile(&took, 0.95)),
            ms(*took.last().expect("rounds"))
        );
    }
}
