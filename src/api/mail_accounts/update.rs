use super::AccountView;
use super::view::own_account;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams, Values};
use crate::state::AppState;
use crate::store::mail_accounts::{self, AccountChanges};
use actix_web::web;

const VISIBILITIES: [&str; 4] = ["private", "metadata", "subject", "full"];

/// `mailAccounts:update?filterByTk=<id>` values `{displayName?, syncEnabled?, visibility?}`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:update",
    tag = "mailAccounts",
    params(crate::api::openapi::KeyParam),
    request_body = crate::api::openapi::AccountValues,
    responses(
        (status = 200, description = "The account as stored (empty when it is not the caller's)", body = crate::api::openapi::DataEnvelope<Vec<AccountView>>),
        crate::api::openapi::Refusals
    )
)]
pub async fn update_mail_account(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Vec<AccountView>>, ApiError> {
    let mut changes = AccountChanges::default();
    for (key, value) in &values {
        match key.as_str() {
            "displayName" => {
                let name = match value {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(text)
                        if text.trim().chars().count() <= 200
                            && !text.chars().any(char::is_control) =>
                    {
                        Some(text.trim().to_string()).filter(|t| !t.is_empty())
                    }
                    _ => {
                        return Err(ApiError::invalid_field(
                            "displayName",
                            "expected text of at most 200 characters",
                        ));
                    }
                };
                changes.display_name = Some(name);
            }
            "syncEnabled" => {
                changes.sync_enabled = Some(value.as_bool().ok_or_else(|| {
                    ApiError::invalid_field("syncEnabled", "expected true or false")
                })?);
            }
            "visibility" => match value.as_str() {
                Some(v) if VISIBILITIES.contains(&v) => changes.visibility = Some(v.to_string()),
                _ => {
                    return Err(ApiError::invalid_field(
                        "visibility",
                        "expected private, metadata, subject or full",
                    ));
                }
            },
            // Read-only fields a form may send back.
            "id" | "userId" | "provider" | "email" | "status" | "lastSyncAt" | "lastError"
            | "sync" | "messageCount" | "unreadCount" | "createdAt" => {}
            other => {
                return Err(ApiError::invalid_field(
                    other,
                    "unknown field; allowed: displayName, syncEnabled, visibility",
                ));
            }
        }
    }
    let Some(account) = own_account(&caller, &params, &state).await? else {
        return Ok(Data(Vec::new()));
    };
    changes.updated_at = Some(chrono::Utc::now().naive_utc());
    let id = account.id;
    let row = state
        .store
        .run(move |c| mail_accounts::update(c, id, &changes))
        .await?;
    Ok(Data(
        super::view::views(&state, row.into_iter().collect()).await?,
    ))
}
