//! Crash safety: the real binary syncs a Gmail mailbox and is killed with SIGKILL at random
//! moments, then started again on the same database, round after round. Kills land while
//! pages are being committed (the kill waits for progress first), right after a send was
//! handed to it, and while access tokens are being refreshed (the emulator's tokens live
//! two seconds, so the service refreshes all the time). Meanwhile the mailbox keeps
//! changing: new mail arrives and flags change at the provider. At the end the database
//! equals the provider's truth exactly, every interrupted send went out at most once (and
//! exactly once when the client's retry with the same Idempotency-Key says `sent`), and
//! the account is not stuck.
//!
//! `cargo test --test crash_safety` runs a short version (3,000 messages, 5 kills); the
//! issue's full run is `CRASH_MESSAGES=20000 CRASH_KILLS=10 cargo test --release --test
//! crash_safety -- --nocapture`. `CRASH_SEED` replays a run's random moments.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_with};
use common::process::ServiceProcess;
use common::tokens::user_token;
use common::truth::{assert_equals_truth, truth};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const EMAIL: &str = "crash@gmail.test";

pub(crate) fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The account as its owner sees it, from whichever process is up.
pub(crate) async fn account(http: &reqwest::Client, address: &str, id: i64) -> Option<Value> {
    let response = http
        .get(format!("{address}/api/mailAccounts:get?filterByTk={id}"))
        .bearer_auth(user_token(7))
        .send()
        .await
        .ok()?;
    Some(response.json::<Value>().await.ok()?["data"].clone())
}

/// The owner's send to `to` with a key: what a browser (and its retry) posts.
pub(crate) async fn send(
    http: &reqwest::Client,
    address: &str,
    account: i64,
    round: u64,
    to: &str,
) -> Option<Value> {
    let response = http
        .post(format!("{address}/api/mailMessages:send"))
        .bearer_auth(user_token(7))
        .header("idempotency-key", format!("crash-send-{round}"))
        .json(&json!({"accountId": account, "to": [to], "subject": format!("Crash send {round}"), "text": "x"}))
        .send()
        .await
        .ok()?;
    response.json::<Value>().await.ok()
}

/// A round's SIGKILL at a random moment; on odd rounds a send is in flight when it lands.
pub(crate) struct Kill<'a> {
    pub http: &'a reqwest::Client,
    pub account: i64,
    /// The in-flight send's recipient.
    pub to: &'a str,
    /// How soon after the send the kill comes, at most: within the provider call.
    pub send_window_ms: u64,
}

impl Kill<'_> {
    /// Kills `process` (a send in flight on odd rounds, noted in `sends`); how long after
    /// the sync's progress it was.
    pub(crate) async fn at_random(
        &self,
        process: ServiceProcess,
        round: u64,
        rng: &mut StdRng,
        sends: &mut Vec<u64>,
    ) -> u64 {
        let in_flight = (round % 2 == 1).then(|| {
            let (http, address) = (self.http.clone(), process.address.clone());
            let (account, to) = (self.account, self.to.to_string());
            tokio::spawn(async move { send(&http, &address, account, round, &to).await })
        });
        if in_flight.is_some() {
            sends.push(round);
        }
        let wait = if in_flight.is_some() {
            rng.random_range(0..self.send_window_ms)
        } else {
            rng.random_range(0..1_500)
        };
        tokio::time::sleep(Duration::from_millis(wait)).await;
        drop(process); // SIGKILL
        if let Some(task) = in_flight {
            let _ = task.await;
        }
        wait
    }
}

/// An interrupted send's `copies` at the provider agree with what its retry answered.
pub(crate) fn assert_sent_at_most_once(round: u64, status: &str, copies: usize) {
    assert!(copies <= 1, "send {round} went out {copies} times");
    match status {
        "sent" => assert_eq!(copies, 1, "send {round} says sent"),
        // Never re-sent blindly: it may or may not have gone, but not twice. A send
        // whose process died with the provider holding it stays `sending` until its
        // lease (`send.lease_secs`) runs out, then reads `unknown` until Gmail is asked
        // (`send::settle`, tests/it/send_settle.rs): then `sent` or `failed`, as above.
        "unknown" | "sending" => {}
        "failed" => assert_eq!(copies, 0, "send {round} says failed"),
        other => panic!("send {round}: the retry answered {other:?}"),
    }
    println!("send {round}: {status}, {copies} at the provider");
}

/// Waits until the sync has committed more than `past` messages (a page at least).
async fn progress_past(w: &Wired, address: &str, id: i64, past: i64, limit: Duration) -> i64 {
    let started = Instant::now();
    loop {
        let count = account(&w.http, address, id)
            .await
            .and_then(|a| a["messageCount"].as_i64())
            .unwrap_or(0);
        if count > past || started.elapsed() > limit {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Changes at the provider while the service is down or busy: new mail and flag flips.
async fn change_the_mailbox(w: &Wired, rng: &mut StdRng, round: u64) {
    for n in 0..10 {
        w.control(&format!("/users/{EMAIL}/deliver"), json!({"from": "News <news@example.net>", "subject": format!("Round {round} mail {n}")})).await;
    }
    let entries = truth(w, EMAIL).await;
    for _ in 0..10 {
        let entry = &entries[rng.random_range(0..entries.len())];
        let id = entry["id"].as_str().unwrap();
        let read = entry["isRead"].as_bool().unwrap();
        w.control(
            &format!("/users/{EMAIL}/messages/{id}/change"),
            json!({"isRead": !read}),
        )
        .await;
    }
}

#[tokio::test]
async fn sigkill_at_random_moments_loses_nothing_and_sends_once() {
    let messages = setting("CRASH_MESSAGES", 3_000) as usize;
    let kills = setting("CRASH_KILLS", 5);
    let seed = setting("CRASH_SEED", rand::random::<u32>().into());
    println!("crash test: {messages} messages, {kills} kills, CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    // The in-process app only connects the mailbox; the killed binaries do the rest.
    let w = wired_with(Backend::Sqlite, |s| s.sync.enabled = false)
        .await
        .unwrap();
    w.control("/settings", json!({"accessTokenTtlSecs": 2}))
        .await;
    w.mailbox("google", EMAIL, messages).await;
    let outcome = w.connect(&user_token(7), "google", EMAIL).await;
    let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let mut settings = w.app.settings.clone();
    settings.sync.enabled = true;
    settings.sync.interval_secs = 5;
    settings.sync.lease_secs = 10; // a killed process's claim runs out this fast
    settings.sync.page_size = 100;
    let dir = tempfile::tempdir().unwrap();

    let mut seen = 0;
    let mut sends = Vec::new();
    for round in 0..kills {
        let process = ServiceProcess::start(&settings, dir.path()).await;
        let address = process.address.clone();
        if round > 0 {
            change_the_mailbox(&w, &mut rng, round).await;
        }
        // Wait for the sync to move (the last process's claim must run out first), then
        // kill at a random moment of the paging.
        let now = progress_past(&w, &address, id, seen, Duration::from_secs(40)).await;
        assert!(
            now > seen,
            "round {round}: the sync did not resume after the kill ({now} stored)"
        );
        seen = now;
        let kill = Kill {
            http: &w.http,
            account: id,
            to: "zoe@acme.com",
            send_window_ms: 150,
        };
        let wait = kill.at_random(process, round, &mut rng, &mut sends).await;
        println!("round {round}: killed {wait} ms after progress; {seen} messages stored then");
    }

    // The last start: it must finish the job, and the clients retry their sends.
    let process = ServiceProcess::start(&settings, dir.path()).await;
    let mut retried = Vec::new();
    for round in &sends {
        let answer = send(&w.http, &process.address, id, *round, "zoe@acme.com")
            .await
            .expect("the retry is answered");
        retried.push((
            *round,
            answer["data"]["status"].as_str().unwrap_or("").to_string(),
        ));
    }
    let expected = truth(&w, EMAIL).await.len() as i64;
    let started = Instant::now();
    let last = loop {
        let now = account(&w.http, &process.address, id)
            .await
            .unwrap_or(Value::Null);
        let settled = now["status"] == "active"
            && now["sync"]["phase"] == "idle"
            && now["messageCount"].as_i64() == Some(expected);
        if settled {
            break now;
        }
        // A debug build syncs slower than a release one; the limit grows with the mailbox.
        assert!(
            started.elapsed() < Duration::from_secs(120 + messages as u64 / 20),
            "stuck after the kills: {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(last["lastError"].is_null(), "an error is left: {last}");
    // One more incremental run against a still mailbox, then the exact comparison.
    let since = last["lastSyncAt"].clone();
    let started = Instant::now();
    while account(&w.http, &process.address, id).await.unwrap()["lastSyncAt"] == since {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no sync after the mailbox settled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_equals_truth(&w, id, "google", EMAIL).await;

    let sent: Vec<String> = w
        .sent(EMAIL)
        .await
        .iter()
        .map(|raw| String::from_utf8_lossy(raw).into_owned())
        .collect();
    for (round, status) in retried {
        let subject = format!("Subject: Crash send {round}\r\n");
        let copies = sent.iter().filter(|mime| mime.contains(&subject)).count();
        assert_sent_at_most_once(round, &status, copies);
    }
}
