use super::{admit, charge_refused, refused};
use crate::http::ApiError;
use crate::providers::ProviderKind;
use crate::push::{self, oidc};
use crate::state::AppState;
use crate::store::{mail_accounts, mail_providers};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use serde::Deserialize;

#[derive(Deserialize)]
struct Envelope {
    message: PubsubMessage,
}

#[derive(Deserialize)]
struct PubsubMessage {
    data: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GmailChange {
    email_address: String,
}

/// `POST /api/mailWebhooks:google`: a Cloud Pub/Sub push of a Gmail change. The OIDC
/// token must be Google's, for the configured push audience (default: this URL), naming
/// the configured push service account (verified), before anything is read; then the
/// mailbox's accounts are woken (the sync reads the history).
/// The answer is 204, which acknowledges the message to Pub/Sub.
#[utoipa::path(
    post,
    path = "/api/mailWebhooks:google",
    tag = "mailWebhooks",
    request_body(content = String, description = "A Cloud Pub/Sub push: `{message: {data: base64 of {emailAddress, historyId}}, subscription}`", content_type = "application/json"),
    security(()),
    responses(
        (status = 204, description = "Accepted (acknowledges the message): the mailbox's syncs were woken"),
        (status = 400, description = "Not a Pub/Sub push of a Gmail change", body = crate::api::openapi::ErrorBody),
        (status = 403, description = "The OIDC token is missing, not Google's, for another audience, or not the configured push service account's", body = crate::api::openapi::ErrorBody),
        (status = 429, description = "Too many requests from this sender; Pub/Sub retries", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn google_webhook(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let source = admit(&state, &request, "google")?;
    let provider = state
        .store
        .run(|c| mail_providers::get(c, ProviderKind::Google))
        .await?;
    let service_account = provider
        .as_ref()
        .and_then(|p| p.push_service_account.clone())
        .filter(|a| !a.trim().is_empty());
    let audience = provider
        .and_then(|p| p.push_audience)
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| push::gmail_webhook_url(&state));
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let verified = oidc::verify(&state, token, &audience)
        .await
        .and_then(|claims| {
            // Anyone can have Google sign a push token for our audience from a Pub/Sub
            // subscription of their own: only the configured service account's count.
            let Some(expected) = &service_account else {
                return Err(oidc::Refused::NoServiceAccount);
            };
            match (claims.email, claims.email_verified) {
                (Some(email), Some(true)) if email.eq_ignore_ascii_case(expected) => Ok(()),
                _ => Err(oidc::Refused::WrongSender),
            }
        });
    if let Err(reason) = verified {
        crate::metrics::push_notification("google", "refused");
        charge_refused(&state, &source);
        tracing::warn!(reason = %reason, "Gmail push refused");
        return Err(refused());
    }
    let envelope: Envelope = serde_json::from_slice(&body).map_err(|_| {
        ApiError::bad_request("INVALID_JSON", "The body is not a Pub/Sub push message.")
    })?;
    let data = STANDARD
        .decode(envelope.message.data.trim())
        .or_else(|_| URL_SAFE.decode(envelope.message.data.trim()))
        .map_err(|_| ApiError::invalid_field("message.data", "not base64"))?;
    let change: GmailChange = serde_json::from_slice(&data)
        .map_err(|_| ApiError::invalid_field("message.data", "not a Gmail change"))?;
    let address = change.email_address.to_lowercase();
    let accounts = state
        .store
        .run(move |c| mail_accounts::ids_by_address(c, ProviderKind::Google.as_str(), &address))
        .await?;
    for account_id in &accounts {
        push::wake(&state, *account_id).await?;
    }
    crate::metrics::push_notification("google", "accepted");
    tracing::debug!(accounts = accounts.len(), "Gmail push accepted");
    Ok(HttpResponse::NoContent().finish())
}
