//! `mailProviders`: admin only, write-only secret sealed at rest, validation, client test.

use crate::common;

use common::stubs::{StubClient, StubTokenEndpoints};
use common::tokens::{admin_key, api_key, user_token};
use common::{Backend, TestApp, TestDb, logs, spawn_app, spawn_with, test_settings};
use serde_json::{Value, json};

const SECRET: &str = "GOCSPX-unit-test-secret-Zq81";

async fn update(app: &TestApp, provider: &str, values: Value) -> common::Reply {
    app.call(
        "mailProviders:update",
        Some(&admin_key(1)),
        &format!("filterByTk={provider}"),
        Some(values),
    )
    .await
}

async fn get(app: &TestApp, provider: &str) -> Value {
    app.call(
        "mailProviders:get",
        Some(&admin_key(1)),
        &format!("filterByTk={provider}"),
        None,
    )
    .await
    .json["data"]
        .clone()
}

async fn lists_both_providers_with_their_redirect_uri(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let reply = app
        .call("mailProviders:list", Some(&admin_key(1)), "", None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json["meta"],
        json!({"count": 3, "page": 1, "pageSize": 20, "totalPage": 1})
    );
    let rows = reply.json["data"].as_array().unwrap();
    assert_eq!(rows[0]["name"], "google");
    assert_eq!(rows[0]["title"], "Google");
    assert_eq!(rows[0]["enabled"], false);
    assert_eq!(rows[0]["clientSecretSet"], false);
    assert_eq!(rows[0]["clientSecretHint"], Value::Null);
    assert_eq!(rows[0]["pubsubTopic"], Value::Null);
    assert_eq!(
        rows[0]["redirectUri"],
        "http://localhost:13100/api/mailOAuth:callback"
    );
    assert!(
        rows[0]["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("https://www.googleapis.com/auth/gmail.modify"))
    );
    assert_eq!(rows[1]["name"], "microsoft");
    assert_eq!(rows[1]["tenant"], "common");
    assert!(rows[1].get("pubsubTopic").is_none());
    assert!(
        rows[1]["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("offline_access"))
    );
    assert!(rows[1]["updatedAt"].as_str().unwrap().ends_with('Z'));
    // Any other mailbox, by IMAP: no app, the admin's rules for user-named servers.
    assert_eq!(rows[2]["name"], "imap");
    assert_eq!(rows[2]["title"], "IMAP");
    assert_eq!(rows[2]["enabled"], false);
    assert_eq!(rows[2]["allowedHosts"], json!([]));
    assert_eq!(rows[2]["allowPrivateNetworks"], false);
    assert_eq!(rows[2]["allowPlaintext"], false);
    assert_eq!(rows[2]["scopes"], json!([]));
    assert!(rows[0].get("allowedHosts").is_none());
}
both_backends!(
    lists_both_providers,
    lists_both_providers_with_their_redirect_uri
);

async fn members_get_403_on_every_action(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    for token in [user_token(5), api_key(5, "member")] {
        for (action, query) in [
            ("mailProviders:list", ""),
            ("mailProviders:get", "filterByTk=google"),
            ("mailProviders:update", "filterByTk=google"),
            ("mailProviders:test", "filterByTk=google"),
        ] {
            let reply = app
                .call(action, Some(&token), query, Some(json!({"clientId": "x"})))
                .await;
            assert_eq!(
                (reply.status, reply.error_code()),
                (403, "FORBIDDEN"),
                "{action}"
            );
        }
    }
    assert_eq!(get(&app, "google").await["clientId"], "");
}
both_backends!(members_are_refused, members_get_403_on_every_action);

async fn the_secret_is_write_only_and_sealed(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let reply = update(
        &app,
        "google",
        json!({"clientId": "123-abc.apps.googleusercontent.com", "clientSecret": SECRET, "enabled": true}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let row = &reply.json["data"][0];
    assert_eq!(row["clientId"], "123-abc.apps.googleusercontent.com");
    assert_eq!(row["clientSecretSet"], true);
    assert_eq!(row["clientSecretHint"], "••••Zq81");
    assert_eq!(row["enabled"], true);
    assert!(!reply.text.contains(SECRET));

    let listed = app
        .call("mailProviders:list", Some(&admin_key(1)), "", None)
        .await;
    assert!(!listed.text.contains(SECRET));
    assert_eq!(listed.json["data"][0]["clientSecretHint"], "••••Zq81");

    // Stored sealed: not in the column, nor anywhere in the SQLite files.
    let stored = app.db.query_texts(
        "SELECT client_secret_sealed AS value FROM mail_providers WHERE name = 'google'",
    );
    let sealed = stored[0].clone().unwrap();
    assert!(sealed.starts_with("v1.") && !sealed.contains(SECRET));
    if let Some(file) = app.db.sqlite_file() {
        for path in [file.clone(), file.with_extension("sqlite3-wal")] {
            if let Ok(bytes) = std::fs::read(&path) {
                let haystack = String::from_utf8_lossy(&bytes);
                assert!(
                    !haystack.contains(SECRET),
                    "{} holds the secret",
                    path.display()
                );
            }
        }
    }
    // An empty or omitted secret leaves the stored one alone.
    update(&app, "google", json!({"clientSecret": ""})).await;
    update(
        &app,
        "google",
        json!({"clientId": "456-def.apps.googleusercontent.com"}),
    )
    .await;
    let after = app.db.query_texts(
        "SELECT client_secret_sealed AS value FROM mail_providers WHERE name = 'google'",
    );
    assert_eq!(after[0].as_deref(), Some(sealed.as_str()));
    assert!(!logs::text().contains(SECRET), "the secret reached the log");
}
both_backends!(secret_is_write_only, the_secret_is_write_only_and_sealed);

async fn bad_values_are_refused_naming_the_field_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    update(
        &app,
        "microsoft",
        json!({"clientId": "9f1c6a57-0000-4000-8000-000000000001", "tenant": "organizations"}),
    )
    .await;
    let before = get(&app, "microsoft").await;
    for (provider, values, field) in [
        ("google", json!({"clientId": ""}), "clientId"),
        ("google", json!({"clientId": "has space"}), "clientId"),
        ("google", json!({"clientId": 42}), "clientId"),
        ("google", json!({"tenant": "common"}), "tenant"),
        ("google", json!({"enabled": true}), "enabled"),
        ("google", json!({"pubsubTopic": "my-topic"}), "pubsubTopic"),
        ("microsoft", json!({"enabled": "yes"}), "enabled"),
        ("microsoft", json!({"tenant": "not a tenant!"}), "tenant"),
        (
            "microsoft",
            json!({"pushAudience": "https://x"}),
            "pushAudience",
        ),
        (
            "microsoft",
            json!({"clientId": "new-id", "colour": "red"}),
            "colour",
        ),
        (
            "microsoft",
            json!({"clientId": "new-id", "enabled": true}),
            "enabled",
        ),
    ] {
        let reply = update(&app, provider, values.clone()).await;
        assert_eq!(reply.status, 400, "{values}");
        assert_eq!(reply.error_code(), "INVALID_VALUE", "{values}");
        let message = reply.json["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}:")), "{message}");
    }
    assert_eq!(get(&app, "microsoft").await, before);
    assert_eq!(get(&app, "google").await["clientId"], "");

    let unknown = app
        .call(
            "mailProviders:get",
            Some(&admin_key(1)),
            "filterByTk=yahoo",
            None,
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.error_code()),
        (400, "INVALID_PARAMETER")
    );
    let missing = app
        .call("mailProviders:get", Some(&admin_key(1)), "", None)
        .await;
    assert_eq!(
        (missing.status, missing.error_code()),
        (400, "INVALID_PARAMETER")
    );
}
both_backends!(
    bad_values_are_refused,
    bad_values_are_refused_naming_the_field_and_change_nothing
);

async fn google_push_settings_and_microsoft_tenant_are_kept(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let reply = update(
        &app,
        "google",
        json!({"pubsubTopic": "projects/acme/topics/gmail", "pushAudience": "https://mail.acme.test/push"}),
    )
    .await;
    assert_eq!(
        reply.json["data"][0]["pubsubTopic"],
        "projects/acme/topics/gmail"
    );
    let cleared = update(&app, "google", json!({"pubsubTopic": ""})).await;
    assert_eq!(cleared.json["data"][0]["pubsubTopic"], Value::Null);
    assert_eq!(
        cleared.json["data"][0]["pushAudience"],
        "https://mail.acme.test/push"
    );
    let tenant = update(
        &app,
        "microsoft",
        json!({"tenant": "Contoso.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(tenant.json["data"][0]["tenant"], "contoso.onmicrosoft.com");
}
both_backends!(
    push_and_tenant,
    google_push_settings_and_microsoft_tenant_are_kept
);

async fn app_with_token_endpoints(
    backend: Backend,
    endpoints: &StubTokenEndpoints,
) -> Option<TestApp> {
    let db = TestDb::create(backend)?;
    let mut settings = test_settings(&db);
    settings.providers.google.token_url = format!("{}/token", endpoints.url);
    settings.providers.microsoft.login_base_url = endpoints.url.clone();
    Some(spawn_with(db, settings).await)
}

fn stub_clients() -> Vec<StubClient> {
    let redirect_uri = "http://localhost:13100/api/mailOAuth:callback".to_string();
    vec![
        StubClient {
            client_id: "google-client".into(),
            client_secret: SECRET.into(),
            redirect_uri: redirect_uri.clone(),
        },
        StubClient {
            client_id: "ms-client".into(),
            client_secret: SECRET.into(),
            redirect_uri,
        },
    ]
}

async fn test_tells_a_known_client_from_a_wrong_one(backend: Backend) {
    let endpoints = StubTokenEndpoints::start(stub_clients());
    let Some(app) = app_with_token_endpoints(backend, &endpoints).await else {
        return;
    };
    let test = |provider: &'static str, values: Value| {
        let app = &app;
        async move {
            app.call(
                "mailProviders:test",
                Some(&admin_key(1)),
                &format!("filterByTk={provider}"),
                Some(values),
            )
            .await
        }
    };

    let unconfigured = test("google", json!({})).await;
    assert_eq!(
        (unconfigured.status, unconfigured.error_code()),
        (400, "PROVIDER_NOT_CONFIGURED")
    );

    update(
        &app,
        "google",
        json!({"clientId": "google-client", "clientSecret": SECRET}),
    )
    .await;
    let ok = test("google", json!({})).await;
    assert_eq!(ok.json["data"]["ok"], true, "{}", ok.text);
    assert_eq!(ok.json["data"]["code"], "OK");
    let (path, form) = endpoints.requests.lock().unwrap().last().cloned().unwrap();
    assert_eq!(path, "/token");
    assert_eq!(form["client_secret"], SECRET);
    assert_eq!(
        form["redirect_uri"],
        "http://localhost:13100/api/mailOAuth:callback"
    );

    // Values typed but not saved are tested instead of the stored ones.
    let wrong = test("google", json!({"clientSecret": "GOCSPX-wrong"})).await;
    assert_eq!(
        wrong.json["data"],
        json!({"ok": false, "code": "INVALID_CLIENT", "message": wrong.json["data"]["message"]})
    );
    let unknown = test("google", json!({"clientId": "nobody"})).await;
    assert_eq!(unknown.json["data"]["code"], "INVALID_CLIENT");

    update(
        &app,
        "microsoft",
        json!({"clientId": "ms-client", "clientSecret": SECRET, "tenant": "organizations"}),
    )
    .await;
    let ms = test("microsoft", json!({})).await;
    assert_eq!(ms.json["data"]["ok"], true, "{}", ms.text);
    let (path, form) = endpoints.requests.lock().unwrap().last().cloned().unwrap();
    assert_eq!(path, "/organizations/oauth2/v2.0/token");
    assert!(form["scope"].contains("offline_access"));
    let ms_wrong = test("microsoft", json!({"clientSecret": "wrong"})).await;
    assert_eq!(ms_wrong.json["data"]["code"], "INVALID_CLIENT");
    let ms_unknown = test("microsoft", json!({"clientId": "nobody"})).await;
    assert_eq!(ms_unknown.json["data"]["code"], "INVALID_CLIENT");
    assert!(!logs::text().contains(SECRET), "the secret reached the log");
}
both_backends!(test_action, test_tells_a_known_client_from_a_wrong_one);

#[tokio::test]
async fn test_reports_an_unregistered_redirect_uri_and_an_unreachable_provider() {
    let mut clients = stub_clients();
    clients[0].redirect_uri = "https://elsewhere.example/callback".into();
    let endpoints = StubTokenEndpoints::start(clients);
    let app = app_with_token_endpoints(Backend::Sqlite, &endpoints)
        .await
        .unwrap();
    update(
        &app,
        "google",
        json!({"clientId": "google-client", "clientSecret": SECRET}),
    )
    .await;
    let reply = app
        .call(
            "mailProviders:test",
            Some(&admin_key(1)),
            "filterByTk=google",
            Some(json!({})),
        )
        .await;
    assert_eq!(reply.json["data"]["code"], "REDIRECT_URI_MISMATCH");

    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    settings.providers.google.token_url = format!("http://{}/token", closed.local_addr().unwrap());
    drop(closed);
    let app = spawn_with(db, settings).await;
    update(
        &app,
        "google",
        json!({"clientId": "google-client", "clientSecret": SECRET}),
    )
    .await;
    let reply = app
        .call(
            "mailProviders:test",
            Some(&admin_key(1)),
            "filterByTk=google",
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["data"]["code"], "PROVIDER_UNREACHABLE");
}

/// IMAP's row takes the rules for user-named servers and nothing of an OAuth app; it is
/// enabled without a client, and its rules keep what an update leaves out.
async fn imap_rules_are_the_admins(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let reply = update(&app, "imap", json!({"clientId": "x"})).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.text.contains("clientId"), "{}", reply.text);
    let reply = update(&app, "google", json!({"allowedHosts": ["example.com"]})).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let reply = update(
        &app,
        "imap",
        json!({"enabled": true, "allowedHosts": " Mail.Example.COM., fastmail.com ,,"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json["data"][0]["allowedHosts"],
        json!(["mail.example.com", "fastmail.com"])
    );
    let reply = update(&app, "imap", json!({"allowPlaintext": true})).await;
    let row = &reply.json["data"][0];
    assert_eq!(row["enabled"], true, "{}", reply.text);
    assert_eq!(row["allowPlaintext"], true);
    assert_eq!(
        row["allowedHosts"],
        json!(["mail.example.com", "fastmail.com"])
    );
    for bad in [
        json!({"allowedHosts": ["imap.example.com/x"]}),
        json!({"allowPlaintext": "yes"}),
    ] {
        let reply = update(&app, "imap", bad).await;
        assert_eq!(reply.status, 400, "{}", reply.text);
    }
    let reply = app
        .call(
            "mailProviders:test",
            Some(&admin_key(1)),
            "filterByTk=imap",
            None,
        )
        .await;
    assert_eq!(reply.error_code(), "PROVIDER_NOT_OAUTH", "{}", reply.text);
    let reply = app
        .call(
            "mailAccounts:authorize",
            Some(&user_token(5)),
            "",
            Some(json!({"provider": "imap", "returnUrl": "http://localhost:13000/admin"})),
        )
        .await;
    assert_eq!(reply.error_code(), "PROVIDER_NOT_OAUTH", "{}", reply.text);
}
both_backends!(imap_rules, imap_rules_are_the_admins);
