//! The mail activity feed (#25) against the emulator, as NocoBase's workflow triggers read
//! it: a row a message, written with the message's first store; the first import's rows
//! say so; mail that comes again (a full resync) is not news twice; a reader's position moves only when it acknowledges; nobody reads the feed
//! of a mailbox they may not see.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::user_token;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn call(w: &Wired, user: i64, action: &str, query: &str, values: Option<Value>) -> Value {
    let reply = w
        .app
        .call(action, Some(&user_token(user)), query, values)
        .await;
    assert_eq!(reply.status, 200, "{action}?{query}: {}", reply.text);
    reply.json
}

/// Lists `query` for user 7 until the feed holds `count` rows for it (up to 30 s).
async fn wait_rows(w: &Wired, query: &str, count: usize) -> Value {
    let started = Instant::now();
    loop {
        let page = call(w, 7, "mailActivity:list", query, None).await;
        if page["data"].as_array().map(Vec::len) == Some(count) {
            return page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waiting for {count} rows ({query}): {page}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

async fn a_message_is_news_once_however_often_it_is_stored(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let email = "flo@gmail.example";
    let reader = json!({"reader": "workflow:tickets"});
    // Subscribed before the mailbox is connected: its import comes after the reader's start.
    let start = call(&w, 7, "mailActivity:subscribe", "", Some(reader.clone())).await;
    assert_eq!(start["data"]["position"], 0);
    w.mailbox("google", email, 6).await;
    let params = w.connect(&user_token(7), "google", email).await;
    assert_eq!(param(&params, "status"), Some("connected"), "{params:?}");
    let account: i64 = param(&params, "mailAccountId")
        .and_then(|v| v.parse().ok())
        .expect("id");
    w.wait_listed(6, &format!("filter={{\"accountId\":{account}}}"))
        .await;

    // The import: six rows, each saying it was imported; new mail only: none, and the
    // position passes them.
    let imported = wait_rows(&w, "reader=workflow:tickets", 6).await;
    for row in imported["data"].as_array().unwrap() {
        assert_eq!(row["firstImport"], true, "{row}");
        assert_eq!(row["accountId"], account, "{row}");
        assert!(row["messageId"].is_i64(), "{row}");
    }
    let kinds: Vec<&str> = imported["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"received") && kinds.contains(&"sent"),
        "{kinds:?}"
    );
    let new_only = call(
        &w,
        7,
        "mailActivity:list",
        "reader=workflow:tickets&firstImport=false",
        None,
    )
    .await;
    assert_eq!(new_only["data"], json!([]));
    let passed = new_only["meta"]["position"].as_i64().unwrap();
    assert_eq!(passed, *ids_of(&imported).last().unwrap());
    let acked = call(
        &w,
        7,
        "mailActivity:ack",
        "",
        Some(json!({"reader": "workflow:tickets", "position": passed})),
    )
    .await;
    assert_eq!(acked["data"]["position"], passed);

    // A delivered message: one row, new, received, pointing at the stored message.
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"from": "ops@customer.example", "subject": "Printer on fire", "text": "help"}),
    )
    .await;
    w.sync_now(account).await;
    let news = wait_rows(&w, "reader=workflow:tickets&firstImport=false", 1).await;
    let row = &news["data"][0];
    assert_eq!(row["kind"], "received");
    assert_eq!(row["firstImport"], false);
    let message = call(
        &w,
        7,
        "mailMessages:get",
        &format!("filterByTk={}", row["messageId"]),
        None,
    )
    .await;
    assert_eq!(message["data"]["subject"], "Printer on fire");
    let delivered_row = row["id"].as_i64().unwrap();

    // Listing does not move the reader: the same row again until it is acknowledged.
    let again = call(&w, 7, "mailActivity:list", "reader=workflow:tickets", None).await;
    assert_eq!(ids_of(&again), vec![delivered_row]);
    call(
        &w,
        7,
        "mailActivity:ack",
        "",
        Some(json!({"reader": "workflow:tickets", "position": delivered_row})),
    )
    .await;
    let after_ack = call(&w, 7, "mailActivity:list", "reader=workflow:tickets", None).await;
    assert_eq!(after_ack["data"], json!([]));
    // Never back, and never past the end.
    let back = call(
        &w,
        7,
        "mailActivity:ack",
        "",
        Some(json!({"reader": "workflow:tickets", "position": 1})),
    )
    .await;
    assert_eq!(back["data"]["position"], delivered_row);
    let beyond = w
        .app
        .call(
            "mailActivity:ack",
            Some(&user_token(7)),
            "",
            Some(json!({"reader": "workflow:tickets", "position": delivered_row + 1000})),
        )
        .await;
    assert_eq!(beyond.status, 400, "{}", beyond.text);

    // A full resync forgets all the mailbox's mail and stores every message again, under
    // new store ids. Nothing is news twice; the rows point at the messages as stored now.
    let before = call(&w, 7, "mailActivity:list", "after=0", None).await;
    let by_account = format!("filter={{\"accountId\":{account}}}");
    let store_ids =
        |rows: &[Value]| -> Vec<i64> { rows.iter().map(|m| m["id"].as_i64().unwrap()).collect() };
    let old_ids = store_ids(&w.wait_listed(7, &by_account).await);
    call(
        &w,
        7,
        "mailAccounts:sync",
        &format!("filterByTk={account}"),
        Some(json!({"full": true})),
    )
    .await;
    let started = Instant::now();
    let listed = loop {
        let rows = w.wait_listed(7, &by_account).await;
        if store_ids(&rows).iter().all(|id| !old_ids.contains(id)) {
            break rows;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no full resync"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    let after = call(&w, 7, "mailActivity:list", "after=0", None).await;
    assert_eq!(
        ids_of(&after),
        ids_of(&before),
        "no new rows after a resync"
    );
    let stored: Vec<i64> = listed.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    for row in after["data"].as_array().unwrap() {
        let id = row["messageId"]
            .as_i64()
            .expect("the row points at the message again");
        assert!(stored.contains(&id), "{row} not in {stored:?}");
    }
    let none = call(&w, 7, "mailActivity:list", "reader=workflow:tickets", None).await;
    assert_eq!(none["data"], json!([]), "the reader meets nothing new");

    // A message sent from the mailbox is news of kind `sent`.
    let sent = w
        .send_mail(json!({"accountId": account, "to": ["ops@customer.example"], "subject": "On our way", "text": "bringing water"}))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    w.wait_outbox_settled().await;
    w.sync_now(account).await;
    let outgoing = wait_rows(&w, "reader=workflow:tickets&kind=sent", 1).await;
    let message = call(
        &w,
        7,
        "mailMessages:get",
        &format!("filterByTk={}", outgoing["data"][0]["messageId"]),
        None,
    )
    .await;
    assert_eq!(message["data"]["subject"], "On our way");
    let received_only = call(
        &w,
        7,
        "mailActivity:list",
        "reader=workflow:tickets&kind=received",
        None,
    )
    .await;
    assert_eq!(received_only["data"], json!([]));

    // Someone else: none of user 7's rows, asked for or not; their reader is their own.
    let stranger = call(
        &w,
        8,
        "mailActivity:list",
        &format!("after=0&accountId={account}"),
        None,
    )
    .await;
    assert_eq!(stranger["data"], json!([]));
    let not_theirs = w
        .app
        .call(
            "mailActivity:list",
            Some(&user_token(8)),
            "reader=workflow:tickets",
            None,
        )
        .await;
    assert_eq!(not_theirs.status, 404, "{}", not_theirs.text);
    assert_eq!(
        not_theirs.json["errors"][0]["code"],
        "READER_NOT_SUBSCRIBED"
    );
}
both_backends!(
    once_per_message,
    a_message_is_news_once_however_often_it_is_stored
);

async fn bad_requests_say_what_is_wrong(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    for (query, field) in [
        ("", "reader"),
        ("reader=a&after=0", "reader"),
        ("after=-1", "after"),
        ("after=0&kind=bounced", "kind"),
        ("after=0&pageSize=501", "pageSize"),
        ("after=0&firstImport=maybe", "firstImport"),
        ("after=0&accountId=x", "accountId"),
    ] {
        let reply = w
            .app
            .call("mailActivity:list", Some(&user_token(7)), query, None)
            .await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.text);
        assert!(reply.text.contains(field), "{query}: {}", reply.text);
    }
    let long = "r".repeat(201);
    for values in [
        json!({}),
        json!({"reader": ""}),
        json!({"reader": long}),
        json!({"reader": "a\nb"}),
    ] {
        let reply = w
            .app
            .call(
                "mailActivity:subscribe",
                Some(&user_token(7)),
                "",
                Some(values.clone()),
            )
            .await;
        assert_eq!(reply.status, 400, "{values}: {}", reply.text);
    }
}
both_backends!(bad_requests, bad_requests_say_what_is_wrong);
