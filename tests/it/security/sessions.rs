//! Live event streams and what the log keeps. Before the fix one user could open streams
//! without end (each holds a task and a broadcast receiver), a stream stayed open after
//! its token was signed out until the token's expiry (a day), and the provider's `error`
//! text from the callback's query string went into the log as it came.

use crate::common::logs;
use crate::common::oauth::wired;
use crate::common::stubs::{CheckAnswer, StubNocobase};
use crate::common::tokens::user_token;
use crate::common::{Backend, TestDb, spawn_with, test_settings};
use std::time::{Duration, Instant};

async fn open_stream(address: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{address}/api/mailEvents:stream"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the app answers")
}

#[tokio::test]
async fn one_user_may_open_only_so_many_streams() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    settings.limits.streams_per_user = 2;
    let app = spawn_with(db, settings).await;
    let ann = user_token(7);
    let first = open_stream(&app.address, &ann).await;
    let second = open_stream(&app.address, &ann).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open_stream(&app.address, &ann).await;
    assert_eq!(third.status(), 429);
    assert_eq!(
        crate::common::read(third).await.error_code(),
        "TOO_MANY_STREAMS"
    );
    assert_eq!(
        open_stream(&app.address, &user_token(8)).await.status(),
        200
    );
    // A closed stream gives its slot back.
    drop(first);
    let started = Instant::now();
    loop {
        let again = open_stream(&app.address, &ann).await;
        if again.status() == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(second);
}

#[tokio::test]
async fn a_stream_ends_soon_after_its_token_is_signed_out() {
    let nocobase = StubNocobase::start();
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    settings.nocobase.url = Some(nocobase.url.clone());
    settings.nocobase.check_cache_secs = 1;
    let app = spawn_with(db, settings).await;
    let token = user_token(7);
    nocobase.answer(
        &token,
        CheckAnswer::User {
            id: serde_json::json!(7),
            roles: vec!["member"],
            new_token: None,
        },
    );
    let mut stream = open_stream(&app.address, &token).await;
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("connected"));
    // Signed out at NocoBase.
    nocobase.answer(
        &token,
        CheckAnswer::Unauthorized {
            code: "BLOCKED_TOKEN",
            message: "Your session has expired. Please sign in again.",
        },
    );
    let signed_out = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match stream.chunk().await {
                Ok(Some(_)) => continue,
                _ => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived the sign-out by 20 s");
    assert!(
        signed_out.elapsed() < Duration::from_secs(12),
        "{:?}",
        signed_out.elapsed()
    );
}

/// The provider's `error` parameter is whatever the redirect's sender wrote: it is never
/// logged as it came.
#[tokio::test]
async fn the_providers_error_text_is_never_logged_raw() {
    let w = wired(Backend::Sqlite).await.unwrap();
    let url = w.authorize(&user_token(7), "google").await;
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let marker = "INJECTED-LOG-LINE-7f3a";
    let error = url::form_urlencoded::byte_serialize(
        format!("access_denied\n2026-12-01 ERROR forged {marker}").as_bytes(),
    )
    .collect::<String>();
    let outcome = w.callback(&format!("error={error}&state={state}")).await;
    assert_eq!(
        crate::common::oauth::param(&outcome, "code"),
        Some("PROVIDER_ERROR")
    );
    assert!(
        !logs::text().contains(marker),
        "the provider's text reached the log"
    );
}
