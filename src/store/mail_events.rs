//! The `mail_events` table: what changed, for the live streams of every process.

use super::schema::mail_events;
use super::{DbConnection, StoreError};
use crate::events::Event;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

/// Appends events of one account.
pub fn append(
    connection: &mut DbConnection,
    account_id: i64,
    events: &[(&'static str, Value)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    // One statement per event: the backends disagree on multi-row inserts with defaults.
    for (kind, data) in events {
        diesel::insert_into(mail_events::table)
            .values((
                mail_events::account_id.eq(account_id),
                mail_events::kind.eq(*kind),
                mail_events::data.eq(data.to_string()),
                mail_events::created_at.eq(at),
            ))
            .execute(connection)?;
    }
    Ok(())
}

/// The newest event's id (0 when there is none).
pub fn last_id(connection: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(mail_events::table
        .select(diesel::dsl::max(mail_events::id))
        .first::<Option<i64>>(connection)?
        .unwrap_or(0))
}

/// Events after `id`, oldest first, at most `limit`.
pub fn after(connection: &mut DbConnection, id: i64, limit: i64) -> Result<Vec<Event>, StoreError> {
    let rows: Vec<(i64, i64, String, String)> = mail_events::table
        .filter(mail_events::id.gt(id))
        .order(mail_events::id.asc())
        .limit(limit)
        .select((
            mail_events::id,
            mail_events::account_id,
            mail_events::kind,
            mail_events::data,
        ))
        .load(connection)?;
    Ok(rows
        .into_iter()
        .map(|(id, account_id, kind, data)| Event {
            id,
            account_id,
            kind,
            data,
        })
        .collect())
}

/// Deletes events older than `before`.
pub fn prune(connection: &mut DbConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(mail_events::table.filter(mail_events::created_at.lt(before)))
            .execute(connection)?,
    )
}
