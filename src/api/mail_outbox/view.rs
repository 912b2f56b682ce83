//! A send as the API shows it: the answer of `mailMessages:send` and a row of
//! `mailOutbox:list`.

use crate::store::outbox::{OutboxRow, SendStatus};
use crate::store::schema::mail_threads;
use crate::store::{DbConnection, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SendError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutboxView {
    pub id: i64,
    pub account_id: i64,
    /// sent, scheduled, sending, failed or unknown.
    pub status: &'static str,
    pub subject: String,
    pub recipient_count: i64,
    pub send_at: Option<DateTime<Utc>>,
    pub provider_message_id: Option<String>,
    /// Our thread, once the provider's thread is known here.
    pub thread_id: Option<i64>,
    pub error: Option<SendError>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn status(row: &OutboxRow) -> &'static str {
    match row.status {
        SendStatus::Queued => "scheduled",
        SendStatus::Sending => "sending",
        SendStatus::Sent => "sent",
        SendStatus::Failed => "failed",
        SendStatus::Unknown => "unknown",
    }
}

/// The view of `row`, with our thread id looked up from the provider's.
pub fn view(connection: &mut DbConnection, row: OutboxRow) -> Result<OutboxView, StoreError> {
    let thread_id = match &row.provider_thread_id {
        Some(thread) => mail_threads::table
            .filter(mail_threads::account_id.eq(row.account_id))
            .filter(mail_threads::provider_thread_id.eq(thread))
            .select(mail_threads::id)
            .first(connection)
            .optional()?,
        None => None,
    };
    let utc = |at: chrono::NaiveDateTime| at.and_utc();
    Ok(OutboxView {
        id: row.id,
        account_id: row.account_id,
        status: status(&row),
        subject: row.subject,
        recipient_count: row.recipient_count,
        send_at: row.send_at.map(utc),
        provider_message_id: row.provider_message_id,
        thread_id,
        error: row.error_code.map(|code| SendError {
            code,
            message: row.error_message.unwrap_or_default(),
        }),
        created_at: utc(row.created_at),
        sent_at: row.sent_at.map(utc),
    })
}
