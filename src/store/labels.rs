//! The `mail_labels` and `mail_message_labels` tables: each mailbox's labels (Gmail user
//! labels and inbox categories, Outlook categories) and which messages carry them. Sync
//! keeps both in step with the provider; the API writes to the provider first, then here.

use super::schema::{mail_labels, mail_message_labels, mail_messages};
use super::{DbConnection, StoreError};
pub use crate::providers::labels::RemoteLabel;
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = mail_labels)]
pub struct LabelRow {
    pub id: i64,
    pub account_id: i64,
    pub provider_id: String,
    pub name: String,
    pub color: Option<String>,
    pub kind: String,
}

/// How a provider's messages name their labels: Gmail by the label's id, Outlook by the
/// category's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    ProviderId,
    Name,
}

/// A message's labels as its provider names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageLabels {
    pub key: Key,
    pub names: Vec<String>,
}

/// Makes the mailbox's labels what the provider lists: new ones added, changed ones
/// updated, gone ones removed (with their links to messages).
pub fn sync_labels(
    connection: &mut DbConnection,
    account_id: i64,
    labels: &[RemoteLabel],
) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        let existing = list(connection, &[account_id])?;
        for label in labels {
            match existing.iter().find(|e| e.provider_id == label.provider_id) {
                Some(row) => {
                    if row.name != label.name || row.color != label.color || row.kind != label.kind
                    {
                        diesel::update(mail_labels::table.find(row.id))
                            .set((
                                mail_labels::name.eq(&label.name),
                                mail_labels::color.eq(&label.color),
                                mail_labels::kind.eq(&label.kind),
                            ))
                            .execute(connection)?;
                    }
                }
                None => {
                    insert(connection, account_id, label)?;
                }
            }
        }
        let gone: Vec<i64> = existing
            .iter()
            .filter(|e| !labels.iter().any(|l| l.provider_id == e.provider_id))
            .map(|e| e.id)
            .collect();
        delete_rows(connection, &gone)?;
        Ok(())
    })
}

fn insert(
    connection: &mut DbConnection,
    account_id: i64,
    label: &RemoteLabel,
) -> Result<(), StoreError> {
    diesel::insert_into(mail_labels::table)
        .values((
            mail_labels::account_id.eq(account_id),
            mail_labels::provider_id.eq(&label.provider_id),
            mail_labels::name.eq(&label.name),
            mail_labels::color.eq(&label.color),
            mail_labels::kind.eq(&label.kind),
        ))
        .execute(connection)?;
    Ok(())
}

fn delete_rows(connection: &mut DbConnection, ids: &[i64]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::delete(mail_message_labels::table.filter(mail_message_labels::label_id.eq_any(ids)))
        .execute(connection)?;
    diesel::delete(mail_labels::table.filter(mail_labels::id.eq_any(ids))).execute(connection)?;
    Ok(())
}

/// A label the provider just created (or changed): stored, and the row returned.
pub fn upsert(
    connection: &mut DbConnection,
    account_id: i64,
    label: &RemoteLabel,
) -> Result<LabelRow, StoreError> {
    connection.write_transaction(|connection| {
        let found = mail_labels::table
            .filter(mail_labels::account_id.eq(account_id))
            .filter(mail_labels::provider_id.eq(&label.provider_id))
            .select(mail_labels::id)
            .first::<i64>(connection)
            .optional()?;
        match found {
            Some(id) => {
                diesel::update(mail_labels::table.find(id))
                    .set((
                        mail_labels::name.eq(&label.name),
                        mail_labels::color.eq(&label.color),
                        mail_labels::kind.eq(&label.kind),
                    ))
                    .execute(connection)?;
            }
            None => insert(connection, account_id, label)?,
        }
        Ok(mail_labels::table
            .filter(mail_labels::account_id.eq(account_id))
            .filter(mail_labels::provider_id.eq(&label.provider_id))
            .select(LabelRow::as_select())
            .first(connection)?)
    })
}

/// Deletes one label and its links.
pub fn delete(connection: &mut DbConnection, id: i64) -> Result<(), StoreError> {
    connection.write_transaction(|connection| delete_rows(connection, &[id]))
}

/// The labels of the given mailboxes, by name.
pub fn list(connection: &mut DbConnection, accounts: &[i64]) -> Result<Vec<LabelRow>, StoreError> {
    Ok(mail_labels::table
        .filter(mail_labels::account_id.eq_any(accounts))
        .order_by((mail_labels::account_id, mail_labels::name, mail_labels::id))
        .select(LabelRow::as_select())
        .load(connection)?)
}

pub fn get(connection: &mut DbConnection, id: i64) -> Result<Option<LabelRow>, StoreError> {
    Ok(mail_labels::table
        .find(id)
        .select(LabelRow::as_select())
        .first(connection)
        .optional()?)
}

/// The labels with these ids (any mailbox).
pub fn by_ids(connection: &mut DbConnection, ids: &[i64]) -> Result<Vec<LabelRow>, StoreError> {
    Ok(mail_labels::table
        .filter(mail_labels::id.eq_any(ids))
        .select(LabelRow::as_select())
        .load(connection)?)
}

/// Sets a stored message's labels to those the provider names (`key` says how); names the
/// mailbox has no label for are left out. `fresh`: the message was just inserted, so it
/// carries none yet. Sync calls this for every message it stores; the common case (no
/// labels) costs nothing for a new message and one statement for a stored one. Callers
/// hold the write transaction.
pub fn set_message_labels(
    connection: &mut DbConnection,
    account_id: i64,
    message_id: i64,
    names: &[String],
    key: Key,
    fresh: bool,
) -> Result<(), StoreError> {
    let this_message = mail_message_labels::message_id.eq(message_id);
    if names.is_empty() {
        if !fresh {
            diesel::delete(mail_message_labels::table.filter(this_message)).execute(connection)?;
        }
        return Ok(());
    }
    let query = mail_labels::table
        .filter(mail_labels::account_id.eq(account_id))
        .select(mail_labels::id)
        .into_boxed();
    let wanted: Vec<i64> = match key {
        Key::ProviderId => query.filter(mail_labels::provider_id.eq_any(names)),
        Key::Name => query.filter(mail_labels::name.eq_any(names)),
    }
    .load(connection)?;
    let current: Vec<i64> = if fresh {
        Vec::new()
    } else {
        mail_message_labels::table
            .filter(this_message)
            .select(mail_message_labels::label_id)
            .load(connection)?
    };
    let gone: Vec<i64> = current
        .iter()
        .filter(|id| !wanted.contains(id))
        .copied()
        .collect();
    if !gone.is_empty() {
        diesel::delete(
            mail_message_labels::table
                .filter(this_message)
                .filter(mail_message_labels::label_id.eq_any(&gone)),
        )
        .execute(connection)?;
    }
    put_on(
        connection,
        message_id,
        wanted.iter().filter(|id| !current.contains(id)),
    )
}

/// Puts `labels` on `message` (none of them on it yet).
fn put_on<'a>(
    connection: &mut DbConnection,
    message: i64,
    labels: impl Iterator<Item = &'a i64>,
) -> Result<(), StoreError> {
    for label in labels {
        diesel::insert_into(mail_message_labels::table)
            .values((
                mail_message_labels::message_id.eq(message),
                mail_message_labels::label_id.eq(label),
            ))
            .execute(connection)?;
    }
    Ok(())
}

/// Adds and removes label ids on messages (after the provider did).
pub fn change_message_labels(
    connection: &mut DbConnection,
    messages: &[i64],
    add: &[i64],
    remove: &[i64],
) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        if !remove.is_empty() {
            diesel::delete(
                mail_message_labels::table
                    .filter(mail_message_labels::message_id.eq_any(messages))
                    .filter(mail_message_labels::label_id.eq_any(remove)),
            )
            .execute(connection)?;
        }
        for message in messages {
            let current: Vec<i64> = mail_message_labels::table
                .filter(mail_message_labels::message_id.eq(message))
                .select(mail_message_labels::label_id)
                .load(connection)?;
            put_on(
                connection,
                *message,
                add.iter().filter(|l| !current.contains(l)),
            )?;
        }
        Ok(())
    })
}

/// Each message's label ids, for the list and get views.
pub fn of_messages(
    connection: &mut DbConnection,
    messages: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let mut found: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in messages.chunks(500) {
        let rows: Vec<(i64, i64)> = mail_message_labels::table
            .filter(mail_message_labels::message_id.eq_any(chunk))
            .order_by((
                mail_message_labels::message_id,
                mail_message_labels::label_id,
            ))
            .select((
                mail_message_labels::message_id,
                mail_message_labels::label_id,
            ))
            .load(connection)?;
        for (message, label) in rows {
            found.entry(message).or_default().push(label);
        }
    }
    Ok(found)
}

/// The provider ids of messages carrying a label (for Outlook, whose messages must be
/// re-tagged one by one when a category goes).
pub fn message_ids_with(connection: &mut DbConnection, label: i64) -> Result<Vec<i64>, StoreError> {
    Ok(mail_message_labels::table
        .inner_join(mail_messages::table)
        .filter(mail_message_labels::label_id.eq(label))
        .select(mail_messages::id)
        .load(connection)?)
}
