use super::ProviderView;
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::state::AppState;
use crate::store::mail_providers;
use actix_web::web;

/// `mailProviders:list`: both providers, configured or not.
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
