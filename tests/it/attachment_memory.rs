//! A 20 MiB attachment goes from the provider to the client through the real binary
//! without the binary ever holding it: its peak resident memory (VmHWM, read from /proc)
//! grows by a few MiB during the download, far less than the file. A download that
//! buffered the file would grow by more than the file itself (Gmail's answer alone is
//! the file in base64, a third larger).
//!
//! The mailbox is synced by an in-process app first, so the process measured has never
//! held the message: its memory is what serving the download costs.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Backend;
use common::oauth::{Wired, param, wired_syncing};
use common::process::ServiceProcess;
use common::tokens::user_token;
use serde_json::json;
use std::time::{Duration, Instant};

const SIZE: usize = 20 * 1024 * 1024;
/// The most the peak may grow while 20 MiB pass through.
const BOUND_KIB: u64 = 8 * 1024;

/// Bytes that do not compress and are checked one by one on arrival.
fn content() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..SIZE)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn raw_message(big: &[u8]) -> Vec<u8> {
    let mut encoded = STANDARD.encode(big).into_bytes();
    let mut wrapped = Vec::with_capacity(encoded.len() * 78 / 76 + 2);
    for line in encoded.chunks(76) {
        wrapped.extend_from_slice(line);
        wrapped.extend_from_slice(b"\r\n");
    }
    encoded.clear();
    let mut raw = b"Message-ID: <big@t>\r\nFrom: Zed <zed@acme.com>\r\nTo: owner@x.test\r\n\
Subject: The dataset\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nhere it is\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Disposition: attachment; filename=small.txt\r\n\r\nwarm-up\r\n--b\r\n\
Content-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename=dataset.bin\r\n\
Content-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    raw.extend_from_slice(&wrapped);
    raw.extend_from_slice(b"--b--\r\n");
    raw
}

/// Connects the mailbox, waits for its sync; the attachments' ids by file name.
async fn synced(w: &Wired, provider: &str, email: &str, raw: &[u8]) -> (i64, i64) {
    w.mailbox(provider, email, 0).await;
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"raw": STANDARD.encode(raw)}),
    )
    .await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    assert!(param(&outcome, "mailAccountId").is_some(), "{outcome:?}");
    let started = Instant::now();
    let message = loop {
        let list = w
            .app
            .call("mailMessages:list", Some(&user_token(7)), "", None)
            .await;
        if list.json["meta"]["count"] == 1 {
            break list.json["data"][0]["id"].as_i64().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{}",
            list.text
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let got = w
        .app
        .call(
            "mailMessages:get",
            Some(&user_token(7)),
            &format!("filterByTk={message}"),
            None,
        )
        .await;
    let id = |name: &str| {
        got.json["data"]["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["filename"] == name)
            .unwrap_or_else(|| panic!("{name}: {}", got.text))["id"]
            .as_i64()
            .unwrap()
    };
    (id("small.txt"), id("dataset.bin"))
}

async fn download_through_the_binary_in_bounded_memory(provider: &str, email: &str) {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let big = content();
    let (small, dataset) = synced(&w, provider, email, &raw_message(&big)).await;

    let mut settings = w.app.settings.clone();
    settings.sync.enabled = false;
    let dir = tempfile::tempdir().unwrap();
    let service = ServiceProcess::start(&settings, dir.path()).await;
    let url = |id: i64| {
        format!(
            "{}/api/mailAttachments:download?filterByTk={id}",
            service.address
        )
    };
    // One small download first, so connection pools and lazy statics are not counted.
    let warm = w
        .http
        .get(url(small))
        .bearer_auth(user_token(7))
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 200);
    assert_eq!(warm.text().await.unwrap().trim_end(), "warm-up");

    let before = service.status_kib("VmRSS");
    service.reset_peak();
    let mut response = w
        .http
        .get(url(dataset))
        .bearer_auth(user_token(7))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut received = 0usize;
    while let Some(chunk) = response.chunk().await.unwrap() {
        assert!(
            big[received..].starts_with(&chunk),
            "the bytes differ after {received}"
        );
        received += chunk.len();
    }
    assert_eq!(received, SIZE, "the whole file arrived");
    let peak = service.status_kib("VmHWM");
    let growth = peak.saturating_sub(before);
    println!(
        "{provider}: RSS before {before} KiB, peak during a {} KiB download {peak} KiB (+{growth} KiB)",
        SIZE / 1024
    );
    assert!(
        growth < BOUND_KIB,
        "the peak grew by {growth} KiB while {} KiB passed through",
        SIZE / 1024
    );
}

#[tokio::test]
async fn gmail_attachment_of_20_mib_streams_in_bounded_memory() {
    download_through_the_binary_in_bounded_memory("google", "owner@gmail.test").await;
}

#[tokio::test]
async fn graph_attachment_of_20_mib_streams_in_bounded_memory() {
    download_through_the_binary_in_bounded_memory("microsoft", "owner@outlook.test").await;
}
