//! What a user's write to messages needs before it goes to the provider: each message's
//! owner, provider ids and current folders, and the destination folder; and what fetching
//! a message whole from its provider needs.

use super::schema::{mail_accounts, mail_folders, mail_message_folders, mail_messages};
use super::{DbConnection, StoreError};
use diesel::prelude::*;

/// A message a user asked to change.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: i64,
    pub account_id: i64,
    pub owner: i64,
    pub provider: String,
    pub provider_message_id: String,
    /// The provider ids of the folders (Gmail labels) it is in now.
    pub folders: Vec<String>,
}

/// The stored messages among `ids`; unknown ids are simply absent.
pub fn targets(connection: &mut DbConnection, ids: &[i64]) -> Result<Vec<Target>, StoreError> {
    let rows: Vec<(i64, i64, i64, String, String)> = mail_messages::table
        .inner_join(mail_accounts::table)
        .filter(mail_messages::id.eq_any(ids))
        .select((
            mail_messages::id,
            mail_messages::account_id,
            mail_accounts::user_id,
            mail_accounts::provider,
            mail_messages::provider_message_id,
        ))
        .load(connection)?;
    let memberships: Vec<(i64, String)> = mail_message_folders::table
        .inner_join(mail_folders::table)
        .filter(mail_message_folders::message_id.eq_any(ids))
        .select((mail_message_folders::message_id, mail_folders::provider_id))
        .load(connection)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, account_id, owner, provider, provider_message_id)| Target {
                id,
                account_id,
                owner,
                provider,
                provider_message_id,
                folders: memberships
                    .iter()
                    .filter(|(m, _)| *m == id)
                    .map(|(_, f)| f.clone())
                    .collect(),
            },
        )
        .collect())
}

/// A message to fetch whole from its provider ("Show original").
#[derive(Debug, Clone)]
pub struct Original {
    pub account_id: i64,
    pub owner: i64,
    pub provider: String,
    pub provider_message_id: String,
    pub subject: String,
}

/// Message `id`'s provider, owner and subject; `None` when there is no such message.
pub fn original(connection: &mut DbConnection, id: i64) -> Result<Option<Original>, StoreError> {
    let row: Option<(i64, i64, String, String, String)> = mail_messages::table
        .inner_join(mail_accounts::table)
        .filter(mail_messages::id.eq(id))
        .select((
            mail_messages::account_id,
            mail_accounts::user_id,
            mail_accounts::provider,
            mail_messages::provider_message_id,
            mail_messages::subject,
        ))
        .first(connection)
        .optional()?;
    Ok(row.map(
        |(account_id, owner, provider, provider_message_id, subject)| Original {
            account_id,
            owner,
            provider,
            provider_message_id,
            subject,
        },
    ))
}

/// A folder's account and provider id.
pub fn folder(connection: &mut DbConnection, id: i64) -> Result<Option<(i64, String)>, StoreError> {
    Ok(mail_folders::table
        .find(id)
        .select((mail_folders::account_id, mail_folders::provider_id))
        .first(connection)
        .optional()?)
}
