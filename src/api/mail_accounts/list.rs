use super::AccountView;
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::state::AppState;
use crate::store::mail_accounts;
use actix_web::web;

/// `mailAccounts:list`: the caller's own accounts; `scope=all` lets an admin see every
/// account's metadata (never mail).
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:list",
    tag = "mailAccounts",
    params(crate::api::openapi::PageParams, ("scope" = Option<crate::api::openapi::AccountScope>, Query, description = "`all`: admins see every account's metadata (never mail)")),
    responses(
        (status = 200, description = "The caller's accounts", body = crate::api::openapi::ListEnvelope<AccountView>),
        crate::api::openapi::Refusals,
        crate::api::openapi::AdminOnly
    )
)]
pub async fn list_mail_accounts(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<AccountView>, ApiError> {
    let page = params.page()?;
    let owner = match params.one("scope")? {
        None | Some("own") => Some(caller.user_id.0),
        Some("all") => {
            caller.require_admin()?;
            None
        }
        Some(other) => {
            return Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                format!("scope: expected own or all, got {other:?}"),
            ));
        }
    };
    let (offset, limit) = (page.offset() as i64, i64::from(page.size));
    let (rows, count) = state
        .store
        .run(move |c| mail_accounts::list(c, owner, offset, limit))
        .await?;
    Ok(ListPage {
        rows: super::view::views(&state, caller.user_id.0, rows).await?,
        count: count as u64,
        page,
    })
}
