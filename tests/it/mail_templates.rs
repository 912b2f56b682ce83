//! `mailTemplates`: personal templates are their owner's alone; shared ones are written
//! by admins and shown to the roles they name; `render` fills `$nRecord` from a record
//! read from NocoBase with the caller's own token and role (NocoBase's ACL decides), so
//! a template never shows a record the caller could not open in NocoBase; what cannot be
//! filled is listed, never sent.

use crate::common;

use common::stubs::{CheckAnswer, StubNocobase};
use common::{Backend, Reply, TestApp, TestDb, spawn_with, test_settings, tokens};
use serde_json::{Value, json};

async fn app(backend: Backend, nocobase: &StubNocobase) -> Option<TestApp> {
    let db = TestDb::create(backend)?;
    let mut settings = test_settings(&db);
    settings.nocobase.url = Some(nocobase.url.clone());
    Some(spawn_with(db, settings).await)
}

fn user(id: i64, roles: Vec<&'static str>) -> CheckAnswer {
    CheckAnswer::User {
        id: json!(id),
        roles,
        new_token: None,
    }
}

async fn call(
    app: &TestApp,
    token: &str,
    action: &str,
    query: &str,
    values: Option<Value>,
) -> Reply {
    let url = if query.is_empty() {
        format!("{}/api/{action}", app.address)
    } else {
        format!("{}/api/{action}?{query}", app.address)
    };
    let request = match values {
        Some(values) => app.http.post(url).json(&values),
        None => app.http.get(url),
    };
    let request = request
        .bearer_auth(token)
        .header("X-Role", "sales")
        .header("X-Timezone", "+08:00");
    common::read(request.send().await.unwrap()).await
}

fn names(reply: &Reply) -> Vec<String> {
    reply.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

async fn templates_are_scoped_and_filled_as_the_caller(backend: Backend) {
    let nocobase = StubNocobase::start();
    let Some(app) = app(backend, &nocobase).await else {
        return;
    };
    let (admin, sales, support) = (
        tokens::user_token(1),
        tokens::user_token(2),
        tokens::user_token(3),
    );
    nocobase.answer(&admin, user(1, vec!["admin"]));
    nocobase.answer(&sales, user(2, vec!["sales"]));
    nocobase.answer(&support, user(3, vec!["support"]));

    let offer = call(
        &app,
        &sales,
        "mailTemplates:create",
        "",
        Some(json!({
            "name": "Offer",
            "subject": "Offer for {{$nRecord.name}}",
            "html": "<p>Dear {{ $nRecord.contact.name }},</p><p><a href=\"{{$nRecord.website}}\">our site</a> {{$nRecord.phone}}</p>\
<p>{{$user.nickname}} to {{$recipient.name}}, {{$nDate.today}}</p><script>steal()</script>",
        })),
    )
    .await;
    assert_eq!(offer.status, 200, "{}", offer.text);
    let offer = offer.json["data"].clone();
    assert_eq!(offer["scope"], "personal");
    assert_eq!(offer["editable"], true);
    // The compose form's template editor sends its empty roles field with a personal
    // template; roles named on one are refused.
    for (roles, status) in [(json!([]), 200), (json!(["member"]), 400)] {
        let reply = call(
            &app,
            &sales,
            "mailTemplates:create",
            "",
            Some(json!({"name": "Mine", "subject": "s", "html": "<p>x</p>", "scope": "personal", "roles": roles})),
        )
        .await;
        assert_eq!(reply.status, status, "{roles}: {}", reply.text);
        if status == 200 {
            let id = reply.json["data"]["id"].clone();
            call(
                &app,
                &sales,
                "mailTemplates:destroy",
                &format!("filterByTk={id}"),
                Some(json!({})),
            )
            .await;
        }
    }
    let stored = offer["html"].as_str().unwrap();
    assert!(
        stored.contains("href=\"{{$nRecord.website}}\"") && !stored.contains("steal"),
        "{stored}"
    );

    let refused = call(
        &app,
        &sales,
        "mailTemplates:create",
        "",
        Some(json!({"name": "Mine", "scope": "shared"})),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let welcome = call(
        &app,
        &admin,
        "mailTemplates:create",
        "",
        Some(json!({"name": "Welcome", "scope": "shared", "roles": ["sales"], "subject": "Welcome", "html": "<p>Hi</p>"})),
    )
    .await;
    assert_eq!(welcome.status, 200, "{}", welcome.text);
    let welcome_id = welcome.json["data"]["id"].clone();

    let listed = call(&app, &sales, "mailTemplates:list", "", None).await;
    assert_eq!(names(&listed), ["Offer", "Welcome"], "{}", listed.text);
    assert_eq!(listed.json["data"][1]["editable"], false);
    let listed = call(&app, &support, "mailTemplates:list", "", None).await;
    assert!(names(&listed).is_empty(), "{}", listed.text);
    let listed = call(&app, &admin, "mailTemplates:list", "", None).await;
    assert_eq!(
        names(&listed),
        ["Welcome"],
        "an admin does not see a user's personal templates"
    );

    let seen = call(
        &app,
        &support,
        "mailTemplates:get",
        &format!("filterByTk={}", offer["id"]),
        None,
    )
    .await;
    assert!(seen.json["data"].is_null(), "{}", seen.text);
    let changed = call(
        &app,
        &support,
        "mailTemplates:update",
        &format!("filterByTk={}", offer["id"]),
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(changed.json["data"], json!([]), "{}", changed.text);
    let changed = call(
        &app,
        &sales,
        "mailTemplates:update",
        &format!("filterByTk={welcome_id}"),
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(changed.status, 403, "{}", changed.text);
    let removed = call(
        &app,
        &sales,
        "mailTemplates:destroy",
        &format!("filterByTk={welcome_id}"),
        None,
    )
    .await;
    assert_eq!(removed.status, 403, "{}", removed.text);

    // The record: sales may read it in NocoBase, support may not.
    nocobase.record(
        "customers",
        "42",
        &[&sales],
        json!({"name": "Acme <GmbH>", "contact": {"name": "Zoë"}, "website": "https://acme.test/?a=1&b=2"}),
    );
    let rendered = call(
        &app,
        &sales,
        "mailTemplates:render",
        "",
        Some(json!({"templateId": offer["id"], "record": {"collection": "customers", "filterByTk": 42},
                    "variables": {"$recipient": {"name": "Zoë Ünal"}}})),
    )
    .await;
    assert_eq!(rendered.status, 200, "{}", rendered.text);
    let data = &rendered.json["data"];
    assert_eq!(data["subject"], "Offer for Acme <GmbH>");
    let html = data["html"].as_str().unwrap();
    assert!(html.contains("Dear Zoë,"), "{html}");
    assert!(
        html.contains("href=\"https://acme.test/?a=1&amp;b=2\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("{} to Zoë Ünal, 20", StubNocobase::nickname(2))),
        "$user from auth:check, $nDate: {html}"
    );
    assert_eq!(data["missing"], json!(["$nRecord.phone"]));
    assert!(
        data["text"]
            .as_str()
            .unwrap()
            .starts_with("Dear Zoë,\n\nour site <https://acme.test/?a=1&b=2>"),
        "{}",
        data["text"]
    );
    let read = nocobase.last_record_read();
    assert_eq!(
        read.get("authorization").map(String::as_str),
        Some(format!("Bearer {sales}").as_str())
    );
    assert_eq!(read.get("x-role").map(String::as_str), Some("sales"));

    let forbidden = call(
        &app,
        &support,
        "mailTemplates:render",
        "",
        Some(json!({"subject": "{{$nRecord.name}}", "html": "", "record": {"collection": "customers", "filterByTk": "42"}})),
    )
    .await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.text);
    assert_eq!(forbidden.error_code(), "RECORD_NOT_READABLE");
    assert!(!forbidden.text.contains("Acme"));
    let missing = call(
        &app,
        &sales,
        "mailTemplates:render",
        "",
        Some(json!({"html": "x", "record": {"collection": "customers", "filterByTk": 7}})),
    )
    .await;
    assert_eq!(missing.error_code(), "RECORD_NOT_FOUND", "{}", missing.text);
    let not_theirs = call(
        &app,
        &support,
        "mailTemplates:render",
        "",
        Some(json!({"templateId": offer["id"]})),
    )
    .await;
    assert_eq!(
        not_theirs.error_code(),
        "TEMPLATE_NOT_FOUND",
        "{}",
        not_theirs.text
    );
    let bad = call(
        &app,
        &sales,
        "mailTemplates:render",
        "",
        Some(json!({"html": "x", "record": {"collection": "../users", "filterByTk": 1}})),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("record"));
}
both_backends!(
    scoped_and_filled,
    templates_are_scoped_and_filled_as_the_caller
);

/// "Dear {{$recipient.name}}" with only an address typed in the To: the name this
/// address went by in the caller's own mail, never in another user's.
#[tokio::test]
async fn a_typed_address_gets_the_name_it_went_by_in_the_callers_own_mail() {
    use base64::Engine;
    let w = common::oauth::wired_syncing(Backend::Sqlite).await.unwrap();
    let email = "names@gmail.test";
    w.mailbox("google", email, 0).await;
    let raw = "From: Carl Jung <carl@globex.test>\r\nTo: names@gmail.test\r\nSubject: Hello\r\n\
Date: Thu, 05 Nov 2026 10:00:00 +0000\r\nMessage-ID: <n-1@globex.test>\r\n\r\nHi\r\n";
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"raw": base64::engine::general_purpose::STANDARD.encode(raw)}),
    )
    .await;
    w.connect(&tokens::user_token(7), "google", email).await;
    w.wait_listed(1, "").await;
    let values = json!({"subject": "Dear {{$recipient.name}}", "html": "<p>{{$recipient.address}}</p>",
        "variables": {"$recipient": {"name": null, "address": "Carl@Globex.test"}}});
    let render = |user: i64| {
        let values = values.clone();
        let app = &w.app;
        async move {
            let token = tokens::user_token(user);
            app.call("mailTemplates:render", Some(&token), "", Some(values))
                .await
        }
    };
    let mine = render(7).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(
        mine.json["data"]["subject"], "Dear Carl Jung",
        "{}",
        mine.text
    );
    assert_eq!(mine.json["data"]["missing"], json!([]));
    let theirs = render(8).await;
    assert_eq!(theirs.json["data"]["subject"], "Dear {{$recipient.name}}");
    assert_eq!(theirs.json["data"]["missing"], json!(["$recipient.name"]));
}
