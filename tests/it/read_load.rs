//! Load on the read endpoints while a sync runs: the real binary (so its memory can be
//! read) serves 200 concurrent clients listing, searching, filtering and opening mail for
//! `LOAD_SECS` seconds (10 here; the run is `LOAD_SECS=60`) while it syncs a
//! second, larger mailbox. Every answer must be a 200 — a starved connection pool or a
//! locked database shows up as errors — and the process's peak memory stays bounded.
//! Latencies are printed, not asserted (a shared 2-core machine cannot promise them);
//! docs/benchmarks.md has the measured numbers.

use crate::common;

use common::Backend;
use common::oauth::{param, wired_with};
use common::process::ServiceProcess;
use common::tokens::user_token;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 200;
const READ: &str = "reader@gmail.test";
const SYNCING: &str = "busy@gmail.test";

async fn get(http: &reqwest::Client, url: &str) -> Result<Value, String> {
    let response = http
        .get(url)
        .bearer_auth(user_token(7))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if status == 200 {
        Ok(body)
    } else {
        Err(format!("{status} {body}"))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

#[tokio::test]
async fn two_hundred_readers_during_a_sync_get_only_200s_in_bounded_memory() {
    let seconds = std::env::var("LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let w = wired_with(Backend::Sqlite, |s| s.sync.enabled = false)
        .await
        .unwrap();
    let mut settings = w.app.settings.clone();
    settings.sync.enabled = true;
    settings.sync.interval_secs = 3600;
    settings.database.pool_size = 8;
    // The 200 clients are one user here (they read one mailbox). The per-user cap on lists
    // running at once (6, waiting 5 s for a slot: tests/it/security/bounds.rs) would turn
    // most of them away as soon as a list takes longer than 150 ms, which a debug build on
    // a loaded 2-core machine does; it guards against one user, and what this test
    // measures is the pool and the database under everyone's load.
    settings.limits.lists_per_user = CLIENTS as u32;
    let dir = tempfile::tempdir().unwrap();
    let service = ServiceProcess::start(&settings, dir.path()).await;
    let base = format!("{}/api", service.address);

    // A synced mailbox to read.
    w.mailbox("google", READ, 1_000).await;
    let read_account: i64 = param(
        &w.connect_at(&service.address, &user_token(7), "google", READ)
            .await,
        "mailAccountId",
    )
    .unwrap()
    .parse()
    .unwrap();
    let started = Instant::now();
    let ids: Vec<i64> = loop {
        let page = get(&w.http, &format!("{base}/mailMessages:list?pageSize=200&filter=%7B%22accountId%22%3A{read_account}%7D")).await.unwrap();
        if page["meta"]["count"] == 1_000 {
            break page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_i64().unwrap())
                .collect();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the mailbox to read did not sync"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // A larger one starts syncing now, and keeps syncing under the load.
    w.mailbox("google", SYNCING, 20_000).await;
    w.connect_at(&service.address, &user_token(7), "google", SYNCING)
        .await;
    let rss_before = service.status_kib("VmRSS");

    let queries = Arc::new(vec![
        format!(
            "{base}/mailMessages:list?filter=%7B%22accountId%22%3A{read_account}%7D&sort=-date"
        ),
        format!(
            "{base}/mailMessages:list?filter=%7B%22participants.domain%22%3A%22example.com%22%7D"
        ),
        format!("{base}/mailMessages:list?q=meeting"),
        format!("{base}/mailFolders:list?filter=%7B%22accountId%22%3A{read_account}%7D"),
        format!("{base}/mailAccounts:list"),
        format!("{base}/mailThreads:list?pageSize=50"),
    ]);
    let ids = Arc::new(ids);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (http, queries, ids, base) = (http.clone(), queries.clone(), ids.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            let mut n = client;
            while Instant::now() < deadline {
                n += 7;
                let url = if n % 4 == 0 {
                    format!("{base}/mailMessages:get?filterByTk={}", ids[n % ids.len()])
                } else {
                    queries[n % queries.len()].clone()
                };
                let at = Instant::now();
                match get(&http, &url).await {
                    Ok(_) => latencies.push(at.elapsed()),
                    Err(error) => errors.push(error),
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for task in tasks {
        let (mine, failed) = task.await.unwrap();
        latencies.extend(mine);
        for error in failed {
            *errors.entry(error.chars().take(160).collect()).or_default() += 1;
        }
    }
    latencies.sort();
    let peak = service.status_kib("VmHWM");
    let synced = get(&w.http, &format!("{base}/mailAccounts:list"))
        .await
        .unwrap();
    let busy = synced["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == SYNCING)
        .unwrap()
        .clone();
    println!(
        "{} requests in {seconds} s from {CLIENTS} clients ({:.0}/s): p50 {:?}, p99 {:?}, max {:?}; RSS {} MiB before, peak {} MiB; meanwhile {} of 20,000 messages synced",
        latencies.len(),
        latencies.len() as f64 / seconds as f64,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap(),
        rss_before / 1024,
        peak / 1024,
        busy["messageCount"]
    );
    assert!(errors.is_empty(), "error answers under load: {errors:?}");
    assert!(latencies.len() > CLIENTS, "hardly anything was answered");
    assert!(
        busy["messageCount"].as_i64().unwrap() > 0,
        "the sync stalled under the load: {busy}"
    );
    // A debug build; the release binary's peak is in docs/benchmarks.md.
    assert!(peak < 400 * 1024, "peak RSS {} MiB under load", peak / 1024);
}
