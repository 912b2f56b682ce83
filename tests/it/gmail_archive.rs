//! Found by a user (#24): `e` and "Archive" said "This mailbox has no Archive folder" on
//! every Gmail mailbox, because Gmail has no Archive label: archiving there takes INBOX
//! off and the message stays in All Mail. Each Gmail mailbox now has an Archive folder
//! holding the messages out of Gmail's own places; a move to it takes INBOX off at Gmail
//! and keeps every other label, and a mailbox stored before the folder existed gets its
//! archived mail there on the next sync.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::member_token as user_token;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const EMAIL: &str = "archiver@gmail.test";
/// Gmail's own places: a message with none of these labels is archived.
const PLACED: [&str; 5] = ["INBOX", "SENT", "DRAFT", "TRASH", "SPAM"];

async fn call(w: &Wired, action: &str, query: &str, body: Option<Value>) -> common::Reply {
    w.app.call(action, Some(&user_token(7)), query, body).await
}

async fn folder(w: &Wired, role: &str) -> Value {
    call(w, "mailFolders:list", "pageSize=200", None).await.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == role)
        .unwrap_or_else(|| panic!("a {role} folder"))
        .clone()
}

/// What the folder of `role` lists, by Message-ID header (to store id), and its kept total.
async fn holding(w: &Wired, role: &str) -> (BTreeMap<String, i64>, i64) {
    let folder = folder(w, role).await;
    let filter = json!({"folderId": folder["id"]}).to_string();
    let rows = call(
        w,
        "mailMessages:list",
        &format!("pageSize=200&filter={}", common::urlencode(&filter)),
        None,
    )
    .await
    .json["data"]
        .as_array()
        .unwrap()
        .clone();
    let mut listed = BTreeMap::new();
    for row in rows {
        let got = call(
            w,
            "mailMessages:get",
            &format!("filterByTk={}", row["id"]),
            None,
        )
        .await;
        listed.insert(
            header(&got.json["data"]["messageId"]),
            row["id"].as_i64().unwrap(),
        );
    }
    (listed, folder["totalCount"].as_i64().unwrap())
}

fn header(value: &Value) -> String {
    value.as_str().unwrap().trim_matches(['<', '>']).to_string()
}

fn labels(entry: &Value) -> BTreeSet<String> {
    entry["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

/// What Gmail holds that is archived, by Message-ID header.
async fn archived_at_gmail(w: &Wired) -> BTreeSet<String> {
    w.truth(EMAIL)
        .await
        .iter()
        .filter(|m| !labels(m).iter().any(|l| PLACED.contains(&l.as_str())))
        .map(|m| header(&m["messageId"]))
        .collect()
}

async fn at_gmail(w: &Wired, message_id: &str) -> Value {
    w.truth(EMAIL)
        .await
        .into_iter()
        .find(|m| header(&m["messageId"]) == message_id)
        .unwrap()
}

async fn update(w: &Wired, id: i64, values: Value) {
    let reply = call(
        w,
        "mailMessages:update",
        &format!("filterByTk={id}"),
        Some(values),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["meta"]["failed"], json!([]), "{}", reply.text);
}

async fn gmail_archive(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    w.mailbox("google", EMAIL, 40).await;
    let outcome = w.connect(&user_token(7), "google", EMAIL).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let first = w.synced_after(account, None, Duration::from_secs(60)).await;

    // The folder is there and holds exactly what Gmail would call archived.
    let archive = folder(&w, "archive").await;
    assert_eq!(archive["providerId"], "ARCHIVE");
    let expected = archived_at_gmail(&w).await;
    assert!(
        !expected.is_empty(),
        "the generated mailbox has archived mail"
    );
    let (held, total) = holding(&w, "archive").await;
    assert_eq!(held.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(total, expected.len() as i64);

    // Archive an inbox message that carries a user label: INBOX comes off at Gmail, the
    // label stays, and here it leaves the Inbox for the Archive at once.
    let inbox = folder(&w, "inbox").await;
    let (in_inbox, inbox_total) = holding(&w, "inbox").await;
    let truth = w.truth(EMAIL).await;
    let chosen = truth
        .iter()
        .filter(|m| in_inbox.contains_key(&header(&m["messageId"])))
        .max_by_key(|m| labels(m).iter().any(|l| l.starts_with("Label_")))
        .expect("an inbox message");
    let message_id = header(&chosen["messageId"]);
    let before = labels(chosen);
    let id = in_inbox[&message_id];
    update(&w, id, json!({"folderId": archive["id"]})).await;
    let after = labels(&at_gmail(&w, &message_id).await);
    let mut want = before.clone();
    want.remove("INBOX");
    assert_eq!(after, want, "only INBOX came off at Gmail");
    let (held, total) = holding(&w, "archive").await;
    assert!(held.contains_key(&message_id));
    assert_eq!(total, expected.len() as i64 + 1);
    let (in_inbox_now, inbox_now) = holding(&w, "inbox").await;
    assert!(!in_inbox_now.contains_key(&message_id));
    assert_eq!(inbox_now, inbox_total - 1);

    // Back to the Inbox: out of the Archive.
    update(&w, id, json!({"folderId": inbox["id"]})).await;
    assert!(labels(&at_gmail(&w, &message_id).await).contains("INBOX"));
    let (held, _) = holding(&w, "archive").await;
    assert!(!held.contains_key(&message_id));

    // Deleted, then archived from the Trash: Gmail takes TRASH off; it is archived.
    let reply = call(
        &w,
        "mailMessages:destroy",
        &format!("filterByTk={id}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    update(&w, id, json!({"folderId": archive["id"]})).await;
    let after = labels(&at_gmail(&w, &message_id).await);
    assert!(
        !after.contains("TRASH") && !after.contains("INBOX"),
        "{after:?}"
    );
    let (held, _) = holding(&w, "archive").await;
    assert!(held.contains_key(&message_id));

    // A mailbox stored before Archive existed: the next sync fills it.
    w.app.db.query_texts(
        "DELETE FROM mail_message_folders WHERE folder_id IN \
         (SELECT id FROM mail_folders WHERE provider_id = 'ARCHIVE') RETURNING 'x' AS value",
    );
    let gone = w.app.db.query_texts(
        "DELETE FROM mail_folders WHERE provider_id = 'ARCHIVE' RETURNING provider_id AS value",
    );
    assert_eq!(gone.len(), 1);
    let last = first["lastSyncAt"].as_str().map(ToString::to_string);
    w.sync_now(account).await;
    let started = Instant::now();
    let expected = archived_at_gmail(&w).await;
    loop {
        let listed = call(&w, "mailFolders:list", "pageSize=200", None).await;
        let filled = listed.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["role"] == "archive" && f["totalCount"] == expected.len());
        if filled {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Archive not filled after a sync (last sync {last:?}): {}",
            listed.text
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (held, _) = holding(&w, "archive").await;
    assert_eq!(held.keys().cloned().collect::<BTreeSet<_>>(), expected);
}

#[tokio::test]
async fn gmail_archive_on_sqlite() {
    gmail_archive(Backend::Sqlite).await;
}

#[tokio::test]
async fn gmail_archive_on_postgres() {
    if Backend::Postgres.available() {
        gmail_archive(Backend::Postgres).await;
    }
}
