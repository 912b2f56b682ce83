//! The `mail_signatures` table: each user's HTML signatures, for any mailbox, one
//! mailbox, or one of its send-as addresses; at most one default for each of those.

use super::schema::mail_signatures;
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_signatures)]
pub struct SignatureRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub html: String,
    pub account_id: Option<i64>,
    /// A send-as address of `account_id` (lower-cased).
    pub identity: Option<String>,
    pub is_default: bool,
    /// `aboveQuote` or `belowQuote`.
    pub placement: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A signature's fields as written.
#[derive(Debug, Clone)]
pub struct SignatureFields {
    pub name: String,
    pub html: String,
    pub account_id: Option<i64>,
    pub identity: Option<String>,
    pub is_default: bool,
    pub placement: String,
}

/// One page of a user's signatures (by name), optionally of one mailbox; and the count.
pub fn list(
    connection: &mut DbConnection,
    user: i64,
    account: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<SignatureRow>, i64), StoreError> {
    let query = || {
        let mut query = mail_signatures::table
            .filter(mail_signatures::user_id.eq(user))
            .into_boxed();
        if let Some(account) = account {
            query = query.filter(mail_signatures::account_id.eq(account));
        }
        query
    };
    let count = query().count().get_result(connection)?;
    let rows = query()
        .order((mail_signatures::name, mail_signatures::id))
        .offset(offset)
        .limit(limit)
        .select(SignatureRow::as_select())
        .load(connection)?;
    Ok((rows, count))
}

/// Every signature of `user` (a user has a handful).
pub fn all_of(connection: &mut DbConnection, user: i64) -> Result<Vec<SignatureRow>, StoreError> {
    Ok(mail_signatures::table
        .filter(mail_signatures::user_id.eq(user))
        .order(mail_signatures::id)
        .select(SignatureRow::as_select())
        .load(connection)?)
}

/// `user`'s signature `id`, if it is theirs.
pub fn get(
    connection: &mut DbConnection,
    user: i64,
    id: i64,
) -> Result<Option<SignatureRow>, StoreError> {
    Ok(mail_signatures::table
        .filter(mail_signatures::id.eq(id))
        .filter(mail_signatures::user_id.eq(user))
        .select(SignatureRow::as_select())
        .first(connection)
        .optional()?)
}

/// A default takes the place of the one it replaces: the same user, mailbox and address.
fn clear_other_defaults(
    connection: &mut DbConnection,
    user: i64,
    fields: &SignatureFields,
    keep: i64,
) -> Result<(), StoreError> {
    if !fields.is_default {
        return Ok(());
    }
    let mut query = diesel::update(mail_signatures::table)
        .filter(mail_signatures::user_id.eq(user))
        .filter(mail_signatures::id.ne(keep))
        .into_boxed();
    query = match fields.account_id {
        Some(account) => query.filter(mail_signatures::account_id.eq(account)),
        None => query.filter(mail_signatures::account_id.is_null()),
    };
    query = match &fields.identity {
        Some(identity) => query.filter(mail_signatures::identity.eq(identity.clone())),
        None => query.filter(mail_signatures::identity.is_null()),
    };
    query
        .set(mail_signatures::is_default.eq(false))
        .execute(connection)?;
    Ok(())
}

/// Adds a signature for `user`; the stored row.
pub fn create(
    connection: &mut DbConnection,
    user: i64,
    fields: &SignatureFields,
    now: NaiveDateTime,
) -> Result<SignatureRow, StoreError> {
    connection.write_transaction(|connection| {
        diesel::insert_into(mail_signatures::table)
            .values((
                mail_signatures::user_id.eq(user),
                mail_signatures::name.eq(&fields.name),
                mail_signatures::html.eq(&fields.html),
                mail_signatures::account_id.eq(fields.account_id),
                mail_signatures::identity.eq(&fields.identity),
                mail_signatures::is_default.eq(fields.is_default),
                mail_signatures::placement.eq(&fields.placement),
                mail_signatures::created_at.eq(now),
                mail_signatures::updated_at.eq(now),
            ))
            .execute(connection)?;
        let row: SignatureRow = mail_signatures::table
            .filter(mail_signatures::user_id.eq(user))
            .order(mail_signatures::id.desc())
            .select(SignatureRow::as_select())
            .first(connection)?;
        clear_other_defaults(connection, user, fields, row.id)?;
        Ok(row)
    })
}

/// Replaces the fields of `user`'s signature `id`; the row, or `None` when not theirs.
pub fn update(
    connection: &mut DbConnection,
    user: i64,
    id: i64,
    fields: &SignatureFields,
    now: NaiveDateTime,
) -> Result<Option<SignatureRow>, StoreError> {
    connection.write_transaction(|connection| {
        let changed = diesel::update(
            mail_signatures::table
                .filter(mail_signatures::id.eq(id))
                .filter(mail_signatures::user_id.eq(user)),
        )
        .set((
            mail_signatures::name.eq(&fields.name),
            mail_signatures::html.eq(&fields.html),
            mail_signatures::account_id.eq(fields.account_id),
            mail_signatures::identity.eq(&fields.identity),
            mail_signatures::is_default.eq(fields.is_default),
            mail_signatures::placement.eq(&fields.placement),
            mail_signatures::updated_at.eq(now),
        ))
        .execute(connection)?;
        if changed == 0 {
            return Ok(None);
        }
        clear_other_defaults(connection, user, fields, id)?;
        get(connection, user, id)
    })
}

/// Removes `user`'s signature `id`; rows removed (0 when not theirs).
pub fn remove(connection: &mut DbConnection, user: i64, id: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        mail_signatures::table
            .filter(mail_signatures::id.eq(id))
            .filter(mail_signatures::user_id.eq(user)),
    )
    .execute(connection)?)
}

/// A mailbox is going away: its signatures stay the user's, for any mailbox, and stop
/// being anyone's default (the user's general default keeps its place).
pub fn forget_account(connection: &mut DbConnection, account: i64) -> Result<(), StoreError> {
    diesel::update(mail_signatures::table.filter(mail_signatures::account_id.eq(account)))
        .set((
            mail_signatures::account_id.eq(None::<i64>),
            mail_signatures::identity.eq(None::<String>),
            mail_signatures::is_default.eq(false),
        ))
        .execute(connection)?;
    Ok(())
}

/// The signature new mail from `identity` of `account` starts with: that address's
/// default, else the mailbox's, else the user's default for any mailbox.
pub fn default_for(rows: &[SignatureRow], account: i64, identity: &str) -> Option<i64> {
    let pick = |account: Option<i64>, identity: Option<&str>| {
        rows.iter()
            .find(|r| r.is_default && r.account_id == account && r.identity.as_deref() == identity)
            .map(|r| r.id)
    };
    pick(Some(account), Some(identity))
        .or_else(|| pick(Some(account), None))
        .or_else(|| pick(None, None))
}
