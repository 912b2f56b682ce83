//! What every route shares: health, 404s, body limits, JSON errors, CORS, request ids.

use crate::common;

use common::tokens::admin_key;
use common::{Backend, TestDb, spawn_app, spawn_with, test_settings};
use email_manager::startup::{Application, BuildOptions};
use serde_json::json;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    assert_eq!(app.get("/healthz").await.json, json!({"status": "ok"}));
    let ready = app.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.json["status"].clone()),
        (200, json!("ready"))
    );
}

#[tokio::test]
async fn readiness_fails_while_migrations_are_pending() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let app = Application::build(test_settings(&db), BuildOptions { migrate: false })
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    let reply = common::read(reqwest::get(format!("{address}/readyz")).await.unwrap()).await;
    assert_eq!(reply.status, 503);
    assert!(reply.json["reason"].as_str().unwrap().contains("migration"));
}

#[tokio::test]
async fn unknown_routes_are_404_in_the_error_envelope() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for path in [
        "/api/nothing:list",
        "/api/mailProviders:explode",
        "/nowhere",
    ] {
        let reply = app.get(path).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (404, "NOT_FOUND"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn known_routes_asked_with_another_method_are_405_with_allow() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for (method, path, allow) in [
        ("PUT", "/api/mailProviders:list", "GET, POST"),
        ("DELETE", "/api/mailMessages:send", "POST"),
        ("GET", "/api/mailMessages:send", "POST"),
        ("TRACE", "/healthz", "GET"),
        ("POST", "/api/mailOAuth:callback", "GET"),
    ] {
        let request = app.http.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", app.address),
        );
        let reply = common::read(request.send().await.unwrap()).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (405, "METHOD_NOT_ALLOWED"),
            "{method} {path}"
        );
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
    }
}

#[tokio::test]
async fn actions_take_get_and_post_alike() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let get = app
        .call("mailProviders:list", Some(&admin_key(1)), "", None)
        .await;
    let post = app
        .call(
            "mailProviders:list",
            Some(&admin_key(1)),
            "",
            Some(json!({})),
        )
        .await;
    assert_eq!((get.status, post.status), (200, 200));
    assert_eq!(get.json["data"], post.json["data"]);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_and_bad_json_is_400() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    settings.server.max_body_bytes = 4096;
    let app = spawn_with(db, settings).await;
    let url = format!("{}/api/mailProviders:update?filterByTk=google", app.address);
    let send = |body: String, content_type: &'static str| {
        let request = app
            .http
            .post(&url)
            .bearer_auth(admin_key(1))
            .header("content-type", content_type)
            .body(body);
        async move { common::read(request.send().await.unwrap()).await }
    };
    let huge = json!({"clientId": "x".repeat(10_000)}).to_string();
    let reply = send(huge, "application/json").await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (413, "PAYLOAD_TOO_LARGE")
    );

    let reply = send("{\"clientId\": ".into(), "application/json").await;
    assert_eq!((reply.status, reply.error_code()), (400, "INVALID_JSON"));
    let reply = send("[1, 2]".into(), "application/json").await;
    assert_eq!((reply.status, reply.error_code()), (400, "INVALID_JSON"));
    let deep = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(3000 / 2),
        "]".repeat(3000 / 2)
    );
    let reply = send(deep, "application/json").await;
    assert_eq!(reply.status, 400);
    let reply = send("clientId=x".into(), "application/x-www-form-urlencoded").await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (415, "UNSUPPORTED_MEDIA_TYPE")
    );
}

#[tokio::test]
async fn cors_allows_configured_origins_and_exposes_x_new_token() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    settings.cors.allowed_origins = vec!["https://crm.example.com".into()];
    let app = spawn_with(db, settings).await;
    let url = format!("{}/api/mailProviders:list", app.address);

    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://crm.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,x-role,x-locale,x-timezone",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://crm.example.com"
    );
    let actual = app
        .http
        .get(&url)
        .header("origin", "https://crm.example.com")
        .bearer_auth(admin_key(1))
        .send()
        .await
        .unwrap();
    let exposed = actual.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("x-new-token"), "{exposed}");

    let foreign = app
        .http
        .get(&url)
        .header("origin", "https://evil.example")
        .bearer_auth(admin_key(1))
        .send()
        .await
        .unwrap();
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let generated = app.get("/healthz").await;
    assert_eq!(generated.header("x-request-id").map(str::len), Some(16));
    let given = app
        .http
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-abc-123");
    let hostile = app
        .http
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "bad id; with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(hostile.headers()["x-request-id"], "bad id; with spaces");
}

#[tokio::test]
async fn list_paging_parameters_are_checked() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let page = app
        .call(
            "mailProviders:list",
            Some(&admin_key(1)),
            "page=2&pageSize=1",
            None,
        )
        .await;
    assert_eq!(
        page.json["meta"],
        json!({"count": 3, "page": 2, "pageSize": 1, "totalPage": 3})
    );
    assert_eq!(page.json["data"][0]["name"], "microsoft");
    let bad = app
        .call(
            "mailProviders:list",
            Some(&admin_key(1)),
            "pageSize=500",
            None,
        )
        .await;
    assert_eq!((bad.status, bad.error_code()), (400, "INVALID_PARAMETER"));
    assert!(bad.text.contains("pageSize"));
}
