//! `mailSignatures`: each user's HTML signatures, cleaned; one default per mailbox,
//! per send-as address and overall, which `mailAccounts` shows per identity as
//! `signatureId`; Gmail's own per-alias signature imported; nobody else's to read,
//! change or attach to their mailbox.

use crate::common;

use common::oauth::{Wired, param, wired_syncing};
use common::tokens::user_token;
use common::{Backend, Reply};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn call(w: &Wired, user: i64, action: &str, query: &str, values: Option<Value>) -> Reply {
    w.app
        .call(action, Some(&user_token(user)), query, values)
        .await
}

async fn create(w: &Wired, values: Value) -> Value {
    let reply = call(w, 7, "mailSignatures:create", "", Some(values)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].clone()
}

/// The `signatureId` of each identity of the account, by address.
async fn signature_ids(w: &Wired, account: i64) -> Vec<(String, Value)> {
    w.account(&account.to_string()).await["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["address"].as_str().unwrap().to_string(),
                i["signatureId"].clone(),
            )
        })
        .collect()
}

async fn signatures_per_mailbox_and_alias(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let me = "sig@gmail.test";
    w.mailbox("google", me, 0).await;
    w.control(
        &format!("/users/{me}/send-as"),
        json!({"aliases": [{"address": "sales@acme.test", "name": "Sales",
            "signature": "<p>Acme <b>Sales</b><script>steal()</script></p>"}]}),
    )
    .await;
    let outcome = w.connect(&user_token(7), "google", me).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let started = Instant::now();
    while signature_ids(&w, account).await.len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "aliases never listed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        signature_ids(&w, account)
            .await
            .iter()
            .all(|(_, id)| id.is_null())
    );

    let general = create(
        &w,
        json!({"name": "Everywhere", "html": "<p>Ann<img src=\"x\" onerror=\"steal()\"></p>", "isDefault": true}),
    )
    .await;
    assert!(
        !general["html"].as_str().unwrap().contains("onerror"),
        "{general}"
    );
    assert_eq!(general["placement"], "belowQuote");
    assert_eq!(
        signature_ids(&w, account).await,
        [
            (me.to_string(), general["id"].clone()),
            ("sales@acme.test".into(), general["id"].clone())
        ],
        "the general default stands in for every identity"
    );

    let mailbox = create(
        &w,
        json!({"name": "This mailbox", "html": "<p>Ann, Gmail</p>", "accountId": account, "isDefault": true, "placement": "aboveQuote"}),
    )
    .await;
    let imported = create(
        &w,
        json!({"name": "Sales (Gmail)", "accountId": account, "identity": "Sales@Acme.test", "importFromProvider": true, "isDefault": true}),
    )
    .await;
    assert_eq!(
        imported["html"], "<p>Acme <b>Sales</b></p>",
        "imported and cleaned"
    );
    assert_eq!(imported["identity"], "sales@acme.test");
    assert_eq!(
        signature_ids(&w, account).await,
        [
            (me.to_string(), mailbox["id"].clone()),
            ("sales@acme.test".into(), imported["id"].clone())
        ]
    );

    // A second default for the mailbox takes the first one's place.
    let newer = create(
        &w,
        json!({"name": "Newer", "html": "<p>Ann (new)</p>", "accountId": account, "isDefault": true}),
    )
    .await;
    let old = call(
        &w,
        7,
        "mailSignatures:get",
        &format!("filterByTk={}", mailbox["id"]),
        None,
    )
    .await;
    assert_eq!(old.json["data"]["isDefault"], false, "{}", old.text);
    assert_eq!(signature_ids(&w, account).await[0].1, newer["id"]);

    let listed = call(
        &w,
        7,
        "mailSignatures:list",
        &format!("filter={{\"accountId\":{account}}}"),
        None,
    )
    .await;
    assert_eq!(listed.json["meta"]["count"], 3, "{}", listed.text);
    let all = call(&w, 7, "mailSignatures:list", "", None).await;
    assert_eq!(all.json["meta"]["count"], 4, "{}", all.text);
    let updated = call(
        &w,
        7,
        "mailSignatures:update",
        &format!("filterByTk={}", general["id"]),
        Some(json!({"placement": "aboveQuote"})),
    )
    .await;
    assert_eq!(
        updated.json["data"][0]["placement"], "aboveQuote",
        "{}",
        updated.text
    );
    assert_eq!(
        updated.json["data"][0]["name"], "Everywhere",
        "other fields kept"
    );

    // Refusals name the field.
    for (values, field) in [
        (
            json!({"name": "x", "html": "<p>x</p>", "identity": "sales@acme.test"}),
            "identity",
        ),
        (
            json!({"name": "x", "html": "<p>x</p>", "accountId": account, "identity": "ceo@acme.test"}),
            "identity",
        ),
        (
            json!({"name": "x", "html": "<p>x</p>", "placement": "middle"}),
            "placement",
        ),
        (json!({"name": "", "html": "<p>x</p>"}), "name"),
        (json!({"name": "x"}), "html"),
        (
            json!({"name": "x", "accountId": account, "importFromProvider": true}),
            "importFromProvider",
        ),
    ] {
        let refused = call(&w, 7, "mailSignatures:create", "", Some(values)).await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert!(refused.text.contains(field), "{field}: {}", refused.text);
    }
    let bad_filter = call(
        &w,
        7,
        "mailSignatures:list",
        "filter={\"name\":\"x\"}",
        None,
    )
    .await;
    assert_eq!(bad_filter.error_code(), "INVALID_FILTER");

    // Another user: sees none of them, changes none, cannot hang one on this mailbox.
    let id = general["id"].clone();
    let other = call(
        &w,
        8,
        "mailSignatures:get",
        &format!("filterByTk={id}"),
        None,
    )
    .await;
    assert!(other.json["data"].is_null(), "{}", other.text);
    let other = call(&w, 8, "mailSignatures:list", "", None).await;
    assert_eq!(other.json["meta"]["count"], 0);
    let other = call(
        &w,
        8,
        "mailSignatures:update",
        &format!("filterByTk={id}"),
        Some(json!({"name": "mine"})),
    )
    .await;
    assert_eq!(other.json["data"], json!([]), "{}", other.text);
    let other = call(
        &w,
        8,
        "mailSignatures:destroy",
        &format!("filterByTk={id}"),
        None,
    )
    .await;
    assert_eq!(other.json["data"], 0);
    let other = call(
        &w,
        8,
        "mailSignatures:create",
        "",
        Some(json!({"name": "x", "html": "x", "accountId": account})),
    )
    .await;
    assert_eq!(other.status, 400, "{}", other.text);
    assert!(other.text.contains("accountId"));

    // The mailbox goes: its signatures stay the user's, for any mailbox, not defaults.
    let gone = call(
        &w,
        7,
        "mailAccounts:destroy",
        &format!("filterByTk={account}"),
        None,
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.text);
    let kept = call(
        &w,
        7,
        "mailSignatures:get",
        &format!("filterByTk={}", imported["id"]),
        None,
    )
    .await;
    assert!(kept.json["data"]["accountId"].is_null(), "{}", kept.text);
    assert_eq!(kept.json["data"]["isDefault"], false);
    let removed = call(
        &w,
        7,
        "mailSignatures:destroy",
        &format!("filterByTk={}", imported["id"]),
        None,
    )
    .await;
    assert_eq!(removed.json["data"], 1);
}
both_backends!(per_mailbox_and_alias, signatures_per_mailbox_and_alias);
