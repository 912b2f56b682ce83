//! Labels (`mailLabels`, #24): Gmail's user labels and Outlook's categories, listed per
//! mailbox with their colours, carried by messages as `labelIds` and filtered on; created,
//! renamed (Gmail only: Outlook keeps a category's name), recoloured, put on, taken off
//! and deleted at the provider first, then here. Checked against the emulator's own view
//! of each mailbox.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_with};
use common::tokens::{api_key, user_token};
use serde_json::{Value, json};
use std::time::Duration;

async fn call(
    w: &Wired,
    user: i64,
    action: &str,
    query: &str,
    body: Option<Value>,
) -> common::Reply {
    w.app
        .call(action, Some(&user_token(user)), query, body)
        .await
}

/// `mailLabels:create` with `values`, as `user`.
async fn create(w: &Wired, user: i64, values: Value) -> common::Reply {
    call(w, user, "mailLabels:create", "", Some(values)).await
}

/// `mailLabels:update` of label `id` with `values`, as `user`.
async fn change(w: &Wired, user: i64, id: i64, values: Value) -> common::Reply {
    call(
        w,
        user,
        "mailLabels:update",
        &format!("filterByTk={id}"),
        Some(values),
    )
    .await
}

/// Bea (user 8) acting with NocoBase's `member` role, the role mailboxes are shared with.
async fn as_member(w: &Wired, action: &str, query: &str, body: Option<Value>) -> common::Reply {
    w.app
        .call(action, Some(&api_key(8, "member")), query, body)
        .await
}

async fn labels_of(w: &Wired, account: i64) -> Vec<Value> {
    let filter = common::urlencode(&json!({"accountId": account}).to_string());
    let reply = call(
        w,
        7,
        "mailLabels:list",
        &format!("filter={filter}&pageSize=200"),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().clone()
}

/// Messages of `account` carrying `label` (by the API's filter).
async fn tagged(w: &Wired, account: i64, label: i64) -> Vec<Value> {
    let filter = json!({"$and": [{"accountId": account}, {"labelIds": {"$includes": label}}]});
    let query = format!(
        "filter={}&pageSize=200",
        common::urlencode(&filter.to_string())
    );
    let reply = call(w, 7, "mailMessages:list", &query, None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().clone()
}

/// Whether the provider's own copy of the message (by provider id) carries the label:
/// Gmail by label id, Outlook by category name.
async fn at_provider(w: &Wired, email: &str, provider: &str, message: &str, label: &Value) -> bool {
    let truth = w.truth(email).await;
    let row = truth
        .iter()
        .find(|m| m["id"] == message)
        .unwrap_or_else(|| panic!("{message} not at the provider"));
    match provider {
        "google" => row["labels"]
            .as_array()
            .unwrap()
            .contains(&label["providerId"]),
        _ => row["categories"]
            .as_array()
            .unwrap()
            .contains(&label["name"]),
    }
}

async fn provider_id_of(w: &Wired, id: i64) -> String {
    w.app.db.query_texts(&format!(
        "SELECT provider_message_id AS value FROM mail_messages WHERE id = {id}"
    ))[0]
        .clone()
        .unwrap()
}

async fn labels_live_at_the_provider_and_on_messages(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.enabled = true;
        s.sync.interval_secs = 3600;
    })
    .await
    else {
        return;
    };
    for (provider, email) in [
        ("google", "lab@gmail.test"),
        ("microsoft", "lab@contoso.test"),
    ] {
        w.mailbox(provider, email, 40).await;
        let outcome = w.connect(&user_token(7), provider, email).await;
        let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
        w.synced_after(account, None, Duration::from_secs(90)).await;

        // Synced: the mailbox's labels with their colours, and the messages that carry
        // one are exactly those the provider files under it.
        let listed = labels_of(&w, account).await;
        let invoices = listed
            .iter()
            .find(|l| l["name"] == "Invoices")
            .unwrap_or_else(|| panic!("{provider}: no Invoices label in {listed:?}"))
            .clone();
        assert_eq!(invoices["kind"], "user", "{provider}");
        assert_eq!(invoices["accountId"], account, "{provider}");
        if provider == "microsoft" {
            // preset4 (green) in the shared palette.
            assert_eq!(invoices["color"], "#16a766", "{provider}");
            assert!(
                listed
                    .iter()
                    .any(|l| l["name"] == "Blue category" && l["color"] == "#4a86e8"),
                "{listed:?}"
            );
        }
        let truth = w.truth(email).await;
        let filed = truth
            .iter()
            .filter(|m| match provider {
                "google" => m["labels"]
                    .as_array()
                    .unwrap()
                    .contains(&invoices["providerId"]),
                _ => m["categories"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("Invoices")),
            })
            .count();
        let invoice_id = invoices["id"].as_i64().unwrap();
        let rows = tagged(&w, account, invoice_id).await;
        assert!(filed > 0, "{provider}: the seed files no invoices");
        assert_eq!(rows.len(), filed, "{provider}: labelled rows");
        assert!(rows.iter().all(|m| {
            m["labelIds"]
                .as_array()
                .unwrap()
                .contains(&json!(invoice_id))
        }));

        // Create: at the provider first, then listed; names unique without regard to case;
        // colours from the shared palette only.
        let created = create(
            &w,
            7,
            json!({"accountId": account, "name": "Renewals", "color": "#4a86e8"}),
        )
        .await;
        assert_eq!(created.status, 200, "{provider}: {}", created.text);
        let renewals = created.json["data"].clone();
        assert_eq!(
            (renewals["name"].clone(), renewals["color"].clone()),
            (json!("Renewals"), json!("#4a86e8"))
        );
        let again = create(&w, 7, json!({"accountId": account, "name": "renewals"})).await;
        assert_eq!(again.status, 400, "{provider}: {}", again.text);
        let odd = create(
            &w,
            7,
            json!({"accountId": account, "name": "Odd", "color": "#123456"}),
        )
        .await;
        assert_eq!(odd.status, 400, "{provider}: {}", odd.text);
        assert!(
            labels_of(&w, account)
                .await
                .iter()
                .any(|l| l["id"] == renewals["id"])
        );

        // Put on two messages, take off one: the provider's copy follows, so does the filter.
        let renewals_id = renewals["id"].as_i64().unwrap();
        let untagged: Vec<i64> = {
            let filter = json!({"$and": [{"accountId": account}, {"labelIds": {"$empty": true}}]});
            let reply = call(
                &w,
                7,
                "mailMessages:list",
                &format!(
                    "filter={}&pageSize=5",
                    common::urlencode(&filter.to_string())
                ),
                None,
            )
            .await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.json["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_i64().unwrap())
                .collect()
        };
        assert!(untagged.len() >= 2, "{provider}: {untagged:?}");
        let (a, b) = (untagged[0], untagged[1]);
        let put = call(
            &w,
            7,
            "mailMessages:update",
            &format!("filterByTk={a},{b}"),
            Some(json!({"addLabelIds": [renewals_id]})),
        )
        .await;
        assert_eq!(put.status, 200, "{provider}: {}", put.text);
        assert!(
            put.json["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["labelIds"] == json!([renewals_id])),
            "{}",
            put.text
        );
        for id in [a, b] {
            let pid = provider_id_of(&w, id).await;
            assert!(
                at_provider(&w, email, provider, &pid, &renewals).await,
                "{provider}: not put on at the provider"
            );
        }
        assert_eq!(tagged(&w, account, renewals_id).await.len(), 2);
        let off = call(
            &w,
            7,
            "mailMessages:update",
            &format!("filterByTk={a}"),
            Some(json!({"removeLabelIds": [renewals_id]})),
        )
        .await;
        assert_eq!(off.status, 200, "{provider}: {}", off.text);
        let pid = provider_id_of(&w, a).await;
        assert!(
            !at_provider(&w, email, provider, &pid, &renewals).await,
            "{provider}: not taken off at the provider"
        );
        assert_eq!(tagged(&w, account, renewals_id).await.len(), 1);

        // Threads carry their messages' labels.
        let filter =
            json!({"$and": [{"accountId": account}, {"labelIds": {"$in": [renewals_id]}}]});
        let threads = call(
            &w,
            7,
            "mailThreads:list",
            &format!("filter={}", common::urlencode(&filter.to_string())),
            None,
        )
        .await;
        assert_eq!(
            threads.json["meta"]["count"], 1,
            "{provider}: {}",
            threads.text
        );
        assert!(
            threads.json["data"][0]["labelIds"]
                .as_array()
                .unwrap()
                .contains(&json!(renewals_id))
        );

        // Rename: Gmail renames; Outlook keeps a category's name and says so. Recolour: both.
        let rename = change(&w, 7, renewals_id, json!({"name": "Renewals 2027"})).await;
        match provider {
            "google" => {
                assert_eq!(rename.status, 200, "{}", rename.text);
                assert_eq!(rename.json["data"]["name"], "Renewals 2027");
            }
            _ => {
                assert_eq!(rename.status, 422, "{}", rename.text);
                assert_eq!(rename.json["errors"][0]["code"], "LABEL_RENAME_UNSUPPORTED");
            }
        }
        let recolour = change(&w, 7, renewals_id, json!({"color": "#fb4c2f"})).await;
        assert_eq!(recolour.status, 200, "{provider}: {}", recolour.text);
        assert_eq!(recolour.json["data"]["color"], "#fb4c2f");

        // Nobody else sees or touches them: Bea (another user) and a guessed id.
        let theirs = call(&w, 8, "mailLabels:list", "", None).await;
        assert_eq!(theirs.json["meta"]["count"], 0, "{}", theirs.text);
        for action in ["mailLabels:update", "mailLabels:destroy"] {
            let reply = call(
                &w,
                8,
                action,
                &format!("filterByTk={renewals_id}"),
                Some(json!({"color": null})),
            )
            .await;
            assert_eq!(reply.status, 404, "{action}: {}", reply.text);
        }
        let foreign = create(&w, 8, json!({"accountId": account, "name": "Mine"})).await;
        assert_eq!(foreign.status, 400, "{}", foreign.text);

        // Delete: gone here and at the provider; the message that carried it carries none.
        let gone = call(
            &w,
            7,
            "mailLabels:destroy",
            &format!("filterByTk={renewals_id}"),
            None,
        )
        .await;
        assert_eq!(gone.status, 200, "{provider}: {}", gone.text);
        assert!(
            !labels_of(&w, account)
                .await
                .iter()
                .any(|l| l["id"] == renewals_id)
        );
        assert!(tagged(&w, account, renewals_id).await.is_empty());
        let got = call(&w, 7, "mailMessages:get", &format!("filterByTk={b}"), None).await;
        assert_eq!(
            got.json["data"]["labelIds"],
            json!([]),
            "{provider}: {}",
            got.text
        );
    }
}
both_backends!(round_trip, labels_live_at_the_provider_and_on_messages);

/// Labels say what mail is about: shared below subjects, they are not shown, nor filtered
/// on.
async fn labels_follow_the_subject_visibility(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.enabled = true;
        s.sync.interval_secs = 3600;
    })
    .await
    else {
        return;
    };
    w.mailbox("google", "seen@gmail.test", 20).await;
    let outcome = w.connect(&user_token(7), "google", "seen@gmail.test").await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    w.synced_after(account, None, Duration::from_secs(90)).await;
    let invoices = labels_of(&w, account)
        .await
        .into_iter()
        .find(|l| l["name"] == "Invoices")
        .unwrap();
    w.app.share(&user_token(7), account, "metadata").await;
    let theirs = as_member(&w, "mailLabels:list", "", None).await;
    assert_eq!(theirs.json["meta"]["count"], 0, "{}", theirs.text);
    let rows = as_member(&w, "mailMessages:list", "pageSize=5", None).await;
    assert!(
        rows.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["labelIds"].is_null()),
        "{}",
        rows.text
    );
    let filter = json!({"labelIds": {"$includes": invoices["id"]}});
    let probed = call(
        &w,
        8,
        "mailMessages:list",
        &format!("filter={}", common::urlencode(&filter.to_string())),
        None,
    )
    .await;
    assert_eq!(
        probed.json["meta"]["count"], 0,
        "a label filter reached a metadata share: {}",
        probed.text
    );
    w.app.share(&user_token(7), account, "subject").await;
    let shared = as_member(&w, "mailLabels:list", "", None).await;
    assert!(
        shared.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "Invoices"),
        "{}",
        shared.text
    );
}
both_backends!(visibility, labels_follow_the_subject_visibility);
