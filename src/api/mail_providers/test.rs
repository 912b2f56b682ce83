use super::view::provider_param;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams, Values};
use crate::oauth::{ClientProbe, ProbeOutcome};
use crate::state::AppState;
use crate::store::mail_providers::{self, secret_identity};
use actix_web::web;

/// `mailProviders:test?filterByTk=…`: asks the provider's token endpoint whether it knows
/// the client ID and secret. Values `{clientId?, clientSecret?}` test what the admin typed
/// before saving it; anything not given comes from the stored settings.
#[utoipa::path(
    method(get, post),
    path = "/api/mailProviders:test",
    tag = "mailProviders",
    params(("filterByTk" = crate::api::openapi::ProviderName, Query, description = "`google` or `microsoft`")),
    request_body = Option<crate::api::openapi::ProviderValues>,
    responses(
        (status = 200, description = "Whether the provider knows this client and secret (typed values are tested before they are saved)", body = crate::api::openapi::DataEnvelope<crate::oauth::ProbeOutcome>),
        crate::api::openapi::Refusals,
        crate::api::openapi::AdminOnly
    )
)]
pub async fn test_mail_provider(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<ProbeOutcome>, ApiError> {
    caller.require_admin()?;
    let kind = provider_param(params.single_tk()?)?;
    if !kind.is_oauth() {
        return Err(ApiError::bad_request(
            "PROVIDER_NOT_OAUTH",
            "IMAP has no app to test: each mailbox is tested with its own servers (mailAccounts:test).",
        ));
    }
    let typed = |key: &str| {
        values
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(ToString::to_string)
    };
    let row = state
        .store
        .run(move |c| mail_providers::get(c, kind))
        .await?
        .ok_or_else(|| ApiError::internal(format!("provider row {kind} is missing")))?;
    let client_id = typed("clientId").unwrap_or(row.client_id);
    let client_secret = match typed("clientSecret") {
        Some(secret) => Some(secret),
        None => row
            .client_secret_sealed
            .as_deref()
            .map(|sealed| state.vault.open_string(sealed, secret_identity(kind)))
            .transpose()
            .map_err(ApiError::internal)?,
    };
    let (false, Some(client_secret)) = (client_id.is_empty(), client_secret) else {
        return Err(ApiError::bad_request(
            "PROVIDER_NOT_CONFIGURED",
            format!("{}: set clientId and clientSecret first", kind.title()),
        ));
    };
    let tenant = row.tenant.unwrap_or_else(|| "common".into());
    let redirect_uri = state.redirect_uri();
    let outcome = ClientProbe {
        kind,
        endpoints: &state.settings.providers,
        tenant: &tenant,
        client_id: &client_id,
        client_secret: &client_secret,
        redirect_uri: &redirect_uri,
    }
    .run(&state.http)
    .await;
    tracing::info!(provider = %kind, ok = outcome.ok, code = %outcome.code, "provider client checked");
    Ok(Data(outcome))
}
