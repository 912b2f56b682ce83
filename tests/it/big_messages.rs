//! Big messages are never a poison: a sender who mails a few 40 MB files to a connected
//! address must not stop the mailbox. Before Gmail synced from `format=full`, each such
//! message came whole in a batch of raw MIME (53 MB of base64 apiece inside one answer),
//! which timed out on a real link every time and stopped the mailbox. Now Gmail's trees
//! hold the files by id; Graph's delta pages carry the bodies and its attachment lists
//! the files' names and sizes, so no file's bytes move during sync. Both mailboxes finish their sync with every file listed at
//! its size. (Speed and memory at scale are the benchmarks' job, not this test's.) A body
//! larger than the store keeps is kept in part and read whole when opened.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Backend;
use common::big::{BIG, big_message};
use common::oauth::wired_syncing;
use common::tokens::member_token as user_token;
use serde_json::json;
use std::time::{Duration, Instant};

const BIG_ONES: usize = 3;
const ORDINARY: usize = 5;

async fn big_messages_do_not_stop_the_mailbox(provider: &str, email: &str) {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    w.mailbox(provider, email, ORDINARY).await;
    for k in 0..BIG_ONES {
        let delivered = w
            .http
            .post(format!(
                "{}/_emulator/users/{email}/deliver",
                w.emulator.url
            ))
            .json(&json!({"raw": STANDARD.encode(big_message(k, email))}))
            .send()
            .await
            .unwrap();
        assert!(delivered.status().is_success(), "{}", delivered.status());
    }
    let outcome = w.connect(&user_token(7), provider, email).await;
    let account: i64 = common::oauth::param(&outcome, "mailAccountId")
        .unwrap()
        .parse()
        .unwrap();
    let started = Instant::now();
    loop {
        let got = w
            .app
            .call(
                "mailAccounts:get",
                Some(&user_token(7)),
                &format!("filterByTk={account}"),
                None,
            )
            .await;
        let list = w
            .app
            .call("mailMessages:list", Some(&user_token(7)), "", None)
            .await;
        if list.json["meta"]["count"] == json!(ORDINARY + BIG_ONES)
            && got.json["data"]["sync"]["phase"] == "idle"
        {
            assert_eq!(got.json["data"]["status"], "active", "{}", got.text);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{} {}",
            got.text,
            list.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // None of the 120 MB of files crossed the network to sync (the emulator counts every
    // byte it answered this mailbox with).
    let downloaded = w.quota_usage(provider, email).await["bytes"]
        .as_u64()
        .unwrap();
    assert!(
        downloaded < 2 * 1024 * 1024,
        "{provider}: {downloaded} bytes"
    );
    let list = w
        .app
        .list_filtered(
            &user_token(7),
            &json!({"subject": {"$includes": "Scans part"}}),
            "",
        )
        .await;
    let rows = list.json["data"].as_array().unwrap();
    assert_eq!(rows.len(), BIG_ONES, "{}", list.text);
    for row in rows {
        let got = w
            .app
            .get_message(&user_token(7), row["id"].as_i64().unwrap())
            .await;
        let attachments = got.json["data"]["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1, "{}", got.text);
        assert_eq!(attachments[0]["size"], json!(BIG));
    }
}

#[tokio::test]
async fn gmail_big_messages_do_not_stop_the_mailbox() {
    big_messages_do_not_stop_the_mailbox("google", "big@gmail.test").await;
}

#[tokio::test]
async fn graph_big_messages_do_not_stop_the_mailbox() {
    big_messages_do_not_stop_the_mailbox("microsoft", "big@outlook.test").await;
}

/// A body larger than the store keeps (a 3 MiB text sent as the mail itself) is kept in
/// part, and an open reads it whole from the provider; with the provider down, the open
/// still answers, with the part kept and said to be cut.
async fn a_long_body_is_read_whole_on_open(provider: &str, email: &str) {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let line = "Every line of this log is worth keeping, says its sender.\r\n";
    let body = line.repeat(3 * 1024 * 1024 / line.len() + 1);
    let raw = format!(
        "Message-ID: <log@sender.test>\r\nFrom: logs@sender.test\r\nTo: {email}\r\n\
Subject: The whole log\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\r\n{body}THE END\r\n"
    );
    crate::mail_attachments::mailbox_holding(&w, provider, email, raw.as_bytes()).await;
    let list = w
        .app
        .call("mailMessages:list", Some(&user_token(7)), "", None)
        .await;
    let id = list.json["data"][0]["id"].as_i64().unwrap();
    let token = user_token(7);
    let open = || w.app.get_message(&token, id);
    let got = open().await;
    let text = got.json["data"]["bodyText"].as_str().unwrap();
    assert!(text.trim_end().ends_with("THE END"), "{} bytes", text.len());
    assert!(text.len() > 3 * 1024 * 1024);

    w.control("/faults", json!({"rate": 1.0, "kinds": ["500"], "seed": 1}))
        .await;
    let got = open().await;
    assert_eq!(got.status, 200);
    let text = got.json["data"]["bodyText"].as_str().unwrap();
    assert!(text.len() <= 2 * 1024 * 1024 && text.starts_with("Every line"));
    assert_eq!(got.json["data"]["bodyHtmlTruncated"], true);
}

#[tokio::test]
async fn gmail_long_body_is_read_whole_on_open() {
    a_long_body_is_read_whole_on_open("google", "log@gmail.test").await;
}

#[tokio::test]
async fn graph_long_body_is_read_whole_on_open() {
    a_long_body_is_read_whole_on_open("microsoft", "log@outlook.test").await;
}
