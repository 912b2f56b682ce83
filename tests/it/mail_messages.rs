//! Reading mail: `mailFolders:list` and `mailMessages:list` — every filter operator with a
//! matching and a non-matching case, full-text `q`, sorting, record linking across
//! mailboxes, and visibility (hidden fields null, filters that cannot probe hidden ones).

use crate::common;

use chrono::{NaiveDateTime, Utc};
use common::tokens::{admin_key, member_token as user_token};
use common::{Backend, TestApp, spawn_app};
use email_manager::mail::parse;
use email_manager::store::messages::{self, IncomingMessage, RemoteFolder};
use email_manager::store::{mail_accounts, sync_jobs};
use serde_json::{Value, json};
use std::collections::BTreeSet;

struct Fixture {
    app: TestApp,
    /// Message ids by name (m1..m4).
    ids: std::collections::HashMap<&'static str, i64>,
    account_a: i64,
    account_b: i64,
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn message(
    id: &str,
    from: &str,
    to: &str,
    cc: &str,
    subject: &str,
    body: &str,
    attach: bool,
) -> email_manager::mail::ParsedMessage {
    let cc = if cc.is_empty() {
        String::new()
    } else {
        format!("Cc: {cc}\r\n")
    };
    let raw = if attach {
        format!(
            "Message-ID: <{id}@t>\r\nFrom: {from}\r\nTo: {to}\r\n{cc}Subject: {subject}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{body}\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF\r\n--b--\r\n"
        )
    } else {
        format!(
            "Message-ID: <{id}@t>\r\nFrom: {from}\r\nTo: {to}\r\n{cc}Subject: {subject}\r\n\r\n{body}\r\n"
        )
    };
    parse(raw.as_bytes()).unwrap()
}

async fn fixture(backend: Backend) -> Option<Fixture> {
    let app = spawn_app(backend).await?;
    let state = app.state.clone().unwrap();
    let now = Utc::now().naive_utc();
    let (a, b) = state
        .store
        .run(move |c| {
            let a = match common::connect_google(c, 7, "ann@gmail.test", now)? {
                mail_accounts::Connected::Created(row) => row.id,
                _ => unreachable!(),
            };
            let b = match common::connect_google(c, 8, "bea@gmail.test", now)? {
                mail_accounts::Connected::Created(row) => row.id,
                _ => unreachable!(),
            };
            Ok((a, b))
        })
        .await
        .unwrap();
    let folders = vec![
        RemoteFolder {
            provider_id: "INBOX".into(),
            name: "Inbox".into(),
            role: Some("inbox".into()),
            parent_provider_id: None,
        },
        RemoteFolder {
            provider_id: "SENT".into(),
            name: "Sent".into(),
            role: Some("sent".into()),
            parent_provider_id: None,
        },
        RemoteFolder {
            provider_id: "Label_1".into(),
            name: "Clients".into(),
            role: None,
            parent_provider_id: None,
        },
    ];
    let fixtures: Vec<(i64, &str, IncomingMessage)> = vec![
        (
            a,
            "m1",
            IncomingMessage {
                provider_message_id: "p1".into(),
                provider_thread_id: Some("t1".into()),
                folders: vec!["INBOX".into()],
                is_read: false,
                is_starred: true,
                received_at: at("2026-11-03 10:00:00"),
                provider_version: None,
                labels: None,
                parsed: message(
                    "m1",
                    "Zed <ZED@acme.com>",
                    "ann@gmail.test",
                    "Carl <carl@globex.io>",
                    "Invoice March",
                    "please pay the invoice",
                    true,
                ),
            },
        ),
        (
            a,
            "m2",
            IncomingMessage {
                provider_message_id: "p2".into(),
                provider_thread_id: Some("t2".into()),
                folders: vec!["SENT".into()],
                is_read: true,
                is_starred: false,
                received_at: at("2026-11-04 23:30:00"),
                provider_version: None,
                labels: None,
                parsed: message(
                    "m2",
                    "ann@gmail.test",
                    "Amy <amy@Initech.co>",
                    "",
                    "Lunch plans",
                    "pizza tomorrow",
                    false,
                ),
            },
        ),
        (
            a,
            "m3",
            IncomingMessage {
                provider_message_id: "p3".into(),
                provider_thread_id: Some("t1".into()),
                folders: vec!["INBOX".into(), "Label_1".into()],
                is_read: true,
                is_starred: false,
                received_at: at("2026-11-05 08:00:00"),
                provider_version: None,
                labels: None,
                parsed: message(
                    "m3",
                    "bob@acme.com",
                    "ann@gmail.test",
                    "",
                    "Re: Invoice March",
                    "paid",
                    false,
                ),
            },
        ),
        (
            b,
            "m4",
            IncomingMessage {
                provider_message_id: "p4".into(),
                provider_thread_id: Some("t9".into()),
                folders: vec!["INBOX".into()],
                is_read: false,
                is_starred: false,
                received_at: at("2026-11-06 09:00:00"),
                provider_version: None,
                labels: None,
                parsed: message(
                    "m4",
                    "zed@acme.com",
                    "bea@gmail.test",
                    "",
                    "Secret deal",
                    "confidential terms",
                    false,
                ),
            },
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for account in [a, b] {
        let list = folders.clone();
        let batch: Vec<IncomingMessage> = fixtures
            .iter()
            .filter(|(acc, _, _)| *acc == account)
            .map(|(_, _, m)| m.clone())
            .collect();
        let names: Vec<&str> = fixtures
            .iter()
            .filter(|(acc, _, _)| *acc == account)
            .map(|(_, n, _)| *n)
            .collect();
        let stored = state
            .store
            .run(move |c| {
                messages::sync_folders(c, account, &list)?;
                sync_jobs::enqueue(c, account, false, now - chrono::Duration::seconds(1))?;
                let claimed = sync_jobs::claim(c, "fixture", chrono::Duration::seconds(60), now)?
                    .expect("job");
                let stored = messages::store_page(
                    c,
                    &claimed.fence,
                    &batch,
                    None,
                    messages::Arrival::New,
                    now,
                )?;
                sync_jobs::finish(c, &claimed.fence, None)?;
                Ok(stored)
            })
            .await
            .unwrap();
        for (name, id) in names.into_iter().zip(stored) {
            ids.insert(name, id);
        }
    }
    Some(Fixture {
        app,
        ids,
        account_a: a,
        account_b: b,
    })
}

impl Fixture {
    async fn list(&self, token: &str, query: &str) -> common::Reply {
        self.app
            .call("mailMessages:list", Some(token), query, None)
            .await
    }

    /// The names of the messages a filter returns to user 7.
    async fn names(&self, filter: Value) -> BTreeSet<&'static str> {
        let query = format!(
            "pageSize=200&filter={}",
            common::urlencode(&filter.to_string())
        );
        let reply = self.list(&user_token(7), &query).await;
        assert_eq!(reply.status, 200, "{filter}: {}", reply.text);
        self.named(&reply.json)
    }

    fn named(&self, json: &Value) -> BTreeSet<&'static str> {
        json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let id = row["id"].as_i64().unwrap();
                *self.ids.iter().find(|(_, v)| **v == id).unwrap().0
            })
            .collect()
    }
}

fn set(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

async fn lists_newest_first_with_participants_and_folders(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let reply = f.list(&user_token(7), "").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json["meta"],
        json!({"count": 3, "page": 1, "pageSize": 20, "totalPage": 1})
    );
    let rows = reply.json["data"].as_array().unwrap();
    let order: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(order, [f.ids["m3"], f.ids["m2"], f.ids["m1"]]);
    let m1 = &rows[2];
    assert_eq!(
        m1["from"],
        json!({"name": "Zed", "address": "zed@acme.com"})
    );
    assert_eq!(
        m1["cc"],
        json!([{"name": "Carl", "address": "carl@globex.io"}])
    );
    assert_eq!(m1["subject"], "Invoice March");
    assert_eq!(m1["snippet"], "please pay the invoice");
    assert_eq!(
        (
            m1["hasAttachments"].as_bool(),
            m1["isStarred"].as_bool(),
            m1["isRead"].as_bool()
        ),
        (Some(true), Some(true), Some(false))
    );
    assert_eq!(m1["date"], "2026-11-03T10:00:00Z");
    assert_eq!(rows[0]["folderIds"].as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["threadId"], m1["threadId"], "one provider thread");

    let sorted = f.list(&user_token(7), "sort=subject").await;
    let subjects: Vec<&str> = sorted.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["Invoice March", "Lunch plans", "Re: Invoice March"]
    );
    let paged = f.list(&user_token(7), "page=2&pageSize=2").await;
    assert_eq!(paged.json["meta"]["totalPage"], 2);
    assert_eq!(paged.json["data"].as_array().unwrap().len(), 1);
    for (query, code) in [
        ("filter=%7B%22password%22%3A1%7D", "INVALID_FILTER"),
        ("paginate=false", "INVALID_PARAMETER"),
        ("sort=size", "INVALID_SORT"),
    ] {
        let reply = f.list(&user_token(7), query).await;
        assert_eq!((reply.status, reply.error_code()), (400, code), "{query}");
    }
}
both_backends!(listing, lists_newest_first_with_participants_and_folders);

async fn every_operator_matches_and_refuses(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let inbox: i64 = f.app.db.query_texts(&format!("SELECT CAST(id AS TEXT) AS value FROM mail_folders WHERE account_id = {} AND provider_id = 'INBOX'", f.account_a))[0].as_ref().unwrap().parse().unwrap();
    let thread = f.list(&user_token(7), "").await.json["data"][2]["threadId"]
        .as_i64()
        .unwrap();
    let (m1, m2) = (f.ids["m1"], f.ids["m2"]);
    let cases: Vec<(Value, Vec<&'static str>)> = vec![
        (json!({"isRead": false}), vec!["m1"]),
        (json!({"isRead": {"$ne": false}}), vec!["m2", "m3"]),
        (json!({"isStarred": true}), vec!["m1"]),
        (json!({"hasAttachments": {"$eq": true}}), vec!["m1"]),
        (
            json!({"subject": {"$includes": "INVOICE"}}),
            vec!["m1", "m3"],
        ),
        (json!({"subject": {"$notIncludes": "invoice"}}), vec!["m2"]),
        (json!({"subject": "Lunch plans"}), vec!["m2"]),
        (json!({"subject": {"$ne": "Lunch plans"}}), vec!["m1", "m3"]),
        (
            json!({"subject": {"$in": ["Lunch plans", "nothing"]}}),
            vec!["m2"],
        ),
        (
            json!({"subject": {"$notIn": ["Lunch plans"]}}),
            vec!["m1", "m3"],
        ),
        (json!({"subject": {"$empty": true}}), vec![]),
        (
            json!({"subject": {"$notEmpty": true}}),
            vec!["m1", "m2", "m3"],
        ),
        (json!({"from.address": "ZED@acme.com"}), vec!["m1"]),
        (
            json!({"from.address": {"$includes": "acme"}}),
            vec!["m1", "m3"],
        ),
        (
            json!({"from.address": {"$notIn": ["zed@acme.com"]}}),
            vec!["m2", "m3"],
        ),
        (
            json!({"from.address": {"$exists": true}}),
            vec!["m1", "m2", "m3"],
        ),
        (json!({"to.address": "amy@initech.co"}), vec!["m2"]),
        (json!({"to.address": {"$ne": "ann@gmail.test"}}), vec!["m2"]),
        (
            json!({"participants.address": {"$in": ["carl@globex.io"]}}),
            vec!["m1"],
        ),
        (
            json!({"participants.address": {"$notIn": ["carl@globex.io"]}}),
            vec!["m2", "m3"],
        ),
        (json!({"participants.domain": "acme.com"}), vec!["m1", "m3"]),
        (
            json!({"participants.domain": {"$ne": "acme.com"}}),
            vec!["m2"],
        ),
        (
            json!({"participants.domain": {"$includes": "initech"}}),
            vec!["m2"],
        ),
        (json!({"date": {"$dateOn": "2026-11-04"}}), vec!["m2"]),
        (
            json!({"date": {"$gte": "2026-11-04T00:00:00Z"}}),
            vec!["m2", "m3"],
        ),
        (json!({"date": {"$lt": "2026-11-04T00:00:00Z"}}), vec!["m1"]),
        (json!({"date": {"$gt": "2026-11-05T08:00:00Z"}}), vec![]),
        (
            json!({"date": {"$lte": "2026-11-05T08:00:00Z"}}),
            vec!["m1", "m2", "m3"],
        ),
        (json!({"date": {"$dateBefore": "2026-11-04"}}), vec!["m1"]),
        (json!({"date": {"$dateAfter": "2026-11-04"}}), vec!["m3"]),
        (json!({"folderId": inbox}), vec!["m1", "m3"]),
        (json!({"folderId": {"$notIn": [inbox]}}), vec!["m2"]),
        (json!({"threadId": thread}), vec!["m1", "m3"]),
        (json!({"threadId": {"$ne": thread}}), vec!["m2"]),
        (json!({"id": {"$gt": m1}}), vec!["m2", "m3"]),
        (json!({"id": {"$in": [m1, m2]}}), vec!["m1", "m2"]),
        (json!({"accountId": f.account_a}), vec!["m1", "m2", "m3"]),
        (json!({"accountId": f.account_b}), vec![]),
        (
            json!({"$or": [{"isStarred": true}, {"subject": {"$includes": "lunch"}}]}),
            vec!["m1", "m2"],
        ),
        (
            json!({"$and": [{"participants.domain": "acme.com"}, {"isRead": true}]}),
            vec!["m3"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(f.names(filter.clone()).await, set(&expected), "{filter}");
    }
    // A whole day in the caller's time zone: 23:30Z on the 4th is the 5th at +02:00.
    let query = format!(
        "filter={}",
        common::urlencode(&json!({"date": {"$dateOn": "2026-11-05"}}).to_string())
    );
    let reply = f
        .app
        .http
        .get(format!("{}/api/mailMessages:list?{query}", f.app.address))
        .bearer_auth(user_token(7))
        .header("x-timezone", "+02:00")
        .send()
        .await
        .unwrap();
    assert_eq!(f.named(&common::read(reply).await.json), set(&["m2", "m3"]));
}
both_backends!(operators, every_operator_matches_and_refuses);

/// Listing one folder by date takes its own path (off the folder's date index); it must
/// answer exactly as the general one does: order both ways, paging, count, narrowing,
/// search, and nothing from a mailbox the caller may not see.
async fn a_folder_by_date_lists_like_any_other_listing(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let inbox = |account: i64| -> i64 {
        f.app.db.query_texts(&format!("SELECT CAST(id AS TEXT) AS value FROM mail_folders WHERE account_id = {account} AND provider_id = 'INBOX'"))[0]
            .as_ref()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (inbox_a, inbox_b) = (inbox(f.account_a), inbox(f.account_b));
    let list = |token: String, filter: Value, extra: &'static str| {
        let query = format!("filter={}&{extra}", common::urlencode(&filter.to_string()));
        let f = &f;
        async move {
            let reply = f.list(&token, &query).await;
            assert_eq!(reply.status, 200, "{query}: {}", reply.text);
            let order: Vec<&str> = reply.json["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| *f.ids.iter().find(|(_, v)| **v == row["id"]).unwrap().0)
                .collect();
            (order, reply.json["meta"]["count"].as_i64().unwrap())
        }
    };
    let a = json!({"folderId": inbox_a});
    assert_eq!(
        list(user_token(7), a.clone(), "").await,
        (vec!["m3", "m1"], 2)
    );
    assert_eq!(
        list(user_token(7), a.clone(), "sort=date").await,
        (vec!["m1", "m3"], 2)
    );
    assert_eq!(
        list(user_token(7), a.clone(), "sort=-date&page=2&pageSize=1").await,
        (vec!["m1"], 2)
    );
    assert_eq!(
        list(
            user_token(7),
            json!({"$and": [{"folderId": {"$in": [inbox_a]}}, {"isRead": true}]}),
            ""
        )
        .await,
        (vec!["m3"], 1)
    );
    assert_eq!(
        list(
            user_token(7),
            json!({"$and": [{"folderId": inbox_a}, {"isRead": false}]}),
            ""
        )
        .await,
        (vec!["m1"], 1)
    );
    assert_eq!(
        list(user_token(7), a.clone(), "q=invoice").await,
        (vec!["m3", "m1"], 2)
    );
    assert_eq!(list(user_token(7), a.clone(), "q=pizza").await, (vec![], 0));
    // Someone else's folder reads as empty, whoever asks, until its owner shares it.
    assert_eq!(
        list(user_token(7), json!({"folderId": inbox_b}), "").await,
        (vec![], 0)
    );
    assert_eq!(list(user_token(8), a.clone(), "").await, (vec![], 0));
    f.app.share(&user_token(7), f.account_a, "metadata").await;
    assert_eq!(
        list(user_token(8), a.clone(), "").await,
        (vec!["m3", "m1"], 2)
    );
    assert_eq!(
        list(user_token(8), a.clone(), "q=invoice").await,
        (vec![], 0),
        "search needs bodies"
    );
}
both_backends!(folder_page, a_folder_by_date_lists_like_any_other_listing);

async fn full_text_search_finds_words_in_subject_body_and_addresses(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    for (q, expected) in [
        ("invoice", vec!["m1", "m3"]),
        ("pizza", vec!["m2"]),
        ("carl@globex.io", vec!["m1"]),
        ("paid", vec!["m3"]),
        ("nothing-like-this", vec![]),
    ] {
        let reply = f
            .list(&user_token(7), &format!("q={}", common::urlencode(q)))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(f.named(&reply.json), set(&expected), "q={q}");
    }
    let combined = f
        .list(
            &user_token(7),
            &format!(
                "q=invoice&filter={}",
                common::urlencode(&json!({"isRead": true}).to_string())
            ),
        )
        .await;
    assert_eq!(f.named(&combined.json), set(&["m3"]));
    let hostile = f
        .list(
            &user_token(7),
            &format!("q={}", common::urlencode("\" OR * NEAR( -- ;")),
        )
        .await;
    assert_eq!(
        hostile.status, 200,
        "search syntax from the user is only words: {}",
        hostile.text
    );
}
both_backends!(
    search,
    full_text_search_finds_words_in_subject_body_and_addresses
);

async fn others_see_only_what_the_owner_shares_and_admins_no_more(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    // Private by default: nobody else sees a thing, admins included.
    assert_eq!(f.list(&user_token(8), "").await.json["meta"]["count"], 1);
    assert_eq!(f.list(&admin_key(1), "").await.json["meta"]["count"], 0);
    let folders = f
        .app
        .call(
            "mailFolders:list",
            Some(&user_token(8)),
            &format!(
                "filter={}",
                common::urlencode(&json!({"accountId": f.account_a}).to_string())
            ),
            None,
        )
        .await;
    assert_eq!(folders.json["meta"]["count"], 0);

    // Bea shares metadata: Ann sees her message without subject or snippet, and cannot
    // probe them with a subject filter or a search.
    let query = format!("filterByTk={}", f.account_b);
    f.app
        .call(
            "mailAccounts:update",
            Some(&user_token(8)),
            &query,
            Some(json!({"visibility": "metadata", "sharedWithRoles": ["member"]})),
        )
        .await;
    let reply = f.list(&user_token(7), "").await;
    assert_eq!(reply.json["meta"]["count"], 4);
    let m4 = reply.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == f.ids["m4"])
        .unwrap()
        .clone();
    assert_eq!(
        (m4["subject"].clone(), m4["snippet"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(m4["from"]["address"], "zed@acme.com");
    assert!(
        !f.names(json!({"subject": {"$includes": "secret"}}))
            .await
            .contains("m4")
    );
    let probe = f.list(&user_token(7), "q=confidential").await;
    assert_eq!(probe.json["meta"]["count"], 0);

    // Record linking: with everything shared, "all mail with acme.com" spans both mailboxes.
    f.app
        .call(
            "mailAccounts:update",
            Some(&user_token(8)),
            &query,
            Some(json!({"visibility": "full", "sharedWithRoles": ["member"]})),
        )
        .await;
    assert_eq!(
        f.names(json!({"participants.domain": {"$eq": "acme.com"}}))
            .await,
        set(&["m1", "m3", "m4"])
    );
    assert_eq!(
        f.list(&user_token(7), "q=confidential").await.json["meta"]["count"],
        1
    );
    let folders = f
        .app
        .call("mailFolders:list", Some(&user_token(7)), "", None)
        .await;
    assert_eq!(folders.json["meta"]["count"], 6);
    let inbox = folders.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "inbox")
        .unwrap()
        .clone();
    assert_eq!(
        (inbox["totalCount"].as_i64(), inbox["unreadCount"].as_i64()),
        (Some(2), Some(1))
    );
}
both_backends!(
    visibility,
    others_see_only_what_the_owner_shares_and_admins_no_more
);

/// Stores one more message in an account, the way a sync run would.
async fn store_one(f: &Fixture, account: i64, message: IncomingMessage) -> i64 {
    let state = f.app.state.clone().unwrap();
    let now = Utc::now().naive_utc();
    state
        .store
        .run(move |c| {
            sync_jobs::enqueue(c, account, false, now - chrono::Duration::seconds(1))?;
            let claimed =
                sync_jobs::claim(c, "fixture", chrono::Duration::seconds(60), now)?.expect("job");
            let stored = messages::store_page(
                c,
                &claimed.fence,
                &[message],
                None,
                messages::Arrival::New,
                now,
            )?;
            sync_jobs::finish(c, &claimed.fence, None)?;
            Ok(stored[0])
        })
        .await
        .unwrap()
}

fn html_message() -> IncomingMessage {
    let raw = "Message-ID: <h1@t>\r\nFrom: Zed <zed@acme.com>\r\nTo: ann@gmail.test\r\n\
Bcc: boss@gmail.test\r\nReply-To: Sales <sales@acme.com>\r\nIn-Reply-To: <m1@t>\r\n\
References: <m0@t> <m1@t>\r\nSubject: Newsletter\r\n\
Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<p onclick=\"steal()\">Hello <script>alert(1)</script><a href=\"javascript:evil()\">x</a>\
<img src=\"cid:logo@acme\"><img src=\"https://track.example/pixel.gif\"></p>\
<form action=\"https://phish.example\"><input name=p></form>\r\n\
--r\r\nContent-Type: image/png\r\nContent-ID: <logo@acme>\r\n\
Content-Disposition: inline; filename=logo.png\r\nContent-Transfer-Encoding: base64\r\n\r\n\
iVBORw0KGgo=\r\n--r--\r\n";
    IncomingMessage {
        provider_message_id: "h1".into(),
        provider_thread_id: Some("t1".into()),
        folders: vec!["INBOX".into()],
        is_read: false,
        is_starred: false,
        received_at: at("2026-11-07 09:00:00"),
        provider_version: None,
        labels: None,
        parsed: parse(raw.as_bytes()).unwrap(),
    }
}

async fn get_returns_sanitized_bodies_headers_and_attachments(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let id = store_one(&f, f.account_a, html_message()).await;
    let get = |token: String, query: String| {
        let app = &f.app;
        async move {
            app.call("mailMessages:get", Some(&token), &query, None)
                .await
        }
    };

    let reply = get(user_token(7), format!("filterByTk={id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let m = &reply.json["data"];
    assert_eq!(m["subject"], "Newsletter");
    assert_eq!(m["bcc"][0]["address"], "boss@gmail.test");
    assert_eq!(m["replyTo"][0]["address"], "sales@acme.com");
    assert_eq!(m["messageId"], "<h1@t>");
    assert_eq!(m["inReplyTo"], "<m1@t>");
    assert_eq!(m["references"], json!(["<m0@t>", "<m1@t>"]));
    let html = m["bodyHtml"].as_str().unwrap();
    for banned in [
        "<script",
        "onclick",
        "javascript:",
        "<form",
        "<input",
        "cid:",
    ] {
        assert!(!html.contains(banned), "{banned} survived: {html}");
    }
    let attachments = m["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    let logo = &attachments[0];
    assert_eq!(
        (logo["filename"].as_str(), logo["contentType"].as_str()),
        (Some("logo.png"), Some("image/png"))
    );
    assert_eq!(logo["inline"], true);
    let download = format!(
        "/api/mailAttachments:download?filterByTk={}",
        logo["id"].as_i64().unwrap()
    );
    assert!(html.contains(&download), "{html}");
    assert!(html.contains("https://track.example/pixel.gif"));
    assert!(m.get("remoteImagesBlocked").is_none());

    // Blocking remote images removes the tracker but keeps the inline logo.
    let blocked = get(
        user_token(7),
        format!("filterByTk={id}&blockRemoteImages=true"),
    )
    .await;
    let html = blocked.json["data"]["bodyHtml"].as_str().unwrap();
    assert!(!html.contains("track.example"), "{html}");
    assert!(html.contains(&download));
    assert_eq!(blocked.json["data"]["remoteImagesBlocked"], true);
    let bad = get(
        user_token(7),
        format!("filterByTk={id}&blockRemoteImages=yes"),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    let bad = get(user_token(7), "filterByTk=abc".to_string()).await;
    assert_eq!(bad.status, 400, "{}", bad.text);

    // A plain-text message with a regular attachment.
    let plain = get(user_token(7), format!("filterByTk={}", f.ids["m1"])).await;
    assert_eq!(
        plain.json["data"]["bodyText"].as_str().unwrap().trim_end(),
        "please pay the invoice"
    );
    assert_eq!(plain.json["data"]["attachments"][0]["filename"], "a.pdf");
    assert_eq!(plain.json["data"]["attachments"][0]["inline"], false);

    // Others: nothing while private, admins included; metadata shows no subject or body;
    // subject shows the subject; full shows bodies but never the owner's blind copies.
    let query = format!("filterByTk={id}");
    assert_eq!(
        get(user_token(8), query.clone()).await.json["data"],
        Value::Null
    );
    assert_eq!(
        get(admin_key(1), query.clone()).await.json["data"],
        Value::Null
    );
    f.app.share(&user_token(7), f.account_a, "metadata").await;
    let seen = get(user_token(8), query.clone()).await.json["data"].clone();
    assert_eq!(seen["from"]["address"], "zed@acme.com");
    assert_eq!(
        (&seen["subject"], &seen["bodyHtml"], &seen["bodyText"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert_eq!(seen["attachments"], json!([]));
    f.app.share(&user_token(7), f.account_a, "subject").await;
    let seen = get(user_token(8), query.clone()).await.json["data"].clone();
    assert_eq!(seen["subject"], "Newsletter");
    assert_eq!(seen["bodyHtml"], Value::Null);
    f.app.share(&user_token(7), f.account_a, "full").await;
    let seen = get(user_token(8), query.clone()).await.json["data"].clone();
    assert!(seen["bodyHtml"].as_str().unwrap().contains("Hello"));
    assert_eq!(seen["bcc"], json!([]));
    assert_eq!(seen["attachments"].as_array().unwrap().len(), 1);

    // Blind copies match the owner's participant filters only; nobody else can probe them.
    let bcc = format!(
        "filter={}",
        common::urlencode(&json!({"participants.address": {"$eq": "boss@gmail.test"}}).to_string())
    );
    assert_eq!(f.list(&user_token(7), &bcc).await.json["meta"]["count"], 1);
    assert_eq!(f.list(&user_token(8), &bcc).await.json["meta"]["count"], 0);
    let domain = format!(
        "filter={}",
        common::urlencode(&json!({"participants.domain": {"$eq": "gmail.test"}}).to_string())
    );
    let theirs = f.list(&user_token(8), &domain).await;
    assert!(
        theirs.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id),
        "the To address still links: {}",
        theirs.text
    );
}
both_backends!(get, get_returns_sanitized_bodies_headers_and_attachments);

async fn threads_sum_up_all_their_messages(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let threads = |token: String, query: String| {
        let app = &f.app;
        async move {
            app.call("mailThreads:list", Some(&token), &query, None)
                .await
        }
    };
    let reply = threads(user_token(7), String::new()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["meta"]["count"], 2);
    let t1 = reply.json["data"][0].clone();
    assert_eq!(t1["subject"], "Invoice March");
    assert_eq!(
        (
            &t1["messageCount"],
            &t1["unreadCount"],
            &t1["hasAttachments"]
        ),
        (&json!(2), &json!(1), &json!(true))
    );
    assert_eq!(t1["lastDate"], "2026-11-05T08:00:00Z");
    let people: BTreeSet<&str> = t1["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        people,
        set(&[
            "zed@acme.com",
            "ann@gmail.test",
            "carl@globex.io",
            "bob@acme.com"
        ])
    );
    assert_eq!(reply.json["data"][1]["subject"], "Lunch plans");
    // A conversation row: one star for the thread, the newest message's snippet, and the
    // ids an action on the whole conversation needs.
    assert_eq!(t1["isStarred"], true);
    assert_eq!(t1["snippet"], "paid");
    assert_eq!(t1["messageIds"], json!([f.ids["m1"], f.ids["m3"]]));
    assert_eq!(reply.json["data"][1]["isStarred"], false);

    // A thread matches when one message does, and is still summed over all of them.
    let filter =
        common::urlencode(&json!({"participants.address": {"$eq": "bob@acme.com"}}).to_string());
    let only = threads(user_token(7), format!("filter={filter}")).await;
    assert_eq!(only.json["meta"]["count"], 1);
    assert_eq!(only.json["data"][0]["messageCount"], 2);
    let searched = threads(user_token(7), "q=pizza".to_string()).await;
    assert_eq!(searched.json["data"][0]["subject"], "Lunch plans");
    assert_eq!(searched.json["meta"]["count"], 1);
    let oldest_first = threads(user_token(7), "sort=date".to_string()).await;
    assert_eq!(oldest_first.json["data"][0]["subject"], "Lunch plans");

    // Others see their own; admins nothing.
    assert_eq!(
        threads(user_token(8), String::new()).await.json["meta"]["count"],
        1
    );
    assert_eq!(
        threads(admin_key(1), String::new()).await.json["meta"]["count"],
        0
    );

    // get: the messages in date order; hidden until shared, subject hidden at metadata.
    let id = t1["id"].as_i64().unwrap();
    let get = |token: String| {
        let app = &f.app;
        async move {
            app.call(
                "mailThreads:get",
                Some(&token),
                &format!("filterByTk={id}"),
                None,
            )
            .await
        }
    };
    let got = get(user_token(7)).await;
    assert_eq!(got.status, 200, "{}", got.text);
    let order: Vec<i64> = got.json["data"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [f.ids["m1"], f.ids["m3"]]);
    assert_eq!(got.json["data"]["messageCount"], 2);
    assert_eq!(get(user_token(8)).await.json["data"], Value::Null);
    f.app.share(&user_token(7), f.account_a, "metadata").await;
    let shared = get(user_token(8)).await.json["data"].clone();
    assert_eq!(shared["subject"], Value::Null);
    assert_eq!(
        shared["snippet"],
        Value::Null,
        "metadata sharing shows no text"
    );
    assert_eq!(shared["messages"][0]["subject"], Value::Null);
    assert_eq!(shared["messageCount"], 2);
    let missing = app_get_missing(&f).await;
    assert_eq!(missing, Value::Null);
}
both_backends!(threads, threads_sum_up_all_their_messages);

async fn app_get_missing(f: &Fixture) -> Value {
    f.app
        .call(
            "mailThreads:get",
            Some(&user_token(7)),
            "filterByTk=999999",
            None,
        )
        .await
        .json["data"]
        .clone()
}

/// Whether a reply gave nothing away: an empty `get`, an empty list, or a 404.
fn nothing(reply: &common::Reply) -> bool {
    match reply.status {
        404 => true,
        200 => {
            let data = &reply.json["data"];
            data.is_null() || data.as_array().is_some_and(Vec::is_empty)
        }
        _ => false,
    }
}

async fn nobody_else_reaches_private_mail_by_any_endpoint_or_guessed_id(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    // Ann's mailbox is private. Bea (a user) and an admin guess every id from 1 to 40 on
    // every endpoint that takes one, and ask the lists for Ann's rows by id and account.
    for token in [user_token(8), admin_key(1)] {
        for id in 1..=40 {
            let by_id = format!("filterByTk={id}");
            for (action, body) in [
                ("mailMessages:get", None),
                ("mailMessages:update", Some(json!({"isRead": true}))),
                ("mailMessages:destroy", None),
                ("mailThreads:get", None),
                ("mailAttachments:download", None),
            ] {
                if action.starts_with("mailMessages") && id == f.ids["m4"] {
                    continue; // Bea's own message: hers to read and change.
                }
                let reply = f.app.call(action, Some(&token), &by_id, body).await;
                // Bea's own thread may answer her; nothing of Ann's may answer anyone.
                let own = reply.json["data"]["accountId"] == f.account_b;
                assert!(
                    nothing(&reply) || own,
                    "{action} {by_id}: {} {}",
                    reply.status,
                    reply.text
                );
                assert!(
                    !reply.text.contains("Invoice"),
                    "{action} {by_id}: {}",
                    reply.text
                );
            }
        }
        for (action, filter) in [
            (
                "mailMessages:list",
                json!({"id": {"$in": [f.ids["m1"], f.ids["m2"], f.ids["m3"]]}}),
            ),
            (
                "mailMessages:list",
                json!({"accountId": {"$eq": f.account_a}}),
            ),
            (
                "mailThreads:list",
                json!({"accountId": {"$eq": f.account_a}}),
            ),
            ("mailFolders:list", json!({"accountId": f.account_a})),
        ] {
            let query = format!("filter={}", common::urlencode(&filter.to_string()));
            let reply = f.app.call(action, Some(&token), &query, None).await;
            assert_eq!(reply.status, 200, "{action}: {}", reply.text);
            assert!(nothing(&reply), "{action} {filter}: {}", reply.text);
        }
    }
    // Ann's mail is untouched by all of that.
    let mine = f.list(&user_token(7), "").await;
    assert_eq!(mine.json["meta"]["count"], 3);
    assert!(
        mine.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["isRead"] == false)
    );
}
both_backends!(
    privacy,
    nobody_else_reaches_private_mail_by_any_endpoint_or_guessed_id
);
