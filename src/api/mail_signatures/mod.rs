//! `mailSignatures`: the caller's own HTML signatures, for any mailbox, one mailbox, or
//! one of its send-as addresses, each with one default at most. The compose form puts the
//! default for the chosen From into new mail, replies and forwards (above or below the
//! quote, per `placement`); `mailAccounts` shows it per identity as `signatureId`.

mod values;

use crate::auth::Caller;
use crate::http::{ApiError, Data, ListPage, QueryParams, Router, Values};
use crate::state::AppState;
use crate::store::signatures::{self, SignatureRow};
use actix_web::web;
use serde::Serialize;

pub fn configure(router: &mut Router) {
    router.action("mailSignatures:list", list_signatures);
    router.action("mailSignatures:get", get_signature);
    router.action("mailSignatures:create", create_signature);
    router.action("mailSignatures:update", update_signature);
    router.action("mailSignatures:destroy", destroy_signature);
}

/// A signature as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignatureView {
    pub id: i64,
    pub name: String,
    /// Cleaned HTML; pasted images stay `data:` URLs until a message is sent.
    pub html: String,
    /// The mailbox it belongs to; null: any.
    pub account_id: Option<i64>,
    /// The send-as address of that mailbox it belongs to; null: any.
    pub identity: Option<String>,
    pub is_default: bool,
    /// `aboveQuote` or `belowQuote`: where it goes in a reply or forward.
    pub placement: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<SignatureRow> for SignatureView {
    fn from(row: SignatureRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            html: row.html,
            account_id: row.account_id,
            identity: row.identity,
            is_default: row.is_default,
            placement: row.placement,
            created_at: crate::http::rfc3339(row.created_at),
            updated_at: crate::http::rfc3339(row.updated_at),
        }
    }
}

/// `mailSignatures:list`: the caller's own, by name (`filter={"accountId": N}` for one
/// mailbox's).
#[utoipa::path(
    method(get, post),
    path = "/api/mailSignatures:list",
    tag = "mailSignatures",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "The caller's signatures", body = crate::api::openapi::ListEnvelope<SignatureView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_signatures(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<SignatureView>, ApiError> {
    let page = params.page()?;
    let account = params.account_filter()?;
    let user = caller.user_id.0;
    let (offset, limit) = (page.offset() as i64, i64::from(page.size));
    let (rows, count) = state
        .store
        .run(move |c| signatures::list(c, user, account, offset, limit))
        .await?;
    Ok(ListPage {
        rows: rows.into_iter().map(Into::into).collect(),
        count: count as u64,
        page,
    })
}

/// `mailSignatures:get?filterByTk=<id>`: one of the caller's; null otherwise.
#[utoipa::path(
    method(get, post),
    path = "/api/mailSignatures:get",
    tag = "mailSignatures",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "The signature, or null when it is not the caller's", body = crate::api::openapi::DataEnvelope<Option<SignatureView>>),
        crate::api::openapi::Refusals
    )
)]
pub async fn get_signature(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<SignatureView>>, ApiError> {
    let id = params.single_id("a signature")?;
    let user = caller.user_id.0;
    let row = state
        .store
        .run(move |c| signatures::get(c, user, id))
        .await?;
    Ok(Data(row.map(Into::into)))
}

/// `mailSignatures:create` values `{name, html, accountId?, identity?, isDefault?,
/// placement?}`, or `importFromProvider: true` with `accountId` and `identity` to take the
/// provider's own signature for that address. A new default replaces the old one.
#[utoipa::path(
    method(get, post),
    path = "/api/mailSignatures:create",
    tag = "mailSignatures",
    request_body = crate::api::openapi::SignatureValues,
    responses(
        (status = 200, description = "The signature as stored", body = crate::api::openapi::DataEnvelope<SignatureView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn create_signature(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<SignatureView>, ApiError> {
    let user = caller.user_id.0;
    let fields = values::read(&state, user, &values, None).await?;
    let now = chrono::Utc::now().naive_utc();
    let row = state
        .store
        .run(move |c| signatures::create(c, user, &fields, now))
        .await?;
    Ok(Data(row.into()))
}

/// `mailSignatures:update?filterByTk=<id>`: changes the fields given.
#[utoipa::path(
    method(get, post),
    path = "/api/mailSignatures:update",
    tag = "mailSignatures",
    params(crate::api::openapi::KeyParam),
    request_body = crate::api::openapi::SignatureValues,
    responses(
        (status = 200, description = "The signature as stored (empty when it is not the caller's)", body = crate::api::openapi::DataEnvelope<Vec<SignatureView>>),
        crate::api::openapi::Refusals
    )
)]
pub async fn update_signature(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Vec<SignatureView>>, ApiError> {
    let id = params.single_id("a signature")?;
    let user = caller.user_id.0;
    let Some(current) = state
        .store
        .run(move |c| signatures::get(c, user, id))
        .await?
    else {
        return Ok(Data(Vec::new()));
    };
    let fields = values::read(&state, user, &values, Some(&current)).await?;
    let now = chrono::Utc::now().naive_utc();
    let row = state
        .store
        .run(move |c| signatures::update(c, user, id, &fields, now))
        .await?;
    Ok(Data(row.into_iter().map(Into::into).collect()))
}

/// `mailSignatures:destroy?filterByTk=<id>`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailSignatures:destroy",
    tag = "mailSignatures",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Rows removed: 1, or 0 when it is not the caller's", body = crate::api::openapi::DataEnvelope<i64>),
        crate::api::openapi::Refusals
    )
)]
pub async fn destroy_signature(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    let id = params.single_id("a signature")?;
    let user = caller.user_id.0;
    let removed = state
        .store
        .run(move |c| signatures::remove(c, user, id))
        .await?;
    Ok(Data(removed))
}
