use super::pending_files::listed_on_open;
use super::whole_bodies::whole_bodies;
use crate::api::message_reads::MessageView;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams};
use crate::ids::AccountId;
use crate::mail::{Sanitized, sanitize};
use crate::state::AppState;
use crate::store::mail_accounts;
use crate::store::message_query::{self, ParticipantRow};
use crate::store::trusted_senders;
use crate::visibility::Level;
use actix_web::web;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDetailView {
    #[serde(flatten)]
    pub summary: MessageView,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub bcc: Vec<Value>,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub reply_to: Vec<Value>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    #[schema(value_type = Vec<crate::api::openapi::AttachmentInfo>)]
    pub attachments: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_images_blocked: Option<bool>,
    /// Images were asked to be blocked, but the caller always shows this sender's
    /// (`mailTrustedSenders`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub remote_images_allowed_for_sender: bool,
    /// The HTML body is larger than this service shows whole (`limits.html_bytes`):
    /// `bodyHtml` holds its beginning. Also set when a body larger than the store keeps
    /// could not be read whole from the provider just now: the bodies hold their
    /// beginnings.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub body_html_truncated: bool,
}

fn people(all: &[ParticipantRow], role: &str) -> Vec<Value> {
    all.iter()
        .filter(|p| p.role == role)
        .map(|p| json!({"name": p.name, "address": p.address}))
        .collect()
}

/// `mailMessages:get?filterByTk=<id>[&blockRemoteImages=true]`: one message with its
/// bodies (HTML sanitized, inline images pointed at their downloads) and attachments —
/// as much of it as the caller may see; `null` when it is not visible at all.
#[utoipa::path(
    method(get, post),
    path = "/api/mailMessages:get",
    tag = "mailMessages",
    params(crate::api::openapi::KeyParam, ("blockRemoteImages" = Option<bool>, Query, description = "Remove remote images from `bodyHtml`, unless the caller always shows this sender's (`mailTrustedSenders`)")),
    responses(
        (status = 200, description = "The message with its sanitized body, or null when it is not visible", body = crate::api::openapi::MaybeMessage),
        crate::api::openapi::Refusals
    )
)]
pub async fn get_mail_message(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<MessageDetailView>>, ApiError> {
    let id = params.single_id("a message")?;
    let block = params.flag("blockRemoteImages")?;
    let user = caller.user_id;
    let roles = caller.roles.clone();
    let found = state
        .store
        .run(move |c| {
            let Some(full) = message_query::detail(c, id)? else {
                return Ok(None);
            };
            let level =
                mail_accounts::level_of(c, user, &roles, AccountId(full.detail.listed.account_id))?;
            // "Always show images from this sender".
            let trusted = match (&full.detail.listed.from_address, block) {
                (Some(from), true) => trusted_senders::trusts(c, user.0, from)?,
                _ => false,
            };
            let labels = crate::store::labels::of_messages(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            Ok(level.map(|level| (level, full, trusted, labels)))
        })
        .await?;
    let Some((level, full, trusted, labels)) = found else {
        return Ok(Data(None));
    };
    let block = block && !trusted;
    let message_query::FullMessage {
        detail,
        participants,
        mut attachments,
        folders,
    } = full;
    let people_refs: Vec<&ParticipantRow> = participants.iter().collect();
    let summary = MessageView::new(detail.listed, level, folders, labels, &people_refs);
    let show_body = level.shows_body();
    // A body the store keeps in part is read whole from the provider; if it cannot be,
    // what is stored is shown, said as cut.
    let (mut body_text, mut body_html, mut cut) =
        (detail.body_text, detail.body_html, detail.bodies_cut);
    if show_body
        && cut
        && let Some((text, html)) = whole_bodies(&state, id).await
    {
        (body_text, body_html, cut) = (text, html, false);
    }
    if show_body
        && detail.inline_pending
        && let Some(listed) = listed_on_open(&state, id).await
    {
        attachments = listed;
    }
    let inline: HashMap<String, i64> = attachments
        .iter()
        .filter_map(|a| Some((a.content_id.clone()?, a.id)))
        .collect();
    let html = match body_html.filter(|_| show_body) {
        Some(html) => Some(sanitized(&state, html, inline, block).await?),
        None => None,
    };
    let blocked = html.as_ref().map(|(clean, _)| clean.remote_images_blocked);
    let truncated = html.as_ref().is_some_and(|(_, truncated)| *truncated) || (cut && show_body);
    Ok(Data(Some(MessageDetailView {
        summary,
        // Blind copies are the sender's business only.
        bcc: if level == Level::Own {
            people(&participants, "bcc")
        } else {
            Vec::new()
        },
        reply_to: people(&participants, "reply_to"),
        message_id: detail.message_id_header,
        in_reply_to: detail.in_reply_to,
        references: detail
            .references_header
            .map(|r| r.split_whitespace().map(ToString::to_string).collect())
            .unwrap_or_default(),
        body_text: body_text.filter(|_| show_body),
        body_html: html.map(|(clean, _)| clean.html),
        attachments: if show_body {
            attachments
                .iter()
                .map(|a| json!({"id": a.id, "filename": a.filename, "contentType": a.content_type, "size": a.size, "inline": a.inline, "contentId": a.content_id}))
                .collect()
        } else {
            Vec::new()
        },
        remote_images_blocked: if block || trusted {
            Some(blocked.unwrap_or(false))
        } else {
            None
        },
        remote_images_allowed_for_sender: trusted,
        body_html_truncated: truncated,
    })))
}

/// The body sanitized on the blocking pool, one sanitizing per core at a time (a flood of
/// opens of a multi-megabyte mail cannot take every worker), and at most
/// `limits.html_bytes` of it; whether it was cut.
async fn sanitized(
    state: &AppState,
    mut html: String,
    inline: HashMap<String, i64>,
    block: bool,
) -> Result<(Sanitized, bool), ApiError> {
    let limit = state.settings.limits.html_bytes;
    let truncated = html.len() > limit;
    if truncated {
        let mut end = limit;
        while !html.is_char_boundary(end) {
            end -= 1;
        }
        html.truncate(end);
    }
    let _turn = state
        .limits
        .cpu
        .acquire()
        .await
        .map_err(|_| ApiError::internal("the CPU slots are closed"))?;
    let clean = tokio::task::spawn_blocking(move || sanitize(&html, &inline, block))
        .await
        .map_err(|e| ApiError::internal(format!("sanitizing failed: {e}")))?;
    Ok((clean, truncated))
}
