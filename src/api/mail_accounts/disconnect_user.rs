//! `mailAccounts:disconnectUser`: every mailbox of a NocoBase user who was deleted or
//! disabled is disconnected — grants revoked at the provider, tokens and mail removed.
//! NocoBase does not tell the sidecar on its own: the plugin calls this when a user is
//! destroyed or switched off, and reconciles its users with the sidecar's owners at start.

use super::destroy::disconnect;
use crate::auth::Caller;
use crate::http::{ApiError, Data, Values};
use crate::state::AppState;
use crate::store::mail_accounts;
use actix_web::web;
use serde_json::Value;

/// `mailAccounts:disconnectUser` values `{userId}` (admins only) → `{data: <accounts removed>}`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:disconnectUser",
    tag = "mailAccounts",
    request_body = crate::api::openapi::DisconnectUserValues,
    responses(
        (status = 200, description = "The user's mailboxes removed (grants revoked at the provider, best effort)", body = crate::api::openapi::CountEnvelope),
        crate::api::openapi::Refusals,
        crate::api::openapi::AdminOnly
    )
)]
pub async fn disconnect_user(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    caller.require_admin()?;
    let user = match values.get("userId") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| ApiError::invalid_field("userId", "expected a NocoBase user id"))?;
    let accounts = state
        .store
        .run(move |c| mail_accounts::of_user(c, user))
        .await?;
    let mut removed = 0;
    for account in accounts {
        removed += disconnect(&state, account.id).await?;
    }
    tracing::info!(user, removed, admin = %caller.user_id, "a NocoBase user's mailboxes were disconnected");
    Ok(Data(removed))
}
