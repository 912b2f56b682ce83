//! `mailNotes`, black-box on both databases: notes and to-dos on a message or a thread,
//! seen by whoever may read that mail's body and by nobody else; changed by their author
//! only; kept through a full resync (which stores the mail anew under new ids); gone with
//! the mailbox. Bad values are 400s naming the field, and nothing is stored.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_syncing, wired_with_emulator};
use common::stubs::StubNocobase;
use common::tokens::{admin_key, member_token, user_token};
use serde_json::{Value, json};
use std::time::Duration;

const OWNER: i64 = 7;
const COLLEAGUE: i64 = 8;
const MAILBOX: &str = "notes@gmail.test";

async fn call(w: &Wired, token: &str, action: &str, query: &str, values: Value) -> common::Reply {
    w.app.call(action, Some(token), query, Some(values)).await
}

fn filter(value: Value) -> String {
    format!(
        "filter={}",
        url::form_urlencoded::byte_serialize(value.to_string().as_bytes()).collect::<String>()
    )
}

async fn notes(w: &Wired, token: &str, by: Value) -> Vec<Value> {
    let reply = call(w, token, "mailNotes:list", &filter(by), json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().clone()
}

/// A synced mailbox of the owner's; its account id and messages.
async fn mailbox(w: &Wired) -> (i64, Vec<Value>) {
    w.mailbox("google", MAILBOX, 12).await;
    let outcome = w.connect(&user_token(OWNER), "google", MAILBOX).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    w.synced_after(account, None, Duration::from_secs(60)).await;
    let listed = call(
        w,
        &user_token(OWNER),
        "mailMessages:list",
        "pageSize=50",
        json!({}),
    )
    .await;
    (account, listed.json["data"].as_array().unwrap().clone())
}

async fn notes_and_todos_are_seen_by_whoever_reads_the_mail(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let (account, messages) = mailbox(&w).await;
    let owner = user_token(OWNER);
    let (message, thread) = (
        messages[0]["id"].as_i64().unwrap(),
        messages[1]["threadId"].as_i64().unwrap(),
    );

    // A note, and a to-do due on a day, on a message; a note on a thread.
    let note = call(
        &w,
        &owner,
        "mailNotes:create",
        "",
        json!({"messageId": message, "text": "  Called them back  "}),
    )
    .await;
    assert_eq!(note.status, 200, "{}", note.text);
    let note = &note.json["data"];
    assert_eq!(note["text"], "Called them back");
    assert_eq!(
        (note["messageId"].as_i64(), note["threadId"].as_i64()),
        (Some(message), None)
    );
    assert_eq!(
        (note["authorId"].as_i64(), note["accountId"].as_i64()),
        (Some(OWNER), Some(account))
    );
    // Tokens checked here without asking NocoBase carry no name.
    assert_eq!(note["authorName"], Value::Null, "{note}");
    assert_eq!(
        (note["isTodo"].as_bool(), note["done"].as_bool()),
        (Some(false), Some(false))
    );
    assert!(note["createdAt"].as_str().unwrap().ends_with('Z'), "{note}");
    let todo = call(
        &w,
        &owner,
        "mailNotes:create",
        "",
        json!({"messageId": message, "text": "Send the offer", "dueAt": "2030-03-01"}),
    )
    .await;
    let todo = todo.json["data"].clone();
    assert_eq!(
        (todo["isTodo"].as_bool(), todo["dueAt"].as_str()),
        (Some(true), Some("2030-03-01T23:59:59Z")),
        "{todo}"
    );
    let on_thread = call(
        &w,
        &owner,
        "mailNotes:create",
        "",
        json!({"threadId": thread, "text": "Whole deal"}),
    )
    .await;
    assert_eq!(
        on_thread.json["data"]["threadId"].as_i64(),
        Some(thread),
        "{}",
        on_thread.text
    );

    let on_message = notes(&w, &owner, json!({"messageId": message})).await;
    assert_eq!(
        on_message
            .iter()
            .map(|n| n["text"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Called them back", "Send the offer"]
    );
    assert_eq!(
        notes(&w, &owner, json!({"threadId": thread})).await.len(),
        1
    );
    let open = notes(&w, &owner, json!({"isTodo": true, "done": false})).await;
    assert_eq!(open.len(), 1, "{open:?}");

    // Done: no longer open. A to-do made a plain note loses its due date.
    let done = call(
        &w,
        &owner,
        "mailNotes:update",
        &format!("filterByTk={}", todo["id"]),
        json!({"done": true}),
    )
    .await;
    assert_eq!(done.json["data"][0]["done"], true, "{}", done.text);
    assert!(
        notes(
            &w,
            &owner,
            json!({"$and": [{"isTodo": {"$eq": true}}, {"done": false}]})
        )
        .await
        .is_empty()
    );
    let plain = call(
        &w,
        &owner,
        "mailNotes:update",
        &format!("filterByTk={}", todo["id"]),
        json!({"isTodo": false}),
    )
    .await;
    assert_eq!(
        (
            plain.json["data"][0]["dueAt"].clone(),
            plain.json["data"][0]["done"].clone()
        ),
        (Value::Null, json!(false)),
        "{}",
        plain.text
    );

    // Not shared: a colleague and an admin see no note and may not add one.
    let colleague = member_token(COLLEAGUE);
    let admin = admin_key(9);
    for token in [&colleague, &admin] {
        assert!(notes(&w, token, json!({})).await.is_empty());
        assert!(
            notes(&w, token, json!({"messageId": message}))
                .await
                .is_empty()
        );
        let refused = call(
            &w,
            token,
            "mailNotes:create",
            "",
            json!({"messageId": message, "text": "mine"}),
        )
        .await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert!(!refused.text.contains("Called them back"));
    }
    // Shared with subjects only: still no body, so still no notes.
    let share =
        |visibility: &'static str| json!({"visibility": visibility, "sharedWithRoles": ["member"]});
    let shared = call(
        &w,
        &owner,
        "mailAccounts:update",
        &format!("filterByTk={account}"),
        share("subject"),
    )
    .await;
    assert_eq!(shared.status, 200, "{}", shared.text);
    assert!(
        notes(&w, &colleague, json!({"messageId": message}))
            .await
            .is_empty()
    );
    // Shared in full: the colleague reads the notes and adds one of their own.
    call(
        &w,
        &owner,
        "mailAccounts:update",
        &format!("filterByTk={account}"),
        share("full"),
    )
    .await;
    assert_eq!(
        notes(&w, &colleague, json!({"messageId": message}))
            .await
            .len(),
        2
    );
    let theirs = call(
        &w,
        &colleague,
        "mailNotes:create",
        "",
        json!({"messageId": message, "text": "I'll take it", "isTodo": true}),
    )
    .await;
    assert_eq!(theirs.status, 200, "{}", theirs.text);
    let theirs = theirs.json["data"]["id"].as_i64().unwrap();
    // Only the author changes a note: the owner's edit of the colleague's changes nothing,
    // and the colleague's of the owner's neither.
    let edit = call(
        &w,
        &owner,
        "mailNotes:update",
        &format!("filterByTk={theirs}"),
        json!({"text": "rewritten"}),
    )
    .await;
    assert_eq!(edit.json["data"], json!([]), "{}", edit.text);
    let edit = call(
        &w,
        &colleague,
        "mailNotes:update",
        &format!("filterByTk={}", todo["id"]),
        json!({"text": "rewritten"}),
    )
    .await;
    assert_eq!(edit.json["data"], json!([]), "{}", edit.text);
    assert!(
        !notes(&w, &owner, json!({}))
            .await
            .iter()
            .any(|n| n["text"] == "rewritten")
    );
    // "My to-dos": the colleague's own open ones.
    let mine = notes(
        &w,
        &colleague,
        json!({"isTodo": true, "done": false, "authorId": COLLEAGUE}),
    )
    .await;
    assert_eq!(mine.len(), 1);
    // The colleague cannot remove the owner's note; the owner may remove the colleague's.
    let kept = call(
        &w,
        &colleague,
        "mailNotes:destroy",
        &format!("filterByTk={}", note["id"]),
        json!({}),
    )
    .await;
    assert_eq!(kept.json["data"], 0);
    let removed = call(
        &w,
        &owner,
        "mailNotes:destroy",
        &format!("filterByTk={theirs}"),
        json!({}),
    )
    .await;
    assert_eq!(removed.json["data"], 1);
    // Back to private: the colleague sees nothing again.
    call(
        &w,
        &owner,
        "mailAccounts:update",
        &format!("filterByTk={account}"),
        json!({"visibility": "private", "sharedWithRoles": []}),
    )
    .await;
    assert!(notes(&w, &colleague, json!({})).await.is_empty());
}
both_backends!(
    seen_by_readers,
    notes_and_todos_are_seen_by_whoever_reads_the_mail
);

/// A full resync stores every message anew, under new local ids: the notes follow them.
/// Disconnecting the mailbox removes them.
async fn notes_outlive_a_full_resync_and_go_with_the_mailbox(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let (account, messages) = mailbox(&w).await;
    let owner = user_token(OWNER);
    let (message, subject) = (
        messages[0]["id"].as_i64().unwrap(),
        messages[0]["subject"].as_str().unwrap().to_string(),
    );
    call(
        &w,
        &owner,
        "mailNotes:create",
        "",
        json!({"messageId": message, "text": "Keep me"}),
    )
    .await;
    let since = w.account(&account.to_string()).await["lastSyncAt"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let full = call(
        &w,
        &owner,
        "mailAccounts:sync",
        &format!("filterByTk={account}"),
        json!({"full": true}),
    )
    .await;
    assert_eq!(full.status, 200, "{}", full.text);
    w.synced_after(account, Some(&since), Duration::from_secs(60))
        .await;
    let again = call(
        &w,
        &owner,
        "mailMessages:list",
        &filter(json!({"subject": subject})),
        json!({}),
    )
    .await;
    let now_id = again.json["data"][0]["id"].as_i64().unwrap();
    assert_ne!(
        now_id, message,
        "the resync kept the local ids: the test proves nothing"
    );
    let kept = notes(&w, &owner, json!({"messageId": now_id})).await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["messageId"].as_i64(), Some(now_id));

    let gone = call(
        &w,
        &owner,
        "mailAccounts:destroy",
        &format!("filterByTk={account}"),
        json!({}),
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.text);
    assert_eq!(
        w.app
            .db
            .query_texts("SELECT CAST(COUNT(*) AS TEXT) AS value FROM mail_notes")[0]
            .as_deref(),
        Some("0")
    );
}
both_backends!(
    resync_and_disconnect,
    notes_outlive_a_full_resync_and_go_with_the_mailbox
);

/// Each bad value is a 400 naming its field, and stores nothing.
async fn bad_values_are_refused_by_name(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let (_, messages) = mailbox(&w).await;
    let owner = user_token(OWNER);
    let message = messages[0]["id"].as_i64().unwrap();
    for (values, field) in [
        (json!({"text": "on nothing"}), "messageId"),
        (json!({"messageId": message}), "text"),
        (json!({"messageId": message, "text": "   "}), "text"),
        (
            json!({"messageId": message, "text": "x".repeat(10_001)}),
            "text",
        ),
        (
            json!({"messageId": message, "threadId": messages[0]["threadId"], "text": "both"}),
            "threadId",
        ),
        (json!({"messageId": "abc", "text": "x"}), "messageId"),
        (
            json!({"messageId": message, "text": "x", "dueAt": "next week"}),
            "dueAt",
        ),
        (
            json!({"messageId": message, "text": "x", "isTodo": false, "dueAt": "2030-01-01"}),
            "dueAt",
        ),
        (
            json!({"messageId": message, "text": "x", "done": true}),
            "done",
        ),
        (
            json!({"messageId": message, "text": "x", "colour": "red"}),
            "colour",
        ),
        (json!({"messageId": 999_999, "text": "x"}), "messageId"),
    ] {
        let reply = call(&w, &owner, "mailNotes:create", "", values.clone()).await;
        assert_eq!(reply.status, 400, "{values}: {}", reply.text);
        assert!(
            reply.json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}:")),
            "{values}: {}",
            reply.text
        );
    }
    for bad in [
        json!({"subject": "x"}),
        json!({"done": "yes"}),
        json!({"messageId": {"$gt": 1}}),
        json!([1]),
    ] {
        let reply = call(
            &w,
            &owner,
            "mailNotes:list",
            &filter(bad.clone()),
            json!({}),
        )
        .await;
        assert_eq!(
            (reply.status, reply.json["errors"][0]["code"].as_str()),
            (400, Some("INVALID_FILTER")),
            "{bad}: {}",
            reply.text
        );
    }
    assert!(notes(&w, &owner, json!({})).await.is_empty());
}
both_backends!(bad_values, bad_values_are_refused_by_name);

/// Found trying the Email page as a team would (#24): a colleague's note said "User 8",
/// because a NocoBase member may not list NocoBase's users to look the name up. With
/// `nocobase.url` set, NocoBase's `auth:check` names the caller, and each note keeps its
/// author's name as NocoBase showed it; whoever reads the note sees it.
async fn notes_carry_their_authors_name_from_nocobase(backend: Backend) {
    let nocobase = StubNocobase::start();
    nocobase.answer_by_claims();
    let url = nocobase.url.clone();
    let Some(w) = wired_with_emulator(backend, move |s, _| {
        s.sync.enabled = true;
        s.nocobase.url = Some(url);
    })
    .await
    else {
        return;
    };
    let (account, messages) = mailbox(&w).await;
    w.app.share(&user_token(OWNER), account, "full").await;
    let message = messages[0]["id"].as_i64().unwrap();

    let by_colleague = call(
        &w,
        &member_token(COLLEAGUE),
        "mailNotes:create",
        "",
        json!({"messageId": message, "text": "I know them"}),
    )
    .await;
    assert_eq!(by_colleague.status, 200, "{}", by_colleague.text);
    assert_eq!(
        by_colleague.json["data"]["authorName"],
        StubNocobase::nickname(COLLEAGUE)
    );
    let seen = notes(&w, &user_token(OWNER), json!({"messageId": message})).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["authorName"], StubNocobase::nickname(COLLEAGUE));
    assert_eq!(seen[0]["authorId"], COLLEAGUE);
}
both_backends!(author_names, notes_carry_their_authors_name_from_nocobase);
