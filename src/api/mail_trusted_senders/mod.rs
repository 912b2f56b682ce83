//! `mailTrustedSenders`: the caller's "always show images from this sender" list. A
//! message from one of them opens with its remote images even when the page asks to block
//! them (`mailMessages:get` says so with `remoteImagesAllowedForSender`).

use crate::auth::Caller;
use crate::http::{ApiError, Data, ListPage, QueryParams, Router, Values};
use crate::mail::compose::address::valid_address;
use crate::state::AppState;
use crate::store::trusted_senders::{self, TrustedSender};
use actix_web::web;
use serde::Serialize;

pub fn configure(router: &mut Router) {
    router.action("mailTrustedSenders:list", list_trusted_senders);
    router.action("mailTrustedSenders:create", create_trusted_sender);
    router.action("mailTrustedSenders:destroy", destroy_trusted_sender);
}

/// A sender whose remote images the caller always shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustedSenderView {
    pub id: i64,
    pub address: String,
    pub created_at: String,
}

impl From<TrustedSender> for TrustedSenderView {
    fn from(row: TrustedSender) -> Self {
        Self {
            id: row.id,
            address: row.address,
            created_at: row
                .created_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// `mailTrustedSenders:list`: the caller's own, by address.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTrustedSenders:list",
    tag = "mailTrustedSenders",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "Senders whose remote images the caller always shows", body = crate::api::openapi::ListEnvelope<TrustedSenderView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_trusted_senders(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<TrustedSenderView>, ApiError> {
    let page = params.page()?;
    let user = caller.user_id.0;
    let (offset, limit) = (page.offset() as i64, i64::from(page.size));
    let (rows, count) = state
        .store
        .run(move |c| trusted_senders::list(c, user, offset, limit))
        .await?;
    Ok(ListPage {
        rows: rows.into_iter().map(Into::into).collect(),
        count: count as u64,
        page,
    })
}

/// `mailTrustedSenders:create` values `{address}`: always show this sender's images.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTrustedSenders:create",
    tag = "mailTrustedSenders",
    request_body = crate::api::openapi::TrustedSenderValues,
    responses(
        (status = 200, description = "The sender, trusted (again, if it was already)", body = crate::api::openapi::DataEnvelope<TrustedSenderView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn create_trusted_sender(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<TrustedSenderView>, ApiError> {
    let address = values
        .get("address")
        .and_then(|v| v.as_str())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.len() <= 320 && valid_address(a))
        .ok_or_else(|| ApiError::invalid_field("address", "expected an email address"))?;
    let user = caller.user_id.0;
    let now = chrono::Utc::now().naive_utc();
    let row = state
        .store
        .run(move |c| trusted_senders::add(c, user, &address, now))
        .await?;
    Ok(Data(row.into()))
}

/// `mailTrustedSenders:destroy?filterByTk=<id>`: ask again for this sender's images.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTrustedSenders:destroy",
    tag = "mailTrustedSenders",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Rows removed: 1, or 0 when it is not the caller's", body = crate::api::openapi::DataEnvelope<i64>),
        crate::api::openapi::Refusals
    )
)]
pub async fn destroy_trusted_sender(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    let id = params.single_id("a trusted sender")?;
    let user = caller.user_id.0;
    let removed = state
        .store
        .run(move |c| trusted_senders::remove(c, user, id))
        .await?;
    Ok(Data(removed))
}
