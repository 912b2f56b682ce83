//! `mailCampaigns:allowance?accountId=<id>`: how many recipients one of the caller's
//! mailboxes may still be sent to, shown before a campaign starts so its owner knows how
//! long it will take (the limits are `campaigns.*`; every send of the mailbox counts).

use crate::auth::Caller;
use crate::campaigns::limits;
use crate::http::{ApiError, Data, QueryParams};
use crate::state::AppState;
use crate::store::campaigns;
use actix_web::web;
use serde::{Deserialize, Serialize};

/// A mailbox against its sending limits.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AllowanceView {
    pub account_id: i64,
    /// Recipients a minute; null when there is no such limit.
    pub per_minute: Option<i64>,
    /// Recipients in any 24 hours; null when there is no such limit.
    pub per_day: Option<i64>,
    /// Recipients the mailbox's sends went to in the last 24 hours (every send, not only
    /// campaigns').
    pub sent_last_day: i64,
    /// Recipients it may be sent to now; null when it has no limit.
    pub allowed_now: Option<i64>,
    /// Recipients of its running and paused campaigns still waiting: they go first.
    pub waiting: i64,
}

/// `accountId`: one of the caller's mailboxes.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AllowanceParams {
    #[serde(rename = "accountId")]
    #[param(minimum = 1)]
    account_id: i64,
}

#[utoipa::path(
    method(get, post),
    path = "/api/mailCampaigns:allowance",
    tag = "mailCampaigns",
    params(AllowanceParams),
    responses(
        (status = 200, description = "The mailbox's limits and what is left of them", body = crate::api::openapi::DataEnvelope<AllowanceView>),
        crate::api::openapi::Refusals,
        (status = 404, description = "No such mailbox of the caller's", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn campaign_allowance(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<AllowanceView>, ApiError> {
    let account_id = params
        .one("accountId")?
        .and_then(|raw| raw.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request("INVALID_PARAMETER", "accountId: one of your mailboxes' ids")
        })?;
    let account = super::own_account(&state, &caller, account_id, "accountId").await?;
    let limits = limits(&state.settings.campaigns, &account);
    let now = chrono::Utc::now().naive_utc();
    let usage = state
        .store
        .run(move |c| campaigns::usage(c, account_id, limits, now))
        .await?;
    let unlimited = limits.per_minute.is_none() && limits.per_day.is_none();
    Ok(Data(AllowanceView {
        account_id,
        per_minute: limits.per_minute,
        per_day: limits.per_day,
        sent_last_day: usage.sent_last_day,
        allowed_now: (!unlimited).then_some(usage.allowed_now),
        waiting: usage.waiting,
    }))
}
