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
        (status = 400, description = "Bad input; the message names the field", body = crate::api::openapi::ErrorBody),
        (status = 401, description = "Not signed in: NocoBase's own codes (EMPTY_TOKEN, INVALID_TOKEN, BLOCKED_TOKEN, EXPIRED_SESSION, …)", body = crate::api::openapi::ErrorBody),
        (status = 403, description = "Signed in, but not an admin", body = crate::api::openapi::ErrorBody)
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
