//! Where an attachment's bytes live: the stored metadata plus what it takes to fetch the
//! message again from its provider (the bytes themselves are not stored).

use super::schema::{mail_accounts, mail_attachments, mail_messages};
use super::{DbConnection, StoreError};
use diesel::prelude::*;

/// One attachment and the message and account it belongs to.
#[derive(Debug, Clone, Queryable)]
pub struct AttachmentSource {
    pub filename: String,
    pub content_type: String,
    pub part_id: String,
    pub account_id: i64,
    pub provider: String,
    pub provider_message_id: String,
}

pub fn source(
    connection: &mut DbConnection,
    id: i64,
) -> Result<Option<AttachmentSource>, StoreError> {
    Ok(mail_attachments::table
        .inner_join(mail_messages::table.inner_join(mail_accounts::table))
        .filter(mail_attachments::id.eq(id))
        .select((
            mail_attachments::filename,
            mail_attachments::content_type,
            mail_attachments::part_id,
            mail_messages::account_id,
            mail_accounts::provider,
            mail_messages::provider_message_id,
        ))
        .first(connection)
        .optional()?)
}
