//! Forged pushes. Anyone can create a Pub/Sub push subscription of their own pointed at
//! our webhook with our audience, and Google signs its tokens: before the fix those were
//! taken. Graph batches had no size limit and looked each item up; neither webhook had
//! any rate limit.

use crate::common::Backend;
use crate::common::push::{AUDIENCE, SERVICE_ACCOUNT, push_wired};
use base64::Engine;
use serde_json::json;

fn gmail_push_body(address: &str) -> serde_json::Value {
    let data = base64::engine::general_purpose::STANDARD
        .encode(json!({"emailAddress": address, "historyId": "99999999"}).to_string());
    json!({"message": {"data": data, "messageId": "1"}, "subscription": "projects/attacker/subscriptions/x"})
}

async fn a_google_token_from_another_service_account_is_refused(backend: Backend) {
    let Some(w) = push_wired(backend, |_| {}).await else {
        return;
    };
    let url = format!("{}/api/mailWebhooks:google", w.app.address);
    let now_ms = chrono::Utc::now().timestamp_millis();
    let body = gmail_push_body("victim@gmail.test");
    // Signed by Google (the emulator's key) for our audience, but by the attacker's
    // own service account.
    let attackers = provider_emulator::push::oidc::push_token(
        AUDIENCE,
        "attacker@evil-project.iam.gserviceaccount.com",
        now_ms,
    );
    let answer = w
        .http
        .post(&url)
        .bearer_auth(attackers)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        403,
        "another service account's push was taken"
    );
    // The configured one is taken (the control), in any letter case.
    let ours = provider_emulator::push::oidc::push_token(
        AUDIENCE,
        &SERVICE_ACCOUNT.to_uppercase(),
        now_ms,
    );
    let answer = w
        .http
        .post(&url)
        .bearer_auth(ours)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    // Without a configured service account no push is taken at all.
    let cleared = w
        .app
        .call(
            "mailProviders:update",
            Some(&crate::common::tokens::admin_key(1)),
            "filterByTk=google",
            Some(json!({"pushServiceAccount": null})),
        )
        .await;
    assert_eq!(
        cleared.json["data"][0]["pushServiceAccount"],
        serde_json::Value::Null
    );
    let ours = provider_emulator::push::oidc::push_token(AUDIENCE, SERVICE_ACCOUNT, now_ms);
    let answer = w
        .http
        .post(&url)
        .bearer_auth(ours)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        403,
        "no service account configured: refused"
    );
}
both_backends!(
    foreign_service_account,
    a_google_token_from_another_service_account_is_refused
);

/// A batch of 1,500 forged notifications is refused before any lookup.
#[tokio::test]
async fn an_oversized_graph_batch_is_refused() {
    let w = push_wired(Backend::Sqlite, |_| {}).await.unwrap();
    let url = format!("{}/api/mailWebhooks:microsoft", w.app.address);
    let item =
        json!({"subscriptionId": "00000000-0000-0000-0000-000000000000", "clientState": "guess"});
    let batch = json!({"value": vec![item; 1_500]});
    let answer = w.http.post(&url).json(&batch).send().await.unwrap();
    assert_eq!(answer.status(), 413);
    let reply = crate::common::read(answer).await;
    assert_eq!(reply.error_code(), "TOO_MANY_NOTIFICATIONS");
}

/// One sender flooding either webhook with forgeries gets 429s (a refused request costs
/// ten), with Retry-After; a well-behaved sender elsewhere is not affected.
#[tokio::test]
async fn a_flood_of_forged_pushes_is_throttled() {
    let w = push_wired(Backend::Sqlite, |settings| {
        settings.limits.webhook_requests_per_minute = 40;
    })
    .await
    .unwrap();
    let graph = format!("{}/api/mailWebhooks:microsoft", w.app.address);
    let forged = json!({"value": [{"subscriptionId": "00000000-0000-0000-0000-000000000000", "clientState": "guess"}]});
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(
            w.http
                .post(&graph)
                .json(&forged)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..4], &[403, 403, 403, 403], "{statuses:?}");
    assert!(statuses[4..].iter().all(|s| *s == 429), "{statuses:?}");
    // The Gmail webhook shares the sender's budget.
    let google = format!("{}/api/mailWebhooks:google", w.app.address);
    let throttled = w
        .http
        .post(&google)
        .json(&gmail_push_body("victim@gmail.test"))
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "1");
    // Another sender (a proxy on this host names it in X-Forwarded-For) has its own.
    let other = w
        .http
        .post(&graph)
        .header("x-forwarded-for", "203.0.113.9")
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
}
