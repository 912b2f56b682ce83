//! `mailMessages:update` against the emulator, both providers: read, star and move go to
//! the provider first and then to the store; a refusal changes nothing locally; only the
//! owner may change mail; bad input is refused whole; destroy moves mail to the trash.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::member_token as user_token;
use email_manager::providers::ProviderKind;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn listed(w: &Wired) -> Vec<Value> {
    let reply = w
        .app
        .call(
            "mailMessages:list",
            Some(&user_token(7)),
            "pageSize=200",
            None,
        )
        .await;
    reply.json["data"].as_array().unwrap().clone()
}

/// Connects a mailbox of `count` messages and waits until all are stored.
async fn synced_mailbox(w: &Wired, provider: &str, email: &str, count: usize) -> i64 {
    w.mailbox(provider, email, count).await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    let id = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let started = Instant::now();
    while listed(w).await.len() < count {
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    id
}

/// The provider's own view of a message, by its Message-ID header.
async fn truth(w: &Wired, email: &str, message_id: &str) -> Value {
    w.truth(email)
        .await
        .into_iter()
        .find(|m| {
            m["messageId"].as_str().map(|s| s.trim_matches(['<', '>']))
                == Some(message_id.trim_matches(['<', '>']))
        })
        .unwrap_or_else(|| panic!("{message_id} at the provider"))
}

async fn folders(w: &Wired) -> Vec<Value> {
    let reply = w
        .app
        .call(
            "mailFolders:list",
            Some(&user_token(7)),
            "pageSize=200",
            None,
        )
        .await;
    reply.json["data"].as_array().unwrap().clone()
}

async fn update(w: &Wired, token: &str, ids: &[i64], values: Value) -> common::Reply {
    let query: Vec<String> = ids.iter().map(|id| format!("filterByTk={id}")).collect();
    w.app
        .call(
            "mailMessages:update",
            Some(token),
            &query.join("&"),
            Some(values),
        )
        .await
}

async fn message_id_of(w: &Wired, id: i64) -> String {
    let got = w
        .app
        .call(
            "mailMessages:get",
            Some(&user_token(7)),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    got.json["data"]["messageId"].as_str().unwrap().to_string()
}

async fn changes_go_to_the_provider_first(backend: Backend, provider: &str, email: &str) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let account = synced_mailbox(&w, provider, email, 6).await;
    let rows = listed(&w).await;
    let unread: Vec<i64> = rows
        .iter()
        .filter(|r| r["isRead"] == false && r["isStarred"] == false)
        .map(|r| r["id"].as_i64().unwrap())
        .take(2)
        .collect();
    assert_eq!(unread.len(), 2, "the generated mailbox has unread mail");

    // Mark two read at once: the provider has it, the store has it, counts follow.
    let reply = update(&w, &user_token(7), &unread, json!({"isRead": true})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["data"].as_array().unwrap().len(), 2);
    assert!(
        reply.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["isRead"] == true)
    );
    assert_eq!(reply.json["meta"]["failed"], json!([]));
    for id in &unread {
        let header = message_id_of(&w, *id).await;
        assert_eq!(truth(&w, email, &header).await["isRead"], true);
    }

    // Star one.
    let reply = update(&w, &user_token(7), &unread[..1], json!({"isStarred": true})).await;
    assert_eq!(reply.json["data"][0]["isStarred"], true, "{}", reply.text);
    let header = message_id_of(&w, unread[0]).await;
    assert_eq!(truth(&w, email, &header).await["isStarred"], true);

    // Move it to another folder: it leaves the inbox here and at the provider. (Gmail's
    // Archive is no label there; `gmail_archive` tests it.)
    let folders = folders(&w).await;
    let dest = if provider == "google" {
        folders.iter().find(|f| f["role"].is_null())
    } else {
        folders.iter().find(|f| f["role"] == "archive")
    }
    .unwrap()
    .clone();
    let inbox = folders
        .iter()
        .find(|f| f["role"] == "inbox")
        .unwrap()
        .clone();
    let reply = update(
        &w,
        &user_token(7),
        &unread[..1],
        json!({"folderId": dest["id"]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let moved_to: Vec<Value> = reply.json["data"][0]["folderIds"]
        .as_array()
        .unwrap()
        .clone();
    assert!(moved_to.contains(&dest["id"]), "{}", reply.text);
    assert!(!moved_to.contains(&inbox["id"]), "{}", reply.text);
    let labels = truth(&w, email, &header).await["labels"].clone();
    let expected = if provider == "google" {
        dest["providerId"].clone()
    } else {
        dest["role"].clone()
    };
    assert!(labels.as_array().unwrap().contains(&expected), "{labels}");
    assert!(!labels.as_array().unwrap().contains(&json!("INBOX")));

    // A refusal changes nothing here.
    let other = unread[1];
    w.control("/faults", json!({"rate": 1.0, "kinds": ["500"], "seed": 1}))
        .await;
    let reply = update(&w, &user_token(7), &[other], json!({"isStarred": true})).await;
    assert_eq!(reply.status, 502, "{}", reply.text);
    w.http
        .delete(format!("{}/_emulator/faults", w.emulator.url))
        .send()
        .await
        .unwrap();
    let row = listed(&w)
        .await
        .into_iter()
        .find(|r| r["id"] == other)
        .unwrap();
    assert_eq!(row["isStarred"], false);

    // Only the owner writes, even when the mail is shared; a mixed batch reports per id.
    w.app.share(&user_token(7), account, "full").await;
    let reply = update(&w, &user_token(8), &[other], json!({"isRead": false})).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    assert_eq!(reply.json["errors"][0]["code"], "MESSAGE_NOT_FOUND");
    let reply = update(
        &w,
        &user_token(7),
        &[other, 999_999],
        json!({"isRead": false}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["data"][0]["isRead"], false);
    assert_eq!(reply.json["meta"]["failed"][0]["id"], 999_999);
    assert_eq!(reply.json["meta"]["failed"][0]["code"], "MESSAGE_NOT_FOUND");

    // Bad input is refused whole.
    for values in [
        json!({}),
        json!({"subject": "x"}),
        json!({"isRead": "yes"}),
        json!({"folderId": 999_999}),
    ] {
        let reply = update(&w, &user_token(7), &[other], values.clone()).await;
        assert_eq!(reply.status, 400, "{values}: {}", reply.text);
    }
    let many: Vec<i64> = (1..=1001).collect();
    let reply = update(&w, &user_token(7), &many, json!({"isRead": true})).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
}

async fn destroy_moves_to_the_trash(backend: Backend, provider: &str, email: &str) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    synced_mailbox(&w, provider, email, 4).await;
    let rows = listed(&w).await;
    let ids: Vec<i64> = rows
        .iter()
        .take(2)
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let headers = [
        message_id_of(&w, ids[0]).await,
        message_id_of(&w, ids[1]).await,
    ];

    // Not the owner: nothing moves.
    let query = format!("filterByTk={}", ids[0]);
    let reply = w
        .app
        .call("mailMessages:destroy", Some(&user_token(8)), &query, None)
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text);

    let query = format!("filterByTk={},{}&filterByTk=999999", ids[0], ids[1]);
    let reply = w
        .app
        .call("mailMessages:destroy", Some(&user_token(7)), &query, None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["data"], 2);
    assert_eq!(reply.json["meta"]["failed"][0]["id"], 999_999);

    let folders = folders(&w).await;
    let trash = folders.iter().find(|f| f["role"] == "trash").unwrap()["id"].clone();
    let inbox = folders.iter().find(|f| f["role"] == "inbox").unwrap()["id"].clone();
    let after = listed(&w).await;
    for (id, header) in ids.iter().zip(&headers) {
        let row = after.iter().find(|r| r["id"] == *id).unwrap();
        let in_folders = row["folderIds"].as_array().unwrap();
        assert!(in_folders.contains(&trash), "{row}");
        assert!(!in_folders.contains(&inbox), "{row}");
        let labels = truth(&w, email, header).await["labels"].clone();
        let expected = if provider == "google" {
            "TRASH"
        } else {
            "deleteditems"
        };
        assert!(
            labels.as_array().unwrap().contains(&json!(expected)),
            "{labels}"
        );
    }
}

#[tokio::test]
async fn gmail_destroy_on_sqlite() {
    destroy_moves_to_the_trash(Backend::Sqlite, "google", "binner@gmail.test").await;
}

#[tokio::test]
async fn graph_destroy_on_sqlite() {
    destroy_moves_to_the_trash(Backend::Sqlite, "microsoft", "binner@outlook.test").await;
}

#[tokio::test]
async fn graph_destroy_on_postgres() {
    if Backend::Postgres.available() {
        destroy_moves_to_the_trash(Backend::Postgres, "microsoft", "binner@outlook.test").await;
    }
}

#[tokio::test]
async fn gmail_updates_on_sqlite() {
    changes_go_to_the_provider_first(Backend::Sqlite, "google", "writer@gmail.test").await;
}

#[tokio::test]
async fn graph_updates_on_sqlite() {
    changes_go_to_the_provider_first(Backend::Sqlite, "microsoft", "writer@outlook.test").await;
}

#[tokio::test]
async fn gmail_updates_on_postgres() {
    if Backend::Postgres.available() {
        changes_go_to_the_provider_first(Backend::Postgres, "google", "writer@gmail.test").await;
    }
}

/// A user's write and the sync spend one budget (#21): the provider counts both against
/// the mailbox, so a write the budget did not see made the sync's next window overrun.
/// Marking two messages read is one Gmail batchModify (50 units) or two Graph PATCHes
/// (a request each), taken from what the sync left.
#[tokio::test]
async fn a_write_spends_the_budget_the_sync_spends() {
    for (provider, email, cost) in [
        ("google", "budget@gmail.test", 50),
        ("microsoft", "budget@outlook.test", 2),
    ] {
        let w = common::oauth::wired_with(Backend::Sqlite, |settings| {
            settings.sync.enabled = true;
            settings.sync.interval_secs = 3600;
            settings.sync.gmail_units_per_minute = 1_000_000;
            // One window for the whole test: nothing the sync spent leaves it.
            settings.sync.quota_window_secs = 3600;
        })
        .await
        .unwrap();
        let account = synced_mailbox(&w, provider, email, 6).await;
        let state = w.app.state.clone().unwrap();
        let kind: ProviderKind = provider.parse().unwrap();
        let started = Instant::now();
        while w.account(&account.to_string()).await["status"] != "active" {
            assert!(started.elapsed() < Duration::from_secs(30), "the sync ends");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let limit = match kind {
            ProviderKind::Google => 1_000_000,
            ProviderKind::Microsoft => state.settings.sync.graph_requests_per_10_min,
            ProviderKind::Imap => unreachable!("only the OAuth providers have budgets"),
        };
        let before = state.budgets.room(account, kind).unwrap();
        assert!(before < limit, "the sync spent from the budget");
        let unread: Vec<i64> = listed(&w)
            .await
            .iter()
            .filter(|r| r["isRead"] == false)
            .map(|r| r["id"].as_i64().unwrap())
            .take(2)
            .collect();
        let reply = update(&w, &user_token(7), &unread, json!({"isRead": true})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let after = state.budgets.room(account, kind).unwrap();
        assert_eq!(
            before - after,
            cost,
            "{provider}: the write's cost left the budget"
        );
    }
}

/// What the folder of `role` holds now: `(totalCount, the ids listed in it)`.
async fn folder_holding(w: &Wired, role: &str) -> (i64, Vec<i64>) {
    let folder = folders(w)
        .await
        .into_iter()
        .find(|f| f["role"] == role)
        .unwrap_or_else(|| panic!("a {role} folder"));
    let id = folder["id"].as_i64().unwrap();
    let filter = json!({"folderId": id}).to_string();
    let reply = w
        .app
        .call(
            "mailMessages:list",
            Some(&user_token(7)),
            &format!(
                "pageSize=200&filter={}",
                form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
            ),
            None,
        )
        .await;
    let ids = reply.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    (folder["totalCount"].as_i64().unwrap(), ids)
}

/// Found by a user (#24): starring a Gmail message left it out of Starred, and Starred's
/// count unchanged, until the next sync. Gmail's Starred is a label, so a write-through
/// that stars must put the message in that folder here at once, and unstarring take it out.
async fn starring_at_gmail_fills_starred_at_once(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    synced_mailbox(&w, "google", "stars@gmail.test", 6).await;
    let (before, listed_before) = folder_holding(&w, "starred").await;
    let id = listed(&w)
        .await
        .iter()
        .find(|r| r["isStarred"] == false)
        .map(|r| r["id"].as_i64().unwrap())
        .expect("an unstarred message");
    assert!(!listed_before.contains(&id));

    let reply = update(&w, &user_token(7), &[id], json!({"isStarred": true})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (count, ids) = folder_holding(&w, "starred").await;
    assert!(
        ids.contains(&id),
        "the starred message is not in Starred: {ids:?}"
    );
    assert_eq!(count, before + 1, "Starred's count did not follow");

    let reply = update(&w, &user_token(7), &[id], json!({"isStarred": false})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (count, ids) = folder_holding(&w, "starred").await;
    assert!(
        !ids.contains(&id),
        "the unstarred message is still in Starred"
    );
    assert_eq!(count, before);
}

#[tokio::test]
async fn starring_at_gmail_fills_starred_at_once_on_sqlite() {
    starring_at_gmail_fills_starred_at_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn starring_at_gmail_fills_starred_at_once_on_postgres() {
    if Backend::Postgres.available() {
        starring_at_gmail_fills_starred_at_once(Backend::Postgres).await;
    }
}

/// Reported with #24's unread envelope: a message read (or starred, or trashed) here left
/// the user's other tabs and the top bar's unread count stale, because only syncs told
/// the event stream. Each change the provider accepted is now a `message.updated` event
/// for its mailbox, with how many messages changed.
async fn own_changes_are_told_to_the_event_stream(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let account = synced_mailbox(&w, "google", "told@gmail.test", 6).await;
    let rows = listed(&w).await;
    let ids: Vec<i64> = rows
        .iter()
        .take(2)
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    let told = || {
        w.app.db.query_texts(&format!(
            "SELECT data AS value FROM mail_events WHERE account_id = {account} \
             AND kind = 'message.updated' ORDER BY id"
        ))
    };
    let before = told().len();
    let reply = update(&w, &user_token(7), &ids, json!({"isStarred": true})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = told();
    assert_eq!(after.len(), before + 1, "{after:?}");
    let event: Value = serde_json::from_str(after.last().unwrap().as_deref().unwrap()).unwrap();
    assert_eq!(
        (event["accountId"].as_i64(), event["count"].as_i64()),
        (Some(account), Some(2))
    );
    let trashed = w
        .app
        .call(
            "mailMessages:destroy",
            Some(&user_token(7)),
            &format!("filterByTk={}", ids[0]),
            Some(json!({})),
        )
        .await;
    assert_eq!(trashed.status, 200, "{}", trashed.text);
    assert_eq!(told().len(), before + 2);
}
both_backends!(own_changes_told, own_changes_are_told_to_the_event_stream);
