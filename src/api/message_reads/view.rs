use crate::store::message_query::{ListedMessage, ParticipantRow};
use crate::visibility::Level;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: i64,
    pub account_id: i64,
    pub thread_id: Option<i64>,
    pub folder_ids: Vec<i64>,
    pub subject: Option<String>,
    pub snippet: Option<String>,
    #[schema(value_type = crate::api::openapi::Address)]
    pub from: Value,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub to: Vec<Value>,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub cc: Vec<Value>,
    pub date: String,
    pub is_read: bool,
    pub is_starred: bool,
    pub has_attachments: bool,
    pub size: i64,
    /// Its labels (`mailLabels` ids); null where the owner shares less than subjects.
    pub label_ids: Option<Vec<i64>>,
}

fn person(p: &ParticipantRow) -> Value {
    json!({"name": p.name, "address": p.address})
}

impl MessageView {
    pub fn new(
        message: ListedMessage,
        level: Level,
        folders: Vec<i64>,
        labels: Vec<i64>,
        participants: &[&ParticipantRow],
    ) -> Self {
        let of_role = |role: &str| {
            participants
                .iter()
                .filter(|p| p.role == role)
                .map(|p| person(p))
                .collect()
        };
        MessageView {
            id: message.id,
            account_id: message.account_id,
            thread_id: message.thread_id,
            folder_ids: folders,
            subject: level.shows_subject().then_some(message.subject),
            snippet: level.shows_body().then_some(message.snippet),
            from: json!({"name": message.from_name, "address": message.from_address}),
            to: of_role("to"),
            cc: of_role("cc"),
            date: message
                .received_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            is_read: message.is_read,
            is_starred: message.is_starred,
            has_attachments: message.has_attachments,
            size: message.size,
            label_ids: level.shows_subject().then_some(labels),
        }
    }
}
