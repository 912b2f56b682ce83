//! Listing messages: a query-model listing answered in pages — one folder by date off
//! the folder links' index (`by_folder`), any other shape through the compiled filter
//! (`compile`) — and reading one message with everything around it.

mod by_folder;
mod compile;

pub(super) use compile::predicate;

use super::schema::{mail_message_folders, mail_messages, mail_participants};
use super::{DbConnection, StoreError};
use crate::config::DatabaseKind;
use crate::query::{Filter, Page, SortField, SortKey};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// What to list.
#[derive(Debug, Clone)]
pub struct MessageQuery {
    /// Accounts whose messages may be listed.
    pub accounts: Vec<i64>,
    /// The caller's own accounts among them: only there do Bcc recipients match
    /// `participants.*` (others never see a message's Bcc, so may not probe it).
    pub owned: Vec<i64>,
    pub filter: Filter,
    pub q: Option<String>,
    pub sort: Vec<SortKey>,
    pub page: Page,
    /// The caller's UTC offset in minutes (`X-Timezone`), for whole-day date filters.
    pub utc_offset_minutes: i32,
    pub kind: DatabaseKind,
}

/// A listed message.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_messages)]
pub struct ListedMessage {
    pub id: i64,
    pub account_id: i64,
    pub thread_id: Option<i64>,
    pub subject: String,
    pub snippet: String,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub received_at: NaiveDateTime,
    pub is_read: bool,
    pub is_starred: bool,
    pub has_attachments: bool,
    pub size: i64,
}

/// One page of messages and the total count.
pub fn list(
    connection: &mut DbConnection,
    query: &MessageQuery,
) -> Result<(Vec<ListedMessage>, i64), StoreError> {
    // One folder by date — what a mail client opens with — reads off the folder's index.
    if let (
        []
        | [
            SortKey {
                field: SortField::Date,
                ..
            },
        ],
        Some((folder, rest)),
    ) = (
        query.sort.as_slice(),
        by_folder::single_folder(&query.filter),
    ) {
        let descending = query.sort.first().is_none_or(|k| k.descending);
        return by_folder::list(connection, query, folder, rest, descending);
    }
    let count: i64 = mail_messages::table
        .filter(predicate(query))
        .count()
        .get_result(connection)?;
    let mut rows = mail_messages::table.filter(predicate(query)).into_boxed();
    for key in &query.sort {
        rows = match (key.field, key.descending) {
            (SortField::Subject, false) => rows.then_order_by(mail_messages::subject.asc()),
            (SortField::Subject, true) => rows.then_order_by(mail_messages::subject.desc()),
            (SortField::FromAddress, false) => {
                rows.then_order_by(mail_messages::from_address.asc())
            }
            (SortField::FromAddress, true) => {
                rows.then_order_by(mail_messages::from_address.desc())
            }
            (SortField::Date, false) => rows.then_order_by(mail_messages::received_at.asc()),
            (SortField::Date, true) => rows.then_order_by(mail_messages::received_at.desc()),
        };
    }
    let descending = query.sort.first().is_none_or(|k| k.descending);
    rows = if descending {
        rows.then_order_by(mail_messages::id.desc())
    } else {
        rows.then_order_by(mail_messages::id.asc())
    };
    let listed = rows
        .offset(query.page.offset() as i64)
        .limit(i64::from(query.page.size))
        .select(ListedMessage::as_select())
        .load(connection)?;
    Ok((listed, count))
}

/// Folder ids of messages.
pub fn folder_ids(
    connection: &mut DbConnection,
    messages: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(mail_message_folders::table
        .filter(mail_message_folders::message_id.eq_any(messages))
        .select((
            mail_message_folders::message_id,
            mail_message_folders::folder_id,
        ))
        .load(connection)?)
}

/// A participant of a listed message.
#[derive(Debug, Clone, Queryable)]
pub struct ParticipantRow {
    pub message_id: i64,
    pub role: String,
    pub name: Option<String>,
    pub address: String,
}

/// The participants of messages, in their original order.
pub fn participants(
    connection: &mut DbConnection,
    messages: &[i64],
) -> Result<Vec<ParticipantRow>, StoreError> {
    Ok(mail_participants::table
        .filter(mail_participants::message_id.eq_any(messages))
        .order(mail_participants::id.asc())
        .select((
            mail_participants::message_id,
            mail_participants::role,
            mail_participants::name,
            mail_participants::address,
        ))
        .load(connection)?)
}

/// Everything shown for one message.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_messages)]
pub struct MessageDetail {
    #[diesel(embed)]
    pub listed: ListedMessage,
    pub message_id_header: Option<String>,
    pub in_reply_to: Option<String>,
    pub references_header: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    /// A body was larger than the store keeps: its beginning is here, the whole at the
    /// provider.
    pub bodies_cut: bool,
    /// Its inline images are still to be listed at the provider (see
    /// `mail::ParsedMessage::inline_pending`).
    pub inline_pending: bool,
}

/// An attachment's metadata.
#[derive(Debug, Clone, Queryable)]
pub struct AttachmentRow {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub inline: bool,
    pub content_id: Option<String>,
}

/// One message with everything around it.
#[derive(Debug, Clone)]
pub struct FullMessage {
    pub detail: MessageDetail,
    pub participants: Vec<ParticipantRow>,
    pub attachments: Vec<AttachmentRow>,
    pub folders: Vec<i64>,
}

/// One message with its bodies, participants, attachments and folders.
pub fn detail(connection: &mut DbConnection, id: i64) -> Result<Option<FullMessage>, StoreError> {
    use super::schema::mail_attachments;
    let found: Option<MessageDetail> = mail_messages::table
        .find(id)
        .select(MessageDetail::as_select())
        .first(connection)
        .optional()?;
    let Some(found) = found else { return Ok(None) };
    let people = participants(connection, &[id])?;
    let attachments = mail_attachments::table
        .filter(mail_attachments::message_id.eq(id))
        .order(mail_attachments::id.asc())
        .select((
            mail_attachments::id,
            mail_attachments::filename,
            mail_attachments::content_type,
            mail_attachments::size,
            mail_attachments::inline,
            mail_attachments::content_id,
        ))
        .load(connection)?;
    let folders = folder_ids(connection, &[id])?
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    Ok(Some(FullMessage {
        detail: found,
        participants: people,
        attachments,
        folders,
    }))
}
