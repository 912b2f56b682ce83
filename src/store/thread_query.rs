//! Listing threads: the message filter and `q` pick the threads (a thread matches when one
//! of its messages does); each thread is then summed up over all its messages.

use super::message_query::{MessageQuery, predicate};
use super::schema::mail_messages;
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::dsl::{count, max};
use diesel::prelude::*;

/// One message of a thread, as much as a thread summary needs.
#[derive(Debug, Clone, Queryable)]
pub struct ThreadMember {
    pub id: i64,
    pub thread_id: Option<i64>,
    pub account_id: i64,
    pub subject: String,
    pub received_at: NaiveDateTime,
    pub is_read: bool,
    pub is_starred: bool,
    pub has_attachments: bool,
    pub snippet: String,
}

/// One page of thread ids, newest activity first, and how many threads match.
pub fn list(
    connection: &mut DbConnection,
    query: &MessageQuery,
) -> Result<(Vec<i64>, i64), StoreError> {
    let count: i64 = mail_messages::table
        .filter(predicate(query))
        .filter(mail_messages::thread_id.is_not_null())
        .select(count(mail_messages::thread_id).aggregate_distinct())
        .first(connection)?;
    let descending = query.sort.first().is_none_or(|k| k.descending);
    let rows = mail_messages::table
        .filter(predicate(query))
        .filter(mail_messages::thread_id.is_not_null())
        .group_by(mail_messages::thread_id)
        .select((mail_messages::thread_id, max(mail_messages::received_at)))
        .into_boxed();
    let rows = if descending {
        rows.order_by((
            max(mail_messages::received_at).desc(),
            mail_messages::thread_id.desc(),
        ))
    } else {
        rows.order_by((
            max(mail_messages::received_at).asc(),
            mail_messages::thread_id.asc(),
        ))
    };
    let page: Vec<(Option<i64>, Option<NaiveDateTime>)> = rows
        .offset(query.page.offset() as i64)
        .limit(i64::from(query.page.size))
        .load(connection)?;
    Ok((page.into_iter().filter_map(|(id, _)| id).collect(), count))
}

/// Every message of the given threads, oldest first.
pub fn members(
    connection: &mut DbConnection,
    threads: &[i64],
) -> Result<Vec<ThreadMember>, StoreError> {
    Ok(mail_messages::table
        .filter(mail_messages::thread_id.eq_any(threads))
        .order_by((mail_messages::received_at.asc(), mail_messages::id.asc()))
        .select((
            mail_messages::id,
            mail_messages::thread_id,
            mail_messages::account_id,
            mail_messages::subject,
            mail_messages::received_at,
            mail_messages::is_read,
            mail_messages::is_starred,
            mail_messages::has_attachments,
            mail_messages::snippet,
        ))
        .load(connection)?)
}
