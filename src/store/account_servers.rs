//! The `mail_account_servers` table: an IMAP mailbox's servers as its user gave them and
//! its password, sealed by the vault and bound to the row as OAuth tokens are (#26).

use super::schema::mail_account_servers as servers;
use super::{DbConnection, StoreError};
use crate::crypto::RowIdentity;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Where an account's password is sealed; bound into its ciphertext.
pub fn password_identity(account_id: &str) -> RowIdentity<'_> {
    RowIdentity {
        table: "mail_account_servers",
        row: account_id,
        column: "password",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = servers)]
pub struct ServerRow {
    pub account_id: i64,
    pub imap_host: String,
    pub imap_port: i32,
    /// `implicit`, `starttls` or `none`.
    pub imap_tls: String,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_tls: String,
    pub username: String,
    pub password_sealed: String,
    pub updated_at: NaiveDateTime,
}

pub fn get(
    connection: &mut DbConnection,
    account_id: i64,
) -> Result<Option<ServerRow>, StoreError> {
    Ok(servers::table
        .find(account_id)
        .select(ServerRow::as_select())
        .first(connection)
        .optional()?)
}

/// Stores an account's servers and sealed password, replacing what it had (a reconnect
/// with a new app password).
pub fn put(connection: &mut DbConnection, row: &ServerRow) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        diesel::delete(servers::table.find(row.account_id)).execute(connection)?;
        diesel::insert_into(servers::table)
            .values(row)
            .execute(connection)?;
        Ok(())
    })
}

/// Every row, for re-sealing passwords after a key rotation.
pub fn all(connection: &mut DbConnection) -> Result<Vec<ServerRow>, StoreError> {
    Ok(servers::table
        .select(ServerRow::as_select())
        .load(connection)?)
}

/// Replaces one row's sealed password if it is still `expected` (a reconnect wins).
pub fn reseal_password(
    connection: &mut DbConnection,
    account_id: i64,
    expected: &str,
    resealed: &str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        servers::table
            .find(account_id)
            .filter(servers::password_sealed.eq(expected)),
    )
    .set(servers::password_sealed.eq(resealed))
    .execute(connection)?;
    Ok(changed == 1)
}
