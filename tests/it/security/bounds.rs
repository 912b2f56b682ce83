//! Requests that would stall the service for everyone: a filter of thousands of
//! `$includes` values (every one a LIKE scan, run twice, no time limit, on a pool of
//! eight connections shared with sync), one-character substrings, pages a million rows
//! deep, one user holding every connection, a multi-megabyte HTML mail opened again and
//! again. Before the fix all of them ran.

use crate::common::oauth::{param, wired_syncing, wired_with};
use crate::common::tokens::user_token;
use crate::common::{Backend, spawn_app};
use base64::Engine;
use email_manager::store::{StoreError, deadline};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn filter(value: &Value) -> String {
    format!(
        "filter={}",
        url::form_urlencoded::byte_serialize(value.to_string().as_bytes()).collect::<String>()
    )
}

async fn costly_filters_and_deep_pages_are_refused_with_the_limit_named(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ann = user_token(7);
    // The flood, as much of it as fits in a request line: 25 conditions of 80 substrings
    // each, 2,000 LIKE scans of the participants table, run twice (count, page).
    let words: Vec<String> = (0..80).map(|n| format!("w{n:02}")).collect();
    let flood = json!({"$or": (0..25).map(|_| json!({"participants.address": {"$includes": words}})).collect::<Vec<_>>()});
    let started = Instant::now();
    let reply = app
        .call("mailMessages:list", Some(&ann), &filter(&flood), None)
        .await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (400, "INVALID_FILTER"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("at most 20"), "{}", reply.text);
    assert!(started.elapsed() < Duration::from_secs(5));
    for short in ["a", "ab", "  x "] {
        let reply = app
            .call(
                "mailMessages:list",
                Some(&ann),
                &filter(&json!({"subject": {"$includes": short}})),
                None,
            )
            .await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (400, "INVALID_FILTER"),
            "{short:?}: {}",
            reply.text
        );
        assert!(
            reply.text.contains("filter.subject") && reply.text.contains("3 characters"),
            "{}",
            reply.text
        );
    }
    // Within the limits: fine, in messages and threads alike.
    let twenty: Vec<String> = (0..20).map(|n| format!("abc{n}")).collect();
    for action in ["mailMessages:list", "mailThreads:list"] {
        let ok = app
            .call(
                action,
                Some(&ann),
                &filter(&json!({"subject": {"$includes": twenty}})),
                None,
            )
            .await;
        assert_eq!(ok.status, 200, "{action}: {}", ok.text);
    }
    let deep = app
        .call(
            "mailMessages:list",
            Some(&ann),
            "page=5001&pageSize=200",
            None,
        )
        .await;
    assert_eq!(
        (deep.status, deep.error_code()),
        (400, "INVALID_PARAMETER"),
        "{}",
        deep.text
    );
    assert!(deep.text.contains("10000"), "{}", deep.text);
    let last_allowed = app
        .call(
            "mailMessages:list",
            Some(&ann),
            "page=51&pageSize=200",
            None,
        )
        .await;
    assert_eq!(last_allowed.status, 200, "{}", last_allowed.text);
}
both_backends!(
    costly_requests,
    costly_filters_and_deep_pages_are_refused_with_the_limit_named
);

/// One user with every list slot taken waits, then gets a 429 with Retry-After; another
/// user is served at once.
#[tokio::test]
async fn one_user_cannot_take_every_connection() {
    let w = wired_with(Backend::Sqlite, |settings| {
        settings.limits.lists_per_user = 2
    })
    .await
    .unwrap();
    let state = w.app.state.clone().unwrap();
    let held = [
        state.limits.lists.take(7).await.unwrap(),
        state.limits.lists.take(7).await.unwrap(),
    ];
    let started = Instant::now();
    let other = w
        .app
        .call("mailMessages:list", Some(&user_token(8)), "", None)
        .await;
    assert_eq!(other.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "another user waited"
    );
    let refused = w
        .app
        .call("mailThreads:list", Some(&user_token(7)), "", None)
        .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (429, "TOO_MANY_REQUESTS")
    );
    assert_eq!(refused.header("retry-after"), Some("1"));
    drop(held);
    let served = w
        .app
        .call("mailMessages:list", Some(&user_token(7)), "", None)
        .await;
    assert_eq!(served.status, 200);
}

/// A statement that runs past its request's time limit is stopped, on either backend.
async fn a_statement_past_its_deadline_is_stopped(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let store = app.state.clone().unwrap().store.clone();
    let slow = match backend {
        Backend::Sqlite => "SELECT em_in_time() AS value",
        Backend::Postgres => "SELECT pg_sleep(0.5) IS NULL AS value",
    };
    let outcome = store
        .run(move |c| {
            // Zero has passed at once on SQLite; PostgreSQL's 1 ms ends the sleep.
            deadline::within(c, Duration::ZERO, |c| {
                use diesel::RunQueryDsl;
                diesel::sql_query(slow).execute(c)?;
                Ok(())
            })
        })
        .await;
    assert!(matches!(outcome, Err(StoreError::TimedOut)), "{outcome:?}");
    // Outside a deadline, and within a generous one, the same statement runs.
    let fine = store
        .run(move |c| {
            deadline::within(c, Duration::from_secs(5), |c| {
                use diesel::RunQueryDsl;
                diesel::sql_query(slow).execute(c)?;
                Ok(())
            })
        })
        .await;
    assert!(fine.is_ok(), "{fine:?}");
}
both_backends!(statement_deadline, a_statement_past_its_deadline_is_stopped);

/// A multi-megabyte HTML mail is shown up to `limits.html_bytes`, marked as cut.
#[tokio::test]
async fn a_huge_html_mail_is_shown_cut() {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let mailbox = "big@gmail.test";
    w.mailbox("google", mailbox, 0).await;
    let body: String = (0..60_000)
        .map(|n| format!("<p>row {n} of a very long report</p>"))
        .collect();
    let mime = format!(
        "From: Reports <r@corp.test>\r\nTo: {mailbox}\r\nSubject: Huge\r\nMessage-ID: <huge@corp.test>\r\nContent-Type: text/html\r\n\r\n<html><body>{body}</body></html>\r\n"
    );
    assert!(mime.len() > 2 * 1024 * 1024);
    let raw = base64::engine::general_purpose::STANDARD.encode(mime);
    w.control(&format!("/users/{mailbox}/deliver"), json!({"raw": raw}))
        .await;
    let connected = w.connect(&user_token(7), "google", mailbox).await;
    assert_eq!(param(&connected, "status"), Some("connected"));
    let id = w.wait_listed(1, "").await[0]["id"].as_i64().unwrap();
    let shown = w
        .app
        .call(
            "mailMessages:get",
            Some(&user_token(7)),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    let data = &shown.json["data"];
    assert_eq!(data["bodyHtmlTruncated"], true);
    let html = data["bodyHtml"].as_str().unwrap();
    assert!(html.len() <= 2 * 1024 * 1024 + 4096, "{}", html.len());
    assert!(html.contains("row 0 of") && !html.contains("row 59999 of"));
}

/// The substring scans carry the deadline on SQLite: a list whose LIKE scan runs past it
/// is stopped, not finished.
#[tokio::test]
async fn a_substring_scan_past_its_deadline_is_stopped() {
    use email_manager::query::{
        Condition, Field, Filter, Operator, Page, Scalar, Value as FilterValue,
    };
    use email_manager::store::message_query::{self, MessageQuery};
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    w.mailbox("google", "scan@gmail.test", 5).await;
    let connected = w.connect(&user_token(7), "google", "scan@gmail.test").await;
    let account: i64 = param(&connected, "mailAccountId").unwrap().parse().unwrap();
    w.wait_listed(5, "").await;
    let state = w.app.state.clone().unwrap();
    let query = |field: Field| MessageQuery {
        accounts: vec![account],
        owned: vec![account],
        filter: Filter::Condition(Condition {
            field,
            op: Operator::Includes,
            value: FilterValue::One(Scalar::Text("gmail".into())),
        }),
        q: None,
        sort: Vec::new(),
        page: Page {
            number: 1,
            size: 20,
        },
        utc_offset_minutes: 0,
        kind: state.store.kind(),
    };
    for field in [
        Field::ParticipantsAddress,
        Field::FromAddress,
        Field::Subject,
    ] {
        let late = query(field);
        let outcome = state
            .store
            .run(move |c| deadline::within(c, Duration::ZERO, |c| message_query::list(c, &late)))
            .await;
        assert!(
            matches!(outcome, Err(StoreError::TimedOut)),
            "{field}: {outcome:?}"
        );
        let in_time = query(field);
        let outcome = state
            .store
            .run(move |c| {
                deadline::within(c, Duration::from_secs(5), |c| {
                    message_query::list(c, &in_time)
                })
            })
            .await;
        assert!(outcome.is_ok(), "{field}: {outcome:?}");
    }
}
