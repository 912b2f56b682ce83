//! The raw write limit for the sync benchmark: the rows a sync stored (messages, their
//! participants, their full-text rows), read back into memory and inserted into a fresh
//! SQLite database straight through the driver, 1,000 messages per transaction, with
//! prepared statements and no HTTP, MIME parsing or sync bookkeeping. What is left is
//! SQLite's own cost for those rows and their indexes: the ceiling an end-to-end sync
//! could approach.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use email_manager::config::{DatabaseSettings, DatabaseUrl};
use email_manager::store::schema::{mail_messages, mail_participants};
use email_manager::store::{DbConnection, Store, run_pending_migrations};
use std::time::Instant;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_messages)]
struct MessageRow {
    id: i64,
    account_id: i64,
    provider_message_id: String,
    message_id_header: Option<String>,
    in_reply_to: Option<String>,
    references_header: Option<String>,
    subject: String,
    snippet: String,
    from_name: Option<String>,
    from_address: Option<String>,
    sent_at: Option<chrono::NaiveDateTime>,
    received_at: chrono::NaiveDateTime,
    is_read: bool,
    is_starred: bool,
    has_attachments: bool,
    size: i64,
    body_text: Option<String>,
    body_html: Option<String>,
    search_addresses: String,
    provider_version: Option<String>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_participants)]
struct ParticipantRow {
    id: i64,
    message_id: i64,
    role: String,
    name: Option<String>,
    address: String,
    domain: String,
}

const PER_TRANSACTION: usize = 1_000;

/// Messages per second for the rows of the SQLite database `source`, inserted into a
/// fresh database in the folder `scratch`, with and without their full-text rows.
pub fn limits(source: &DatabaseUrl, scratch: &std::path::Path) -> (usize, f64, f64) {
    let store = open(source.clone(), false);
    let mut c = store.blocking_connection().expect("a connection");
    let DbConnection::Sqlite(c) = &mut *c else {
        panic!("the raw limit is SQLite's")
    };
    let messages: Vec<MessageRow> = mail_messages::table
        .select(MessageRow::as_select())
        .order(mail_messages::id)
        .load(c)
        .expect("messages");
    let participants: Vec<ParticipantRow> = mail_participants::table
        .select(ParticipantRow::as_select())
        .order(mail_participants::message_id)
        .load(c)
        .expect("participants");
    let with_fts = insert_all(
        source,
        &scratch.join("fts.sqlite3"),
        &messages,
        &participants,
        true,
    );
    let without = insert_all(
        source,
        &scratch.join("plain.sqlite3"),
        &messages,
        &participants,
        false,
    );
    (messages.len(), with_fts, without)
}

fn open(url: DatabaseUrl, migrate: bool) -> Store {
    Store::connect(&DatabaseSettings {
        url,
        pool_size: 1,
        auto_migrate: migrate,
    })
    .expect("the store opens")
}

fn insert_all(
    source: &DatabaseUrl,
    file: &std::path::Path,
    messages: &[MessageRow],
    participants: &[ParticipantRow],
    fts: bool,
) -> f64 {
    let store = open(
        DatabaseUrl::new(format!("sqlite://{}", file.display())),
        true,
    );
    let mut c = store.blocking_connection().expect("a connection");
    run_pending_migrations(&mut c).expect("migrations");
    let DbConnection::Sqlite(c) = &mut *c else {
        unreachable!()
    };
    // The accounts the messages belong to (not timed).
    c.batch_execute(&format!(
        "ATTACH DATABASE '{}' AS src; INSERT INTO mail_accounts SELECT * FROM src.mail_accounts; DETACH DATABASE src;",
        source.connection_string()
    ))
    .expect("accounts copied");
    let started = Instant::now();
    let mut p = 0;
    for chunk in messages.chunks(PER_TRANSACTION) {
        c.immediate_transaction::<_, diesel::result::Error, _>(|c| {
            for message in chunk {
                diesel::insert_into(mail_messages::table)
                    .values(message)
                    .execute(c)?;
                while p < participants.len() && participants[p].message_id <= message.id {
                    diesel::insert_into(mail_participants::table)
                        .values(&participants[p])
                        .execute(c)?;
                    p += 1;
                }
                if fts {
                    diesel::sql_query(
                        "INSERT INTO mail_messages_fts (rowid, subject, body, addresses) VALUES (?, ?, ?, ?)",
                    )
                    .bind::<BigInt, _>(message.id)
                    .bind::<Text, _>(&message.subject)
                    .bind::<Text, _>(message.body_text.as_deref().unwrap_or(&message.snippet))
                    .bind::<Text, _>(&message.search_addresses)
                    .execute(c)?;
                }
            }
            Ok(())
        })
        .expect("a transaction of inserts");
    }
    messages.len() as f64 / started.elapsed().as_secs_f64()
}
