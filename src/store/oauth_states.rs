//! The `oauth_states` table: pending authorizations, taken exactly once.

use super::schema::oauth_states;
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_states)]
pub struct StateRow {
    pub state_hash: String,
    pub user_id: i64,
    pub provider: String,
    pub return_url: String,
    pub pkce_verifier_sealed: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    /// SHA-256 of the value of the cookie the authorize answer set in the browser that
    /// started this connect; the callback must come with it.
    pub browser_hash: Option<String>,
}

pub fn insert(connection: &mut DbConnection, row: &StateRow) -> Result<(), StoreError> {
    diesel::insert_into(oauth_states::table)
        .values(row)
        .execute(connection)?;
    Ok(())
}

/// Takes a state: it is deleted whatever happens next, so it can be used once. `None`
/// when unknown, already used, or expired.
pub fn take(
    connection: &mut DbConnection,
    state_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<StateRow>, StoreError> {
    connection.write_transaction(|connection| {
        let row = oauth_states::table
            .find(state_hash)
            .select(StateRow::as_select())
            .first(connection)
            .optional()?;
        let deleted = diesel::delete(oauth_states::table.find(state_hash)).execute(connection)?;
        Ok(row.filter(|r| deleted == 1 && r.expires_at > now))
    })
}

/// Forgets states that can no longer be used.
pub fn purge_expired(
    connection: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(oauth_states::table.filter(oauth_states::expires_at.le(now)))
            .execute(connection)?,
    )
}
