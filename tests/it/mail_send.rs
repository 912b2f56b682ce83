//! `mailMessages:send` and `mailOutbox` against the emulator, both providers: what the
//! provider received parses with mail-parser and carries the right headers; replies,
//! reply-all and forwards are completed from the original; retries with one
//! Idempotency-Key send once; an unanswered send is `unknown` and never sent again; a
//! refusal is `failed` with the provider's reason; scheduled sends go once, or not at
//! all when cancelled.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::oauth::{Wired, param, wired_syncing, wired_with};
use common::process::ServiceProcess;
use common::tokens::user_token;
use common::{Backend, Reply};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};
use std::time::Instant;

/// Connects `email` (after delivering `raw` messages to it) and waits for the first sync.
async fn connected(w: &Wired, provider: &str, email: &str, raws: &[Vec<u8>]) -> i64 {
    w.mailbox(provider, email, 0).await;
    for raw in raws {
        w.control(
            &format!("/users/{email}/deliver"),
            json!({"raw": STANDARD.encode(raw)}),
        )
        .await;
    }
    let outcome = w.connect(&user_token(7), provider, email).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    // This mailbox's messages: another one of user 7's may hold mail already.
    wait_for(
        w,
        raws.len(),
        &format!("filter={{\"accountId\":{account}}}"),
    )
    .await;
    account
}

/// Waits until user 7 lists `count` messages matching `query`; returns them.
async fn wait_for(w: &Wired, count: usize, query: &str) -> Vec<Value> {
    w.wait_listed(count, query).await
}

async fn send(w: &Wired, key: Option<&str>, values: Value) -> Reply {
    let mut request = w
        .http
        .post(format!("{}/api/mailMessages:send", w.app.address))
        .bearer_auth(user_token(7))
        .json(&values);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    common::read(request.send().await.unwrap()).await
}

/// `mailOutbox:list` as user `user` sees it.
async fn outbox(w: &Wired, user: i64) -> Reply {
    w.app
        .call("mailOutbox:list", Some(&user_token(user)), "", None)
        .await
}

/// What the provider was handed by `email`.
async fn sent(w: &Wired, email: &str) -> Vec<Vec<u8>> {
    w.sent(email).await
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    list.map(|l| {
        l.iter()
            .filter_map(|a| a.address().map(str::to_lowercase))
            .collect()
    })
    .unwrap_or_default()
}

fn original() -> Vec<u8> {
    format!(
        "Message-ID: <orig-1@acme.com>\r\nReferences: <root-0@acme.com>\r\n\
From: Zed <zed@acme.com>\r\nTo: {{owner}}, Amy <amy@acme.com>\r\nCc: carl@globex.io\r\n\
Subject: Contract draft\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nPlease review.\r\nThanks\r\n--b\r\n\
Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=terms.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        STANDARD.encode(b"%PDF terms")
    )
    .into_bytes()
}

async fn sends_compose_and_arrive(provider: &str, email: &str) {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let raw = String::from_utf8(original())
        .unwrap()
        .replace("{owner}", email)
        .into_bytes();
    let account = connected(&w, provider, email, &[raw]).await;
    let big: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect();

    // A new message: both bodies, three attachments (one of 10 MB, one named in Unicode).
    let reply = send(
        &w,
        Some("new-1"),
        json!({
            "accountId": account,
            "to": ["Zoë Ünal <zoe@acme.com>"],
            "cc": [{"address": "carl@globex.io", "name": "Carl"}],
            "bcc": ["boss@x.test"],
            "subject": "Quarterly numbers",
            "text": "See attached.",
            "html": "<p>See <b>attached</b>.</p>",
            "attachments": [
                {"filename": "Bericht März.pdf", "contentType": "application/pdf", "content": STANDARD.encode(b"%PDF march")},
                {"filename": "data.bin", "contentType": "application/octet-stream", "content": STANDARD.encode(&big)},
            ],
        }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["data"]["status"], "sent", "{}", reply.text);
    assert!(reply.json["data"]["providerMessageId"].is_string());
    let out = sent(&w, email).await;
    assert_eq!(out.len(), 1);
    let message = MessageParser::default().parse(&out[0]).unwrap();
    assert_eq!(addresses(message.from()), [email.to_string()]);
    assert_eq!(addresses(message.to()), ["zoe@acme.com"]);
    assert_eq!(
        message.to().unwrap().first().unwrap().name(),
        Some("Zoë Ünal")
    );
    assert_eq!(addresses(message.cc()), ["carl@globex.io"]);
    assert_eq!(message.subject(), Some("Quarterly numbers"));
    assert!(message.message_id().is_some(), "a Message-ID");
    assert_eq!(message.body_text(0).unwrap().trim(), "See attached.");
    assert!(message.body_html(0).unwrap().contains("<b>attached</b>"));
    let files: Vec<(String, usize)> = message
        .attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap_or("").to_string(),
                a.contents().len(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("Bericht März.pdf".to_string(), 10),
            ("data.bin".to_string(), big.len())
        ]
    );
    assert_eq!(message.attachments().nth(1).unwrap().contents(), &big[..]);

    // The sent copy comes back by sync, once, in the Sent folder.
    let listed = wait_for(&w, 1, "q=Quarterly").await;
    assert_eq!(listed[0]["subject"], "Quarterly numbers");

    // Reply: to the sender, threaded, quoted.
    let synced = wait_for(&w, 1, "q=review").await;
    let (original_id, thread) = (
        synced[0]["id"].as_i64().unwrap(),
        synced[0]["threadId"].clone(),
    );
    let reply = send(
        &w,
        None,
        json!({"accountId": account, "text": "Looks good.", "reference": {"messageId": original_id, "action": "reply"}}),
    )
    .await;
    assert_eq!(reply.json["data"]["status"], "sent", "{}", reply.text);
    let answer = MessageParser::default()
        .parse(sent(&w, email).await.last().unwrap())
        .unwrap()
        .into_owned();
    assert_eq!(addresses(answer.to()), ["zed@acme.com"]);
    assert_eq!(addresses(answer.cc()), Vec::<String>::new());
    assert_eq!(answer.subject(), Some("Re: Contract draft"));
    assert_eq!(answer.in_reply_to().as_text(), Some("orig-1@acme.com"));
    assert_eq!(
        answer.references().as_text_list().unwrap(),
        ["root-0@acme.com", "orig-1@acme.com"]
    );
    let text = answer.body_text(0).unwrap();
    assert!(text.starts_with("Looks good."), "{text}");
    assert!(text.contains("Please review."), "{text}");
    if provider == "google" {
        // Exchange writes the text part from the HTML itself (the quote is a blockquote).
        assert!(text.contains("> Please review."), "{text}");
    } else {
        assert!(
            answer.body_html(0).unwrap().contains("<blockquote"),
            "the quote, in the HTML Graph keeps"
        );
    }
    assert_eq!(
        reply.json["data"]["threadId"], thread,
        "the reply joins the thread"
    );
    // Its copy comes back by the next sync, once, in the original's thread.
    let copy = wait_for(&w, 1, "q=Looks").await;
    assert_eq!(
        copy[0]["threadId"], thread,
        "the sent copy is in the thread"
    );

    // Reply-all: the sender and the other recipients, never the account itself.
    let reply = send(
        &w,
        None,
        json!({"accountId": account, "text": "All: fine.", "reference": {"messageId": original_id, "action": "replyAll"}}),
    )
    .await;
    assert_eq!(reply.json["data"]["status"], "sent", "{}", reply.text);
    let answer = MessageParser::default()
        .parse(sent(&w, email).await.last().unwrap())
        .unwrap()
        .into_owned();
    assert_eq!(addresses(answer.to()), ["zed@acme.com", "amy@acme.com"]);
    assert_eq!(addresses(answer.cc()), ["carl@globex.io"]);

    // Forward: new recipients, "Fwd:", the original's attachment sent on.
    let reply = send(
        &w,
        None,
        json!({"accountId": account, "to": ["legal@x.test"], "text": "FYI", "reference": {"messageId": original_id, "action": "forward"}}),
    )
    .await;
    assert_eq!(reply.json["data"]["status"], "sent", "{}", reply.text);
    let forward = MessageParser::default()
        .parse(sent(&w, email).await.last().unwrap())
        .unwrap()
        .into_owned();
    assert_eq!(addresses(forward.to()), ["legal@x.test"]);
    assert_eq!(forward.subject(), Some("Fwd: Contract draft"));
    let file = forward.attachments().next().unwrap();
    assert_eq!(
        (file.attachment_name(), file.contents()),
        (Some("terms.pdf"), &b"%PDF terms"[..])
    );
    assert!(
        forward
            .body_text(0)
            .unwrap()
            .contains("---------- Forwarded message ---------")
    );
}

#[tokio::test]
async fn gmail_sends_replies_and_forwards() {
    sends_compose_and_arrive("google", "owner@gmail.test").await;
}

#[tokio::test]
async fn graph_sends_replies_and_forwards() {
    sends_compose_and_arrive("microsoft", "owner@outlook.test").await;
}

async fn one_key_sends_once(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    for (provider, email) in [
        ("google", "once@gmail.test"),
        ("microsoft", "once@outlook.test"),
    ] {
        let account = connected(&w, provider, email, &[]).await;
        let values = json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "Once", "text": "only once"});
        let attempts = (0..10).map(|_| send(&w, Some("same-key"), values.clone()));
        let replies = futures_util::future::join_all(attempts).await;
        let ids: std::collections::BTreeSet<i64> = replies
            .iter()
            .map(|r| {
                assert_eq!(r.status, 200, "{}", r.text);
                assert_eq!(r.json["data"]["status"], "sent", "{}", r.text);
                r.json["data"]["id"].as_i64().unwrap()
            })
            .collect();
        assert_eq!(ids.len(), 1, "every retry answers with the one send");
        assert_eq!(
            sent(&w, email).await.len(),
            1,
            "{provider}: one message at the provider"
        );
        let other = send(
            &w,
            Some("same-key"),
            json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "Different"}),
        )
        .await;
        assert_eq!(
            (other.status, other.error_code()),
            (422, "IDEMPOTENCY_KEY_REUSED")
        );
    }
}
both_backends!(idempotency, one_key_sends_once);

async fn unanswered_is_unknown_and_refused_is_failed(provider: &str, email: &str) {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let account = connected(&w, provider, email, &[]).await;
    let values =
        json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "Lost?", "text": "x"});
    w.control(
        "/faults",
        json!({"path": "/send", "rate": 1.0, "kinds": ["reset"], "seed": 3}),
    )
    .await;
    let reply = send(&w, Some("k-unknown"), values.clone()).await;
    assert_eq!(reply.json["data"]["status"], "unknown", "{}", reply.text);
    assert_eq!(reply.json["data"]["error"]["code"], "OUTCOME_UNKNOWN");
    w.http
        .delete(format!("{}/_emulator/faults", w.emulator.url))
        .send()
        .await
        .unwrap();
    let again = send(&w, Some("k-unknown"), values).await;
    assert_eq!(
        again.json["data"]["status"], "unknown",
        "never re-sent blindly"
    );
    assert_eq!(again.json["data"]["id"], reply.json["data"]["id"]);
    assert_eq!(sent(&w, email).await.len(), 0);

    w.control(
        "/settings",
        json!({"rejectedRecipients": ["bounce@acme.com"]}),
    )
    .await;
    let refused = send(
        &w,
        None,
        json!({"accountId": account, "to": ["bounce@acme.com"], "subject": "No", "text": "x"}),
    )
    .await;
    assert_eq!(refused.json["data"]["status"], "failed", "{}", refused.text);
    assert_eq!(refused.json["data"]["error"]["code"], "PROVIDER_REFUSED");
    let reason = refused.json["data"]["error"]["message"].as_str().unwrap();
    assert!(
        reason.contains("Invalid To header") || reason.contains("ErrorInvalidRecipients"),
        "the provider's reason: {reason}"
    );
    let own = outbox(&w, 7).await;
    let statuses: Vec<&str> = own.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "unknown"]);
    let others = outbox(&w, 8).await;
    assert_eq!(
        others.json["meta"]["count"], 0,
        "another user sees none of it"
    );
}

#[tokio::test]
async fn gmail_unknown_and_refused_sends() {
    unanswered_is_unknown_and_refused_is_failed("google", "lost@gmail.test").await;
}

#[tokio::test]
async fn graph_unknown_and_refused_sends() {
    unanswered_is_unknown_and_refused_is_failed("microsoft", "lost@outlook.test").await;
}

async fn scheduled_sends_go_once_unless_cancelled(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let email = "later@gmail.test";
    let account = connected(&w, "google", email, &[]).await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let asked = Instant::now();
    let reply = send(
        &w,
        None,
        json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "Later", "text": "x", "sendAt": soon}),
    )
    .await;
    assert_eq!(
        reply.json["data"]["status"],
        "scheduled",
        "{} after {:?} (sendAt {soon})",
        reply.text,
        asked.elapsed()
    );
    assert_eq!(sent(&w, email).await.len(), 0);
    let listed = outbox(&w, 7).await;
    assert_eq!(listed.json["data"][0]["status"], "scheduled");
    w.wait_sent(email).await;
    w.wait_outbox_settled().await;
    assert_eq!(sent(&w, email).await.len(), 1, "once");

    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let reply = send(
        &w,
        None,
        json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "Never", "text": "x", "sendAt": later}),
    )
    .await;
    let id = reply.json["data"]["id"].as_i64().unwrap();
    let other = w
        .app
        .call(
            "mailOutbox:destroy",
            Some(&user_token(8)),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!((other.status, other.error_code()), (404, "SEND_NOT_FOUND"));
    let cancelled = w
        .app
        .call(
            "mailOutbox:destroy",
            Some(&user_token(7)),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    let listed = outbox(&w, 7).await;
    assert_eq!(listed.json["meta"]["count"], 0, "{}", listed.text);
}
both_backends!(scheduled, scheduled_sends_go_once_unless_cancelled);

async fn bad_requests_are_refused_naming_the_field(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let account = connected(&w, "google", "checks@gmail.test", &[]).await;
    for (values, status, code) in [
        (
            json!({"accountId": account, "from": "ceo@x.test", "to": ["a@x.test"]}),
            400,
            "INVALID_FROM",
        ),
        (
            json!({"accountId": account, "to": ["a@x.test", "not an address"]}),
            400,
            "INVALID_RECIPIENT",
        ),
        (
            json!({"accountId": account, "to": ["a@x.test\r\nBcc: evil@x.test"]}),
            400,
            "INVALID_RECIPIENT",
        ),
        (
            json!({"accountId": account + 100, "to": ["a@x.test"]}),
            404,
            "ACCOUNT_NOT_FOUND",
        ),
        (
            json!({"accountId": account, "reference": {"messageId": 999_999, "action": "reply"}}),
            404,
            "MESSAGE_NOT_FOUND",
        ),
    ] {
        let reply = send(&w, None, values.clone()).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (status, code),
            "{values}: {}",
            reply.text
        );
    }
    let as_other = w
        .http
        .post(format!("{}/api/mailMessages:send", w.app.address))
        .bearer_auth(user_token(8))
        .json(&json!({"accountId": account, "to": ["a@x.test"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        as_other.status(),
        404,
        "another user cannot send from this mailbox"
    );
    assert_eq!(sent(&w, "checks@gmail.test").await.len(), 0);
}
both_backends!(bad_requests, bad_requests_are_refused_naming_the_field);

/// A scheduled send survives a stop: process A takes it and is killed before it is due;
/// process B, on the same database, sends it — once.
#[tokio::test]
async fn a_scheduled_send_goes_once_after_a_restart() {
    // The in-process app only connects the mailbox; the binaries send.
    let w = wired_with(Backend::Sqlite, |settings| {
        settings.send.run_scheduled = false
    })
    .await
    .unwrap();
    let email = "restart@gmail.test";
    w.mailbox("google", email, 0).await;
    let outcome = w.connect(&user_token(7), "google", email).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let mut settings = w.app.settings.clone();
    settings.send.run_scheduled = true;
    let dir = tempfile::tempdir().unwrap();
    let first = ServiceProcess::start(&settings, dir.path()).await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(4)).to_rfc3339();
    let reply = w
        .http
        .post(format!("{}/api/mailMessages:send", first.address))
        .bearer_auth(user_token(7))
        .json(&json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "After restart", "text": "x", "sendAt": at}))
        .send()
        .await
        .unwrap();
    let reply = common::read(reply).await;
    assert_eq!(reply.json["data"]["status"], "scheduled", "{}", reply.text);
    drop(first); // killed before the send is due
    assert_eq!(sent(&w, email).await.len(), 0);
    let _second = ServiceProcess::start(&settings, dir.path()).await;
    w.wait_sent(email).await;
    w.wait_outbox_settled().await;
    assert_eq!(sent(&w, email).await.len(), 1, "once");
}

/// A multipart/form-data body by hand: `(name, file name, content type, bytes)`.
fn form(parts: &[(&str, Option<&str>, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----emtestboundary7MA4YWxkTrZu0gW".to_string();
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(file) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

async fn post_form(w: &Wired, parts: &[(&str, Option<&str>, &str, &[u8])]) -> Reply {
    let (boundary, body) = form(parts);
    let response = w
        .http
        .post(format!("{}/api/mailMessages:send", w.app.address))
        .bearer_auth(user_token(7))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    common::read(response).await
}

#[tokio::test]
async fn forms_with_files_send_and_size_limits_hold() {
    let w = wired_with(Backend::Sqlite, |settings| {
        settings.send.max_message_bytes = 256 * 1024;
    })
    .await
    .unwrap();
    let email = "forms@gmail.test";
    let account = connected(&w, "google", email, &[]).await;
    let id = account.to_string();
    let file: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let reply = post_form(
        &w,
        &[
            ("accountId", None, "", id.as_bytes()),
            ("to", None, "", b"zoe@acme.com"),
            ("to[]", None, "", b"Amy <amy@acme.com>"),
            ("cc", None, "", br#"["carl@globex.io"]"#),
            ("subject", None, "", "Formulär".as_bytes()),
            ("text", None, "", b"from a form"),
            (
                "attachments",
                Some("scan.bin"),
                "application/octet-stream",
                &file,
            ),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["data"]["status"], "sent", "{}", reply.text);
    let out = sent(&w, email).await;
    let message = MessageParser::default().parse(&out[0]).unwrap();
    assert_eq!(addresses(message.to()), ["zoe@acme.com", "amy@acme.com"]);
    assert_eq!(addresses(message.cc()), ["carl@globex.io"]);
    assert_eq!(message.subject(), Some("Formulär"));
    let attached = message.attachments().next().unwrap();
    assert_eq!(
        attached.attachment_name(),
        Some("scan.bin"),
        "the uploaded file's name (a path is refused: tests/hostile_input.rs)"
    );
    assert_eq!(attached.contents(), &file[..]);

    // Over the limit: refused whole, as a form or as JSON, and nothing goes out.
    let big = vec![7u8; 300 * 1024];
    let reply = post_form(
        &w,
        &[
            ("accountId", None, "", id.as_bytes()),
            ("to", None, "", b"zoe@acme.com"),
            (
                "attachments",
                Some("big.bin"),
                "application/octet-stream",
                &big,
            ),
        ],
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (413, "MESSAGE_TOO_LARGE")
    );
    let reply = send(
        &w,
        None,
        json!({"accountId": account, "to": ["zoe@acme.com"], "attachments": [{"filename": "big.bin", "content": STANDARD.encode(&big)}]}),
    )
    .await;
    assert_eq!(reply.status, 413, "{}", reply.text);
    assert_eq!(sent(&w, email).await.len(), 1);
}

/// The caller goes away while the provider is still taking the message (a NocoBase killed
/// while its workflow's "Send email" node waited, a browser tab closed after Send): the
/// send still completes and is recorded `sent`, and the caller's retry with the same key
/// gets that outcome, one copy at the provider. The workflow node's exactly-once rests on
/// this: NocoBase, restarted, asks again with the job's key.
async fn a_send_goes_on_when_its_caller_goes_away(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let email = "gone@gmail.example";
    let account = connected(&w, "google", email, &[]).await;
    w.control("/settings", json!({"slowMs": 3000})).await;
    w.control(
        "/faults",
        json!({"provider": "google", "path": "/messages/send", "rate": 1.0, "kinds": ["slow"]}),
    )
    .await;
    let values = json!({"accountId": account, "to": ["kim@buyer.example"], "subject": "Order confirmed", "text": "Yes."});
    let cut = w
        .http
        .post(format!("{}/api/mailMessages:send", w.app.address))
        .bearer_auth(user_token(7))
        .header("idempotency-key", "caller-gone-1")
        .timeout(std::time::Duration::from_millis(700))
        .json(&values)
        .send()
        .await;
    assert!(
        cut.is_err(),
        "the caller gave up before the provider answered"
    );
    w.control("/faults", json!({"rate": 0.0, "kinds": []}))
        .await;
    let started = Instant::now();
    while sent(&w, email).await.is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the send stopped with its caller"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let retry = send(&w, Some("caller-gone-1"), values).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.json["data"]["status"], "sent", "{}", retry.text);
    assert!(
        retry.json["data"]["providerMessageId"].is_string(),
        "{}",
        retry.text
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(sent(&w, email).await.len(), 1, "one copy at the provider");
}
both_backends!(caller_gone, a_send_goes_on_when_its_caller_goes_away);
