//! Quotas throttle with each provider's answer and recover when the window passes;
//! Graph's concurrency limit; injected faults come and go.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::setup;

/// Calls `path` until it answers 200 or `limit` passes; returns how long it took.
async fn until_ok(s: &support::Setup, token: &str, path: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if s.get(token, path).await.0 == 200 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{path} did not recover within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn gmail_quota_units_throttle_with_googles_body_and_recover() {
    let s = setup("google", "ann@gmail.test", 5).await;
    let (token, _) = s.tokens("google", "ann@gmail.test").await;
    // messages.get costs 20 units: two fit in 50, the third does not.
    s.control(
        "/quota",
        json!({"provider": "google", "unitsPerMinute": 50, "windowSecs": 1}),
    )
    .await;
    let (_, list) = s
        .get(&token, "/google/gmail/v1/users/me/messages?maxResults=1")
        .await;
    let path = format!(
        "/google/gmail/v1/users/me/messages/{}",
        list["messages"][0]["id"].as_str().unwrap()
    );
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(s.get(&token, &path).await);
    }
    assert_eq!(statuses[0].0, 200);
    let (status, body) = &statuses[2];
    assert_eq!(*status, 429);
    assert_eq!(body["error"]["errors"][0]["reason"], "rateLimitExceeded");
    // The counts a benchmark reads: the list (5 units) and each admitted get (20 units),
    // and each refused get. (Counted from the answers: on a loaded machine the 1 s window
    // may move on between calls.)
    let admitted = statuses.iter().filter(|(status, _)| *status == 200).count() as u64;
    let refused = statuses.iter().filter(|(status, _)| *status == 429).count() as u64;
    let (_, mut usage) = s
        .get(
            &token,
            "/_emulator/quota/usage?provider=google&email=ann@gmail.test",
        )
        .await;
    // The bytes answered: the list and each admitted get (refusals answer too, and are
    // not counted as downloads).
    let bytes = usage["bytes"].take().as_u64().unwrap();
    assert!(bytes > 200 * admitted, "{bytes} bytes");
    usage.as_object_mut().unwrap().remove("bytes");
    assert_eq!(
        usage,
        json!({"requests": 1 + admitted, "units": 5 + 20 * admitted, "rateLimited": refused, "concurrencyRefused": 0}),
        "{statuses:?}"
    );
    until_ok(&s, &token, &path, Duration::from_secs(5)).await;

    s.control(
        "/quota",
        json!({"provider": "google", "unitsPerMinute": 1, "rateLimitStatus": 403}),
    )
    .await;
    s.get(&token, "/google/gmail/v1/users/me/profile").await;
    let (status, body) = s.get(&token, "/google/gmail/v1/users/me/profile").await;
    assert_eq!(
        (status, body["error"]["errors"][0]["domain"].as_str()),
        (403, Some("usageLimits"))
    );
}

#[tokio::test]
async fn graph_request_budget_answers_429_with_retry_after_and_recovers() {
    let s = setup("microsoft", "bob@contoso.test", 2).await;
    let (token, _) = s.tokens("microsoft", "bob@contoso.test").await;
    s.control(
        "/quota",
        json!({"provider": "microsoft", "requestsPer10Min": 3, "windowSecs": 1}),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(s.get(&token, "/microsoft/v1.0/me/messages").await.0, 200);
    }
    let response = s
        .http
        .get(format!("{}/microsoft/v1.0/me/messages", s.emulator.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1).contains(&retry_after));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TooManyRequests");
    until_ok(
        &s,
        &token,
        "/microsoft/v1.0/me/messages",
        Duration::from_secs(5),
    )
    .await;
}

#[tokio::test]
async fn graph_allows_four_requests_in_flight_per_mailbox() {
    let s = setup("microsoft", "bob@contoso.test", 2).await;
    let (token, _) = s.tokens("microsoft", "bob@contoso.test").await;
    s.control("/settings", json!({"slowMs": 1500})).await;
    s.control(
        "/faults",
        json!({"provider": "microsoft", "rate": 1.0, "kinds": ["slow"]}),
    )
    .await;
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let (http, url, token) = (
                s.http.clone(),
                format!("{}/microsoft/v1.0/me/messages", s.emulator.url),
                token.clone(),
            );
            tokio::spawn(async move {
                http.get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn injected_faults_apply_until_cleared() {
    let s = setup("google", "ann@gmail.test", 1).await;
    let (token, _) = s.tokens("google", "ann@gmail.test").await;
    s.control(
        "/faults",
        json!({"provider": "google", "rate": 1.0, "kinds": ["503"]}),
    )
    .await;
    let (status, body) = s.get(&token, "/google/gmail/v1/users/me/profile").await;
    assert_eq!(
        (status, body["error"]["errors"][0]["reason"].as_str()),
        (503, Some("backendError"))
    );
    s.control(
        "/faults",
        json!({"provider": "google", "rate": 1.0, "kinds": ["reset"]}),
    )
    .await;
    let reset = s
        .http
        .get(format!(
            "{}/google/gmail/v1/users/me/profile",
            s.emulator.url
        ))
        .bearer_auth(&token)
        .send()
        .await;
    let broken = match reset {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(broken, "a reset never yields a whole answer");
    s.control(
        "/faults",
        json!({"rate": 1.0, "kinds": ["429-no-retry-after"]}),
    )
    .await;
    let response = s
        .http
        .get(format!(
            "{}/google/gmail/v1/users/me/profile",
            s.emulator.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_none());
    s.http
        .delete(format!("{}/_emulator/faults", s.emulator.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.get(&token, "/google/gmail/v1/users/me/profile").await.0,
        200
    );
    let refused = s
        .control("/faults", json!({"rate": 0.5, "kinds": ["explode"]}))
        .await;
    assert!(refused["error"].as_str().unwrap().contains("explode"));
}

#[tokio::test]
async fn access_tokens_expire_after_the_configured_time() {
    let s = setup("google", "ann@gmail.test", 1).await;
    s.control("/settings", json!({"accessTokenTtlSecs": 1}))
        .await;
    let (token, _) = s.tokens("google", "ann@gmail.test").await;
    assert_eq!(
        s.get(&token, "/google/gmail/v1/users/me/profile").await.0,
        200
    );
    let started = Instant::now();
    loop {
        let (status, body) = s.get(&token, "/google/gmail/v1/users/me/profile").await;
        if status == 401 {
            assert_eq!(body["error"]["errors"][0]["message"], "Invalid Credentials");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
