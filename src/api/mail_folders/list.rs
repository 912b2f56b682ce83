use crate::api::account_filter::wanted_accounts;
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::query::FOLDER_FIELDS;
use crate::state::AppState;
use crate::store::{mail_accounts, messages};
use actix_web::web;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FolderView {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub role: Option<String>,
    pub provider_id: String,
    pub total_count: i64,
    pub unread_count: i64,
}

/// `mailFolders:list?filter={"accountId":<id>}`: folders of the caller's own accounts and of
/// accounts whose owners share at least metadata. Without a filter, all of them.
#[utoipa::path(
    method(get, post),
    path = "/api/mailFolders:list",
    tag = "mailFolders",
    params(crate::api::openapi::PageParams, ("filter" = Option<String>, Query, description = "JSON, e.g. `{\"accountId\":1}`")),
    responses(
        (status = 200, description = "Folders and labels with their counts", body = crate::api::openapi::ListEnvelope<FolderView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_mail_folders(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<FolderView>, ApiError> {
    let page = params.page()?;
    let wanted = wanted_accounts(&params.filter(FOLDER_FIELDS)?, "mailFolders")?;
    let user = caller.user_id;
    let roles = caller.roles.clone();
    let rows = state
        .store
        .run(move |c| {
            let visible = mail_accounts::visible_to(c, user, &roles)?;
            let accounts: Vec<i64> = visible
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| wanted.as_ref().is_none_or(|w| w.contains(id)))
                .collect();
            messages::folders(c, &accounts)
        })
        .await?;
    Ok(ListPage::of_all(rows, page, |f| FolderView {
        id: f.id,
        account_id: f.account_id,
        name: f.name,
        role: f.role,
        provider_id: f.provider_id,
        total_count: f.total_count,
        unread_count: f.unread_count,
    }))
}
