//! Push: Graph subscriptions (validation call, notifications with clientState, renewal,
//! expiry on the emulator's clock, lifecycle events) and Gmail watch delivering Pub/Sub
//! pushes whose OIDC token verifies against the emulator's JWKS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::setup;

/// What the receiver was sent: (path, validation token if any, bearer, JSON body).
type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>, Value)>>>;

/// A webhook: `/ok` echoes validation tokens, `/deaf` does not; everything is recorded.
fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let recorded = seen.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            HttpServer::new(move || {
                let recorded = recorded.clone();
                App::new().default_service(web::to(
                    move |request: HttpRequest, body: web::Bytes| {
                        let recorded = recorded.clone();
                        async move {
                            let token = form_urlencoded::parse(request.query_string().as_bytes())
                                .find(|(k, _)| k == "validationToken")
                                .map(|(_, v)| v.into_owned());
                            let bearer = request
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.strip_prefix("Bearer "))
                                .map(str::to_string);
                            let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
                            recorded.lock().unwrap().push((
                                request.path().to_string(),
                                token.clone(),
                                bearer,
                                json,
                            ));
                            match (request.path(), token) {
                                ("/ok", Some(token)) => {
                                    HttpResponse::Ok().content_type("text/plain").body(token)
                                }
                                ("/deaf", Some(_)) => HttpResponse::InternalServerError().finish(),
                                _ => HttpResponse::Accepted().finish(),
                            }
                        }
                    },
                ))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    (url, seen)
}

/// Waits up to 5 s for a recorded request matching `want`.
async fn wait_for(
    seen: &Seen,
    want: impl Fn(&(String, Option<String>, Option<String>, Value)) -> bool,
) -> (String, Option<String>, Option<String>, Value) {
    let started = Instant::now();
    loop {
        if let Some(hit) = seen.lock().unwrap().iter().find(|r| want(r)).cloned() {
            return hit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "nothing matching arrived: {:?}",
            seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Mail delivered to `email` brings the receiver nothing.
async fn assert_unheard(s: &support::Setup, seen: &Seen, email: &str, why: &str) {
    let before = seen.lock().unwrap().len();
    s.control(
        &format!("/users/{email}/deliver"),
        json!({"subject": "unheard"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(seen.lock().unwrap().len(), before, "{why}");
}

fn in_minutes(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

#[tokio::test]
async fn a_graph_subscription_is_validated_notifies_renews_and_expires() {
    let s = setup("microsoft", "bob@contoso.test", 3).await;
    let (token, _) = s.tokens("microsoft", "bob@contoso.test").await;
    let (hook, seen) = receiver();
    let url = format!("{}/microsoft/v1.0/subscriptions", s.emulator.url);
    let create = |notification: String, expires: String| {
        let (http, url, token) = (s.http.clone(), url.clone(), token.clone());
        async move {
            let answer = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"changeType": "created,updated,deleted", "notificationUrl": notification,
                    "resource": "me/messages", "expirationDateTime": expires, "clientState": "shh"}))
                .send()
                .await
                .unwrap();
            (
                answer.status().as_u16(),
                answer.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = create(format!("{hook}/deaf"), in_minutes(60)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("ValidationError"))
    );
    let (status, body) = create(format!("{hook}/ok"), in_minutes(20_000)).await;
    assert_eq!(status, 400, "beyond Graph's longest lifetime: {body}");
    let (status, subscription) = create(format!("{hook}/ok"), in_minutes(60)).await;
    assert_eq!(status, 201, "{subscription}");
    let id = subscription["id"].as_str().unwrap().to_string();
    assert_eq!(subscription["clientState"], "shh");

    s.control(
        "/users/bob@contoso.test/deliver",
        json!({"subject": "ping"}),
    )
    .await;
    let (_, _, _, note) = wait_for(&seen, |(_, token, _, body)| {
        token.is_none() && body["value"][0]["changeType"] == "created"
    })
    .await;
    assert_eq!(note["value"][0]["subscriptionId"], id.as_str());
    assert_eq!(note["value"][0]["clientState"], "shh");
    assert!(note["value"][0]["resourceData"]["id"].is_string());

    let one = format!("{url}/{id}");
    let renewed = s
        .http
        .patch(&one)
        .bearer_auth(&token)
        .json(&json!({"expirationDateTime": in_minutes(120)}))
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status(), 200);
    // Two hours later on the emulator's clock the subscription is gone, and so are its
    // notifications.
    s.control("/clock", json!({"advanceSecs": 2 * 3600 + 60}))
        .await;
    let gone = s.http.get(&one).bearer_auth(&token).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    assert_unheard(
        &s,
        &seen,
        "bob@contoso.test",
        "an expired subscription notifies nobody",
    )
    .await;
}

#[tokio::test]
async fn lifecycle_events_come_on_demand_and_delete_ends_a_subscription() {
    let s = setup("microsoft", "bob@contoso.test", 1).await;
    let (token, _) = s.tokens("microsoft", "bob@contoso.test").await;
    let (hook, seen) = receiver();
    let url = format!("{}/microsoft/v1.0/subscriptions", s.emulator.url);
    let subscription: Value = s
        .http
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"changeType": "created", "notificationUrl": format!("{hook}/ok"), "lifecycleNotificationUrl": format!("{hook}/ok"),
            "resource": "me/messages", "expirationDateTime": in_minutes(60), "clientState": "shh"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    s.control(
        "/users/bob@contoso.test/lifecycle",
        json!({"event": "missed"}),
    )
    .await;
    let (_, _, _, event) = wait_for(&seen, |(_, _, _, body)| {
        body["value"][0]["lifecycleEvent"] == "missed"
    })
    .await;
    assert_eq!(event["value"][0]["subscriptionId"], subscription["id"]);
    assert_eq!(event["value"][0]["clientState"], "shh");
    let deleted = s
        .http
        .delete(format!("{url}/{}", subscription["id"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let listed: Value = s
        .http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["value"], json!([]));
}

#[tokio::test]
async fn gmail_watch_pushes_signed_pubsub_messages_until_stopped() {
    let s = setup("google", "ann@gmail.test", 2).await;
    let (token, _) = s.tokens("google", "ann@gmail.test").await;
    let (hook, seen) = receiver();
    let watch_url = format!("{}/google/gmail/v1/users/me/watch", s.emulator.url);
    let topic = "projects/acme/topics/mail";
    let unknown = s
        .http
        .post(&watch_url)
        .bearer_auth(&token)
        .json(&json!({"topicName": topic}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404, "no such topic yet");
    let malformed = s
        .http
        .post(&watch_url)
        .bearer_auth(&token)
        .json(&json!({"topicName": "mail"}))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    s.control(
        "/pubsub/subscriptions",
        json!({"topic": topic, "pushEndpoint": format!("{hook}/push"), "audience": "our-audience"}),
    )
    .await;
    let watch: Value = s
        .http
        .post(&watch_url)
        .bearer_auth(&token)
        .json(&json!({"topicName": topic}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        watch["historyId"].is_string() && watch["expiration"].is_string(),
        "{watch}"
    );

    s.control("/users/ann@gmail.test/deliver", json!({"subject": "ping"}))
        .await;
    let (path, _, bearer, body) = wait_for(&seen, |(path, ..)| path == "/push").await;
    assert_eq!(path, "/push");
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD
        .decode(body["message"]["data"].as_str().unwrap())
        .unwrap();
    let change: Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(change["emailAddress"], "ann@gmail.test");
    assert!(
        change["historyId"].as_u64().unwrap()
            > watch["historyId"].as_str().unwrap().parse::<u64>().unwrap()
    );
    // The token verifies against the published keys, for the configured audience.
    let jwks: jsonwebtoken::jwk::JwkSet = s
        .http
        .get(format!("{}/google/oauth2/v3/certs", s.emulator.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = bearer.expect("an OIDC token");
    let kid = jsonwebtoken::decode_header(&bearer).unwrap().kid.unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(&kid).unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["our-audience"]);
    validation.set_issuer(&["https://accounts.google.com"]);
    let claims = jsonwebtoken::decode::<Value>(&bearer, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["email_verified"], true);
    validation.set_audience(&["someone-else"]);
    assert!(jsonwebtoken::decode::<Value>(&bearer, &key, &validation).is_err());

    let stop = s
        .http
        .post(format!("{}/google/gmail/v1/users/me/stop", s.emulator.url))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(stop.status(), 204);
    assert_unheard(
        &s,
        &seen,
        "ann@gmail.test",
        "a stopped watch pushes nothing",
    )
    .await;

    // A watch lapses after seven days on the emulator's clock unless renewed.
    s.http
        .post(&watch_url)
        .bearer_auth(&token)
        .json(&json!({"topicName": topic}))
        .send()
        .await
        .unwrap();
    s.control("/clock", json!({"advanceSecs": 7 * 86_400 + 60}))
        .await;
    let state: Value = s
        .http
        .get(format!("{}/_emulator/push", s.emulator.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["gmailWatches"], json!([]));
}
