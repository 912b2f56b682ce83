use super::AccountView;
use super::view::account_id;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams};
use crate::state::AppState;
use crate::store::mail_accounts;
use actix_web::web;

/// `mailAccounts:get?filterByTk=<id>`: the caller's own account (an admin may read any
/// account's metadata); `null` otherwise.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:get",
    tag = "mailAccounts",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "The account, or null when it is not the caller's", body = crate::api::openapi::MaybeAccount),
        crate::api::openapi::Refusals
    )
)]
pub async fn get_mail_account(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<AccountView>>, ApiError> {
    let id = account_id(&params)?;
    let row = state.store.run(move |c| mail_accounts::get(c, id)).await?;
    let visible: Vec<_> = row
        .into_iter()
        .filter(|r| r.user_id == caller.user_id.0 || caller.is_admin)
        .collect();
    Ok(Data(
        super::view::views(&state, caller.user_id.0, visible)
            .await?
            .into_iter()
            .next(),
    ))
}
