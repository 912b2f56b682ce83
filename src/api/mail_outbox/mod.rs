//! `mailOutbox`: a user's sends that need their attention — scheduled (cancellable until
//! they go), failed, and unknown (may or may not have gone).

mod view;

pub use view::{OutboxView, view};

use crate::auth::Caller;
use crate::http::{ApiError, Data, ListPage, QueryParams, Router};
use crate::state::AppState;
use crate::store::outbox;
use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{Value, json};

pub fn configure(router: &mut Router) {
    router.action("mailOutbox:list", list_outbox);
    router.action("mailOutbox:destroy", cancel_send);
}

/// `mailOutbox:list`: the caller's own scheduled, failed and unknown sends, newest first.
#[utoipa::path(
    method(get, post),
    path = "/api/mailOutbox:list",
    tag = "mailOutbox",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "The caller's scheduled, failed and unknown sends", body = crate::api::openapi::ListEnvelope<OutboxView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_outbox(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<OutboxView>, ApiError> {
    let page = params.page()?;
    let user = caller.user_id.0;
    let (offset, limit) = (page.offset() as i64, i64::from(page.size));
    let (rows, count) = state
        .store
        .run(move |c| {
            let (rows, count) = outbox::pending_for(c, user, offset, limit)?;
            let views = rows
                .into_iter()
                .map(|row| view(c, row))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((views, count))
        })
        .await?;
    Ok(ListPage {
        rows,
        count: count as u64,
        page,
    })
}

/// `mailOutbox:destroy?filterByTk=<id>`: cancels a scheduled send that has not started.
#[utoipa::path(
    method(get, post),
    path = "/api/mailOutbox:destroy",
    tag = "mailOutbox",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "The scheduled send is cancelled", body = crate::api::openapi::DataEnvelope<crate::api::openapi::SendCancelled>),
        (status = 404, description = "No such row is the caller's to change", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals,
        (status = 409, description = "It is already being sent, or was sent", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn cancel_send(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Value>, ApiError> {
    let id = params.single_id("a send")?;
    let user = caller.user_id.0;
    let (cancelled, row) = state
        .store
        .run(move |c| {
            let cancelled = outbox::cancel(c, id, user)?;
            Ok((cancelled, outbox::find(c, id)?))
        })
        .await?;
    if cancelled {
        return Ok(Data(json!({"id": id, "cancelled": true})));
    }
    match row.filter(|row| row.user_id == user) {
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "SEND_NOT_FOUND",
            "No such send in your outbox.",
        )),
        Some(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "SEND_ALREADY_STARTED",
            "This send has already gone (or is going) to the provider; it can no longer be cancelled.",
        )),
    }
}
