//! The synchronized mail: folders, messages with their folders, participants,
//! attachments and full-text rows, and the sync cursors. A page of messages and the
//! cursor that follows it are written in one transaction, checked against the writer's
//! [`Fence`], so a crash or a lost lease never leaves half a page or a cursor past mail
//! that was not stored. How a page becomes rows is in `message_rows`.

pub use super::activity::Arrival;
use super::schema::{mail_folders, mail_message_folders, mail_messages, mail_sync_cursors};
use super::sync_jobs::{self, Fence};
use super::{DbConnection, StoreError};
use crate::mail::ParsedMessage;
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::collections::HashMap;

/// A folder or label as the provider lists it.
#[derive(Debug, Clone)]
pub struct RemoteFolder {
    pub provider_id: String,
    pub name: String,
    pub role: Option<String>,
    pub parent_provider_id: Option<String>,
}

/// A message to store, with its state at the provider.
#[derive(Debug, Clone)]
pub struct IncomingMessage {
    pub provider_message_id: String,
    pub provider_thread_id: Option<String>,
    /// Provider ids of the folders / labels it is in.
    pub folders: Vec<String>,
    pub is_read: bool,
    pub is_starred: bool,
    pub received_at: NaiveDateTime,
    pub provider_version: Option<String>,
    pub parsed: ParsedMessage,
    /// The labels it carries, as the provider names them; `None` when the provider's
    /// answer did not say (the stored ones stay).
    pub labels: Option<super::labels::MessageLabels>,
}

/// Where a sync stands for one scope ('account' for Gmail, a folder id for Graph).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct CursorRow {
    pub cursor: Option<String>,
    pub resume: Option<String>,
}

/// A cursor write that goes with a page.
#[derive(Debug, Clone)]
pub struct CursorUpdate {
    pub scope: String,
    pub cursor: Option<String>,
    pub resume: Option<String>,
}

/// Runs `body` in a transaction that first checks the writer still holds its job, and
/// ends by writing `cursor` (the cursor always goes last, after what it covers).
fn fenced<T>(
    connection: &mut DbConnection,
    fence: &Fence,
    cursor: Option<&CursorUpdate>,
    now: NaiveDateTime,
    body: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    connection.write_transaction(|connection| {
        super::mail_accounts::lock_mail(connection, fence.account_id)?;
        sync_jobs::check(connection, fence)?;
        let out = body(connection)?;
        if let Some(update) = cursor {
            write_cursor(connection, fence.account_id, update, now)?;
        }
        Ok(out)
    })
}

/// Makes the account's folders match the provider's list (added, renamed, removed), and
/// says which provider ids were added.
pub fn sync_folders(
    connection: &mut DbConnection,
    account_id: i64,
    folders: &[RemoteFolder],
) -> Result<Vec<String>, StoreError> {
    connection.write_transaction(|connection| {
        super::mail_accounts::lock_mail(connection, account_id)?;
        let existing: Vec<(i64, String)> = mail_folders::table
            .filter(mail_folders::account_id.eq(account_id))
            .select((mail_folders::id, mail_folders::provider_id))
            .load(connection)?;
        let mut added = Vec::new();
        for folder in folders {
            let values = (
                mail_folders::name.eq(&folder.name),
                mail_folders::role.eq(&folder.role),
                mail_folders::parent_provider_id.eq(&folder.parent_provider_id),
            );
            match existing
                .iter()
                .find(|(_, provider_id)| *provider_id == folder.provider_id)
            {
                Some((id, _)) => {
                    diesel::update(mail_folders::table.find(*id))
                        .set(values)
                        .execute(connection)?;
                }
                None => {
                    diesel::insert_into(mail_folders::table)
                        .values((
                            mail_folders::account_id.eq(account_id),
                            mail_folders::provider_id.eq(&folder.provider_id),
                            values,
                        ))
                        .execute(connection)?;
                    added.push(folder.provider_id.clone());
                }
            }
        }
        let gone: Vec<i64> = existing
            .iter()
            .filter(|(_, provider_id)| !folders.iter().any(|f| f.provider_id == *provider_id))
            .map(|(id, _)| *id)
            .collect();
        diesel::delete(mail_folders::table.filter(mail_folders::id.eq_any(gone)))
            .execute(connection)?;
        Ok(added)
    })
}

fn folder_ids(
    connection: &mut DbConnection,
    account_id: i64,
) -> Result<HashMap<String, i64>, StoreError> {
    Ok(mail_folders::table
        .filter(mail_folders::account_id.eq(account_id))
        .select((mail_folders::provider_id, mail_folders::id))
        .load::<(String, i64)>(connection)?
        .into_iter()
        .collect())
}

/// The most of one body the store keeps (the display shows at most `limits.html_bytes`,
/// 2 MiB by default, of HTML anyway); a longer body is kept in part and flagged.
pub const KEPT_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Stores the files of message `id` listed at its first open (its inline images, see
/// `ParsedMessage::inline_pending`), once: an open that finds them stored meanwhile (by
/// another open, another replica, or a sync that stored the message again) adds nothing.
pub fn fill_pending_files(
    connection: &mut DbConnection,
    id: i64,
    files: &[crate::mail::AttachmentMeta],
) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        let Some(account) = mail_messages::table
            .find(id)
            .select(mail_messages::account_id)
            .first::<i64>(connection)
            .optional()?
        else {
            return Ok(());
        };
        super::mail_accounts::lock_mail(connection, account)?;
        let pending: bool = mail_messages::table
            .find(id)
            .select(mail_messages::inline_pending)
            .first(connection)?;
        if pending {
            let files: Vec<_> = files.iter().map(|file| (id, file)).collect();
            super::message_rows::insert_attachments(connection, &files)?;
            diesel::update(mail_messages::table.find(id))
                .set(mail_messages::inline_pending.eq(false))
                .execute(connection)?;
        }
        Ok(())
    })
}

fn write_cursor(
    connection: &mut DbConnection,
    account_id: i64,
    update: &CursorUpdate,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let target = mail_sync_cursors::table.find((account_id, &update.scope));
    let changed = diesel::update(target)
        .set((
            mail_sync_cursors::cursor.eq(&update.cursor),
            mail_sync_cursors::resume.eq(&update.resume),
            mail_sync_cursors::updated_at.eq(now),
        ))
        .execute(connection)?;
    if changed == 0 {
        diesel::insert_into(mail_sync_cursors::table)
            .values((
                mail_sync_cursors::account_id.eq(account_id),
                mail_sync_cursors::scope.eq(&update.scope),
                mail_sync_cursors::cursor.eq(&update.cursor),
                mail_sync_cursors::resume.eq(&update.resume),
                mail_sync_cursors::updated_at.eq(now),
            ))
            .execute(connection)?;
    }
    Ok(())
}

/// Stores a page of messages (new or changed; no duplicates: one row per provider id)
/// and, with it, the cursor that follows and the activity feed's rows for mail it had not
/// seen (`arrival` says whether it is new or imported) — all or nothing, and only while
/// `fence` holds.
pub fn store_page(
    connection: &mut DbConnection,
    fence: &Fence,
    messages: &[IncomingMessage],
    cursor: Option<&CursorUpdate>,
    arrival: Arrival,
    now: NaiveDateTime,
) -> Result<Vec<i64>, StoreError> {
    fenced(connection, fence, cursor, now, |connection| {
        let folders = folder_ids(connection, fence.account_id)?;
        let ids =
            super::message_rows::write(connection, fence.account_id, &folders, messages, now)?;
        let written: Vec<(i64, &IncomingMessage)> = ids.iter().copied().zip(messages).collect();
        super::activity::record(connection, fence.account_id, &written, arrival, now)?;
        Ok(ids)
    })
}

/// Deletes messages the provider no longer has; returns how many went.
pub fn delete_messages(
    connection: &mut DbConnection,
    fence: &Fence,
    provider_ids: &[String],
    cursor: Option<&CursorUpdate>,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    fenced(connection, fence, cursor, now, |connection| {
        let ids: Vec<i64> = mail_messages::table
            .filter(mail_messages::account_id.eq(fence.account_id))
            .filter(mail_messages::provider_message_id.eq_any(provider_ids))
            .select(mail_messages::id)
            .load(connection)?;
        super::message_rows::unindex(connection, &ids)?;
        let removed = diesel::delete(mail_messages::table.filter(mail_messages::id.eq_any(&ids)))
            .execute(connection)?;
        Ok(removed)
    })
}

/// A scope's cursor.
pub fn cursor(
    connection: &mut DbConnection,
    account_id: i64,
    scope: &str,
) -> Result<Option<CursorRow>, StoreError> {
    Ok(mail_sync_cursors::table
        .find((account_id, scope))
        .select((mail_sync_cursors::cursor, mail_sync_cursors::resume))
        .first(connection)
        .optional()?)
}

/// Forgets every cursor and all mail of an account (a full resync starts from nothing
/// that could be stale; rows come back as the provider lists them).
pub fn reset_account(connection: &mut DbConnection, fence: &Fence) -> Result<(), StoreError> {
    fenced(
        connection,
        fence,
        None,
        NaiveDateTime::default(),
        |connection| {
            diesel::delete(
                mail_sync_cursors::table.filter(mail_sync_cursors::account_id.eq(fence.account_id)),
            )
            .execute(connection)?;
            if let DbConnection::Sqlite(sqlite) = connection {
                sqlite.batch_execute(&format!(
                "DELETE FROM mail_messages_fts WHERE rowid IN (SELECT id FROM mail_messages WHERE account_id = {})",
                fence.account_id
            ))?;
            }
            diesel::delete(
                mail_messages::table.filter(mail_messages::account_id.eq(fence.account_id)),
            )
            .execute(connection)?;
            Ok(())
        },
    )
}

/// Which of `provider_ids` are already stored.
pub fn existing(
    connection: &mut DbConnection,
    account_id: i64,
    provider_ids: &[String],
) -> Result<Vec<String>, StoreError> {
    Ok(mail_messages::table
        .filter(mail_messages::account_id.eq(account_id))
        .filter(mail_messages::provider_message_id.eq_any(provider_ids))
        .select(mail_messages::provider_message_id)
        .load(connection)?)
}

/// A change of state (folders / labels, read, starred) for a stored message, without
/// its content.
#[derive(Debug, Clone)]
pub struct StateChange {
    pub provider_message_id: String,
    /// Replaces the message's folders when given.
    pub folders: Option<Vec<String>>,
    pub is_read: Option<bool>,
    pub is_starred: Option<bool>,
    pub provider_version: Option<String>,
    /// Replaces the message's labels when given.
    pub labels: Option<super::labels::MessageLabels>,
}

/// Applies state changes to stored messages (unknown ones are skipped); returns how many
/// messages changed.
pub fn apply_states(
    connection: &mut DbConnection,
    fence: &Fence,
    changes: &[StateChange],
    cursor: Option<&CursorUpdate>,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    fenced(connection, fence, cursor, now, |connection| {
        apply_changes(connection, fence.account_id, changes, now)
    })
}

/// Applies state changes to one account's stored messages. Sync calls it under its fence;
/// a user's write-through calls it after the provider accepted the change.
pub fn apply_changes(
    connection: &mut DbConnection,
    account_id: i64,
    changes: &[StateChange],
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    connection.write_transaction(|connection| {
        super::mail_accounts::lock_mail(connection, account_id)?;
        let folders = folder_ids(connection, account_id)?;
        let mut changed = 0;
        for change in changes {
            let Some(id) = mail_messages::table
                .filter(mail_messages::account_id.eq(account_id))
                .filter(mail_messages::provider_message_id.eq(&change.provider_message_id))
                .select(mail_messages::id)
                .first::<i64>(connection)
                .optional()?
            else {
                continue;
            };
            if let Some(read) = change.is_read {
                diesel::update(mail_messages::table.find(id))
                    .set(mail_messages::is_read.eq(read))
                    .execute(connection)?;
            }
            if let Some(starred) = change.is_starred {
                diesel::update(mail_messages::table.find(id))
                    .set(mail_messages::is_starred.eq(starred))
                    .execute(connection)?;
            }
            if let Some(version) = &change.provider_version {
                diesel::update(mail_messages::table.find(id))
                    .set(mail_messages::provider_version.eq(version))
                    .execute(connection)?;
            }
            if let Some(labels) = &change.labels {
                super::labels::set_message_labels(
                    connection,
                    account_id,
                    id,
                    &labels.names,
                    labels.key,
                    false,
                )?;
            }
            if let Some(list) = &change.folders {
                diesel::delete(
                    mail_message_folders::table.filter(mail_message_folders::message_id.eq(id)),
                )
                .execute(connection)?;
                let (date, read): (NaiveDateTime, bool) = mail_messages::table
                    .find(id)
                    .select((mail_messages::received_at, mail_messages::is_read))
                    .first(connection)?;
                for folder in list.iter().filter_map(|f| folders.get(f)) {
                    diesel::insert_into(mail_message_folders::table)
                        .values((
                            mail_message_folders::message_id.eq(id),
                            mail_message_folders::folder_id.eq(*folder),
                            mail_message_folders::received_at.eq(Some(date)),
                            mail_message_folders::is_read.eq(read),
                        ))
                        .execute(connection)?;
                }
            }
            diesel::update(mail_messages::table.find(id))
                .set(mail_messages::updated_at.eq(now))
                .execute(connection)?;
            changed += 1;
        }
        Ok(changed)
    })
}

/// Graph's `@removed` for one folder: the messages leave that folder, and a message left
/// in no folder is gone. (A moved message may already sit in its new folder.)
pub fn remove_from_folder(
    connection: &mut DbConnection,
    fence: &Fence,
    folder_provider_id: &str,
    provider_ids: &[String],
    cursor: Option<&CursorUpdate>,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    fenced(connection, fence, cursor, now, |connection| {
        let folder: Option<i64> = mail_folders::table
            .filter(mail_folders::account_id.eq(fence.account_id))
            .filter(mail_folders::provider_id.eq(folder_provider_id))
            .select(mail_folders::id)
            .first(connection)
            .optional()?;
        let ids: Vec<i64> = mail_messages::table
            .filter(mail_messages::account_id.eq(fence.account_id))
            .filter(mail_messages::provider_message_id.eq_any(provider_ids))
            .select(mail_messages::id)
            .load(connection)?;
        if let Some(folder) = folder {
            diesel::delete(
                mail_message_folders::table
                    .filter(mail_message_folders::folder_id.eq(folder))
                    .filter(mail_message_folders::message_id.eq_any(&ids)),
            )
            .execute(connection)?;
        }
        let homeless: Vec<i64> = mail_messages::table
            .filter(mail_messages::id.eq_any(&ids))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                mail_message_folders::table
                    .filter(mail_message_folders::message_id.eq(mail_messages::id)),
            )))
            .select(mail_messages::id)
            .load(connection)?;
        super::message_rows::unindex(connection, &homeless)?;
        let removed =
            diesel::delete(mail_messages::table.filter(mail_messages::id.eq_any(&homeless)))
                .execute(connection)?;
        Ok(removed)
    })
}

/// After a complete rescan: deletes stored messages the provider no longer listed.
pub fn delete_except(
    connection: &mut DbConnection,
    fence: &Fence,
    keep: &[String],
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let stored: Vec<String> = mail_messages::table
        .filter(mail_messages::account_id.eq(fence.account_id))
        .select(mail_messages::provider_message_id)
        .load(connection)?;
    let keep: std::collections::HashSet<&String> = keep.iter().collect();
    let gone: Vec<String> = stored.into_iter().filter(|id| !keep.contains(id)).collect();
    if gone.is_empty() {
        return Ok(0);
    }
    delete_messages(connection, fence, &gone, None, now)
}

/// Counts for the account view: (messages, unread).
pub fn counts(connection: &mut DbConnection, account_id: i64) -> Result<(i64, i64), StoreError> {
    let total = mail_messages::table
        .filter(mail_messages::account_id.eq(account_id))
        .count()
        .get_result(connection)?;
    let unread = mail_messages::table
        .filter(mail_messages::account_id.eq(account_id))
        .filter(mail_messages::is_read.eq(false))
        .count()
        .get_result(connection)?;
    Ok((total, unread))
}

/// Each message stored in one folder (by the folder's provider id) with its read and
/// starred state: what an IMAP sync compares the server's flags and UIDs with.
pub fn folder_states(
    connection: &mut DbConnection,
    account_id: i64,
    folder_provider_id: &str,
) -> Result<Vec<(String, bool, bool)>, StoreError> {
    Ok(mail_messages::table
        .inner_join(mail_message_folders::table.inner_join(mail_folders::table))
        .filter(mail_messages::account_id.eq(account_id))
        .filter(mail_folders::provider_id.eq(folder_provider_id))
        .select((
            mail_messages::provider_message_id,
            mail_messages::is_read,
            mail_messages::is_starred,
        ))
        .load(connection)?)
}

/// The messages stored in one folder (by the folder's provider id), by store id, the
/// `limit` after store id `after`: `(store id, provider id)`.
pub fn members_after(
    connection: &mut DbConnection,
    account_id: i64,
    folder_provider_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(mail_messages::table
        .inner_join(mail_message_folders::table.inner_join(mail_folders::table))
        .filter(mail_messages::account_id.eq(account_id))
        .filter(mail_folders::provider_id.eq(folder_provider_id))
        .filter(mail_messages::id.gt(after))
        .order(mail_messages::id.asc())
        .limit(limit)
        .select((mail_messages::id, mail_messages::provider_message_id))
        .load(connection)?)
}

/// A folder as the API lists it.
#[derive(Debug, Clone, Queryable)]
pub struct FolderRow {
    pub id: i64,
    pub account_id: i64,
    pub provider_id: String,
    pub name: String,
    pub role: Option<String>,
    pub total_count: i64,
    pub unread_count: i64,
}

/// The folders of `accounts`, ordered by account, role first, then name.
pub fn folders(
    connection: &mut DbConnection,
    accounts: &[i64],
) -> Result<Vec<FolderRow>, StoreError> {
    Ok(mail_folders::table
        .filter(mail_folders::account_id.eq_any(accounts))
        .order((
            mail_folders::account_id.asc(),
            mail_folders::role.is_null(),
            mail_folders::name.asc(),
        ))
        .select((
            mail_folders::id,
            mail_folders::account_id,
            mail_folders::provider_id,
            mail_folders::name,
            mail_folders::role,
            mail_folders::total_count,
            mail_folders::unread_count,
        ))
        .load(connection)?)
}
