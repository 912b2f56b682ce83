//! `mailLabels:create`, `update`, `destroy`: the owner's own mailboxes, written to the
//! provider first (Gmail `labels.*`, Outlook's master categories), then stored.

use super::LabelView;
use super::values;
use crate::api::provider_failure::api_error;
use crate::auth::Caller;
use crate::gateway::{Mailbox, Urgency};
use crate::http::{ApiError, Data, QueryParams, Values};
use crate::providers::ProviderKind;
use crate::providers::labels::from_gmail;
use crate::providers::operation::{gmail as gmail_op, graph as graph_op};
use crate::state::AppState;
use crate::store::labels::{self, LabelRow, RemoteLabel};
use crate::store::mail_accounts;
use actix_web::http::StatusCode;
use actix_web::web;

/// The caller's own mailbox `id` and its provider; others' read as missing.
async fn own(state: &AppState, caller: &Caller, id: i64) -> Result<ProviderKind, ApiError> {
    let row = state.store.run(move |c| mail_accounts::get(c, id)).await?;
    let kind = row
        .filter(|a| a.user_id == caller.user_id.0)
        .and_then(|a| a.kind())
        .ok_or_else(|| ApiError::invalid_field("accountId", "no such mailbox of yours"))?;
    if kind == ProviderKind::Imap {
        return Err(no_labels());
    }
    Ok(kind)
}

/// IMAP servers have folders only.
fn no_labels() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "NOT_SUPPORTED",
        "IMAP mailboxes have folders, not labels.",
    )
}

/// The caller's own label `id` (a user label), with its mailbox's provider.
async fn own_label(
    state: &AppState,
    caller: &Caller,
    params: &QueryParams,
) -> Result<(LabelRow, ProviderKind), ApiError> {
    let id = params.single_id("a label")?;
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "LABEL_NOT_FOUND",
            "No label with this id is yours to change.",
        )
    };
    let row = state
        .store
        .run(move |c| labels::get(c, id))
        .await?
        .ok_or_else(missing)?;
    let kind = own(state, caller, row.account_id)
        .await
        .map_err(|_| missing())?;
    if row.kind != "user" {
        return Err(ApiError::bad_request(
            "INVALID_VALUE",
            "this is one of the provider's own labels: it cannot be changed or deleted",
        ));
    }
    Ok((row, kind))
}

async fn name_free(
    state: &AppState,
    account: i64,
    name: &str,
    except: Option<i64>,
) -> Result<(), ApiError> {
    let rows = state
        .store
        .run(move |c| labels::list(c, &[account]))
        .await?;
    if rows
        .iter()
        .any(|l| l.name.eq_ignore_ascii_case(name) && Some(l.id) != except)
    {
        return Err(ApiError::invalid_field(
            "name",
            "this mailbox has a label with this name",
        ));
    }
    Ok(())
}

async fn store(state: &AppState, account: i64, remote: RemoteLabel) -> Result<LabelView, ApiError> {
    let row = state
        .store
        .run(move |c| labels::upsert(c, account, &remote))
        .await?;
    Ok(row.into())
}

/// `mailLabels:create` values `{accountId, name, color?}` → the label.
#[utoipa::path(
    method(get, post),
    path = "/api/mailLabels:create",
    tag = "mailLabels",
    request_body = crate::api::openapi::LabelValues,
    responses(
        (status = 200, description = "Created at the provider, then stored", body = crate::api::openapi::DataEnvelope<LabelView>),
        crate::api::openapi::Refusals,
        (status = 422, description = "The provider refused", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn create_label(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<LabelView>, ApiError> {
    let account = values::account_id(&values)?;
    let edit = values::edit(&values, true)?;
    let kind = own(&state, &caller, account).await?;
    let name = edit.name.clone().unwrap_or_default();
    name_free(&state, account, &name, None).await?;
    let mailbox = Mailbox::new(&state, account, kind, Urgency::Now);
    let remote = match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            let label = mailbox
                .call(gmail_op::LABELS_CREATE, |token| {
                    let (client, edit) = (client.clone(), edit.clone());
                    async move { client.create_label(&token, &edit).await }
                })
                .await
                .map_err(api_error)?;
            gmail_remote(&label)?
        }
        ProviderKind::Imap => return Err(no_labels()),
        ProviderKind::Microsoft => {
            let client = state.graph();
            mailbox
                .call(graph_op::CATEGORIES, |token| {
                    let (client, edit) = (client.clone(), edit.clone());
                    async move { client.create_category(&token, &edit).await }
                })
                .await
                .map_err(api_error)?
                .remote()
        }
    };
    Ok(Data(store(&state, account, remote).await?))
}

fn gmail_remote(label: &crate::providers::gmail::Label) -> Result<RemoteLabel, ApiError> {
    let mut label = label.clone();
    // Gmail's answer names the type; a created label is a user's either way.
    label.kind = Some("user".into());
    from_gmail(&[label])
        .pop()
        .ok_or_else(|| ApiError::internal("Gmail answered a label it does not list"))
}

/// `mailLabels:update?filterByTk=<id>` values `{name?, color?}`. Outlook keeps a
/// category's name for good (its messages carry it by name): a new name there is refused.
#[utoipa::path(
    method(get, post),
    path = "/api/mailLabels:update",
    tag = "mailLabels",
    params(crate::api::openapi::KeyParam),
    request_body = crate::api::openapi::LabelValues,
    responses(
        (status = 200, description = "Changed at the provider, then stored", body = crate::api::openapi::DataEnvelope<LabelView>),
        (status = 404, description = "No such label is the caller's", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals,
        (status = 422, description = "The provider refused (an Outlook category's new name among others)", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn update_label(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<LabelView>, ApiError> {
    let edit = values::edit(&values, false)?;
    let (row, kind) = own_label(&state, &caller, &params).await?;
    let renamed = edit.name.as_ref().filter(|n| **n != row.name);
    if let Some(name) = renamed {
        name_free(&state, row.account_id, name, Some(row.id)).await?;
    }
    let mailbox = Mailbox::new(&state, row.account_id, kind, Urgency::Now);
    let remote = match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            let id = row.provider_id.clone();
            let label = mailbox
                .call(gmail_op::LABELS_PATCH, |token| {
                    let (client, edit, id) = (client.clone(), edit.clone(), id.clone());
                    async move { client.patch_label(&token, &id, &edit).await }
                })
                .await
                .map_err(api_error)?;
            gmail_remote(&label)?
        }
        ProviderKind::Imap => return Err(no_labels()),
        ProviderKind::Microsoft => {
            if renamed.is_some() {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "LABEL_RENAME_UNSUPPORTED",
                    "Outlook cannot rename a category: create one with the new name and apply it instead.",
                ));
            }
            let color = edit.color.clone().unwrap_or(row.color.clone());
            let client = state.graph();
            let id = row.provider_id.clone();
            mailbox
                .call(graph_op::CATEGORIES, |token| {
                    let (client, id, color) = (client.clone(), id.clone(), color.clone());
                    async move { client.recolour_category(&token, &id, &color).await }
                })
                .await
                .map_err(api_error)?
                .remote()
        }
    };
    Ok(Data(store(&state, row.account_id, remote).await?))
}

/// `mailLabels:destroy?filterByTk=<id>`: deleted at the provider (Gmail takes it off every
/// message; Outlook leaves the name on messages, uncoloured, as its own clients do), then
/// here with its links. → `{data: 1}`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailLabels:destroy",
    tag = "mailLabels",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Deleted at the provider, then here", body = crate::api::openapi::DataEnvelope<i64>),
        (status = 404, description = "No such label is the caller's", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals,
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn destroy_label(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<i64>, ApiError> {
    let (row, kind) = own_label(&state, &caller, &params).await?;
    let mailbox = Mailbox::new(&state, row.account_id, kind, Urgency::Now);
    let id = row.provider_id.clone();
    let answer = match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            mailbox
                .call(gmail_op::LABELS_DELETE, |token| {
                    let (client, id) = (client.clone(), id.clone());
                    async move { client.delete_label(&token, &id).await }
                })
                .await
        }
        ProviderKind::Imap => return Err(no_labels()),
        ProviderKind::Microsoft => {
            let client = state.graph();
            mailbox
                .call(graph_op::CATEGORIES, |token| {
                    let (client, id) = (client.clone(), id.clone());
                    async move { client.delete_category(&token, &id).await }
                })
                .await
        }
    };
    match answer {
        Ok(()) => {}
        // Gone at the provider already: deleting it here is all that is left to do.
        Err(crate::gateway::CallError::Provider(crate::providers::ProviderError::NotFound)) => {}
        Err(error) => return Err(api_error(error)),
    }
    let label = row.id;
    state.store.run(move |c| labels::delete(c, label)).await?;
    Ok(Data(1))
}
