//! Campaigns and recipients as the API shows them.

use super::at;
use crate::http::rfc3339;
use crate::store::campaigns::{CampaignRow, Counts, RecipientRow};
use serde::Serialize;
use serde_json::Value;

/// How many recipients stand where.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignCounts {
    /// Not sent yet (waiting for its turn, or with the outbox).
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    /// Not sent, and why is on the recipient (no usable address, a variable the record
    /// cannot fill, a duplicate address, the campaign cancelled).
    pub skipped: i64,
}

/// A campaign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CampaignView {
    pub id: i64,
    pub account_id: i64,
    /// The address it is sent from (one of the mailbox's identities); null for the
    /// mailbox's own.
    pub from: Option<String>,
    pub template_id: Option<i64>,
    /// The template's subject as the campaign copied it, variables unfilled.
    pub subject: String,
    /// `{dataSource?, collection, filter | ids, emailField}` as given.
    #[schema(value_type = Object)]
    pub source: Value,
    pub send_at: Option<String>,
    /// `draft`, `running`, `paused`, `done` or `cancelled`.
    pub status: String,
    pub counts: CampaignCounts,
    pub created_at: String,
}

impl CampaignView {
    pub fn of(row: CampaignRow, counts: Counts) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            from: row.from_address,
            template_id: row.template_id,
            subject: row.subject,
            source: serde_json::from_str(&row.source).unwrap_or(Value::Null),
            send_at: at(row.send_at),
            status: row.status.as_str().to_string(),
            counts: CampaignCounts {
                queued: counts.queued,
                sent: counts.sent,
                failed: counts.failed,
                skipped: counts.skipped,
            },
            created_at: rfc3339(row.created_at),
        }
    }
}

/// One recipient of a campaign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecipientView {
    pub id: i64,
    pub campaign_id: i64,
    /// The NocoBase record it was made from.
    pub record_id: String,
    pub address: Option<String>,
    /// `queued`, `sent`, `failed` or `skipped`.
    pub status: String,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// The sent copy in the mailbox (a `mailMessages` id), once a sync has brought it.
    pub message_id: Option<i64>,
    pub sent_at: Option<String>,
}

impl RecipientView {
    pub fn of(row: RecipientRow, message_id: Option<i64>) -> Self {
        Self {
            id: row.id,
            campaign_id: row.campaign_id,
            record_id: row.record_id,
            address: row.address,
            status: row.status.as_str().to_string(),
            error: row.error,
            message_id,
            sent_at: at(row.sent_at),
        }
    }
}
