//! Unknown sends settled by asking the provider (`send::settle`). A process killed while
//! Gmail had a message, or an answer lost on the way back, leaves a send that may or may
//! not have gone. It is never sent again blindly, and no longer left "may have been
//! sent" either: Gmail's Sent is searched for its Message-ID. Found: sent. Not there:
//! sent again when its message is kept, failed as not sent when it is not. A send unknown
//! only a moment ago is not looked up yet (Gmail may still be taking it in), and Graph's
//! are not looked up at all (its sent copy comes later; a draft may carry the same id).

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_with};
use common::tokens::user_token;
use email_manager::send::{scheduler, settle};
use email_manager::store::outbox::{self, OutboxRow, SendStatus};
use serde_json::{Value, json};

const GMAIL: &str = "settle@acme.test";
const OUTLOOK: &str = "settle@contoso.test";

async fn account(w: &Wired, provider: &str, email: &str) -> i64 {
    w.mailbox(provider, email, 0).await;
    let connected = w.connect(&user_token(7), provider, email).await;
    param(&connected, "mailAccountId").unwrap().parse().unwrap()
}

/// A send from `account` with `extra` values; its outbox row id.
async fn send(w: &Wired, account: i64, subject: &str, extra: Value) -> i64 {
    let mut values = json!({"accountId": account, "to": ["zoe@northwind.test"], "subject": subject, "text": "x"});
    values
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let reply = w.send_mail(values).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"]["id"].as_i64().unwrap()
}

/// Runs SQL against the service's database.
async fn sql(w: &Wired, statement: String) {
    let state = w.app.state.as_ref().expect("the app's state");
    state
        .store
        .run(move |c| {
            use diesel::connection::SimpleConnection;
            Ok(c.batch_execute(&statement)?)
        })
        .await
        .unwrap();
}

async fn row(w: &Wired, id: i64) -> OutboxRow {
    let state = w.app.state.as_ref().unwrap();
    state
        .store
        .run(move |c| outbox::find(c, id))
        .await
        .unwrap()
        .unwrap()
}

async fn rfc_id(w: &Wired, id: i64) -> Option<String> {
    let state = w.app.state.as_ref().unwrap();
    state
        .store
        .run(move |c| {
            use diesel::prelude::*;
            use email_manager::store::schema::mail_outbox;
            Ok(mail_outbox::table
                .find(id)
                .select(mail_outbox::rfc_message_id)
                .first::<Option<String>>(c)?)
        })
        .await
        .unwrap()
}

/// What a process killed while the provider had the send leaves, a lease ago (`when`:
/// `old` for then, `recent` for just now); `keep_message` false for a send someone waited
/// for (its message is not kept).
async fn interrupted(w: &Wired, id: i64, message_id: &str, recent: bool, keep_message: bool) {
    let when = if recent {
        chrono::Utc::now()
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S%.f")
            .to_string()
    } else {
        "2000-01-01 00:00:00".to_string()
    };
    let message = if keep_message { "message" } else { "NULL" };
    sql(
        w,
        format!(
            "UPDATE mail_outbox SET status = 'unknown', error_code = 'INTERRUPTED', provider_message_id = NULL, \
             provider_thread_id = NULL, sent_at = NULL, lease_until = NULL, rfc_message_id = '{message_id}', \
             message = {message}, updated_at = '{when}' WHERE id = {id}"
        ),
    )
    .await;
}

fn subjects(sent: &[Vec<u8>], subject: &str) -> usize {
    let wanted = format!("Subject: {subject}\r\n");
    sent.iter()
        .filter(|raw| String::from_utf8_lossy(raw).contains(&wanted))
        .count()
}

async fn unknown_gmail_sends_are_settled_by_looking_up_their_message_id(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.enabled = false;
        s.send.run_scheduled = false;
        s.send.lease_secs = 4;
    })
    .await
    else {
        return;
    };
    let gmail = account(&w, "google", GMAIL).await;
    let outlook = account(&w, "microsoft", OUTLOOK).await;
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();

    // Gmail took it, and the process died before it wrote "sent".
    let arrived = send(&w, gmail, "Arrived", json!({})).await;
    let raw = w.sent(GMAIL).await.pop().unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let message_id = parsed.message_id().unwrap().to_string();
    interrupted(&w, arrived, &message_id, false, false).await;
    // A scheduled send cut off before Gmail had it: its message is kept.
    let lost = send(&w, gmail, "Lost on the way", json!({"sendAt": later})).await;
    interrupted(&w, lost, "lost-1@acme.test", false, true).await;
    // A send someone waited for, cut off the same way: nothing to send again.
    let waited = send(&w, gmail, "Waited for", json!({"sendAt": later})).await;
    interrupted(&w, waited, "waited-1@acme.test", false, false).await;
    // Unknown a moment ago: Gmail may still be taking it in.
    let recent = send(&w, gmail, "Just now", json!({"sendAt": later})).await;
    interrupted(&w, recent, "recent-1@acme.test", true, true).await;
    // Graph cannot be asked.
    let graph = send(&w, outlook, "Through Graph", json!({"sendAt": later})).await;
    interrupted(&w, graph, "graph-1@contoso.test", false, true).await;

    // Unknown for longer than it is looked up (7 days): left unknown.
    let stale = send(&w, gmail, "Long ago", json!({"sendAt": later})).await;
    interrupted(&w, stale, "stale-1@acme.test", false, true).await;
    sql(
        &w,
        format!("UPDATE mail_outbox SET created_at = '2000-01-01 00:00:00' WHERE id = {stale}"),
    )
    .await;

    let state = w.app.state.as_ref().unwrap();
    let settled = settle::settle_unknown(state).await.unwrap();
    assert_eq!(settled, 4, "all but the recent one");

    let found = row(&w, arrived).await;
    assert_eq!(found.status, SendStatus::Sent, "found in Sent: {found:?}");
    assert!(found.provider_message_id.is_some() && found.error_code.is_none());
    assert_eq!(rfc_id(&w, arrived).await, None, "nothing more to look up");

    let again = row(&w, lost).await;
    assert_eq!(again.status, SendStatus::Queued, "never arrived: {again:?}");
    let failed = row(&w, waited).await;
    assert_eq!(failed.status, SendStatus::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("NOT_SENT"));
    assert_eq!(row(&w, recent).await.status, SendStatus::Unknown);
    assert!(rfc_id(&w, recent).await.is_some(), "looked up later");
    let graph_row = row(&w, graph).await;
    assert_eq!(graph_row.status, SendStatus::Unknown, "Graph is not asked");
    assert_eq!(rfc_id(&w, graph).await, None);
    assert_eq!(row(&w, stale).await.status, SendStatus::Unknown);
    assert_eq!(rfc_id(&w, stale).await, None, "given up after 7 days");

    // The one that never arrived goes now, once; a second pass changes nothing.
    scheduler::run_due(state).await.unwrap();
    assert_eq!(row(&w, lost).await.status, SendStatus::Sent);
    let sent = w.sent(GMAIL).await;
    assert_eq!(subjects(&sent, "Arrived"), 1, "not sent again");
    assert_eq!(subjects(&sent, "Lost on the way"), 1);
    assert_eq!(subjects(&sent, "Waited for"), 0);
    assert_eq!(subjects(&sent, "Just now"), 0);
    assert_eq!(subjects(&sent, "Long ago"), 0);
    assert_eq!(settle::settle_unknown(state).await.unwrap(), 0);
}
both_backends!(
    settled_by_message_id,
    unknown_gmail_sends_are_settled_by_looking_up_their_message_id
);
