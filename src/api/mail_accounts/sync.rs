use super::view::own_account;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams, Values};
use crate::state::AppState;
use crate::store::mail_accounts;
use actix_web::web;
use serde_json::{Value, json};

/// `mailAccounts:sync?filterByTk=<id>` (values `{full: true}` for a full resync): asks the
/// scheduler to sync now. Asking twice before it runs queues it once.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:sync",
    tag = "mailAccounts",
    params(crate::api::openapi::KeyParam),
    request_body = Option<crate::api::openapi::SyncValues>,
    responses(
        (status = 200, description = "A sync is queued (never twice)", body = crate::api::openapi::DataEnvelope<crate::api::openapi::SyncQueued>),
        (status = 404, description = "No such row is the caller's to change", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn sync_mail_account(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Value>, ApiError> {
    let full = match values.get("full") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(full)) => *full,
        Some(_) => return Err(ApiError::invalid_field("full", "expected true or false")),
    };
    let Some(account) = own_account(&caller, &params, &state).await? else {
        return Err(ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "ACCOUNT_NOT_FOUND",
            "No such mail account.",
        ));
    };
    let (id, now) = (account.id, chrono::Utc::now().naive_utc());
    state
        .store
        .run(move |c| mail_accounts::request_sync(c, id, full, now))
        .await?;
    crate::sync::start_soon(&state).await;
    Ok(Data(json!({"queued": true})))
}
