//! A mail "From: cfo@corp" with a hidden `Reply-To: x@elsewhere`: before the fix the
//! reply, quoted thread and all, went to the Reply-To address while the form only said
//! "Filled in from the original".

use crate::common::Backend;
use crate::common::oauth::{param, wired_syncing};
use crate::common::tokens::user_token;
use base64::Engine;
use serde_json::json;

const MAILBOX: &str = "clerk@gmail.test";

async fn a_hidden_reply_to_is_shown_before_anything_is_sent(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let clerk = user_token(7);
    w.mailbox("google", MAILBOX, 0).await;
    let mail = format!(
        "From: The CFO <cfo@corp.test>\r\nReply-To: <x@elsewhere.test>\r\nTo: {MAILBOX}\r\nCc: team@corp.test\r\n\
Subject: Urgent wire\r\nMessage-ID: <wire-1@corp.test>\r\nContent-Type: text/plain\r\n\r\nPlease wire the money today.\r\n"
    );
    let raw = base64::engine::general_purpose::STANDARD.encode(mail);
    w.control(&format!("/users/{MAILBOX}/deliver"), json!({"raw": raw}))
        .await;
    let connected = w.connect(&clerk, "google", MAILBOX).await;
    let account = param(&connected, "mailAccountId").unwrap().to_string();
    let id = w.wait_listed(1, "").await[0]["id"].as_i64().unwrap();

    let prepared = w
        .app
        .call(
            "mailMessages:prepareReply",
            Some(&clerk),
            &format!("filterByTk={id}&action=replyAll"),
            None,
        )
        .await;
    assert_eq!(prepared.status, 200, "{}", prepared.text);
    let data = &prepared.json["data"];
    assert_eq!(data["to"][0]["address"], "x@elsewhere.test", "{data}");
    assert_eq!(data["cc"][0]["address"], "team@corp.test", "{data}");
    assert_eq!(data["from"]["address"], "cfo@corp.test");
    assert_eq!(data["replyTo"][0]["address"], "x@elsewhere.test");
    assert_eq!(data["warnings"][0]["code"], "REPLY_TO_DIFFERS", "{data}");
    assert_eq!(data["subject"], "Re: Urgent wire");
    // The message itself shows its Reply-To too.
    let shown = w
        .app
        .call(
            "mailMessages:get",
            Some(&clerk),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!(
        shown.json["data"]["replyTo"][0]["address"],
        "x@elsewhere.test"
    );

    // The clerk sees it and answers the real sender only: exactly that goes out.
    let sent = w
        .app
        .call(
            "mailMessages:send",
            Some(&clerk),
            "",
            Some(json!({
                "accountId": account.parse::<i64>().unwrap(), "to": ["cfo@corp.test"], "cc": [],
                "text": "Is this really you?",
                "reference": {"messageId": id, "action": "replyAll", "fillRecipients": false},
            })),
        )
        .await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    let mime = String::from_utf8(w.sent(MAILBOX).await.pop().unwrap()).unwrap();
    let headers = mime.split("\r\n\r\n").next().unwrap();
    assert!(headers.contains("cfo@corp.test"), "{headers}");
    assert!(!headers.contains("elsewhere.test"), "{headers}");
    assert!(!headers.contains("team@corp.test"), "{headers}");
    assert!(
        headers.contains("In-Reply-To: <wire-1@corp.test>"),
        "{headers}"
    );

    // Someone else's message cannot be prepared.
    let theirs = w
        .app
        .call(
            "mailMessages:prepareReply",
            Some(&user_token(8)),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!(theirs.status, 404);
}
both_backends!(
    hidden_reply_to,
    a_hidden_reply_to_is_shown_before_anything_is_sent
);
