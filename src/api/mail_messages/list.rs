use crate::api::message_reads::{MessageView, list_slot, load_views, visible_query};
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::state::AppState;
use actix_web::{HttpRequest, web};

/// `mailMessages:list`: messages of the caller's own mailboxes and of mailboxes whose
/// owners share them, newest first by default. A filter or a sort on `subject` only
/// reaches mailboxes that share subjects, and `q` (which searches bodies) only those that
/// share everything: a filter or an order can never reveal what a row would hide.
#[utoipa::path(
    method(get, post),
    path = "/api/mailMessages:list",
    tag = "mailMessages",
    params(crate::api::openapi::PageParams, crate::api::openapi::MailQueryParams),
    responses(
        (status = 200, description = "Messages the caller may see, fields hidden per the owner's visibility", body = crate::api::openapi::ListEnvelope<MessageView>),
        crate::api::openapi::Refusals,
        crate::api::openapi::Busy
    )
)]
pub async fn list_mail_messages(
    caller: Caller,
    request: HttpRequest,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<MessageView>, ApiError> {
    let _slot = list_slot(&state, &caller).await?;
    let (query, levels) = visible_query(&caller, &request, &params, &state, "messages").await?;
    let page = query.page;
    let (views, count) = load_views(&state, query, levels).await?;
    Ok(ListPage {
        rows: views,
        count: count as u64,
        page,
    })
}
