//! The mail store: pages and their cursors commit together, only while the writer's
//! lease holds; one row per provider message; participants, attachments and full-text
//! rows follow each message; the job queue hands an account to one worker at a time.

use crate::common;

use chrono::{Duration, NaiveDateTime, Utc};
use common::{Backend, TestDb};
use email_manager::config::{DatabaseKind, DatabaseSettings};
use email_manager::mail::parse;
use email_manager::store::messages::{self, CursorUpdate, IncomingMessage, RemoteFolder};
use email_manager::store::sync_jobs::{self, Fence};
use email_manager::store::{
    DbConnection, Store, StoreError, mail_accounts, run_pending_migrations,
};

pub(crate) fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

pub(crate) async fn store_with_account(backend: Backend) -> Option<(TestDb, Store, i64)> {
    let db = TestDb::create(backend)?;
    let store = Store::connect(&DatabaseSettings {
        url: db.url(),
        ..DatabaseSettings::default()
    })
    .unwrap();
    store.run(run_pending_migrations).await.unwrap();
    let account = store
        .run(|c| common::connect_google(c, 7, "ann@gmail.test", now()))
        .await
        .unwrap();
    let mail_accounts::Connected::Created(row) = account else {
        panic!("created")
    };
    let id = row.id;
    store
        .run(move |c| {
            messages::sync_folders(
                c,
                id,
                &[
                    RemoteFolder {
                        provider_id: "INBOX".into(),
                        name: "INBOX".into(),
                        role: Some("inbox".into()),
                        parent_provider_id: None,
                    },
                    RemoteFolder {
                        provider_id: "Label_1".into(),
                        name: "Clients".into(),
                        role: None,
                        parent_provider_id: None,
                    },
                ],
            )
        })
        .await
        .unwrap();
    Some((db, store, id))
}

pub(crate) fn incoming(
    id: &str,
    subject: &str,
    from: &str,
    body: &str,
    read: bool,
) -> IncomingMessage {
    let raw = format!(
        "Message-ID: <{id}@mail.test>\r\nFrom: Zed <{from}>\r\nTo: ann@gmail.test, Bob <bob@Globex.io>\r\nSubject: {subject}\r\nDate: Tue, 03 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{body}\r\n--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=numbers.csv\r\n\r\na,b\r\n--b--\r\n"
    );
    IncomingMessage {
        provider_message_id: id.into(),
        provider_thread_id: Some(format!("t-{id}")),
        folders: vec!["INBOX".into(), "Label_1".into()],
        is_read: read,
        is_starred: false,
        received_at: now(),
        provider_version: Some("1".into()),
        labels: None,
        parsed: parse(raw.as_bytes()).unwrap(),
    }
}

pub(crate) async fn claim(store: &Store, account: i64, owner: &str) -> Fence {
    let owner = owner.to_string();
    store
        .run(move |c| sync_jobs::enqueue(c, account, false, now() - Duration::seconds(1)))
        .await
        .unwrap();
    store
        .run(move |c| sync_jobs::claim(c, &owner, Duration::seconds(60), now()))
        .await
        .unwrap()
        .expect("a due job")
        .fence
}

fn count(db: &TestDb, sql: &str) -> usize {
    db.query_texts(sql).len()
}

fn search(db: &TestDb, word: &str) -> usize {
    match db.url().kind() {
        DatabaseKind::Sqlite => count(
            db,
            &format!(
                "SELECT CAST(rowid AS TEXT) AS value FROM mail_messages_fts WHERE mail_messages_fts MATCH '{word}'"
            ),
        ),
        DatabaseKind::Postgres => count(
            db,
            &format!(
                "SELECT CAST(id AS TEXT) AS value FROM mail_messages WHERE search @@ plainto_tsquery('simple', '{word}')"
            ),
        ),
    }
}

async fn a_page_and_its_cursor_are_stored_together_without_duplicates(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let fence = claim(&store, account, "worker-a").await;
    let page = vec![
        incoming(
            "m1",
            "Invoice for March",
            "zed@acme.com",
            "the invoice is attached",
            false,
        ),
        incoming("m2", "Lunch", "amy@initech.co", "pizza tomorrow", true),
    ];
    let (f, p) = (fence.clone(), page.clone());
    let cursor = CursorUpdate {
        scope: "account".into(),
        cursor: None,
        resume: Some("page-2".into()),
    };
    let c2 = cursor.clone();
    store
        .run(move |c| messages::store_page(c, &f, &p, Some(&c2), messages::Arrival::New, now()))
        .await
        .unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT provider_message_id AS value FROM mail_messages"
        ),
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT address AS value FROM mail_participants WHERE domain = 'globex.io'"
        ),
        2
    );
    assert_eq!(
        count(&db, "SELECT filename AS value FROM mail_attachments"),
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT CAST(message_id AS TEXT) AS value FROM mail_message_folders"
        ),
        4
    );
    assert_eq!(search(&db, "invoice"), 1);
    assert_eq!(search(&db, "pizza"), 1);
    let scope = store
        .run(move |c| messages::cursor(c, account, "account"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scope.resume.as_deref(), Some("page-2"));

    // The same provider message again (now read, in one folder): updated, not duplicated.
    let mut changed = incoming(
        "m1",
        "Invoice for March",
        "zed@acme.com",
        "the invoice is attached",
        true,
    );
    changed.folders = vec!["INBOX".into()];
    let f = fence.clone();
    store
        .run(move |c| messages::store_page(c, &f, &[changed], None, messages::Arrival::New, now()))
        .await
        .unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT provider_message_id AS value FROM mail_messages"
        ),
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT CAST(is_read AS TEXT) AS value FROM mail_messages WHERE provider_message_id = 'm1' AND is_read"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT CAST(message_id AS TEXT) AS value FROM mail_message_folders"
        ),
        3
    );
    assert_eq!(
        count(&db, "SELECT address AS value FROM mail_participants"),
        6
    );
    assert_eq!(search(&db, "invoice"), 1);

    // Kept by the database as links come and go, no recount asked for.
    let counts = db.query_texts("SELECT CAST(total_count AS TEXT) || '/' || CAST(unread_count AS TEXT) AS value FROM mail_folders ORDER BY provider_id");
    assert_eq!(counts, [Some("2/0".to_string()), Some("1/0".to_string())]);

    let f = fence.clone();
    let removed = store
        .run(move |c| messages::delete_messages(c, &f, &["m2".to_string()], None, now()))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let counts = db.query_texts("SELECT CAST(total_count AS TEXT) || '/' || CAST(unread_count AS TEXT) AS value FROM mail_folders ORDER BY provider_id");
    assert_eq!(
        counts,
        [Some("1/0".to_string()), Some("0/0".to_string())],
        "m2 leaves both its folders"
    );
    assert_eq!(search(&db, "pizza"), 0);
    assert_eq!(
        count(&db, "SELECT address AS value FROM mail_participants"),
        3,
        "children go with the message"
    );
}
both_backends!(
    pages_and_cursors,
    a_page_and_its_cursor_are_stored_together_without_duplicates
);

/// Most mail today is HTML, and Outlook mail synced from Graph's delta pages carries its
/// HTML body only: a word deep in such a body must be found. It was not: the index held
/// the text body (PostgreSQL) or, without one, the 200-character snippet (SQLite).
async fn an_html_only_message_is_found_by_a_word_deep_in_its_body(backend: Backend) {
    let Some((db, store, _account)) = store_with_account(backend).await else {
        return;
    };
    let fence = claim(&store, _account, "worker-a").await;
    let filler = "<p>Thank you for your order, it is on its way to you.</p>".repeat(10);
    let raw = format!(
        "Message-ID: <news@mail.test>\r\nFrom: shop@acme.com\r\nTo: ann@gmail.test\r\n\
Subject: Your order\r\nDate: Tue, 03 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p {{ color: teal }}</style></head>\
<body>{filler}<p>Tracking: <b>zebrafish</b>&nbsp;parcel</p></body></html>\r\n"
    );
    let mut message = incoming("h1", "Your order", "shop@acme.com", "", false);
    message.parsed = parse(raw.as_bytes()).unwrap();
    assert_eq!(message.parsed.body_text, None, "an HTML-only message");
    store
        .run(move |c| {
            messages::store_page(c, &fence, &[message], None, messages::Arrival::New, now())
        })
        .await
        .unwrap();
    assert_eq!(search(&db, "zebrafish"), 1, "a word deep in the HTML");
    assert_eq!(search(&db, "parcel"), 1, "after an entity");
    assert_eq!(search(&db, "teal"), 0, "a style is not text");
}
both_backends!(
    html_search,
    an_html_only_message_is_found_by_a_word_deep_in_its_body
);

/// A page is written one statement per table (#26: a first import of 10,000 messages
/// spent most of its CPU on a dozen statements a message). What a page holds must come
/// out as if each message were written in turn: more rows than one statement takes,
/// threads shared within the page, a message stored before now changed (its old
/// subject no longer found), and one message twice in a page (the last copy stored).
async fn a_large_page_is_stored_as_if_message_by_message(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let fence = claim(&store, account, "worker-a").await;
    let before = incoming("old", "Quarterly kumquat", "zed@acme.com", "figures", false);
    let f = fence.clone();
    let first = store
        .run(move |c| messages::store_page(c, &f, &[before], None, messages::Arrival::New, now()))
        .await
        .unwrap();

    let mut page: Vec<IncomingMessage> = (0..450)
        .map(|k| {
            let mut message =
                incoming(&format!("n{k}"), "Bulk", "zed@acme.com", "body", k % 3 == 0);
            message.provider_thread_id = Some(format!("pair-{}", k / 2));
            message
        })
        .collect();
    let mut changed = incoming("old", "Quarterly durian", "zed@acme.com", "figures", true);
    changed.folders = vec!["Label_1".into()];
    page.insert(100, changed);
    page.push(incoming(
        "dup",
        "First walrus",
        "amy@initech.co",
        "draft",
        false,
    ));
    page.push(incoming(
        "dup",
        "Final narwhal",
        "amy@initech.co",
        "sent",
        true,
    ));
    let f = fence.clone();
    let sent = page.clone();
    let ids = store
        .run(move |c| messages::store_page(c, &f, &sent, None, messages::Arrival::New, now()))
        .await
        .unwrap();

    assert_eq!(ids.len(), page.len(), "one id for each message of the page");
    assert_eq!(ids[100], first[0], "a stored message keeps its id");
    assert_eq!(ids[451], ids[452], "both copies name the one row");
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 452);
    let rows = |sql: &str| count(&db, sql);
    assert_eq!(
        rows("SELECT provider_message_id AS value FROM mail_messages"),
        452
    );
    assert_eq!(
        rows("SELECT DISTINCT CAST(thread_id AS TEXT) AS value FROM mail_messages"),
        227,
        "225 pairs, the old one's thread, the duplicate's"
    );
    assert_eq!(
        rows("SELECT CAST(id AS TEXT) AS value FROM mail_threads"),
        227
    );
    assert_eq!(
        rows("SELECT address AS value FROM mail_participants"),
        3 * 452,
        "from, two recipients: the changed and the doubled message once each"
    );
    assert_eq!(rows("SELECT filename AS value FROM mail_attachments"), 452);
    let counts = db.query_texts("SELECT CAST(total_count AS TEXT) || '/' || CAST(unread_count AS TEXT) AS value FROM mail_folders ORDER BY provider_id");
    assert_eq!(
        counts,
        [Some("451/300".to_string()), Some("452/300".to_string())],
        "INBOX: the 450 and the duplicate (read); Clients: those and the changed one (read)"
    );
    assert_eq!(
        search(&db, "kumquat"),
        0,
        "the old subject is gone from the index"
    );
    assert_eq!(search(&db, "durian"), 1);
    assert_eq!(
        search(&db, "walrus"),
        0,
        "the first copy is not what is stored"
    );
    assert_eq!(search(&db, "narwhal"), 1);
    assert_eq!(search(&db, "bulk"), 450);
}
both_backends!(large_page, a_large_page_is_stored_as_if_message_by_message);

/// A fresh Graph round finds what left a folder by reading the folder's stored ids a
/// page at a time: the pages cover every member once, in store order, and only members.
async fn a_folders_members_are_read_a_page_at_a_time(backend: Backend) {
    let Some((_db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let fence = claim(&store, account, "worker-a").await;
    let mut page: Vec<IncomingMessage> = (0..5)
        .map(|k| incoming(&format!("p{k}"), "Paged", "zed@acme.com", "body", false))
        .collect();
    page[4].folders = vec!["Label_1".into()];
    store
        .run(move |c| messages::store_page(c, &fence, &page, None, messages::Arrival::New, now()))
        .await
        .unwrap();
    let (mut after, mut seen) = (0, Vec::new());
    loop {
        let rows = store
            .run(move |c| messages::members_after(c, account, "INBOX", after, 2))
            .await
            .unwrap();
        assert!(rows.len() <= 2);
        let Some(&(last, _)) = rows.last() else { break };
        assert!(rows.iter().all(|(id, _)| *id > after));
        after = last;
        seen.extend(rows.into_iter().map(|(_, id)| id));
    }
    assert_eq!(seen, ["p0", "p1", "p2", "p3"], "p4 is not in INBOX");
}
both_backends!(members_paged, a_folders_members_are_read_a_page_at_a_time);

async fn a_worker_whose_lease_was_taken_over_cannot_write(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let stale = claim(&store, account, "worker-a").await;
    // worker-a stalls; its lease runs out and worker-b takes the job over.
    let taken = store
        .run(move |c| {
            sync_jobs::claim(
                c,
                "worker-b",
                Duration::seconds(60),
                now() + Duration::seconds(120),
            )
        })
        .await
        .unwrap()
        .expect("an expired lease is taken over");
    assert!(taken.fence.revision > stale.revision);
    let page = vec![incoming("late", "Late", "zed@acme.com", "too late", false)];
    let cursor = CursorUpdate {
        scope: "account".into(),
        cursor: Some("999".into()),
        resume: None,
    };
    let (f, p, c2) = (stale.clone(), page.clone(), cursor.clone());
    let refused = store
        .run(move |c| messages::store_page(c, &f, &p, Some(&c2), messages::Arrival::New, now()))
        .await;
    assert!(matches!(refused, Err(StoreError::Fenced)), "{refused:?}");
    assert_eq!(
        count(
            &db,
            "SELECT provider_message_id AS value FROM mail_messages"
        ),
        0,
        "nothing half-written"
    );
    assert!(
        store
            .run(move |c| messages::cursor(c, account, "account"))
            .await
            .unwrap()
            .is_none()
    );
    let f = stale.clone();
    assert!(
        !store
            .run(move |c| sync_jobs::finish(c, &f, None))
            .await
            .unwrap()
    );
    let f = taken.fence.clone();
    store
        .run(move |c| {
            messages::store_page(c, &f, &page, Some(&cursor), messages::Arrival::New, now())
        })
        .await
        .unwrap();
    let f = taken.fence.clone();
    assert!(
        store
            .run(move |c| sync_jobs::finish(c, &f, None))
            .await
            .unwrap()
    );
}
both_backends!(fencing, a_worker_whose_lease_was_taken_over_cannot_write);

async fn each_account_job_goes_to_one_worker_at_a_time(backend: Backend) {
    let Some((_db, store, account)) = store_with_account(backend).await else {
        return;
    };
    for _ in 0..3 {
        store
            .run(move |c| sync_jobs::enqueue(c, account, false, now() - Duration::seconds(1)))
            .await
            .unwrap();
    }
    store
        .run(move |c| sync_jobs::enqueue(c, account, true, now() + Duration::hours(1)))
        .await
        .unwrap();
    let workers: Vec<_> = (0..8)
        .map(|k| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .run(move |c: &mut DbConnection| {
                        sync_jobs::claim(c, &format!("worker-{k}"), Duration::seconds(60), now())
                    })
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for worker in workers {
        if let Some(claimed) = worker.await.unwrap().unwrap() {
            winners.push(claimed);
        }
    }
    assert_eq!(winners.len(), 1, "one job, one worker");
    assert!(
        winners[0].full_resync,
        "a full resync asked for meanwhile is kept"
    );
    let fence = winners[0].fence.clone();
    let retry_at = now() - Duration::seconds(1);
    assert!(
        store
            .run(move |c| sync_jobs::finish(c, &fence, Some(retry_at)))
            .await
            .unwrap()
    );
    let again = store
        .run(move |c| sync_jobs::claim(c, "worker-9", Duration::seconds(60), now()))
        .await
        .unwrap();
    assert!(again.is_some(), "a released job can be claimed again");
}
both_backends!(one_worker, each_account_job_goes_to_one_worker_at_a_time);

async fn requests_during_a_run_make_exactly_one_more_run(backend: Backend) {
    let Some((_db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let running = claim(&store, account, "worker-a").await;
    // A burst of pushes while the run is in progress.
    for _ in 0..25 {
        store
            .run(move |c| sync_jobs::enqueue(c, account, false, now()))
            .await
            .unwrap();
    }
    let busy = store
        .run(|c| sync_jobs::claim(c, "worker-b", Duration::seconds(60), now()))
        .await
        .unwrap();
    assert!(busy.is_none(), "a running job is not handed out twice");
    let f = running.clone();
    assert!(
        store
            .run(move |c| sync_jobs::finish(c, &f, None))
            .await
            .unwrap()
    );
    let again = store
        .run(|c| {
            sync_jobs::claim(
                c,
                "worker-b",
                Duration::seconds(60),
                now() + Duration::seconds(1),
            )
        })
        .await
        .unwrap()
        .expect("the run ends with one more run queued");
    assert!(again.fence.revision > running.revision);
    let f = again.fence.clone();
    assert!(
        store
            .run(move |c| sync_jobs::finish(c, &f, None))
            .await
            .unwrap()
    );
    let none = store
        .run(|c| {
            sync_jobs::claim(
                c,
                "worker-c",
                Duration::seconds(60),
                now() + Duration::seconds(2),
            )
        })
        .await
        .unwrap();
    assert!(none.is_none(), "the burst made one more run, not one each");
}
both_backends!(coalescing, requests_during_a_run_make_exactly_one_more_run);

async fn a_mailbox_whose_push_works_is_polled_less_often(backend: Backend) {
    use email_manager::store::mail_push::{self, PushUpdate};
    let Some((_db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let synced = now() - Duration::minutes(10);
    store
        .run(move |c| mail_accounts::sync_succeeded(c, account, synced))
        .await
        .unwrap();
    // Polled every 5 minutes, or hourly when pushed: ten minutes after its last sync.
    let due = |store: Store| async move {
        let at = now();
        store
            .run(move |c| {
                mail_accounts::take_due(
                    c,
                    at - Duration::minutes(5),
                    at - Duration::hours(1),
                    at,
                    10,
                )
            })
            .await
            .unwrap()
            .into_iter()
            .map(|(id, ..)| id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        due(store.clone()).await,
        [account],
        "no push: due after 5 minutes"
    );
    store
        .run(move |c| mail_accounts::sync_succeeded(c, account, synced))
        .await
        .unwrap();
    let update = PushUpdate {
        status: mail_push::ACTIVE,
        subscription_id: Some("sub-1".into()),
        client_state_sealed: None,
        expires_at: Some(now() + Duration::days(2)),
        next_check_at: now() + Duration::days(1),
        last_error: None,
    };
    let again = update.clone();
    store
        .run(move |c| {
            mail_push::ensure(c, account, "google", now())?;
            mail_push::claim_due(c, "me", now(), Duration::seconds(60), 10)?;
            mail_push::save(c, account, "me", &update, now())
        })
        .await
        .unwrap();
    assert!(
        due(store.clone()).await.is_empty(),
        "pushed: not due before an hour"
    );
    // A lapsed subscription is not healthy push: back to the normal interval.
    store
        .run(move |c| {
            let lapsed = PushUpdate {
                expires_at: Some(now() - Duration::minutes(1)),
                ..again
            };
            mail_push::ensure(c, account, "google", now())?;
            mail_push::claim_due(c, "me", now(), Duration::seconds(60), 10)?;
            mail_push::save(c, account, "me", &lapsed, now())
        })
        .await
        .unwrap();
    assert_eq!(
        due(store.clone()).await,
        [account],
        "lapsed push: due after 5 minutes"
    );
}
both_backends!(
    push_polling,
    a_mailbox_whose_push_works_is_polled_less_often
);
