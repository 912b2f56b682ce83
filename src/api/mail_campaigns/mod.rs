//! `mailCampaigns` and `mailCampaignRecipients` (#25, mail merge): a campaign is its
//! owner's alone (anyone else, an admin included, finds nothing), sends one message per
//! recipient from one of the owner's mailboxes, and is run by `crate::campaigns`.
//! Made as a draft with its recipients read from NocoBase (`create.rs`); started,
//! paused, resumed and cancelled by `update` (`status`); removed while a draft. What a
//! mailbox may still send is `allowance`.

pub mod allowance;
pub mod create;
pub mod recipients;
mod views;

pub use allowance::campaign_allowance;
pub use create::create_campaign;
pub use recipients::list_campaign_recipients;
pub use views::{CampaignCounts, CampaignView, RecipientView};

use crate::auth::Caller;
use crate::http::{ApiError, Data, ListPage, QueryParams, Router, Values, rfc3339};
use crate::state::AppState;
use crate::store::campaigns::{self, CampaignRow, CampaignStatus};
use crate::store::mail_accounts::{self, AccountRow};
use actix_web::http::StatusCode;
use actix_web::web;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

pub fn configure(router: &mut Router) {
    router.action("mailCampaigns:list", list_campaigns);
    router.action("mailCampaigns:get", get_campaign);
    router.action("mailCampaigns:create", create_campaign);
    router.action("mailCampaigns:update", update_campaign);
    router.action("mailCampaigns:destroy", destroy_campaign);
    router.action("mailCampaigns:allowance", campaign_allowance);
    router.action("mailCampaignRecipients:list", list_campaign_recipients);
}

/// The campaign `id` if it is the caller's, its outcomes brought up to date.
pub(crate) async fn own(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Option<CampaignRow>, ApiError> {
    let user = caller.user_id.0;
    Ok(state
        .store
        .run(move |c| {
            let Some(row) = campaigns::get(c, id)?.filter(|row| row.user_id == user) else {
                return Ok(None);
            };
            campaigns::take_outcomes(c, id)?;
            Ok::<_, crate::store::StoreError>(Some(row))
        })
        .await?)
}

/// The caller's own mailbox `id` (a campaign is sent from one), or 404 naming `field`.
pub(crate) async fn own_account(
    state: &AppState,
    caller: &Caller,
    id: i64,
    field: &str,
) -> Result<AccountRow, ApiError> {
    let user = caller.user_id.0;
    state
        .store
        .run(move |c| mail_accounts::get(c, id))
        .await?
        .filter(|a| a.user_id == user)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "ACCOUNT_NOT_FOUND",
                format!("{field}: no such mail account of yours."),
            )
        })
}

async fn view(state: &AppState, row: CampaignRow) -> Result<CampaignView, ApiError> {
    let id = row.id;
    let counts = state.store.run(move |c| campaigns::counts(c, id)).await?;
    Ok(CampaignView::of(row, counts))
}

/// `mailCampaigns:list`: the caller's campaigns, newest first.
#[utoipa::path(
    method(get, post),
    path = "/api/mailCampaigns:list",
    tag = "mailCampaigns",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "The caller's campaigns", body = crate::api::openapi::ListEnvelope<CampaignView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_campaigns(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<CampaignView>, ApiError> {
    let page = params.page()?;
    let user = caller.user_id.0;
    let rows = state
        .store
        .run(move |c| campaigns::list_for(c, user))
        .await?;
    let count = rows.len() as u64;
    let mut views = Vec::new();
    for row in rows
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(page.size as usize)
    {
        let id = row.id;
        state
            .store
            .run(move |c| campaigns::take_outcomes(c, id))
            .await?;
        views.push(view(&state, row).await?);
    }
    Ok(ListPage {
        rows: views,
        count,
        page,
    })
}

/// `mailCampaigns:get?filterByTk=<id>`: null when it is not the caller's.
#[utoipa::path(
    method(get, post),
    path = "/api/mailCampaigns:get",
    tag = "mailCampaigns",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "The campaign, or null", body = crate::api::openapi::DataEnvelope<Option<CampaignView>>),
        crate::api::openapi::Refusals
    )
)]
pub async fn get_campaign(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<CampaignView>>, ApiError> {
    let id = params.single_id("a campaign")?;
    match own(&state, &caller, id).await? {
        Some(row) => Ok(Data(Some(view(&state, row).await?))),
        None => Ok(Data(None)),
    }
}

fn status_conflict(from: CampaignStatus, to: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "CAMPAIGN_STATUS",
        format!("status: a {} campaign cannot become {to}", from.as_str()),
    )
}

/// `sendAt`: an RFC 3339 time, or null for "as soon as it starts".
pub(crate) fn send_at(value: Option<&Value>) -> Result<Option<Option<NaiveDateTime>>, ApiError> {
    match value {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|at| Some(Some(at.with_timezone(&Utc).naive_utc())))
            .map_err(|_| ApiError::invalid_field("sendAt", "an RFC 3339 time, or null")),
        Some(_) => Err(ApiError::invalid_field(
            "sendAt",
            "an RFC 3339 time, or null",
        )),
    }
}

/// `mailCampaigns:update?filterByTk=<id>` values `{status?, sendAt?}`: `running` starts
/// a draft or resumes a paused campaign; `paused` stops handing recipients over (what the
/// outbox has not started comes back); `cancelled` ends it, the recipients not sent
/// skipped. `sendAt` may change while it is a draft or paused. 409 `CAMPAIGN_STATUS` for
/// any other change.
#[utoipa::path(
    method(get, post),
    path = "/api/mailCampaigns:update",
    tag = "mailCampaigns",
    params(crate::api::openapi::KeyParam),
    request_body = crate::api::openapi::CampaignUpdateValues,
    responses(
        (status = 200, description = "The campaign as it now stands (empty when it is not the caller's)", body = crate::api::openapi::DataEnvelope<Vec<CampaignView>>),
        crate::api::openapi::Refusals,
        (status = 409, description = "The campaign cannot change that way from where it stands", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn update_campaign(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Vec<CampaignView>>, ApiError> {
    let id = params.single_id("a campaign")?;
    let Some(row) = own(&state, &caller, id).await? else {
        return Ok(Data(Vec::new()));
    };
    let status = match values.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            s.parse::<CampaignStatus>()
                .map_err(|_| ApiError::invalid_field("status", "running, paused or cancelled"))?,
        ),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "status",
                "running, paused or cancelled",
            ));
        }
    };
    let when = send_at(values.get("sendAt"))?;
    if status.is_none() && when.is_none() {
        return Err(ApiError::bad_request(
            "INVALID_VALUES",
            "values: give status or sendAt",
        ));
    }
    let now = Utc::now().naive_utc();
    if let Some(when) = when {
        if !matches!(row.status, CampaignStatus::Draft | CampaignStatus::Paused) {
            return Err(status_conflict(row.status, "rescheduled"));
        }
        state
            .store
            .run(move |c| campaigns::reschedule(c, id, when, now))
            .await?;
    }
    if let Some(to) = status {
        let from: &[CampaignStatus] = match to {
            CampaignStatus::Running => &[CampaignStatus::Draft, CampaignStatus::Paused],
            CampaignStatus::Paused => &[CampaignStatus::Running],
            CampaignStatus::Cancelled => &[
                CampaignStatus::Draft,
                CampaignStatus::Running,
                CampaignStatus::Paused,
            ],
            CampaignStatus::Draft | CampaignStatus::Done => {
                return Err(status_conflict(row.status, to.as_str()));
            }
        };
        if row.status != to {
            let moved = state
                .store
                .run(move |c| {
                    let moved = campaigns::set_status(c, id, from, to, now)?;
                    if moved && to != CampaignStatus::Running {
                        campaigns::take_back_unsent(c, id)?;
                    }
                    if moved && to == CampaignStatus::Cancelled {
                        campaigns::skip_unsent(
                            c,
                            id,
                            "The campaign was cancelled before it went.",
                        )?;
                    }
                    Ok::<_, crate::store::StoreError>(moved)
                })
                .await?;
            if !moved {
                return Err(status_conflict(row.status, to.as_str()));
            }
        }
    }
    let row = own(&state, &caller, id).await?;
    let mut out = Vec::new();
    if let Some(row) = row {
        out.push(view(&state, row).await?);
    }
    Ok(Data(out))
}

/// `mailCampaigns:destroy?filterByTk=<id>`: a draft only (a campaign that sent anything
/// is kept: its recipients say who got what); 0 when it is not the caller's.
#[utoipa::path(
    method(get, post),
    path = "/api/mailCampaigns:destroy",
    tag = "mailCampaigns",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Rows removed: 1, or 0 when it is not the caller's", body = crate::api::openapi::DataEnvelope<i64>),
        crate::api::openapi::Refusals,
        (status = 409, description = "Only a draft can be removed", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn destroy_campaign(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    let id = params.single_id("a campaign")?;
    let Some(row) = own(&state, &caller, id).await? else {
        return Ok(Data(0));
    };
    let removed = state
        .store
        .run(move |c| campaigns::remove_draft(c, id))
        .await?;
    if removed == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "CAMPAIGN_STATUS",
            format!(
                "Only a draft can be removed; this one is {}. Cancel it instead.",
                row.status.as_str()
            ),
        ));
    }
    Ok(Data(removed))
}

/// The time as the API writes it.
pub(crate) fn at(time: Option<NaiveDateTime>) -> Option<String> {
    time.map(rfc3339)
}
