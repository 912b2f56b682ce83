use super::ProviderView;
use super::view::provider_param;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams};
use crate::state::AppState;
use crate::store::mail_providers;
use actix_web::web;

/// `mailProviders:get?filterByTk=google|microsoft`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailProviders:get",
    tag = "mailProviders",
    params(("filterByTk" = crate::api::openapi::ProviderName, Query, description = "`google` or `microsoft`")),
    responses(
        (status = 200, description = "The provider", body = crate::api::openapi::DataEnvelope<ProviderView>),
        crate::api::openapi::Refusals,
        crate::api::openapi::AdminOnly
    )
)]
pub async fn get_mail_provider(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<ProviderView>>, ApiError> {
    caller.require_admin()?;
    let kind = provider_param(params.single_tk()?)?;
    let row = state
        .store
        .run(move |c| mail_providers::get(c, kind))
        .await?;
    Ok(Data(
        row.map(|row| ProviderView::from_row(row, &state))
            .transpose()?,
    ))
}
