use super::AccountView;
use super::view::own_account;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams, Values};
use crate::state::AppState;
use crate::store::mail_accounts::{self, AccountChanges};
use actix_web::web;

const VISIBILITIES: [&str; 4] = ["private", "metadata", "subject", "full"];

/// `mailAccounts:update?filterByTk=<id>` values `{displayName?, syncEnabled?, visibility?,
/// sharedWithRoles?}`. A mailbox is shared (at `visibility`) with the NocoBase roles in
/// `sharedWithRoles` only; sharing needs at least one.
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
            "sharedWithRoles" => {
                changes.shared_with_roles = Some(role_names("sharedWithRoles", value)?);
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
            | "sync" | "messageCount" | "unreadCount" | "createdAt" | "push" => {}
            other => {
                return Err(ApiError::invalid_field(
                    other,
                    "unknown field; allowed: displayName, syncEnabled, visibility, sharedWithRoles",
                ));
            }
        }
    }
    let Some(account) = own_account(&caller, &params, &state).await? else {
        return Ok(Data(Vec::new()));
    };
    let visibility = changes.visibility.as_deref().unwrap_or(&account.visibility);
    let shared_with = match &changes.shared_with_roles {
        Some(json) => mail_accounts::names_in(json.as_deref()),
        None => account.shared_with_roles(),
    };
    if visibility != "private" && shared_with.is_empty() {
        return Err(ApiError::invalid_field(
            "sharedWithRoles",
            "choose the NocoBase roles that may see this mailbox (sharing with everyone is not possible)",
        ));
    }
    changes.updated_at = Some(chrono::Utc::now().naive_utc());
    let id = account.id;
    let row = state
        .store
        .run(move |c| mail_accounts::update(c, id, &changes))
        .await?;
    Ok(Data(
        super::view::views(&state, caller.user_id.0, row.into_iter().collect()).await?,
    ))
}

/// NocoBase role names (letters, digits, `_`, `-`, `.`, `:`) in `field`, as a JSON array;
/// an empty list is null.
pub fn role_names(field: &str, value: &serde_json::Value) -> Result<Option<String>, ApiError> {
    let invalid = || ApiError::invalid_field(field, "expected a list of NocoBase role names");
    if value.is_null() {
        return Ok(None);
    }
    let list = value.as_array().ok_or_else(invalid)?;
    if list.len() > 100 {
        return Err(ApiError::invalid_field(field, "at most 100 roles"));
    }
    let mut names: Vec<String> = Vec::new();
    for item in list {
        let name = item.as_str().map(str::trim).ok_or_else(invalid)?;
        let fine = (1..=100).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c));
        if !fine {
            return Err(invalid());
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok((!names.is_empty()).then(|| serde_json::Value::from(names).to_string()))
}
