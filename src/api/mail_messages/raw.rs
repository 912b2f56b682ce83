//! `mailMessages:raw?filterByTk=<id>`: the message as its provider keeps it (RFC 5322,
//! "Show original"), streamed from the provider as it arrives. Only the mailbox's owner
//! gets it: it holds every header, Bcc and all, which no shared level shows.

use super::super::mail_attachments::download::{content_disposition, streamed};
use super::super::provider_failure::api_error;
use crate::auth::Caller;
use crate::gateway::{CallError, Mailbox, Urgency};
use crate::http::{ApiError, QueryParams};
use crate::mail::eml_filename;
use crate::providers::ProviderKind;
use crate::providers::attachment::Download;
use crate::providers::operation::{gmail, graph};
use crate::state::AppState;
use crate::store::message_targets;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "MESSAGE_NOT_FOUND",
        "No message with this id is yours.",
    )
}

#[utoipa::path(
    method(get, post),
    path = "/api/mailMessages:raw",
    tag = "mailMessages",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "The original message, as a `.eml` download", content_type = "message/rfc822", body = Vec<u8>),
        crate::api::openapi::Refusals,
        (status = 404, description = "No such message in the caller's own mailboxes", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused or no longer has the message", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn raw_mail_message(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = params.single_id("a message")?;
    let found = state
        .store
        .run(move |c| message_targets::original(c, id))
        .await?;
    // Someone else's message, shared or not, answers as a missing one.
    let original = found
        .filter(|o| o.owner == caller.user_id.0)
        .ok_or_else(not_found)?;
    let kind: ProviderKind = original
        .provider
        .parse()
        .map_err(|_| ApiError::internal(format!("unknown provider {:?}", original.provider)))?;
    let download = fetch_original(&state, &original, kind)
        .await
        .map_err(api_error)?;
    Ok(streamed(
        "message/rfc822",
        &content_disposition("attachment", &eml_filename(&original.subject)),
        download,
        original.account_id,
    ))
}

/// Opens the original of `original` at its provider, as the user's own request.
pub(super) async fn fetch_original(
    state: &AppState,
    original: &message_targets::Original,
    kind: ProviderKind,
) -> Result<Download, CallError> {
    let mailbox = Mailbox::new(state, original.account_id, kind, Urgency::Now);
    let message = original.provider_message_id.clone();
    match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            mailbox
                .call(gmail::MESSAGES_GET, |token| {
                    let (client, message) = (client.clone(), message.clone());
                    async move { client.original(&token, &message).await }
                })
                .await
        }
        ProviderKind::Imap => {
            Ok(crate::imap_account::read::original(state, original.account_id, &message).await?)
        }
        ProviderKind::Microsoft => {
            let client = state.graph();
            mailbox
                .call(graph::MESSAGE_VALUE, |token| {
                    let (client, message) = (client.clone(), message.clone());
                    async move { client.original(&token, &message).await }
                })
                .await
        }
    }
}
