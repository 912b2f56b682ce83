//! The `mail_trusted_senders` table: per user, the senders whose remote images are shown
//! without asking.

use super::schema::mail_trusted_senders;
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_trusted_senders)]
pub struct TrustedSender {
    pub id: i64,
    pub user_id: i64,
    pub address: String,
    pub created_at: NaiveDateTime,
}

/// One page of a user's trusted senders, by address; and their count.
pub fn list(
    connection: &mut DbConnection,
    user: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<TrustedSender>, i64), StoreError> {
    let count = mail_trusted_senders::table
        .filter(mail_trusted_senders::user_id.eq(user))
        .count()
        .get_result(connection)?;
    let rows = mail_trusted_senders::table
        .filter(mail_trusted_senders::user_id.eq(user))
        .order((mail_trusted_senders::address, mail_trusted_senders::id))
        .offset(offset)
        .limit(limit)
        .select(TrustedSender::as_select())
        .load(connection)?;
    Ok((rows, count))
}

/// Trusts `address` for `user` (lower-cased by the caller); the row, new or existing.
pub fn add(
    connection: &mut DbConnection,
    user: i64,
    address: &str,
    now: NaiveDateTime,
) -> Result<TrustedSender, StoreError> {
    connection.write_transaction(|connection| {
        let existing = find(connection, user, address)?;
        if let Some(row) = existing {
            return Ok(row);
        }
        diesel::insert_into(mail_trusted_senders::table)
            .values((
                mail_trusted_senders::user_id.eq(user),
                mail_trusted_senders::address.eq(address),
                mail_trusted_senders::created_at.eq(now),
            ))
            .execute(connection)?;
        find(connection, user, address)?.ok_or_else(|| diesel::result::Error::NotFound.into())
    })
}

fn find(
    connection: &mut DbConnection,
    user: i64,
    address: &str,
) -> Result<Option<TrustedSender>, StoreError> {
    Ok(mail_trusted_senders::table
        .filter(mail_trusted_senders::user_id.eq(user))
        .filter(mail_trusted_senders::address.eq(address))
        .select(TrustedSender::as_select())
        .first(connection)
        .optional()?)
}

/// Whether `user` trusts `address`.
pub fn trusts(connection: &mut DbConnection, user: i64, address: &str) -> Result<bool, StoreError> {
    Ok(find(connection, user, address)?.is_some())
}

/// Removes one of `user`'s trusted senders; rows removed (0 when not theirs).
pub fn remove(connection: &mut DbConnection, user: i64, id: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        mail_trusted_senders::table
            .filter(mail_trusted_senders::id.eq(id))
            .filter(mail_trusted_senders::user_id.eq(user)),
    )
    .execute(connection)?)
}
