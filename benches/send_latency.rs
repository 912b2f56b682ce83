//! Send latency: from `POST mailMessages:send` until the provider emulator holds the
//! message, for a ~1 KB text message and one with a 10 MB attachment, from a Gmail and an
//! Outlook mailbox. The service runs in this process (release build) beside the emulator;
//! the request is JSON with the attachment base64-encoded, as the plugin's composer sends
//! it. Prints p50 and the worst per size and provider.
//!
//! ```text
//! cargo bench --bench send_latency -- [--rounds 10] [--backend sqlite|postgres]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a benchmark stops loudly

#[path = "support/args.rs"]
mod args;
#[path = "../tests/it/common/mod.rs"]
mod common;

use args::arg;
use base64::Engine;
use common::Backend;
use common::oauth::wired_with;
use common::tokens::user_token;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let rounds: usize = arg("--rounds").and_then(|m| m.parse().ok()).unwrap_or(10);
    let backend = match arg("--backend").as_deref() {
        Some("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let w = wired_with(backend, |settings| {
        settings.send.max_message_bytes = 30 * 1024 * 1024;
    })
    .await
    .expect("the backend is available (PostgreSQL needs EMAIL_MANAGER_TEST_POSTGRES_URL)");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    // Deterministic bytes that do not compress to nothing.
    let big: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let big = base64::engine::general_purpose::STANDARD.encode(big);
    let text = "Hello, the numbers for the quarter are attached. ".repeat(20);
    println!(
        "{:<10} {:<12} {:>7} {:>9} {:>9}",
        "provider", "message", "rounds", "p50 ms", "max ms"
    );
    for (provider, kind, email) in [
        (
            "google",
            provider_emulator::Provider::Google,
            "bench@gmail.test",
        ),
        (
            "microsoft",
            provider_emulator::Provider::Microsoft,
            "bench@outlook.test",
        ),
    ] {
        // What the provider holds, read from the emulator's state (no HTTP on the way).
        let held = || {
            w.emulator
                .world
                .lock()
                .user(kind, email)
                .map_or(0, |u| u.sent.len())
        };
        w.mailbox(provider, email, 0).await;
        let params = w.connect(&user_token(7), provider, email).await;
        let account: i64 = common::oauth::param(&params, "mailAccountId")
            .and_then(|v| v.parse().ok())
            .expect("connected");
        for (label, attachment) in [("~1 KB text", None), ("10 MB file", Some(&big))] {
            let mut took = Vec::new();
            for round in 0..rounds {
                let before = held();
                let mut values = json!({
                    "accountId": account,
                    "to": ["someone@elsewhere.test"],
                    "subject": format!("bench {label} {round}"),
                    "text": text,
                });
                if let Some(content) = attachment {
                    values["attachments"] = json!([{"filename": "data.bin",
                        "contentType": "application/octet-stream", "content": content}]);
                }
                let started = Instant::now();
                let answer = http
                    .post(format!("{}/api/mailMessages:send", w.app.address))
                    .bearer_auth(user_token(7))
                    .json(&values)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    answer.status().is_success(),
                    "{}",
                    answer.text().await.unwrap()
                );
                while held() == before {
                    assert!(
                        started.elapsed() < Duration::from_secs(120),
                        "never arrived"
                    );
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                took.push(started.elapsed());
            }
            took.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            println!(
                "{:<10} {:<12} {:>7} {:>9.0} {:>9.0}",
                provider,
                label,
                rounds,
                ms(took[took.len() / 2]),
                ms(*took.last().unwrap())
            );
        }
    }
}
