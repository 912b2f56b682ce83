//! The mail activity feed (#25): a row for each message a mailbox received or sent, written
//! with the message's first store, read by NocoBase's workflow triggers "Email received"
//! and "Email sent" through `mailActivity`.
//!
//! Once per message: a row is keyed by the mailbox and the message's identity (its kind
//! and Message-ID), so the same mail stored again, by push or poll, by another replica, or
//! under a new provider id after a full resync or an Outlook move, finds its row and adds
//! none. Readers never miss a row: on PostgreSQL every writer takes one lock before it
//! adds rows and holds it to its commit, so ids become visible in the order they were
//! given (a reader that has seen id 10 never later meets a 9 that committed late); SQLite
//! has one writer anyway.

use super::StoreError;
use super::messages::IncomingMessage;
use super::schema::{mail_activity, mail_activity_readers, mail_folders};
use crate::store::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// The key of the advisory lock that orders activity ids on PostgreSQL ("mail act").
const ORDER_LOCK: i64 = 0x6d61_696c_5f61_6374;

/// How a page of messages reached the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A mailbox's first import or a full resync: mail that was there before.
    Import,
    /// Mail that arrived since the mailbox was imported.
    New,
}

/// What a row says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Received,
    Sent,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Received => "received",
            Kind::Sent => "sent",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "received" => Some(Kind::Received),
            "sent" => Some(Kind::Sent),
            _ => None,
        }
    }
}

/// One row of the feed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_activity)]
pub struct ActivityRow {
    pub id: i64,
    pub account_id: i64,
    pub message_id: Option<i64>,
    pub kind: String,
    pub first_import: bool,
    pub created_at: NaiveDateTime,
}

/// What a message is news of, from the roles of the folders it is in: a draft, or mail
/// in Spam or Trash, is news of nothing; mail in Sent was sent; the rest was received.
fn kind_of(roles: &[&str]) -> Option<Kind> {
    if roles
        .iter()
        .any(|r| matches!(*r, "drafts" | "spam" | "trash"))
    {
        return None;
    }
    if roles.contains(&"sent") {
        return Some(Kind::Sent);
    }
    Some(Kind::Received)
}

/// The identity of a message of `kind`: its Message-ID as mail clients compare them
/// (angle brackets and case aside), else its provider id. Hashed: a Message-ID is the
/// sender's text and may be of any length.
fn identity(kind: Kind, message: &IncomingMessage) -> String {
    let header = message
        .parsed
        .message_id
        .as_deref()
        .map(|id| {
            id.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_lowercase()
        })
        .filter(|id| !id.is_empty());
    let source = match header {
        Some(id) => format!("{}\nmid:{id}", kind.as_str()),
        None => format!("{}\npid:{}", kind.as_str(), message.provider_message_id),
    };
    let digest = Sha256::digest(source.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Records, in the caller's transaction (which holds the account's lock), the activity of
/// messages just stored as `(row id, message)`.
pub(super) fn record(
    connection: &mut DbConnection,
    account_id: i64,
    written: &[(i64, &IncomingMessage)],
    arrival: Arrival,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if written.is_empty() {
        return Ok(());
    }
    let roles: HashMap<String, String> = mail_folders::table
        .filter(mail_folders::account_id.eq(account_id))
        .filter(mail_folders::role.is_not_null())
        .select((
            mail_folders::provider_id,
            mail_folders::role.assume_not_null(),
        ))
        .load::<(String, String)>(connection)?
        .into_iter()
        .collect();
    let mut news: Vec<(String, Kind, i64)> = Vec::new();
    let mut seen = HashSet::new();
    for (row, message) in written {
        let in_roles: Vec<&str> = message
            .folders
            .iter()
            .filter_map(|f| roles.get(f).map(String::as_str))
            .collect();
        let Some(kind) = kind_of(&in_roles) else {
            continue;
        };
        let key = identity(kind, message);
        if seen.insert(key.clone()) {
            news.push((key, kind, *row));
        }
    }
    if news.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = news.iter().map(|(key, _, _)| key.as_str()).collect();
    let known: HashMap<String, Option<i64>> = mail_activity::table
        .filter(mail_activity::account_id.eq(account_id))
        .filter(mail_activity::identity.eq_any(&keys))
        .select((mail_activity::identity, mail_activity::message_id))
        .load::<(String, Option<i64>)>(connection)?
        .into_iter()
        .collect();
    // A message back after it was gone (a resync, a move): the row points at it again.
    for (key, _, row) in &news {
        if let Some(None) = known.get(key) {
            diesel::update(
                mail_activity::table
                    .filter(mail_activity::account_id.eq(account_id))
                    .filter(mail_activity::identity.eq(key)),
            )
            .set(mail_activity::message_id.eq(Some(*row)))
            .execute(connection)?;
        }
    }
    let fresh: Vec<_> = news
        .iter()
        .filter(|(key, _, _)| !known.contains_key(key))
        .map(|(key, kind, row)| {
            (
                mail_activity::account_id.eq(account_id),
                mail_activity::message_id.eq(Some(*row)),
                mail_activity::identity.eq(key.as_str()),
                mail_activity::kind.eq(kind.as_str()),
                mail_activity::first_import.eq(arrival == Arrival::Import),
                mail_activity::created_at.eq(now),
            )
        })
        .collect();
    if fresh.is_empty() {
        return Ok(());
    }
    if let DbConnection::Postgresql(pg) = connection {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(ORDER_LOCK)
            .execute(pg)?;
    }
    for chunk in fresh.chunks(500) {
        super::message_rows::insert_rows!(connection, mail_activity::table, chunk)?;
    }
    Ok(())
}

/// What a reader asks of the feed.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Rows after this id.
    pub after: i64,
    /// Of these mailboxes only (the caller's visible ones, already narrowed).
    pub accounts: Vec<i64>,
    pub kind: Option<Kind>,
    /// `Some(false)`: new mail only; `Some(true)`: imported only; `None`: both.
    pub first_import: Option<bool>,
    pub limit: i64,
}

/// The last id of the feed (0 when empty).
pub fn end(connection: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(mail_activity::table
        .select(diesel::dsl::max(mail_activity::id))
        .first::<Option<i64>>(connection)?
        .unwrap_or(0))
}

/// Rows matching `query`, oldest first, and where a reader stands after them: the last
/// row's id when the page is full, else the feed's end as it was read (nothing up to it
/// is left to match), never before `query.after`.
pub fn page(
    connection: &mut DbConnection,
    query: &Query,
) -> Result<(Vec<ActivityRow>, i64), StoreError> {
    // The end first: rows committed after it have larger ids and are the next call's.
    let end = end(connection)?;
    if query.accounts.is_empty() || query.limit <= 0 {
        return Ok((Vec::new(), end.max(query.after)));
    }
    let mut rows = mail_activity::table
        .filter(mail_activity::id.gt(query.after))
        .filter(mail_activity::id.le(end))
        .filter(mail_activity::account_id.eq_any(&query.accounts))
        .into_boxed();
    if let Some(kind) = query.kind {
        rows = rows.filter(mail_activity::kind.eq(kind.as_str()));
    }
    if let Some(imported) = query.first_import {
        rows = rows.filter(mail_activity::first_import.eq(imported));
    }
    let rows: Vec<ActivityRow> = rows
        .order(mail_activity::id.asc())
        .limit(query.limit)
        .select(ActivityRow::as_select())
        .load(connection)?;
    let position = match rows.last() {
        Some(last) if rows.len() as i64 == query.limit => last.id,
        _ => end,
    };
    Ok((rows, position.max(query.after)))
}

/// Where `reader` of `user` stands; `None` for a reader not subscribed.
pub fn position(
    connection: &mut DbConnection,
    user: i64,
    reader: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(mail_activity_readers::table
        .find((user, reader))
        .select(mail_activity_readers::position)
        .first(connection)
        .optional()?)
}

/// Subscribes `reader` of `user` at the feed's end; one already there keeps its place.
/// Returns where it stands.
pub fn subscribe(
    connection: &mut DbConnection,
    user: i64,
    reader: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    connection.write_transaction(|c| {
        if let Some(at) = position(c, user, reader)? {
            return Ok(at);
        }
        let at = end(c)?;
        diesel::insert_into(mail_activity_readers::table)
            .values((
                mail_activity_readers::user_id.eq(user),
                mail_activity_readers::reader.eq(reader),
                mail_activity_readers::position.eq(at),
                mail_activity_readers::updated_at.eq(now),
            ))
            .execute(c)?;
        Ok(at)
    })
}

/// Moves `reader` forward to `to` (never back). Returns where it stands, `None` when it
/// is not subscribed.
pub fn advance(
    connection: &mut DbConnection,
    user: i64,
    reader: &str,
    to: i64,
    now: NaiveDateTime,
) -> Result<Option<i64>, StoreError> {
    connection.write_transaction(|c| {
        let Some(at) = position(c, user, reader)? else {
            return Ok(None);
        };
        if to > at {
            diesel::update(mail_activity_readers::table.find((user, reader)))
                .set((
                    mail_activity_readers::position.eq(to),
                    mail_activity_readers::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        Ok(Some(to.max(at)))
    })
}

/// Forgets `reader` of `user`; true when there was one.
pub fn unsubscribe(
    connection: &mut DbConnection,
    user: i64,
    reader: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(mail_activity_readers::table.find((user, reader))).execute(connection)? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_spam_and_trash_are_news_of_nothing() {
        assert_eq!(kind_of(&["inbox"]), Some(Kind::Received));
        assert_eq!(kind_of(&[]), Some(Kind::Received));
        assert_eq!(kind_of(&["inbox", "sent"]), Some(Kind::Sent));
        assert_eq!(kind_of(&["drafts"]), None);
        assert_eq!(kind_of(&["inbox", "spam"]), None);
        assert_eq!(kind_of(&["trash", "sent"]), None);
    }
}
