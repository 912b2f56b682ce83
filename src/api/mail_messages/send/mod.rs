//! `mailMessages:send`: parse, compose (completing replies and forwards from the
//! referenced message, `compose.rs`), and hand it to `send::submit`, which records it in
//! the outbox under the caller's Idempotency-Key and sends it now or leaves it scheduled. A retry with the same key answers with the first attempt's
//! outcome — waiting for it if it is still in flight — and never sends twice.

pub(crate) mod compose;
mod form;
pub(crate) mod from;
pub(crate) mod reference;
pub(crate) mod request;
pub(crate) mod signature;

use crate::api::mail_outbox::{OutboxView, view};
use crate::auth::Caller;
use crate::http::{ApiError, Data, content_type, declared_length, read_values};
use crate::providers::ProviderKind;
use crate::send::submit::{Submission, SubmitError, Submitted, submit};
use crate::state::AppState;
use crate::store::mail_accounts;
use crate::store::outbox::{self, OutboxRow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use chrono::Utc;
use compose::compose;
use std::time::{Duration, Instant};

/// The request body a send may have: the largest message, base64-inflated, plus JSON.
pub fn body_limit(max_message_bytes: u64) -> usize {
    usize::try_from(max_message_bytes / 3 * 4 + 1024 * 1024).unwrap_or(usize::MAX)
}

/// How long a retry waits for the first attempt of the same send to finish.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(120);

fn account_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ACCOUNT_NOT_FOUND",
        "accountId: no such mail account of yours.",
    )
}

/// The caller's Idempotency-Key, if a usable one was given.
fn idempotency_key(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "INVALID_IDEMPOTENCY_KEY",
            "Idempotency-Key: 1 to 255 visible ASCII characters.",
        ));
    }
    Ok(Some(key.to_string()))
}

#[utoipa::path(
    post,
    path = "/api/mailMessages:send",
    tag = "mailMessages",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first outcome instead of a second send")),
    request_body(content(
        (crate::api::openapi::SendValues = "application/json"),
        (crate::api::openapi::SendValues = "multipart/form-data")
    )),
    responses(
        (status = 200, description = "The outcome: sent, scheduled, failed or unknown", body = crate::api::openapi::DataEnvelope<crate::api::mail_outbox::OutboxView>),
        (status = 404, description = "No such row is the caller's to change", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals,
        (status = 413, description = "Larger than the configured limit", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn send_mail_message(
    caller: Caller,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<Data<OutboxView>, ApiError> {
    let limits = state.settings.send.clone();
    let kind_of_body = content_type(&request);
    let mut asked = if kind_of_body.starts_with("multipart/form-data") {
        let form = actix_multipart::Multipart::new(request.headers(), payload);
        let (values, files) = form::read(form, limits.max_message_bytes).await?;
        let mut asked = request::parse(&values, &limits)?;
        asked.add_files(files);
        asked
    } else {
        let limit = body_limit(limits.max_message_bytes);
        let values = read_values(
            payload.into_inner(),
            limit,
            declared_length(&request),
            kind_of_body,
        )
        .await?
        .0;
        request::parse(&values, &limits)?
    };
    let account_id = asked.account_id;
    let account = state
        .store
        .run(move |c| mail_accounts::get(c, account_id))
        .await?
        .filter(|a| a.user_id == caller.user_id.0)
        .ok_or_else(account_not_found)?;
    let kind: ProviderKind = account
        .provider
        .parse()
        .map_err(|_| ApiError::internal(format!("unknown provider {:?}", account.provider)))?;
    let (account, from) = match asked.from.clone() {
        Some(person) => from::checked(&state, account, kind, person).await?,
        None => (account, None),
    };
    let given_key = idempotency_key(&request)?;
    // A retry is answered before any work is redone.
    if let Some(key) = &given_key {
        let (account, key) = (account.id, key.clone());
        let earlier = state
            .store
            .run(move |c| outbox::find_by_key(c, account, &key))
            .await?;
        if let Some(row) = earlier {
            return answer_retry(&state, row, &asked.digest).await;
        }
    }
    let outgoing = compose(
        &state,
        &account,
        kind,
        from,
        &mut asked,
        compose::Purpose::Send,
    )
    .await?;
    let now = Utc::now();
    // A sendAt in the past (or within the second) means now.
    let send_at = asked
        .send_at
        .filter(|at| *at > now + chrono::Duration::seconds(1));
    let submission = Submission {
        account_id: account.id,
        user_id: account.user_id,
        kind,
        key: given_key.unwrap_or_else(|| format!("auto-{:032x}", rand::random::<u128>())),
        digest: asked.digest.clone(),
        send_at,
        outgoing,
    };
    let id = match submit(&state, submission).await {
        Ok(Submitted::Recorded(id)) => id,
        Ok(Submitted::Earlier(row)) => return answer_retry(&state, *row, &asked.digest).await,
        Err(SubmitError::Store(error)) => return Err(error.into()),
        Err(error) => return Err(ApiError::internal(error)),
    };
    let shown = state
        .store
        .run(move |c| match outbox::find(c, id)? {
            Some(row) => view(c, row).map(Some),
            None => Ok(None),
        })
        .await?
        .ok_or_else(|| ApiError::internal("a send vanished from the outbox"))?;
    Ok(Data(shown))
}

/// The answer to a request whose key was used before: the same request gets the first
/// attempt's outcome (once it has one); a different request is refused.
async fn answer_retry(
    state: &AppState,
    mut row: OutboxRow,
    digest: &str,
) -> Result<Data<OutboxView>, ApiError> {
    if row.request_digest != digest {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_KEY_REUSED",
            "Idempotency-Key: this key was used for a different message.",
        ));
    }
    let started = Instant::now();
    while row.status == outbox::SendStatus::Sending && started.elapsed() < WAIT_FOR_FIRST {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let id = row.id;
        row = state
            .store
            .run(move |c| outbox::find(c, id))
            .await?
            .ok_or_else(|| ApiError::internal("a send vanished from the outbox"))?;
    }
    let shown = state.store.run(move |c| view(c, row)).await?;
    Ok(Data(shown))
}
