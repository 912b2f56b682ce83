//! A page of synchronized messages written as rows: one statement per table for the
//! whole page, not one per row.
//!
//! Why: a first import writes tens of thousands of messages, and a dozen statements a
//! message (thread, message, each folder link, each participant, each file, the search
//! row; each built by diesel and run by SQLite's VM) were most of the sidecar's CPU — it
//! trailed a script that stores nothing (#26, `docs/benchmarks.md`). Now a page looks up
//! and adds its threads, looks up its messages, adds the new ones together, then their
//! folder links, participants, files and search rows, each table in one statement. A
//! message stored before (the provider reports it changed, with its content) is updated
//! on its own: rare, and its old rows must go first.

use super::messages::{IncomingMessage, KEPT_BODY_BYTES};
use super::schema::{
    mail_attachments, mail_message_folders, mail_messages, mail_participants, mail_threads,
};
use super::{DbConnection, StoreError};
use crate::mail::{AttachmentMeta, ParsedMessage};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use std::collections::{HashMap, HashSet};

/// Rows per statement. The widest row (a message, 24 values) keeps a statement at
/// 9,600 bound values, far below SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 400;

/// Search rows per statement (four values each, long ones: the body words).
const SEARCH_ROWS_PER_STATEMENT: usize = 100;

/// `INSERT INTO $table VALUES <rows>` in one statement, run on the backend's own
/// connection: diesel's two-backend connection cannot build a multi-row insert (SQLite
/// has no `DEFAULT` keyword, so diesel writes SQLite's differently).
macro_rules! insert_rows {
    ($connection:expr, $table:expr, $rows:expr) => {
        match $connection {
            $crate::store::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
            $crate::store::DbConnection::Postgresql(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
        }
    };
}
pub(super) use insert_rows;

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = mail_messages, treat_none_as_null = true)]
struct MessageValues<'a> {
    account_id: i64,
    provider_message_id: &'a str,
    thread_id: Option<i64>,
    message_id_header: Option<&'a str>,
    in_reply_to: Option<&'a str>,
    references_header: Option<String>,
    subject: &'a str,
    snippet: &'a str,
    from_name: Option<&'a str>,
    from_address: Option<&'a str>,
    sent_at: Option<NaiveDateTime>,
    received_at: NaiveDateTime,
    is_read: bool,
    is_starred: bool,
    has_attachments: bool,
    size: i64,
    body_text: Option<&'a str>,
    body_html: Option<&'a str>,
    bodies_cut: bool,
    inline_pending: bool,
    search_addresses: String,
    provider_version: Option<&'a str>,
    updated_at: NaiveDateTime,
}

impl<'a> MessageValues<'a> {
    fn of(
        account_id: i64,
        message: &'a IncomingMessage,
        threads: &HashMap<String, i64>,
        now: NaiveDateTime,
    ) -> Self {
        let parsed = &message.parsed;
        let mut addresses: Vec<&str> = parsed
            .participants()
            .iter()
            .map(|(_, a)| a.address.as_str())
            .collect();
        addresses.dedup();
        let (body_text, body_html) = (
            kept(parsed.body_text.as_deref()),
            kept(parsed.body_html.as_deref()),
        );
        MessageValues {
            account_id,
            provider_message_id: &message.provider_message_id,
            thread_id: message
                .provider_thread_id
                .as_ref()
                .and_then(|t| threads.get(t).copied()),
            message_id_header: parsed.message_id.as_deref(),
            in_reply_to: parsed.in_reply_to.as_deref(),
            references_header: (!parsed.references.is_empty()).then(|| parsed.references.join(" ")),
            subject: &parsed.subject,
            snippet: &parsed.snippet,
            from_name: parsed.from.as_ref().and_then(|f| f.name.as_deref()),
            from_address: parsed.from.as_ref().map(|f| f.address.as_str()),
            sent_at: parsed.date,
            received_at: message.received_at,
            is_read: message.is_read,
            is_starred: message.is_starred,
            has_attachments: parsed.attachments.iter().any(|a| !a.inline),
            size: parsed.size as i64,
            body_text: body_text.0,
            body_html: body_html.0,
            bodies_cut: body_text.1 || body_html.1,
            inline_pending: parsed.inline_pending,
            search_addresses: addresses.join(" "),
            provider_version: message.provider_version.as_deref(),
            updated_at: now,
        }
    }
}

/// Writes `messages` (new or changed) with their folder links (`folders`: provider id →
/// folder id), participants, files, labels and search rows; returns each message's id,
/// in order. Two copies of one message in a page: the last one is what is stored, as if
/// they had been written in turn. Runs inside the caller's transaction.
pub(super) fn write(
    connection: &mut DbConnection,
    account_id: i64,
    folders: &HashMap<String, i64>,
    messages: &[IncomingMessage],
    now: NaiveDateTime,
) -> Result<Vec<i64>, StoreError> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(messages.len());
    for (at, message) in messages.iter().enumerate() {
        last.insert(&message.provider_message_id, at);
    }
    let written: Vec<&IncomingMessage> = messages
        .iter()
        .enumerate()
        .filter(|(at, m)| last[m.provider_message_id.as_str()] == *at)
        .map(|(_, m)| m)
        .collect();
    let threads = thread_ids(connection, account_id, &written)?;
    let mut ids = message_ids(
        connection,
        account_id,
        written.iter().map(|m| m.provider_message_id.as_str()),
    )?;
    let rows: Vec<(&IncomingMessage, MessageValues)> = written
        .iter()
        .map(|m| (*m, MessageValues::of(account_id, m, &threads, now)))
        .collect();
    let (stored, fresh): (Vec<_>, Vec<_>) = rows
        .iter()
        .partition(|(m, _)| ids.contains_key(m.provider_message_id.as_str()));
    let was_stored: HashSet<&str> = stored
        .iter()
        .map(|(m, _)| m.provider_message_id.as_str())
        .collect();
    for (message, values) in &stored {
        replace(
            connection,
            ids[message.provider_message_id.as_str()],
            values,
        )?;
    }
    for chunk in fresh.chunks(ROWS_PER_STATEMENT) {
        let new: Vec<_> = chunk
            .iter()
            .map(|(_, values)| (values, mail_messages::created_at.eq(now)))
            .collect();
        insert_rows!(connection, mail_messages::table, new)?;
    }
    ids.extend(message_ids(
        connection,
        account_id,
        fresh.iter().map(|(m, _)| m.provider_message_id.as_str()),
    )?);

    let id_of = |m: &IncomingMessage| ids[m.provider_message_id.as_str()];
    let mut links = Vec::new();
    let mut people = Vec::new();
    let mut files = Vec::new();
    for (message, _) in &rows {
        let id = id_of(message);
        let mut in_folders: Vec<i64> = message
            .folders
            .iter()
            .filter_map(|f| folders.get(f).copied())
            .collect();
        in_folders.sort_unstable();
        in_folders.dedup();
        links.extend(in_folders.into_iter().map(|folder| {
            (
                mail_message_folders::message_id.eq(id),
                mail_message_folders::folder_id.eq(folder),
                mail_message_folders::received_at.eq(Some(message.received_at)),
                mail_message_folders::is_read.eq(message.is_read),
            )
        }));
        people.extend(message.parsed.participants().into_iter().map(|(role, a)| {
            (
                mail_participants::message_id.eq(id),
                mail_participants::role.eq(role),
                mail_participants::name.eq(a.name.as_deref()),
                mail_participants::address.eq(a.address.as_str()),
                mail_participants::domain.eq(a.domain.as_str()),
            )
        }));
        files.extend(message.parsed.attachments.iter().map(|file| (id, file)));
    }
    for chunk in links.chunks(ROWS_PER_STATEMENT) {
        insert_rows!(connection, mail_message_folders::table, chunk)?;
    }
    for chunk in people.chunks(ROWS_PER_STATEMENT) {
        insert_rows!(connection, mail_participants::table, chunk)?;
    }
    insert_attachments(connection, &files)?;
    for (message, _) in &rows {
        if let Some(labels) = &message.labels {
            let fresh = !was_stored.contains(message.provider_message_id.as_str());
            super::labels::set_message_labels(
                connection,
                account_id,
                id_of(message),
                &labels.names,
                labels.key,
                fresh,
            )?;
        }
    }
    index_text(connection, &rows, &id_of)?;
    Ok(messages.iter().map(id_of).collect())
}

/// A message stored before takes its new values and drops its folder links,
/// participants, files and search row (the page writes them anew).
fn replace(
    connection: &mut DbConnection,
    id: i64,
    values: &MessageValues,
) -> Result<(), StoreError> {
    diesel::update(mail_messages::table.find(id))
        .set(values)
        .execute(connection)?;
    diesel::delete(mail_message_folders::table.filter(mail_message_folders::message_id.eq(id)))
        .execute(connection)?;
    diesel::delete(mail_participants::table.filter(mail_participants::message_id.eq(id)))
        .execute(connection)?;
    diesel::delete(mail_attachments::table.filter(mail_attachments::message_id.eq(id)))
        .execute(connection)?;
    unindex(connection, &[id])
}

/// The store ids of the threads `messages` name, the missing ones added.
fn thread_ids(
    connection: &mut DbConnection,
    account_id: i64,
    messages: &[&IncomingMessage],
) -> Result<HashMap<String, i64>, StoreError> {
    let mut wanted: Vec<&str> = messages
        .iter()
        .filter_map(|m| m.provider_thread_id.as_deref())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let lookup = |connection: &mut DbConnection, keys: &[&str]| {
        let mut found = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            found.extend(
                mail_threads::table
                    .filter(mail_threads::account_id.eq(account_id))
                    .filter(mail_threads::provider_thread_id.eq_any(chunk))
                    .select((mail_threads::provider_thread_id, mail_threads::id))
                    .load::<(String, i64)>(connection)?,
            );
        }
        Ok::<_, StoreError>(found)
    };
    let mut found = lookup(connection, &wanted)?;
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|t| !found.contains_key(*t))
        .collect();
    for chunk in missing.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|t| {
                (
                    mail_threads::account_id.eq(account_id),
                    mail_threads::provider_thread_id.eq(*t),
                )
            })
            .collect();
        insert_rows!(connection, mail_threads::table, rows)?;
    }
    if !missing.is_empty() {
        found.extend(lookup(connection, &missing)?);
    }
    Ok(found)
}

/// The store ids of the messages among `provider_ids` that are stored.
fn message_ids<'a>(
    connection: &mut DbConnection,
    account_id: i64,
    provider_ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, i64>, StoreError> {
    let provider_ids: Vec<&str> = provider_ids.collect();
    let mut found = HashMap::with_capacity(provider_ids.len());
    for chunk in provider_ids.chunks(ROWS_PER_STATEMENT) {
        found.extend(
            mail_messages::table
                .filter(mail_messages::account_id.eq(account_id))
                .filter(mail_messages::provider_message_id.eq_any(chunk))
                .select((mail_messages::provider_message_id, mail_messages::id))
                .load::<(String, i64)>(connection)?,
        );
    }
    Ok(found)
}

/// File rows: `(message id, file)`.
pub(super) fn insert_attachments(
    connection: &mut DbConnection,
    files: &[(i64, &AttachmentMeta)],
) -> Result<(), StoreError> {
    for chunk in files.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, file)| {
                (
                    mail_attachments::message_id.eq(*id),
                    mail_attachments::part_id.eq(file.part_id.as_str()),
                    mail_attachments::filename.eq(file.filename.as_str()),
                    mail_attachments::content_type.eq(file.content_type.as_str()),
                    mail_attachments::size.eq(file.size as i64),
                    mail_attachments::inline.eq(file.inline),
                    mail_attachments::content_id.eq(file.content_id.as_deref()),
                )
            })
            .collect();
        insert_rows!(connection, mail_attachments::table, rows)?;
    }
    Ok(())
}

/// Full-text rows: SQLite keeps them in an FTS5 table; PostgreSQL computes its tsvector
/// column itself. A new message has no row yet (ids are never reused: AUTOINCREMENT),
/// and a replaced one lost its row in [`replace`].
fn index_text(
    connection: &mut DbConnection,
    rows: &[(&IncomingMessage, MessageValues)],
    id_of: &impl Fn(&IncomingMessage) -> i64,
) -> Result<(), StoreError> {
    let DbConnection::Sqlite(sqlite) = connection else {
        return Ok(());
    };
    for chunk in rows.chunks(SEARCH_ROWS_PER_STATEMENT) {
        let bodies: Vec<_> = chunk
            .iter()
            .map(|(m, _)| searchable_body(&m.parsed))
            .collect();
        let mut sql =
            String::from("INSERT INTO mail_messages_fts (rowid, subject, body, addresses) VALUES ");
        for at in 0..chunk.len() {
            sql.push_str(if at == 0 {
                "(?, ?, ?, ?)"
            } else {
                ", (?, ?, ?, ?)"
            });
        }
        let mut insert = diesel::sql_query(sql).into_boxed();
        for ((message, values), body) in chunk.iter().zip(&bodies) {
            insert = insert
                .bind::<BigInt, _>(id_of(message))
                .bind::<Text, _>(message.parsed.subject.as_str())
                .bind::<Text, _>(body.as_ref())
                .bind::<Text, _>(values.search_addresses.as_str());
        }
        insert.execute(sqlite)?;
    }
    Ok(())
}

/// Drops the search rows of messages `ids` (SQLite; PostgreSQL's go with the row).
pub(super) fn unindex(connection: &mut DbConnection, ids: &[i64]) -> Result<(), StoreError> {
    if let DbConnection::Sqlite(sqlite) = connection {
        for id in ids {
            diesel::sql_query("DELETE FROM mail_messages_fts WHERE rowid = ?")
                .bind::<BigInt, _>(*id)
                .execute(sqlite)?;
        }
    }
    Ok(())
}

/// The body words the index holds: the text body as kept, else the words of the HTML
/// body as kept (most mail is HTML, and a Graph message carries its HTML only).
/// PostgreSQL's generated `search` column does the same in SQL.
fn searchable_body(parsed: &ParsedMessage) -> std::borrow::Cow<'_, str> {
    match (
        kept(parsed.body_text.as_deref()).0,
        kept(parsed.body_html.as_deref()).0,
    ) {
        (Some(text), _) => text.into(),
        (None, Some(html)) => crate::mail::html_text(html).into(),
        (None, None) => parsed.snippet.as_str().into(),
    }
}

/// `body` cut to [`KEPT_BODY_BYTES`] at a character boundary, and whether it was cut.
fn kept(body: Option<&str>) -> (Option<&str>, bool) {
    match body {
        Some(text) if text.len() > KEPT_BODY_BYTES => {
            let mut end = KEPT_BODY_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            (Some(&text[..end]), true)
        }
        other => (other, false),
    }
}
