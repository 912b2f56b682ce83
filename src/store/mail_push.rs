//! Each account's provider push (a Graph subscription or a Gmail watch): what exists at
//! the provider, when to look at it next, and which process is looking at it now.

use super::schema::{mail_accounts, mail_push};
use super::{DbConnection, StoreError};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

pub const PENDING: &str = "pending";
pub const ACTIVE: &str = "active";
pub const FAILED: &str = "failed";
pub const OFF: &str = "off";

/// A push row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_push)]
pub struct PushRow {
    pub account_id: i64,
    pub provider: String,
    pub status: String,
    pub subscription_id: Option<String>,
    pub client_state_sealed: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub next_check_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub last_push_at: Option<NaiveDateTime>,
}

/// What a look at a row decided.
#[derive(Debug, Clone)]
pub struct PushUpdate {
    pub status: &'static str,
    pub subscription_id: Option<String>,
    pub client_state_sealed: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub next_check_at: NaiveDateTime,
    pub last_error: Option<String>,
}

/// Makes sure the account has a row and that it is looked at by `at` (connect, start-up).
pub fn ensure(
    connection: &mut DbConnection,
    account_id: i64,
    provider: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        let exists = mail_push::table
            .find(account_id)
            .count()
            .get_result::<i64>(connection)?
            > 0;
        if exists {
            diesel::update(mail_push::table.find(account_id))
                .set(mail_push::next_check_at.eq(at))
                .execute(connection)?;
        } else {
            diesel::insert_into(mail_push::table)
                .values((
                    mail_push::account_id.eq(account_id),
                    mail_push::provider.eq(provider),
                    mail_push::status.eq(PENDING),
                    mail_push::next_check_at.eq(at),
                    mail_push::updated_at.eq(at),
                ))
                .execute(connection)?;
        }
        Ok(())
    })
}

/// Every connected account gets a row, and every row is looked at by `at` (start-up).
pub fn ensure_all(connection: &mut DbConnection, at: NaiveDateTime) -> Result<usize, StoreError> {
    let accounts: Vec<(i64, String)> = mail_accounts::table
        .select((mail_accounts::id, mail_accounts::provider))
        .load(connection)?;
    for (account_id, provider) in &accounts {
        ensure(connection, *account_id, provider, at)?;
    }
    Ok(accounts.len())
}

/// Claims up to `limit` rows due by `now` for `owner`, for `lease`.
pub fn claim_due(
    connection: &mut DbConnection,
    owner: &str,
    now: NaiveDateTime,
    lease: Duration,
    limit: i64,
) -> Result<Vec<PushRow>, StoreError> {
    let free = mail_push::claimed_until
        .is_null()
        .or(mail_push::claimed_until.lt(now));
    let candidates: Vec<i64> = mail_push::table
        .filter(mail_push::next_check_at.le(now))
        .filter(free)
        .order(mail_push::next_check_at.asc())
        .select(mail_push::account_id)
        .limit(limit)
        .load(connection)?;
    let mut claimed = Vec::new();
    for account_id in candidates {
        let free = mail_push::claimed_until
            .is_null()
            .or(mail_push::claimed_until.lt(now));
        let taken = diesel::update(mail_push::table.find(account_id).filter(free))
            .set((
                mail_push::claimed_by.eq(Some(owner)),
                mail_push::claimed_until.eq(Some(now + lease)),
            ))
            .execute(connection)?;
        if taken == 1 {
            claimed.push(
                mail_push::table
                    .find(account_id)
                    .select(PushRow::as_select())
                    .first(connection)?,
            );
        }
    }
    Ok(claimed)
}

/// Records what `owner` decided for a row it claimed, and releases it.
pub fn save(
    connection: &mut DbConnection,
    account_id: i64,
    owner: &str,
    update: &PushUpdate,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        mail_push::table
            .find(account_id)
            .filter(mail_push::claimed_by.eq(owner)),
    )
    .set((
        mail_push::status.eq(update.status),
        mail_push::subscription_id.eq(&update.subscription_id),
        mail_push::client_state_sealed.eq(&update.client_state_sealed),
        mail_push::expires_at.eq(update.expires_at),
        mail_push::next_check_at.eq(update.next_check_at),
        mail_push::last_error.eq(&update.last_error),
        mail_push::claimed_by.eq(None::<String>),
        mail_push::claimed_until.eq(None::<NaiveDateTime>),
        mail_push::updated_at.eq(now),
    ))
    .execute(connection)?;
    Ok(changed == 1)
}

pub fn get(connection: &mut DbConnection, account_id: i64) -> Result<Option<PushRow>, StoreError> {
    Ok(mail_push::table
        .find(account_id)
        .select(PushRow::as_select())
        .first(connection)
        .optional()?)
}

/// The row of a Graph subscription id.
pub fn by_subscription(
    connection: &mut DbConnection,
    subscription_id: &str,
) -> Result<Option<PushRow>, StoreError> {
    Ok(mail_push::table
        .filter(mail_push::subscription_id.eq(subscription_id))
        .select(PushRow::as_select())
        .first(connection)
        .optional()?)
}

/// Renews `owner`'s lease on watching the account (IMAP IDLE) to `until`; false when the
/// row is gone or another process watches it.
pub fn renew_watch(
    connection: &mut DbConnection,
    account_id: i64,
    owner: &str,
    until: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        mail_push::table
            .find(account_id)
            .filter(mail_push::subscription_id.eq(owner)),
    )
    .set(mail_push::expires_at.eq(Some(until)))
    .execute(connection)?;
    Ok(changed == 1)
}

/// A push arrived for the account.
pub fn pushed(
    connection: &mut DbConnection,
    account_id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(mail_push::table.find(account_id))
        .set(mail_push::last_push_at.eq(Some(now)))
        .execute(connection)?;
    Ok(())
}

/// Asks for a row to be looked at by `at` (a lifecycle event, a changed topic).
pub fn check_by(
    connection: &mut DbConnection,
    account_id: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        mail_push::table
            .find(account_id)
            .filter(mail_push::next_check_at.gt(at)),
    )
    .set(mail_push::next_check_at.eq(at))
    .execute(connection)?;
    Ok(())
}

/// Every row of a provider is looked at by `at` (its push settings changed).
pub fn check_provider_by(
    connection: &mut DbConnection,
    provider: &str,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        mail_push::table
            .filter(mail_push::provider.eq(provider))
            .filter(mail_push::next_check_at.gt(at)),
    )
    .set(mail_push::next_check_at.eq(at))
    .execute(connection)?)
}

/// Every sealed `clientState`, for re-sealing after a key rotation.
pub fn all_sealed(connection: &mut DbConnection) -> Result<Vec<(i64, String)>, StoreError> {
    let rows: Vec<(i64, Option<String>)> = mail_push::table
        .filter(mail_push::client_state_sealed.is_not_null())
        .select((mail_push::account_id, mail_push::client_state_sealed))
        .load(connection)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, sealed)| Some((id, sealed?)))
        .collect())
}

/// Replaces a sealed `clientState` if it is still `stale`.
pub fn reseal(
    connection: &mut DbConnection,
    account_id: i64,
    stale: &str,
    fresh: &str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        mail_push::table
            .find(account_id)
            .filter(mail_push::client_state_sealed.eq(stale)),
    )
    .set(mail_push::client_state_sealed.eq(Some(fresh)))
    .execute(connection)?;
    Ok(changed == 1)
}
