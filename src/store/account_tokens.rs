//! The `mail_account_tokens` table: each account's sealed OAuth tokens, and the lease that
//! lets one caller at a time (in any replica) refresh them.

use super::schema::mail_account_tokens as tokens;
use super::{DbConnection, StoreError};
use crate::crypto::RowIdentity;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Where a token is sealed; bound into its ciphertext.
pub fn identity<'a>(account_id: &'a str, column: &'static str) -> RowIdentity<'a> {
    RowIdentity {
        table: "mail_account_tokens",
        row: account_id,
        column,
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tokens)]
pub struct TokenRow {
    pub account_id: i64,
    pub access_token_sealed: String,
    pub access_expires_at: NaiveDateTime,
    pub refresh_token_sealed: Option<String>,
    pub scopes: String,
    pub revision: i64,
    pub refresh_lease_until: Option<NaiveDateTime>,
    pub refresh_lease_owner: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// Sealed tokens to store.
#[derive(Debug, Clone)]
pub struct SealedTokens {
    pub access_token_sealed: String,
    pub access_expires_at: NaiveDateTime,
    /// `None` keeps the stored refresh token (Google does not rotate it).
    pub refresh_token_sealed: Option<String>,
    pub scopes: String,
}

pub fn get(connection: &mut DbConnection, account_id: i64) -> Result<Option<TokenRow>, StoreError> {
    Ok(tokens::table
        .find(account_id)
        .select(TokenRow::as_select())
        .first(connection)
        .optional()?)
}

/// Stores the tokens of a fresh authorization (replacing any old ones).
pub fn put(
    connection: &mut DbConnection,
    account_id: i64,
    sealed: &SealedTokens,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        let revision: Option<i64> = tokens::table
            .find(account_id)
            .select(tokens::revision)
            .first(connection)
            .optional()?;
        diesel::delete(tokens::table.find(account_id)).execute(connection)?;
        diesel::insert_into(tokens::table)
            .values((
                tokens::account_id.eq(account_id),
                tokens::access_token_sealed.eq(&sealed.access_token_sealed),
                tokens::access_expires_at.eq(sealed.access_expires_at),
                tokens::refresh_token_sealed.eq(&sealed.refresh_token_sealed),
                tokens::scopes.eq(&sealed.scopes),
                tokens::revision.eq(revision.map_or(0, |r| r + 1)),
                tokens::updated_at.eq(now),
            ))
            .execute(connection)?;
        Ok(())
    })
}

/// Takes the refresh lease if nobody holds a live one. True when `owner` has it now.
pub fn try_lease(
    connection: &mut DbConnection,
    account_id: i64,
    owner: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let taken = diesel::update(
        tokens::table.find(account_id).filter(
            tokens::refresh_lease_until
                .is_null()
                .or(tokens::refresh_lease_until.lt(now)),
        ),
    )
    .set((
        tokens::refresh_lease_until.eq(Some(until)),
        tokens::refresh_lease_owner.eq(Some(owner)),
    ))
    .execute(connection)?;
    Ok(taken == 1)
}

/// Stores refreshed tokens if `owner` still holds the lease (a lease that expired and
/// was taken over fences this write off); bumps the revision and frees the lease.
pub fn store_refreshed(
    connection: &mut DbConnection,
    account_id: i64,
    owner: &str,
    sealed: &SealedTokens,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    connection.write_transaction(|connection| {
        // Google does not rotate refresh tokens: without a new one, the stored one stays.
        let refresh = match &sealed.refresh_token_sealed {
            Some(refresh) => Some(refresh.clone()),
            None => tokens::table
                .find(account_id)
                .select(tokens::refresh_token_sealed)
                .first::<Option<String>>(connection)
                .optional()?
                .flatten(),
        };
        let changed = diesel::update(
            tokens::table
                .find(account_id)
                .filter(tokens::refresh_lease_owner.eq(owner)),
        )
        .set((
            tokens::access_token_sealed.eq(&sealed.access_token_sealed),
            tokens::access_expires_at.eq(sealed.access_expires_at),
            tokens::refresh_token_sealed.eq(refresh),
            tokens::scopes.eq(&sealed.scopes),
            tokens::revision.eq(tokens::revision + 1),
            tokens::refresh_lease_until.eq(None::<NaiveDateTime>),
            tokens::refresh_lease_owner.eq(None::<String>),
            tokens::updated_at.eq(now),
        ))
        .execute(connection)?;
        Ok(changed == 1)
    })
}

/// Gives the lease back without storing anything (the refresh failed).
pub fn release_lease(
    connection: &mut DbConnection,
    account_id: i64,
    owner: &str,
) -> Result<(), StoreError> {
    diesel::update(
        tokens::table
            .find(account_id)
            .filter(tokens::refresh_lease_owner.eq(owner)),
    )
    .set((
        tokens::refresh_lease_until.eq(None::<NaiveDateTime>),
        tokens::refresh_lease_owner.eq(None::<String>),
    ))
    .execute(connection)?;
    Ok(())
}

/// Every account's sealed tokens (for re-sealing after a key rotation).
pub fn all_sealed(
    connection: &mut DbConnection,
) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
    Ok(tokens::table
        .select((
            tokens::account_id,
            tokens::access_token_sealed,
            tokens::refresh_token_sealed,
        ))
        .load(connection)?)
}

/// Replaces one sealed token with `fresh`, only if it is still `stale` (a refresh that
/// wrote in between wins; it sealed under the current key anyway).
pub fn reseal(
    connection: &mut DbConnection,
    account_id: i64,
    column: &str,
    stale: &str,
    fresh: &str,
) -> Result<bool, StoreError> {
    let changed = match column {
        "access_token" => diesel::update(
            tokens::table
                .find(account_id)
                .filter(tokens::access_token_sealed.eq(stale)),
        )
        .set(tokens::access_token_sealed.eq(fresh))
        .execute(connection)?,
        _ => diesel::update(
            tokens::table
                .find(account_id)
                .filter(tokens::refresh_token_sealed.eq(stale)),
        )
        .set(tokens::refresh_token_sealed.eq(Some(fresh)))
        .execute(connection)?,
    };
    Ok(changed == 1)
}
