//! Replicas: three `email-manager serve` processes on one PostgreSQL database share fifty
//! Gmail mailboxes. Each mailbox is connected by starting the OAuth flow on one process
//! and landing the callback on another. Mid-sync, the process holding the most claims
//! is killed with SIGKILL: its mailboxes are taken over by the others within the lease
//! time, and at the end every mailbox in the database equals the provider's truth, with
//! nothing lost or stored twice. A replica told to stop (SIGTERM) mid-sync hands its
//! mailbox back at once, so another takes it over in seconds, not after the lease. Runs
//! when EMAIL_MANAGER_TEST_POSTGRES_URL is set (as in .ci/run); SQLite is one process's
//! database by design.

use crate::common;

use common::Backend;
use common::oauth::{location_params, param, wired_with};
use common::process::ServiceProcess;
use common::tokens::user_token;
use common::truth::assert_equals_truth;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const MAILBOXES: usize = 50;
const MESSAGES: usize = 60;
const LEASE_SECS: u64 = 10;

fn email(n: usize) -> String {
    format!("replica{n}@gmail.test")
}

/// Accounts whose sync claim is live, by the pid that holds it (`lease_owner` is
/// `<pid>-<random>`).
fn claims(db: &common::TestDb) -> HashMap<u32, Vec<i64>> {
    let rows = db.query_texts(
        "SELECT lease_owner || '|' || CAST(account_id AS TEXT) AS value FROM sync_jobs \
         WHERE lease_owner IS NOT NULL AND lease_until > now() AT TIME ZONE 'UTC'",
    );
    let mut held: HashMap<u32, Vec<i64>> = HashMap::new();
    for row in rows.into_iter().flatten() {
        let (owner, account) = row.split_once('|').unwrap();
        let pid = owner.split('-').next().unwrap().parse().unwrap();
        held.entry(pid).or_default().push(account.parse().unwrap());
    }
    held
}

#[tokio::test]
async fn three_replicas_share_fifty_mailboxes_and_survive_losing_one() {
    let Some(w) = wired_with(Backend::Postgres, |s| s.sync.enabled = false).await else {
        return;
    };
    let mut settings = w.app.settings.clone();
    settings.sync.enabled = true;
    settings.sync.interval_secs = 5;
    settings.sync.lease_secs = LEASE_SECS;
    settings.sync.page_size = 10;
    let dir = tempfile::tempdir().unwrap();
    let mut processes = Vec::new();
    for _ in 0..3 {
        processes.push(Some(ServiceProcess::start(&settings, dir.path()).await));
    }
    let address = |processes: &[Option<ServiceProcess>], n: usize| {
        processes[n].as_ref().unwrap().address.clone()
    };

    // Connect: authorize on one process, the provider's redirect lands on the next.
    let mut accounts = Vec::new();
    for n in 0..MAILBOXES {
        w.mailbox("google", &email(n), MESSAGES).await;
        let token = user_token(100 + n as i64);
        let reply = w
            .http
            .post(format!(
                "{}/api/mailAccounts:authorize",
                address(&processes, n % 3)
            ))
            .bearer_auth(&token)
            .json(&json!({"provider": "google", "returnUrl": "http://nocobase.test/admin/mail"}))
            .send()
            .await
            .unwrap();
        // Each mailbox's owner has a browser of their own; its binding cookie must reach
        // whichever replica takes the callback.
        let browser = common::oauth::Browser::default();
        let reply = common::read(reply).await;
        browser.store(&reply.headers);
        let url = reply.json["data"]["url"].as_str().unwrap().to_string();
        let query = w.consent(&url, &email(n), &[("action", "allow")]).await;
        let back = w
            .callback_in(&browser, &address(&processes, (n + 1) % 3), &query)
            .await;
        let params = location_params(&back);
        assert_eq!(
            param(&params, "status"),
            Some("connected"),
            "mailbox {n}: {params:?}"
        );
        accounts.push((
            param(&params, "mailAccountId")
                .unwrap()
                .parse::<i64>()
                .unwrap(),
            token,
        ));
    }

    // Mid-sync: kill the process holding the most claims.
    let started = Instant::now();
    let (victim, held) = loop {
        let held = claims(&w.app.db);
        let busiest = processes
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.as_ref()
                    .map(|p| (i, held.get(&p.pid()).cloned().unwrap_or_default()))
            })
            .max_by_key(|(_, accounts)| accounts.len())
            .unwrap();
        // Busy with several mailboxes, so the kill interrupts more than one.
        if busiest.1.len() >= 2
            || (!busiest.1.is_empty() && started.elapsed() > Duration::from_secs(20))
        {
            break busiest;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no process claimed a mailbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let victim_pid = processes[victim].as_ref().unwrap().pid();
    processes[victim] = None; // SIGKILL
    let killed_at = Instant::now();
    println!(
        "killed process {victim} (pid {victim_pid}) holding {} claims",
        held.len()
    );

    // Its mailboxes are claimed again by a live process within the lease (plus one poll).
    let survivors: Vec<u32> = processes
        .iter()
        .flatten()
        .map(ServiceProcess::pid)
        .collect();
    let mut taken_over = std::collections::BTreeSet::new();
    while taken_over.len() < held.len() {
        let now = claims(&w.app.db);
        for account in &held {
            let by_survivor = survivors
                .iter()
                .any(|pid| now.get(pid).is_some_and(|a| a.contains(account)));
            let finished = w.app.db.query_texts(&format!(
                "SELECT CAST(count(*) AS TEXT) AS value FROM mail_messages WHERE account_id = {account}"
            ))[0] == Some(MESSAGES.to_string());
            if by_survivor || finished {
                taken_over.insert(*account);
            }
        }
        assert!(
            killed_at.elapsed()
                < Duration::from_secs(LEASE_SECS + settings.sync.interval_secs + 10),
            "after {:?}, {} of {} mailboxes were not taken over",
            killed_at.elapsed(),
            held.len() - taken_over.len(),
            held.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("taken over {:?} after the kill", killed_at.elapsed());

    // Every mailbox finishes and equals the provider's truth.
    let live = processes.iter().flatten().next().unwrap().address.clone();
    let started = Instant::now();
    for (id, token) in &accounts {
        loop {
            let row: Value = common::read(
                w.http
                    .get(format!("{live}/api/mailAccounts:get?filterByTk={id}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
            .json["data"]
                .clone();
            if row["status"] == "active" && row["messageCount"] == MESSAGES {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(240),
                "account {id} never finished: {row}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for (n, (id, _)) in accounts.iter().enumerate() {
        assert_equals_truth(&w, *id, "google", &email(n)).await;
    }
}

/// A rolling update or `docker stop` sends SIGTERM to a replica in the middle of a first
/// sync. It stops the run where it is and releases the account, so the other replica
/// resumes it within seconds — with the lease at its default of two minutes, a replica
/// that only stopped would leave the mailbox unsynced for those two minutes — and exits
/// cleanly; the mailbox then equals the provider's truth.
#[tokio::test]
async fn a_replica_stopped_mid_sync_hands_its_mailbox_over_at_once() {
    const EMAIL: &str = "rolling@gmail.test";
    const COUNT: usize = 150;
    let Some(w) = wired_with(Backend::Postgres, |s| s.sync.enabled = false).await else {
        return;
    };
    let mut settings = w.app.settings.clone();
    settings.sync.enabled = true;
    settings.sync.lease_secs = 120;
    settings.sync.page_size = 10;
    // About one page of ten messages a second, so the sync is still running when the
    // stop comes.
    settings.sync.quota_window_secs = 1;
    settings.sync.gmail_units_per_minute = 250;
    let dir = tempfile::tempdir().unwrap();
    let mut first = ServiceProcess::start(&settings, dir.path()).await;
    w.mailbox("google", EMAIL, COUNT).await;
    let token = user_token(500);
    let connected = w.connect(&token, "google", EMAIL).await;
    let account: i64 = param(&connected, "mailAccountId").unwrap().parse().unwrap();
    let held_by = |pid: u32| {
        claims(&w.app.db)
            .get(&pid)
            .is_some_and(|a| a.contains(&account))
    };

    let stored = || {
        w.app.db.query_texts(&format!(
            "SELECT CAST(count(*) AS TEXT) AS value FROM mail_messages WHERE account_id = {account}"
        ))[0]
            .clone()
            .unwrap_or_default()
    };
    // Stopped a few pages into the sync, while it holds the mailbox.
    let started = Instant::now();
    while !(held_by(first.pid()) && stored().parse::<usize>().unwrap_or(0) >= 20) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first replica never got going"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = ServiceProcess::start(&settings, dir.path()).await;
    let before = stored();
    first.terminate();
    let stopped_at = Instant::now();
    while !held_by(second.pid()) {
        assert!(
            stopped_at.elapsed() < Duration::from_secs(settings.sync.lease_secs / 4),
            "not taken over {:?} after SIGTERM (the lease is {} s)",
            stopped_at.elapsed(),
            settings.sync.lease_secs
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let takeover = stopped_at.elapsed();
    let status = first.exited(Duration::from_secs(25)).await;
    println!(
        "SIGTERM after {before} of {COUNT} messages: taken over after {takeover:?}; the stopped replica exited {:?} after the signal",
        stopped_at.elapsed()
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "the stopped replica did not exit cleanly: {status:?}"
    );

    let started = Instant::now();
    while stored() != COUNT.to_string() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the sync never finished"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_equals_truth(&w, account, "google", EMAIL).await;
}
