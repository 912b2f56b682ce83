//! Token checks with NocoBase's `auth:check`: roles, 401 pass-through, renewal, cache.

use crate::common;

use common::stubs::{CheckAnswer, StubNocobase};
use common::tokens::{self, now, sign, user_claims};
use common::{APP_KEY, Backend, TestApp, TestDb, spawn_with, test_settings};
use serde_json::json;

async fn app_with_nocobase(nocobase: &StubNocobase, cache_secs: u64) -> TestApp {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    settings.nocobase.url = Some(nocobase.url.clone());
    settings.nocobase.check_cache_secs = cache_secs;
    spawn_with(db, settings).await
}

fn user(id: i64, roles: Vec<&'static str>) -> CheckAnswer {
    CheckAnswer::User {
        id: json!(id),
        roles,
        new_token: None,
    }
}

/// NocoBase's answer after the user signed out.
fn blocked() -> CheckAnswer {
    CheckAnswer::Unauthorized {
        code: "BLOCKED_TOKEN",
        message: "Your session has expired. Please sign in again.",
    }
}

#[tokio::test]
async fn roles_come_from_nocobase_and_headers_are_forwarded() {
    let nocobase = StubNocobase::start();
    let app = app_with_nocobase(&nocobase, 30).await;
    let admin = tokens::user_token(1);
    let member = tokens::user_token(2);
    nocobase.answer(&admin, user(1, vec!["admin", "member"]));
    nocobase.answer(&member, user(2, vec!["member"]));

    let reply = app
        .http
        .get(format!("{}/api/mailProviders:list", app.address))
        .bearer_auth(&admin)
        .header("X-Locale", "zh-CN")
        .header("X-Role", "admin")
        .header("X-Authenticator", "basic")
        .header("X-Timezone", "+08:00")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let forwarded = nocobase.last_headers();
    assert_eq!(forwarded["authorization"], format!("Bearer {admin}"));
    assert_eq!(forwarded["x-locale"], "zh-CN");
    assert_eq!(forwarded["x-role"], "admin");
    assert_eq!(forwarded["x-authenticator"], "basic");
    assert_eq!(forwarded["x-timezone"], "+08:00");

    let reply = app
        .call("mailProviders:list", Some(&member), "", None)
        .await;
    assert_eq!((reply.status, reply.error_code()), (403, "FORBIDDEN"));
}

#[tokio::test]
async fn nocobase_401_answers_pass_through_unchanged() {
    let nocobase = StubNocobase::start();
    let app = app_with_nocobase(&nocobase, 30).await;
    let token = tokens::user_token(1);
    nocobase.answer(&token, blocked());
    let reply = app.call("mailProviders:list", Some(&token), "", None).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json,
        json!({"errors": [{"message": "Your session has expired. Please sign in again.", "code": "BLOCKED_TOKEN"}]})
    );
}

#[tokio::test]
async fn answers_are_cached_per_token_for_the_configured_time() {
    let nocobase = StubNocobase::start();
    let app = app_with_nocobase(&nocobase, 30).await;
    let token = tokens::user_token(1);
    nocobase.answer(&token, user(1, vec!["admin"]));
    for _ in 0..3 {
        assert_eq!(
            app.call("mailProviders:list", Some(&token), "", None)
                .await
                .status,
            200
        );
    }
    assert_eq!(nocobase.calls(), 1);
    // Another role header is another question.
    let reply = app
        .http
        .get(format!("{}/api/mailProviders:list", app.address))
        .bearer_auth(&token)
        .header("X-Role", "member")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(nocobase.calls(), 2);
}

#[tokio::test]
async fn without_a_cache_a_sign_out_takes_effect_at_once() {
    let nocobase = StubNocobase::start();
    let app = app_with_nocobase(&nocobase, 0).await;
    let token = tokens::user_token(1);
    nocobase.answer(&token, user(1, vec!["admin"]));
    assert_eq!(
        app.call("mailProviders:list", Some(&token), "", None)
            .await
            .status,
        200
    );
    nocobase.answer(&token, blocked());
    let reply = app.call("mailProviders:list", Some(&token), "", None).await;
    assert_eq!((reply.status, reply.error_code()), (401, "BLOCKED_TOKEN"));
    assert_eq!(nocobase.calls(), 2);
}

#[tokio::test]
async fn an_expired_token_renewed_by_nocobase_is_served_with_x_new_token() {
    let nocobase = StubNocobase::start();
    let app = app_with_nocobase(&nocobase, 30).await;
    let mut claims = user_claims(1);
    claims["exp"] = json!(now() - 10);
    let expired = sign(&claims, APP_KEY.as_bytes());
    let renewed = tokens::user_token(1);
    nocobase.answer(
        &expired,
        CheckAnswer::User {
            id: json!("1"),
            roles: vec!["root"],
            new_token: Some(renewed.clone()),
        },
    );
    let reply = app
        .call("mailProviders:list", Some(&expired), "", None)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-new-token"), Some(renewed.as_str()));
    // A renewal is never cached: the next call asks again.
    app.call("mailProviders:list", Some(&expired), "", None)
        .await;
    assert_eq!(nocobase.calls(), 2);
}

#[tokio::test]
async fn a_bad_signature_is_refused_without_asking_nocobase() {
    let nocobase = StubNocobase::start();
    let app = app_with_nocobase(&nocobase, 30).await;
    let forged = sign(&user_claims(1), b"not-the-app-key");
    nocobase.answer(&forged, user(1, vec!["admin"]));
    let reply = app
        .call("mailProviders:list", Some(&forged), "", None)
        .await;
    assert_eq!((reply.status, reply.error_code()), (401, "INVALID_TOKEN"));
    assert_eq!(nocobase.calls(), 0);
}

#[tokio::test]
async fn an_api_key_acts_only_with_its_own_role() {
    let nocobase = StubNocobase::start();
    let app = app_with_nocobase(&nocobase, 30).await;
    let key = tokens::api_key(1, "member");
    nocobase.answer(&key, user(1, vec!["admin", "member"]));
    let reply = app.call("mailProviders:list", Some(&key), "", None).await;
    assert_eq!((reply.status, reply.error_code()), (403, "FORBIDDEN"));
}

#[tokio::test]
async fn nocobase_down_is_a_503_not_a_sign_out() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut settings = test_settings(&db);
    settings.nocobase.url = Some(url);
    let app = spawn_with(db, settings).await;
    let reply = app
        .call("mailProviders:list", Some(&tokens::user_token(1)), "", None)
        .await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (503, "NOCOBASE_UNAVAILABLE")
    );
}
