use super::update::{Written, failure, message_ids, write_all};
use super::write_through::Change;
use crate::auth::Caller;
use crate::http::{ApiError, QueryParams};
use crate::state::AppState;
use crate::store::message_targets;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `mailMessages:destroy?filterByTk=<id or ids>`: moves the caller's messages to their
/// provider's trash (recoverable there; nothing is deleted for good) and stores where
/// they went. → `{data: <messages moved>, meta:{failed:[{id, code, message}]}}`; when
/// none moved, the (first) reason is the error itself.
#[utoipa::path(
    method(get, post),
    path = "/api/mailMessages:destroy",
    tag = "mailMessages",
    params(crate::api::openapi::KeysParam),
    responses(
        (status = 200, description = "Moved to the provider's trash", body = crate::api::openapi::MessagesRemoved),
        (status = 404, description = "No such row is the caller's to change", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals,
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn destroy_mail_messages(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ids = message_ids(&params)?;
    let lookup = ids.clone();
    let targets = state
        .store
        .run(move |c| message_targets::targets(c, &lookup))
        .await?;
    let change = Change {
        trash: true,
        ..Change::default()
    };
    let Written { changed, failed } =
        write_all(&state, caller.user_id.0, &ids, &targets, &change, None).await?;
    if changed.is_empty()
        && let Some((_, error)) = failed.first()
    {
        return Err(error.clone());
    }
    let failed: Vec<_> = failed.iter().map(|(id, e)| failure(*id, e)).collect();
    Ok(HttpResponse::Ok().json(json!({"data": changed.len(), "meta": {"failed": failed}})))
}
