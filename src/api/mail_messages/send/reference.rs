//! The message a reply or forward refers to: read from the store (it must be in the
//! mailbox sending), with its thread and, for a forward, its attachments' bytes fetched
//! from the provider.

use crate::api::mail_attachments;
use crate::api::provider_failure::api_error;
use crate::http::ApiError;
use crate::mail::compose::reply::Original;
use crate::mail::compose::{FileAttachment, Person};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::schema::{mail_messages, mail_threads};
use crate::store::{attachments, message_query};
use actix_web::http::StatusCode;
use diesel::prelude::*;
use futures_util::StreamExt;

/// The referenced message, ready to answer.
pub struct Referenced {
    pub original: Original,
    /// The provider's thread, which the answer joins.
    pub provider_thread_id: Option<String>,
    /// The provider's id of the original (Graph answers are made from it).
    pub provider_message_id: Option<String>,
    /// Our attachment ids (a forward sends them on).
    pub attachment_ids: Vec<i64>,
}

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "MESSAGE_NOT_FOUND",
        "reference.messageId: no such message in this mailbox.",
    )
}

/// The message of `account` whose Message-ID is `message_id` (with or without angle
/// brackets; the store keeps them): our id and the provider's. What a draft answers,
/// named by its In-Reply-To or References.
pub async fn by_message_id(
    state: &AppState,
    account: i64,
    message_id: &str,
) -> Result<Option<(i64, String)>, ApiError> {
    let message_id = format!("<{}>", crate::mail::bare_id(message_id));
    Ok(state
        .store
        .run(move |c| {
            mail_messages::table
                .filter(mail_messages::account_id.eq(account))
                .filter(mail_messages::message_id_header.eq(message_id))
                .select((mail_messages::id, mail_messages::provider_message_id))
                .first::<(i64, String)>(c)
                .optional()
                .map_err(Into::into)
        })
        .await?)
}

/// Reads message `id` of `account`; another mailbox's message reads as missing.
pub async fn load(state: &AppState, account: i64, id: i64) -> Result<Referenced, ApiError> {
    let found = state
        .store
        .run(move |c| {
            let Some(full) = message_query::detail(c, id)? else {
                return Ok(None);
            };
            if full.detail.listed.account_id != account {
                return Ok(None);
            }
            let provider_thread: Option<String> = match full.detail.listed.thread_id {
                Some(thread) => mail_threads::table
                    .find(thread)
                    .select(mail_threads::provider_thread_id)
                    .first(c)
                    .optional()?,
                None => None,
            };
            let provider_message: Option<String> = mail_messages::table
                .find(id)
                .select(mail_messages::provider_message_id)
                .first(c)
                .optional()?;
            Ok(Some((full, provider_thread, provider_message)))
        })
        .await?;
    let (full, provider_thread_id, provider_message_id) = found.ok_or_else(not_found)?;
    let people = |role: &str| -> Vec<Person> {
        full.participants
            .iter()
            .filter(|p| p.role == role)
            .map(|p| Person::new(p.name.as_deref(), &p.address))
            .collect()
    };
    let detail = &full.detail;
    let original = Original {
        from: people("from").into_iter().next(),
        reply_to: people("reply_to"),
        to: people("to"),
        cc: people("cc"),
        subject: detail.listed.subject.clone(),
        message_id: detail.message_id_header.clone(),
        references: detail
            .references_header
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(ToString::to_string)
            .collect(),
        date: detail
            .listed
            .received_at
            .format("%a, %-d %b %Y at %H:%M UTC")
            .to_string(),
        text: detail.body_text.clone(),
        html: detail.body_html.clone(),
    };
    Ok(Referenced {
        original,
        provider_thread_id,
        provider_message_id,
        attachment_ids: full
            .attachments
            .iter()
            .filter(|a| !a.inline)
            .map(|a| a.id)
            .collect(),
    })
}

/// The bytes of the referenced message's attachments, for a forward; `budget` bytes at
/// most in all (the message size limit), else 413.
pub async fn attachment_files(
    state: &AppState,
    kind: ProviderKind,
    ids: &[i64],
    mut budget: u64,
) -> Result<Vec<FileAttachment>, ApiError> {
    let mut files = Vec::with_capacity(ids.len());
    for &id in ids {
        let Some(source) = state.store.run(move |c| attachments::source(c, id)).await? else {
            continue;
        };
        let download = mail_attachments::fetch(state, &source, kind)
            .await
            .map_err(api_error)?;
        let mut content = Vec::new();
        let mut body = download.body;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| api_error(e.into()))?;
            budget = budget
                .checked_sub(chunk.len() as u64)
                .ok_or_else(too_large)?;
            content.extend_from_slice(&chunk);
        }
        files.push(FileAttachment {
            filename: source.filename,
            content_type: source.content_type,
            content,
            content_id: None,
            forwarded: true,
        });
    }
    Ok(files)
}

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "MESSAGE_TOO_LARGE",
        "The message with its attachments is larger than this service sends (send.max_message_bytes).",
    )
}
