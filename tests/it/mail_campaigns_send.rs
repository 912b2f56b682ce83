//! Mail merge through the API (#25): a campaign made from selected NocoBase records (read
//! as the caller: NocoBase's ACL decides), each recipient its own message filled from
//! its record and sent through the provider once, paced to the mailbox's daily limit;
//! records that cannot be mailed are listed with the reason; nobody but the owner sees
//! the campaign.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_with};
use common::stubs::{CheckAnswer, StubNocobase};
use common::tokens::user_token;
use mail_parser::MessageParser;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(crate) const OWNER: i64 = 7;
pub(crate) const MAILBOX: &str = "ann@acme.test";

/// NocoBase's answer for user `id` acting as `role`.
pub(crate) fn user_as(id: i64, role: &'static str) -> CheckAnswer {
    CheckAnswer::User {
        id: json!(id),
        roles: vec![role],
        new_token: None,
    }
}

fn user(id: i64) -> CheckAnswer {
    user_as(id, "member")
}

/// A user's token, the same one each time (the stub's ACL lists readers by token).
pub(crate) fn token(user: i64) -> String {
    static TOKENS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<i64, String>>> =
        std::sync::OnceLock::new();
    TOKENS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(user)
        .or_insert_with(|| user_token(user))
        .clone()
}

pub(crate) async fn call(
    w: &Wired,
    user: i64,
    action: &str,
    query: &str,
    values: Option<Value>,
) -> common::Reply {
    w.app.call(action, Some(&token(user)), query, values).await
}

/// The service beside a stub NocoBase (which knows `OWNER` and user 8) with `tweak`ed
/// settings, and the owner's Gmail mailbox connected: the stub, the service, the account.
pub(crate) async fn owner_with_mailbox(
    tweak: impl FnOnce(&mut email_manager::config::Settings) + Send + 'static,
) -> Option<(StubNocobase, Wired, i64)> {
    let nocobase = StubNocobase::start();
    nocobase.answer_by_claims();
    let url = nocobase.url.clone();
    let w = wired_with(Backend::Sqlite, move |settings| {
        settings.nocobase.url = Some(url);
        tweak(settings);
    })
    .await?;
    let (owner, other) = (token(OWNER), token(8));
    nocobase.answer(&owner, user(OWNER));
    nocobase.answer(&other, user(8));
    w.mailbox("google", MAILBOX, 0).await;
    let connected = w.connect(&owner, "google", MAILBOX).await;
    let account: i64 = param(&connected, "mailAccountId").unwrap().parse().unwrap();
    Some((nocobase, w, account))
}

/// A personal template of the owner's; its id.
pub(crate) async fn template(w: &Wired, subject: &str, html: &str) -> i64 {
    call(
        w,
        OWNER,
        "mailTemplates:create",
        "",
        Some(json!({"name": "Offer", "subject": subject, "html": html})),
    )
    .await
    .json["data"]["id"]
        .as_i64()
        .unwrap()
}

/// `mailCampaigns:update` of `status`, as `user`.
pub(crate) async fn set_status(w: &Wired, user: i64, id: i64, status: &str) -> common::Reply {
    call(
        w,
        user,
        "mailCampaigns:update",
        &format!("filterByTk={id}"),
        Some(json!({ "status": status })),
    )
    .await
}

pub(crate) async fn campaign(w: &Wired, id: i64) -> Value {
    call(
        w,
        OWNER,
        "mailCampaigns:get",
        &format!("filterByTk={id}"),
        None,
    )
    .await
    .json["data"]
        .clone()
}

pub(crate) async fn recipients(w: &Wired, id: i64, status: &str) -> Vec<Value> {
    let filter = common::urlencode(&json!({"campaignId": id, "status": status}).to_string());
    let reply = call(
        w,
        OWNER,
        "mailCampaignRecipients:list",
        &format!("filter={filter}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().clone()
}

/// A Workspace mailbox (2 a day here) mails the selected customers: the ones NocoBase
/// shows with an address get "Dear <name>" from the owner; the two the limit allows go,
/// once each; the rest wait for tomorrow; the unmailable are listed, not dropped.
#[tokio::test]
async fn a_campaign_mails_each_selected_record_once_within_the_daily_limit() {
    let Some((nocobase, w, account)) = owner_with_mailbox(|settings| {
        settings.sync.enabled = true;
        settings.sync.interval_secs = 3600;
        settings.campaigns.gmail_per_day = 2;
    })
    .await
    else {
        return;
    };
    let (owner, other) = (token(OWNER), token(8));

    let customer = |key: &str, readers: &[&str], value: Value| {
        nocobase.record("customers", key, readers, value)
    };
    customer(
        "1",
        &[&owner],
        json!({"id": 1, "name": "Zoë", "email": "zoe@northwind.test"}),
    );
    customer(
        "2",
        &[&owner],
        json!({"id": 2, "name": "Yann", "email": "yann@northwind.test"}),
    );
    customer("3", &[&owner], json!({"id": 3, "name": "Xu", "email": ""}));
    customer(
        "4",
        &[&other],
        json!({"id": 4, "name": "Hidden", "email": "hidden@northwind.test"}),
    );
    customer(
        "5",
        &[&owner],
        json!({"id": 5, "name": "Wim", "email": "ZOE@northwind.test"}),
    );
    customer(
        "6",
        &[&owner],
        json!({"id": 6, "email": "vera@northwind.test"}),
    );
    customer(
        "7",
        &[&owner],
        json!({"id": 7, "name": "Una", "email": "una@northwind.test"}),
    );
    let template = template(
        &w,
        "Offer for {{$nRecord.name}}",
        "<p>Dear {{$nRecord.name}},</p><p>our offer.</p><p>{{$user.nickname}}</p>",
    )
    .await;

    let created = call(&w, OWNER, "mailCampaigns:create", "", Some(json!({
        "accountId": account, "templateId": template,
        "source": {"collection": "customers", "ids": [1, 2, 3, 4, 5, 6, 7, 2], "emailField": "email"},
    })))
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json["data"]["id"].as_i64().unwrap();
    assert_eq!(created.json["data"]["status"], "draft");
    assert_eq!(
        created.json["data"]["counts"],
        json!({"queued": 3, "sent": 0, "failed": 0, "skipped": 4}),
        "1, 2, 7 queued; no address, not readable, the same address again, no name for the template skipped"
    );
    let skipped: Vec<(String, String)> = recipients(&w, id, "skipped")
        .await
        .iter()
        .map(|r| {
            (
                r["recordId"].as_str().unwrap().to_string(),
                r["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert!(
        skipped[3].1.contains("$nRecord.name"),
        "a variable the record cannot fill: {skipped:?}"
    );
    assert!(
        skipped[0].1.contains("no usable address in email"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].1.contains("does not let you read"),
        "{skipped:?}"
    );
    assert!(skipped[2].1.contains("same address"), "{skipped:?}");
    assert_eq!(w.sent(MAILBOX).await.len(), 0, "a draft sends nothing");

    // Nobody else sees it or can start it.
    assert_eq!(
        call(
            &w,
            8,
            "mailCampaigns:get",
            &format!("filterByTk={id}"),
            None
        )
        .await
        .json["data"],
        Value::Null
    );
    let started = set_status(&w, 8, id, "running").await;
    assert_eq!(started.json["data"], json!([]));

    let started = set_status(&w, OWNER, id, "running").await;
    assert_eq!(
        started.json["data"][0]["status"], "running",
        "{}",
        started.text
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let counts = campaign(&w, id).await["counts"].clone();
        if counts["sent"] == 2 && counts["skipped"] == 4 {
            break;
        }
        assert!(Instant::now() < deadline, "{counts}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The day's allowance is used: Una waits, however long we look.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let now = campaign(&w, id).await;
    assert_eq!(now["status"], "running");
    assert_eq!(
        now["counts"],
        json!({"queued": 1, "sent": 2, "failed": 0, "skipped": 4})
    );
    let waiting = recipients(&w, id, "queued").await;
    assert_eq!(waiting[0]["address"], "una@northwind.test");
    let sent = w.sent(MAILBOX).await;
    assert_eq!(sent.len(), 2, "each once");
    let mut seen = Vec::new();
    for raw in &sent {
        let message = MessageParser::default().parse(raw).unwrap();
        let to: Vec<String> = message
            .to()
            .unwrap()
            .iter()
            .filter_map(|a| a.address().map(str::to_string))
            .collect();
        assert_eq!(to.len(), 1, "one recipient a message");
        let name = if to[0] == "zoe@northwind.test" {
            "Zoë"
        } else {
            "Yann"
        };
        assert_eq!(
            message.subject(),
            Some(format!("Offer for {name}").as_str())
        );
        let html = message.body_html(0).unwrap();
        assert!(html.contains(&format!("Dear {name},")), "{html}");
        assert!(
            html.contains(&StubNocobase::nickname(OWNER)),
            "$user: {html}"
        );
        seen.push(to[0].clone());
    }
    seen.sort();
    assert_eq!(seen, ["yann@northwind.test", "zoe@northwind.test"]);

    // Paused, then cancelled: Una is skipped, and nothing more goes.
    let paused = set_status(&w, OWNER, id, "paused").await;
    assert_eq!(
        paused.json["data"][0]["status"], "paused",
        "{}",
        paused.text
    );
    let removed = call(
        &w,
        OWNER,
        "mailCampaigns:destroy",
        &format!("filterByTk={id}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (removed.status, removed.error_code()),
        (409, "CAMPAIGN_STATUS"),
        "only a draft goes"
    );
    let cancelled = set_status(&w, OWNER, id, "cancelled").await;
    assert_eq!(
        cancelled.json["data"][0]["counts"],
        json!({"queued": 0, "sent": 2, "failed": 0, "skipped": 5})
    );
    let again = set_status(&w, OWNER, id, "running").await;
    assert_eq!((again.status, again.error_code()), (409, "CAMPAIGN_STATUS"));
    assert_eq!(w.sent(MAILBOX).await.len(), 2);
}

/// Bad campaigns are refused naming the field, and lose nothing.
#[tokio::test]
async fn a_campaign_without_a_usable_source_is_refused() {
    // The stub NocoBase answers for as long as it is held.
    let Some((_nocobase, w, account)) = owner_with_mailbox(|_| {}).await else {
        return;
    };
    let template = template(&w, "Hi", "<p>Hi</p>").await;
    for (source, field) in [
        (json!(null), "source"),
        (
            json!({"collection": "customers", "emailField": "email"}),
            "source",
        ),
        (
            json!({"collection": "customers", "ids": [1], "filter": {}, "emailField": "email"}),
            "source",
        ),
        (
            json!({"collection": "no such/thing", "ids": [1], "emailField": "email"}),
            "source",
        ),
        (
            json!({"collection": "customers", "ids": [], "emailField": "email"}),
            "source",
        ),
        (json!({"collection": "customers", "ids": [1]}), "source"),
    ] {
        let reply = call(
            &w,
            OWNER,
            "mailCampaigns:create",
            "",
            Some(json!({"accountId": account, "templateId": template, "source": source})),
        )
        .await;
        assert_eq!(reply.status, 400, "{source}: {}", reply.text);
        assert!(reply.text.contains(field), "{source}: {}", reply.text);
    }
    let reply = call(&w, OWNER, "mailCampaigns:create", "", Some(json!({"accountId": account, "templateId": template + 99, "source": {"collection": "customers", "ids": [1], "emailField": "email"}}))).await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (404, "TEMPLATE_NOT_FOUND")
    );
    let reply = call(&w, OWNER, "mailCampaigns:create", "", Some(json!({"accountId": account, "from": "ceo@elsewhere.test", "templateId": template, "source": {"collection": "customers", "ids": [1], "emailField": "email"}}))).await;
    assert_eq!((reply.status, reply.error_code()), (400, "INVALID_FROM"));
    let listed = call(&w, OWNER, "mailCampaigns:list", "", None).await;
    assert_eq!(listed.json["meta"]["count"], 0, "{}", listed.text);
}

/// "All that match": a filter's records as NocoBase lists them to the caller (a record
/// its ACL hides is not among them), and a filter matching more than a campaign may hold
/// is refused, not cut short.
#[tokio::test]
async fn a_campaign_to_all_records_that_match_a_filter() {
    let Some((nocobase, w, account)) = owner_with_mailbox(|settings| {
        settings.campaigns.max_recipients = 3;
    })
    .await
    else {
        return;
    };
    let (owner, other) = (token(OWNER), token(8));
    let customer = |key: &str, readers: &[&str], value: Value| {
        nocobase.record("customers", key, readers, value)
    };
    customer(
        "1",
        &[&owner],
        json!({"id": 1, "name": "Ola", "city": "Oslo", "email": "ola@fjord.test"}),
    );
    customer(
        "2",
        &[&owner],
        json!({"id": 2, "name": "Kari", "city": "Oslo", "email": "kari@fjord.test"}),
    );
    customer(
        "3",
        &[&other],
        json!({"id": 3, "name": "Hidden", "city": "Oslo", "email": "hidden@fjord.test"}),
    );
    customer(
        "4",
        &[&owner],
        json!({"id": 4, "name": "Per", "city": "Bergen", "email": "per@fjord.test"}),
    );
    for key in 5..=8 {
        customer(
            &key.to_string(),
            &[&owner],
            json!({"id": key, "name": "Many", "city": "Tromsø", "email": format!("m{key}@fjord.test")}),
        );
    }
    let template = template(&w, "Hei {{$nRecord.name}}", "<p>Hei</p>").await;
    let create = |filter: Value| {
        call(
            &w,
            OWNER,
            "mailCampaigns:create",
            "",
            Some(json!({
                "accountId": account, "templateId": template,
                "source": {"collection": "customers", "filter": filter, "emailField": "email"},
            })),
        )
    };
    let oslo = create(json!({"city": {"$eq": "Oslo"}})).await;
    assert_eq!(oslo.status, 200, "{}", oslo.text);
    assert_eq!(oslo.json["data"]["counts"]["queued"], 2, "{}", oslo.text);
    let id = oslo.json["data"]["id"].as_i64().unwrap();
    let listed = recipients(&w, id, "queued").await;
    let addresses: Vec<&str> = listed
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["ola@fjord.test", "kari@fjord.test"]);

    let many = create(json!({"city": "Tromsø"})).await;
    assert_eq!(
        (many.status, many.error_code()),
        (400, "TOO_MANY_RECIPIENTS"),
        "{}",
        many.text
    );
    let listed = call(&w, OWNER, "mailCampaigns:list", "", None).await;
    assert_eq!(
        listed.json["meta"]["count"], 1,
        "the refused one is not kept"
    );
}
