use super::ProviderView;
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::state::AppState;
use crate::store::mail_providers;
use actix_web::web;

/// `mailProviders:list`: both providers, configured or not.
#[utoipa::path(
    method(get, post),
    path = "/api/mailProviders:list",
    tag = "mailProviders",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "Both providers, configured or not", body = crate::api::openapi::ListEnvelope<ProviderView>),
        crate::api::openapi::Refusals,
        crate::api::openapi::AdminOnly
    )
)]
pub async fn list_mail_providers(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<ProviderView>, ApiError> {
    caller.require_admin()?;
    let page = params.page()?;
    let rows = state.store.run(mail_providers::list).await?;
    let count = rows.len() as u64;
    let rows = rows
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.size as usize)
        .map(|row| ProviderView::from_row(row, &state))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListPage { rows, count, page })
}
