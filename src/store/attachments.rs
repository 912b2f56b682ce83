//! Where an attachment's bytes live: the stored metadata plus what it takes to find it
//! again at its provider (the bytes themselves are not stored).

use super::schema::{mail_accounts, mail_attachments, mail_messages};
use super::{DbConnection, StoreError};
use diesel::prelude::*;

/// One attachment and the message and account it belongs to.
#[derive(Debug, Clone)]
pub struct AttachmentSource {
    pub filename: String,
    pub content_type: String,
    /// Its place in the MIME tree (Gmail's part numbering).
    pub part_id: String,
    /// How many of the message's attachments carry this file name (Graph lists
    /// attachments by name, not by MIME part: only a unique name is certain there).
    pub named: usize,
    pub account_id: i64,
    pub provider: String,
    pub provider_message_id: String,
}

pub fn source(
    connection: &mut DbConnection,
    id: i64,
) -> Result<Option<AttachmentSource>, StoreError> {
    let found: Option<(String, String, String, i64, i64, String, String)> = mail_attachments::table
        .inner_join(mail_messages::table.inner_join(mail_accounts::table))
        .filter(mail_attachments::id.eq(id))
        .select((
            mail_attachments::filename,
            mail_attachments::content_type,
            mail_attachments::part_id,
            mail_attachments::message_id,
            mail_messages::account_id,
            mail_accounts::provider,
            mail_messages::provider_message_id,
        ))
        .first(connection)
        .optional()?;
    let Some((filename, content_type, part_id, message_id, account_id, provider, message)) = found
    else {
        return Ok(None);
    };
    let named: i64 = mail_attachments::table
        .filter(mail_attachments::message_id.eq(message_id))
        .filter(mail_attachments::filename.eq(&filename))
        .count()
        .get_result(connection)?;
    Ok(Some(AttachmentSource {
        filename,
        content_type,
        part_id,
        named: usize::try_from(named).unwrap_or(usize::MAX),
        account_id,
        provider,
        provider_message_id: message,
    }))
}
