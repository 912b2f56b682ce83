//! Filling a folder the service adds to a mailbox that already holds mail. Gmail's
//! Archive (`providers::gmail::ARCHIVE`) is no label at Gmail, so a mailbox stored before
//! it existed has no message in it until something recomputes each message's folders;
//! this puts every archived message there at once, the first time the folder appears.

use super::schema::{mail_folders, mail_message_folders, mail_messages};
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Puts each of the account's messages that is in none of the folders `outside` (by
/// provider id) into the folder `folder`; says how many it put there.
pub fn fill(
    connection: &mut DbConnection,
    account_id: i64,
    folder: &str,
    outside: &[&str],
) -> Result<usize, StoreError> {
    connection.write_transaction(|connection| {
        super::mail_accounts::lock_mail(connection, account_id)?;
        let Some(target) = mail_folders::table
            .filter(mail_folders::account_id.eq(account_id))
            .filter(mail_folders::provider_id.eq(folder))
            .select(mail_folders::id)
            .first::<i64>(connection)
            .optional()?
        else {
            return Ok(0);
        };
        let mut excluded: Vec<i64> = mail_folders::table
            .filter(mail_folders::account_id.eq(account_id))
            .filter(mail_folders::provider_id.eq_any(outside))
            .select(mail_folders::id)
            .load(connection)?;
        excluded.push(target);
        let held = mail_message_folders::table
            .filter(mail_message_folders::folder_id.eq_any(excluded))
            .select(mail_message_folders::message_id);
        let rows: Vec<(i64, NaiveDateTime, bool)> = mail_messages::table
            .filter(mail_messages::account_id.eq(account_id))
            .filter(diesel::dsl::not(mail_messages::id.eq_any(held)))
            .select((
                mail_messages::id,
                mail_messages::received_at,
                mail_messages::is_read,
            ))
            .load(connection)?;
        for (id, date, read) in &rows {
            diesel::insert_into(mail_message_folders::table)
                .values((
                    mail_message_folders::message_id.eq(id),
                    mail_message_folders::folder_id.eq(target),
                    mail_message_folders::received_at.eq(Some(*date)),
                    mail_message_folders::is_read.eq(read),
                ))
                .execute(connection)?;
        }
        Ok(rows.len())
    })
}
