//! API latency over HTTP: the release binary serving a million synthetic messages (the
//! data of `list_at_scale`, in 50 mailboxes shared with each other), loaded by `wrk` at 1,
//! 16 and 64 connections for `mailMessages:list` (inbox page, a `participants.domain`
//! filter, a `q` search) and `mailMessages:get`. The whole path: HTTP, the token check
//! (locally, with NocoBase's key), the query, JSON.
//!
//! ```text
//! cargo bench --bench api_latency -- [--backend sqlite|postgres] [--messages N] [--secs N]
//! ```
//! Needs `wrk` (Debian's package). The service and wrk share the machine's cores.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a benchmark stops loudly

#[path = "support/args.rs"]
mod args;
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/million.rs"]
mod million;

use args::arg;
use common::process::ServiceProcess;
use common::tokens::user_token;
use email_manager::config::{DatabaseKind, Settings};
use std::process::Command;

/// `wrk`'s summary: p50 and p99 latency in ms, requests per second, non-2xx answers.
fn run_wrk(url: &str, token: &str, connections: u32, secs: u32) -> (f64, f64, f64, u64) {
    let output = Command::new("wrk")
        .args([
            "-t",
            &connections.clamp(1, 2).to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{secs}s"),
            "--latency",
            "-H",
            &format!("Authorization: Bearer {token}"),
            url,
        ])
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let ms = |label: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in wrk's output:\n{text}"));
        let value = line.split_whitespace().nth(1).unwrap_or("0");
        let (number, unit) = value.split_at(
            value
                .find(|c: char| c.is_alphabetic())
                .unwrap_or(value.len()),
        );
        let number: f64 = number.parse().unwrap_or(0.0);
        match unit {
            "us" => number / 1000.0,
            "s" => number * 1000.0,
            _ => number,
        }
    };
    let rate = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let failed = text
        .lines()
        .find(|l| l.trim_start().starts_with("Non-2xx or 3xx responses:"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ms("50%"), ms("99%"), rate, failed)
}

#[tokio::main]
async fn main() {
    let kind = match arg("--backend").as_deref() {
        Some("postgres") => DatabaseKind::Postgres,
        _ => DatabaseKind::Sqlite,
    };
    let messages: u64 = arg("--messages")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let secs: u32 = arg("--secs").and_then(|v| v.parse().ok()).unwrap_or(10);
    let (scratch, url, took) = million::load(kind, messages);
    println!(
        "{kind:?}: {messages} messages loaded in {:.1} s",
        took.as_secs_f64()
    );
    // The 50 mailboxes are shared with each other (visibility full), so user 1 lists
    // across all of them, as a team that shares its mailboxes does.
    {
        use diesel::connection::SimpleConnection;
        let store =
            email_manager::store::Store::connect(&email_manager::config::DatabaseSettings {
                url: url.clone(),
                pool_size: 1,
                auto_migrate: false,
            })
            .unwrap();
        let mut c = store.blocking_connection().unwrap();
        match &mut *c {
            email_manager::store::DbConnection::Sqlite(c) => {
                c.batch_execute("UPDATE mail_accounts SET visibility = 'full'")
            }
            email_manager::store::DbConnection::Postgresql(c) => {
                c.batch_execute("UPDATE mail_accounts SET visibility = 'full'")
            }
        }
        .unwrap();
    }
    let mut settings = Settings::default();
    settings.database.url = url;
    settings.database.pool_size = 8;
    settings.nocobase.app_key = email_manager::config::SecretString::new(common::APP_KEY);
    settings.security.encryption_key =
        email_manager::config::SecretString::new(common::random_key());
    settings.sync.enabled = false;
    settings.push.enabled = false;
    settings.send.run_scheduled = false;
    let dir = tempfile::tempdir().unwrap();
    let service = ServiceProcess::start(&settings, dir.path()).await;
    let token = user_token(1);
    let encode =
        |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    let base = format!("{}/api", service.address);
    // Inboxes were created first, one per account in order: account 1's inbox is folder 1.
    let scenarios = [
        (
            "inbox page (big mailbox, date sort)",
            format!(
                "{base}/mailMessages:list?filter={}&sort=-date&pageSize=20",
                encode(r#"{"folderId":1}"#)
            ),
        ),
        (
            "participants.domain, 50 mailboxes",
            format!(
                "{base}/mailMessages:list?filter={}&sort=-date&pageSize=20",
                encode(r#"{"participants.domain":"domain7.test"}"#)
            ),
        ),
        (
            "q one word, 50 mailboxes",
            format!("{base}/mailMessages:list?q=project7&sort=-date&pageSize=20"),
        ),
        (
            "get one message",
            format!("{base}/mailMessages:get?filterByTk=2"),
        ),
    ];
    println!(
        "{:<38} {:>6} {:>9} {:>9} {:>10} {:>7}",
        "request", "conns", "p50 ms", "p99 ms", "req/s", "non-2xx"
    );
    for (name, url) in &scenarios {
        let check = reqwest::Client::new()
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(check.status().is_success(), "{name}: {}", check.status());
        for connections in [1, 16, 64] {
            let (p50, p99, rate, failed) = run_wrk(url, &token, connections, secs);
            println!("{name:<38} {connections:>6} {p50:>9.2} {p99:>9.2} {rate:>10.0} {failed:>7}");
        }
    }
    drop(service);
    drop(scratch);
}
