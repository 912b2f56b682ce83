//! The `mail_notes` table: notes and to-dos on a message or on a thread. A note is held by
//! the provider's ids (a full resync stores the mail anew, under new local ids) and read
//! back with today's local ids.

use super::schema::{mail_messages, mail_notes, mail_threads};
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_notes)]
pub struct NoteRow {
    pub id: i64,
    pub account_id: i64,
    pub provider_message_id: Option<String>,
    pub provider_thread_id: Option<String>,
    pub author_id: i64,
    pub text: String,
    pub is_todo: bool,
    pub due_at: Option<NaiveDateTime>,
    pub done: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub author_name: Option<String>,
}

/// What a note is on: a message or a thread, by the provider's id, in one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum On {
    Message {
        account_id: i64,
        provider_id: String,
    },
    Thread {
        account_id: i64,
        provider_id: String,
    },
}

impl On {
    pub fn account_id(&self) -> i64 {
        match self {
            On::Message { account_id, .. } | On::Thread { account_id, .. } => *account_id,
        }
    }
}

/// A note's fields as written.
#[derive(Debug, Clone)]
pub struct NoteFields {
    pub text: String,
    pub is_todo: bool,
    pub due_at: Option<NaiveDateTime>,
    pub done: bool,
}

/// The message `id` is, for a note: its mailbox and provider id.
pub fn message_subject(connection: &mut DbConnection, id: i64) -> Result<Option<On>, StoreError> {
    Ok(mail_messages::table
        .find(id)
        .select((
            mail_messages::account_id,
            mail_messages::provider_message_id,
        ))
        .first::<(i64, String)>(connection)
        .optional()?
        .map(|(account_id, provider_id)| On::Message {
            account_id,
            provider_id,
        }))
}

/// The thread `id` is, for a note: its mailbox and provider id.
pub fn thread_subject(connection: &mut DbConnection, id: i64) -> Result<Option<On>, StoreError> {
    Ok(mail_threads::table
        .find(id)
        .select((mail_threads::account_id, mail_threads::provider_thread_id))
        .first::<(i64, String)>(connection)
        .optional()?
        .map(|(account_id, provider_id)| On::Thread {
            account_id,
            provider_id,
        }))
}

/// Who writes a note: the NocoBase user, and their name when NocoBase told it.
#[derive(Debug, Clone)]
pub struct Author {
    pub id: i64,
    pub name: Option<String>,
}

/// Adds `author`'s note on `on`; the stored row.
pub fn create(
    connection: &mut DbConnection,
    on: &On,
    author: &Author,
    fields: &NoteFields,
    now: NaiveDateTime,
) -> Result<NoteRow, StoreError> {
    let (message, thread) = match on {
        On::Message { provider_id, .. } => (Some(provider_id.as_str()), None),
        On::Thread { provider_id, .. } => (None, Some(provider_id.as_str())),
    };
    connection.write_transaction(|connection| {
        diesel::insert_into(mail_notes::table)
            .values((
                mail_notes::account_id.eq(on.account_id()),
                mail_notes::provider_message_id.eq(message),
                mail_notes::provider_thread_id.eq(thread),
                mail_notes::author_id.eq(author.id),
                mail_notes::author_name.eq(&author.name),
                mail_notes::text.eq(&fields.text),
                mail_notes::is_todo.eq(fields.is_todo),
                mail_notes::due_at.eq(fields.due_at),
                mail_notes::done.eq(fields.done),
                mail_notes::created_at.eq(now),
                mail_notes::updated_at.eq(now),
            ))
            .execute(connection)?;
        Ok(mail_notes::table
            .filter(mail_notes::author_id.eq(author.id))
            .order(mail_notes::id.desc())
            .select(NoteRow::as_select())
            .first(connection)?)
    })
}

pub fn get(connection: &mut DbConnection, id: i64) -> Result<Option<NoteRow>, StoreError> {
    Ok(mail_notes::table
        .find(id)
        .select(NoteRow::as_select())
        .first(connection)
        .optional()?)
}

/// Replaces a note's fields (and its author's name, when known now: a renamed user's
/// notes take the new name as they are changed); the row as stored.
pub fn update(
    connection: &mut DbConnection,
    id: i64,
    fields: &NoteFields,
    author_name: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<NoteRow>, StoreError> {
    if let Some(name) = author_name {
        diesel::update(mail_notes::table.find(id))
            .set(mail_notes::author_name.eq(name))
            .execute(connection)?;
    }
    diesel::update(mail_notes::table.find(id))
        .set((
            mail_notes::text.eq(&fields.text),
            mail_notes::is_todo.eq(fields.is_todo),
            mail_notes::due_at.eq(fields.due_at),
            mail_notes::done.eq(fields.done),
            mail_notes::updated_at.eq(now),
        ))
        .execute(connection)?;
    get(connection, id)
}

pub fn remove(connection: &mut DbConnection, id: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(mail_notes::table.find(id)).execute(connection)?)
}

/// Which notes a listing asks for, within `accounts` (those whose bodies the caller reads).
#[derive(Debug, Clone, Default)]
pub struct NoteQuery {
    pub accounts: Vec<i64>,
    pub on: Option<On>,
    pub is_todo: Option<bool>,
    pub done: Option<bool>,
    pub author: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// One page of notes, oldest first, and how many match.
pub fn list(
    connection: &mut DbConnection,
    query: &NoteQuery,
) -> Result<(Vec<NoteRow>, i64), StoreError> {
    let filtered = || {
        let mut q = mail_notes::table
            .filter(mail_notes::account_id.eq_any(query.accounts.clone()))
            .into_boxed();
        match &query.on {
            Some(On::Message {
                account_id,
                provider_id,
            }) => {
                q = q
                    .filter(mail_notes::account_id.eq(*account_id))
                    .filter(mail_notes::provider_message_id.eq(provider_id.clone()));
            }
            Some(On::Thread {
                account_id,
                provider_id,
            }) => {
                q = q
                    .filter(mail_notes::account_id.eq(*account_id))
                    .filter(mail_notes::provider_thread_id.eq(provider_id.clone()));
            }
            None => {}
        }
        if let Some(is_todo) = query.is_todo {
            q = q.filter(mail_notes::is_todo.eq(is_todo));
        }
        if let Some(done) = query.done {
            q = q.filter(mail_notes::done.eq(done));
        }
        if let Some(author) = query.author {
            q = q.filter(mail_notes::author_id.eq(author));
        }
        q
    };
    let count = filtered().count().get_result(connection)?;
    let rows = filtered()
        .order((mail_notes::created_at, mail_notes::id))
        .offset(query.offset)
        .limit(query.limit)
        .select(NoteRow::as_select())
        .load(connection)?;
    Ok((rows, count))
}

/// Today's local ids of the messages and threads `notes` are on, by (mailbox, provider
/// id); one absent from a map is no longer in the mailbox.
pub type LocalIds = HashMap<(i64, String), i64>;

pub fn local_ids(
    connection: &mut DbConnection,
    notes: &[NoteRow],
) -> Result<(LocalIds, LocalIds), StoreError> {
    let accounts: Vec<i64> = notes.iter().map(|n| n.account_id).collect();
    let message_ids: Vec<String> = notes
        .iter()
        .filter_map(|n| n.provider_message_id.clone())
        .collect();
    let thread_ids: Vec<String> = notes
        .iter()
        .filter_map(|n| n.provider_thread_id.clone())
        .collect();
    let mut messages = LocalIds::new();
    if !message_ids.is_empty() {
        let rows: Vec<(i64, i64, String)> = mail_messages::table
            .filter(mail_messages::account_id.eq_any(accounts.clone()))
            .filter(mail_messages::provider_message_id.eq_any(message_ids))
            .select((
                mail_messages::id,
                mail_messages::account_id,
                mail_messages::provider_message_id,
            ))
            .load(connection)?;
        messages.extend(rows.into_iter().map(|(id, a, p)| ((a, p), id)));
    }
    let mut threads = LocalIds::new();
    if !thread_ids.is_empty() {
        let rows: Vec<(i64, i64, String)> = mail_threads::table
            .filter(mail_threads::account_id.eq_any(accounts))
            .filter(mail_threads::provider_thread_id.eq_any(thread_ids))
            .select((
                mail_threads::id,
                mail_threads::account_id,
                mail_threads::provider_thread_id,
            ))
            .load(connection)?;
        threads.extend(rows.into_iter().map(|(id, a, p)| ((a, p), id)));
    }
    Ok((messages, threads))
}
