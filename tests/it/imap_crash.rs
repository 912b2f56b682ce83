//! Crash safety for IMAP mailboxes (#26), as `crash_safety` proves it for Gmail: the real
//! binary imports a real Dovecot mailbox and is killed with SIGKILL at random moments,
//! then started again on the same database, round after round, while another client
//! keeps changing the mailbox (new mail, read flags flipped, messages expunged) and sends
//! are in flight through a real Postfix when the kill lands. At the end what is stored
//! equals what the server holds, message for message and flag for flag, and every
//! interrupted send reached its recipient at most once (exactly once when the retry with
//! the same Idempotency-Key says `sent`).
//!
//! `CRASH_IMAP_MESSAGES` (1,500) and `CRASH_KILLS` (4) size it; `CRASH_SEED` replays.

use crate::common;
use crate::crash_safety::{Kill, account, assert_sent_at_most_once, send, setting};

use async_imap::Session;
use common::dovecot::Dovecot;
use common::postfix::Postfix;
use common::process::ServiceProcess;
use common::tokens::user_token;
use email_manager::providers::imap::stream::Stream;
use futures_util::TryStreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::time::{Duration, Instant};

const ANN: &str = "ann@example.test";
const BOB: &str = "bob@example.test";
const PASSWORD: &str = "correct horse battery";

fn mail(subject: &str) -> String {
    format!(
        "Message-ID: <{}@example.test>\r\nFrom: zed@example.test\r\nTo: {ANN}\r\n\
Subject: {subject}\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\
Content-Type: text/plain\r\n\r\n{subject}: a body of a few words.\r\n",
        subject.replace(' ', ".")
    )
}

/// Every message of `folders` as the server holds it: (subject, read, starred), sorted.
async fn server_truth(phone: &mut Session<Stream>, folders: &[&str]) -> Vec<(String, bool, bool)> {
    let mut all = Vec::new();
    for folder in folders {
        phone.select(folder).await.unwrap();
        if phone.uid_search("ALL").await.unwrap().is_empty() {
            continue;
        }
        let fetched: Vec<_> = phone
            .uid_fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        for message in fetched {
            let header = String::from_utf8_lossy(message.header().unwrap_or_default()).into_owned();
            let subject = header
                .trim()
                .strip_prefix("Subject: ")
                .unwrap_or_default()
                .to_string();
            let flags: Vec<String> = message.flags().map(|f| format!("{f:?}")).collect();
            all.push((
                subject,
                flags.iter().any(|f| f == "Seen"),
                flags.iter().any(|f| f == "Flagged"),
            ));
        }
    }
    all.sort();
    all
}

/// Every message stored, as its owner lists them: (subject, read, starred), sorted.
async fn stored(http: &reqwest::Client, address: &str) -> Vec<(String, bool, bool)> {
    let mut all = Vec::new();
    for page in 1.. {
        let reply: Value = http
            .get(format!(
                "{address}/api/mailMessages:list?pageSize=200&page={page}"
            ))
            .bearer_auth(user_token(7))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = reply["data"].as_array().cloned().unwrap_or_default();
        if rows.is_empty() {
            break;
        }
        all.extend(rows.iter().map(|m| {
            (
                m["subject"].as_str().unwrap_or_default().to_string(),
                m["isRead"] == true,
                m["isStarred"] == true,
            )
        }));
    }
    all.sort();
    all
}

/// Another client changes the inbox: new mail, read flags flipped, messages expunged.
async fn change_the_mailbox(phone: &mut Session<Stream>, rng: &mut StdRng, round: u64) {
    for n in 0..10 {
        phone
            .append(
                "INBOX",
                None,
                None,
                mail(&format!("Round {round} mail {n}")),
            )
            .await
            .unwrap();
    }
    phone.select("INBOX").await.unwrap();
    let uids: Vec<u32> = phone.uid_search("ALL").await.unwrap().into_iter().collect();
    for (count, flag) in [(10, "\\Seen"), (3, "\\Deleted")] {
        for _ in 0..count {
            let uid = uids[rng.random_range(0..uids.len())];
            let sign = if flag == "\\Seen" && rng.random_bool(0.5) {
                "-"
            } else {
                "+"
            };
            common::imap::store(phone, &uid.to_string(), &format!("{sign}FLAGS ({flag})")).await;
        }
    }
    common::imap::expunge(phone).await;
}

/// How many messages with `subject` reached Bob.
async fn delivered_to_bob(dovecot: &Dovecot, subject: &str) -> usize {
    let mut bob = common::imap::phone(dovecot, BOB, PASSWORD).await;
    bob.select("INBOX").await.unwrap();
    bob.uid_search(format!("HEADER Subject \"{subject}\""))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn sigkill_at_random_moments_loses_nothing_and_sends_once_over_imap() {
    let Some(dovecot) = Dovecot::start(&[(ANN, PASSWORD), (BOB, PASSWORD)]) else {
        return;
    };
    let Some(postfix) = Postfix::start(&dovecot, "example.test") else {
        return;
    };
    let messages = setting("CRASH_IMAP_MESSAGES", 1_500);
    let kills = setting("CRASH_KILLS", 4);
    let seed = setting("CRASH_SEED", rand::random::<u32>().into());
    println!("IMAP crash test: {messages} messages, {kills} kills, CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut phone = common::imap::phone(&dovecot, ANN, PASSWORD).await;
    for index in 0..messages {
        let folder = if index % 6 == 5 { "Archive" } else { "INBOX" };
        phone
            .append(folder, None, None, mail(&format!("Message {index}")))
            .await
            .unwrap();
    }

    // The in-process app only connects the mailbox; the killed binaries do the rest.
    let (app, id) = common::imap::connected_app(
        &dovecot,
        7,
        (ANN, PASSWORD),
        (dovecot.imaps_port, "implicit"),
        postfix.submission_port,
    )
    .await;
    let mut settings = app.settings.clone();
    settings.sync.enabled = true;
    settings.sync.interval_secs = 5;
    settings.sync.lease_secs = 10; // a killed process's claim runs out this fast
    settings.sync.page_size = 50;
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let count = |address: String| {
        let http = http.clone();
        async move {
            account(&http, &address, id)
                .await
                .and_then(|a| a["messageCount"].as_i64())
                .unwrap_or(0)
        }
    };

    let mut seen = 0;
    let mut sends = Vec::new();
    for round in 0..kills {
        let process = ServiceProcess::start(&settings, dir.path()).await;
        let address = process.address.clone();
        if round > 0 {
            change_the_mailbox(&mut phone, &mut rng, round).await;
        }
        // Wait for the sync to move (the last process's claim must run out first), then
        // kill at a random moment of the paging.
        let started = Instant::now();
        let mut now = count(address.clone()).await;
        while now <= seen && started.elapsed() < Duration::from_secs(40) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            now = count(address.clone()).await;
        }
        assert!(
            now > seen || round > 0,
            "the sync did not start ({now} stored)"
        );
        seen = now;
        let kill = Kill {
            http: &http,
            account: id,
            to: BOB,
            send_window_ms: 300,
        };
        let wait = kill.at_random(process, round, &mut rng, &mut sends).await;
        println!("round {round}: killed {wait} ms after progress; {seen} messages stored then");
    }

    // The last start: it must finish the job, and the clients retry their sends.
    let process = ServiceProcess::start(&settings, dir.path()).await;
    // Together: a retry of a send still in flight waits (two minutes) for the first try.
    let retries = sends.iter().map(|round| {
        let (http, address) = (http.clone(), process.address.clone());
        async move {
            let answer = send(&http, &address, id, *round, BOB)
                .await
                .expect("the retry is answered");
            let status = answer["data"]["status"].as_str().unwrap_or("").to_string();
            (*round, status)
        }
    });
    let retried = futures_util::future::join_all(retries).await;
    let folders = ["INBOX", "Archive", "Sent"];
    let expected = server_truth(&mut phone, &folders).await;
    let started = Instant::now();
    let last = loop {
        let now = account(&http, &process.address, id)
            .await
            .unwrap_or(Value::Null);
        let settled = now["status"] == "active"
            && now["sync"]["phase"] == "idle"
            && now["messageCount"].as_i64() == Some(expected.len() as i64);
        if settled {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120 + messages / 20),
            "stuck after the kills: {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(last["lastError"].is_null(), "an error is left: {last}");
    // The sent copies filed meanwhile are the server's too: compared once all is still.
    let expected = server_truth(&mut phone, &folders).await;
    let mut held = stored(&http, &process.address).await;
    let started = Instant::now();
    while held != expected && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        held = stored(&http, &process.address).await;
    }
    assert_eq!(held.len(), expected.len(), "as many messages as the server");
    assert_eq!(held, expected, "what is stored is what the server holds");

    for (round, status) in retried {
        let subject = format!("Crash send {round}");
        // Postfix delivers in the background: a copy may still be on its way.
        let started = Instant::now();
        let mut copies = delivered_to_bob(&dovecot, &subject).await;
        while copies == 0 && status == "sent" && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            copies = delivered_to_bob(&dovecot, &subject).await;
        }
        assert_sent_at_most_once(round, &status, copies);
    }
}
