use super::{admit, charge_refused, refused, same_secret};
use crate::http::{ApiError, QueryParams};
use crate::push::{self, graph_client_state_identity};
use crate::state::AppState;
use crate::store::mail_push;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

/// The longest validation token echoed back (Graph's are about 150 characters).
const MAX_VALIDATION_TOKEN: usize = 1024;
/// Notifications in one batch, at most (Graph sends a few dozen at a time).
const MAX_ITEMS: usize = 1000;

#[derive(Deserialize)]
struct Notifications {
    #[serde(default)]
    value: Vec<Notification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    #[serde(default)]
    subscription_id: String,
    #[serde(default)]
    client_state: Option<String>,
    #[serde(default)]
    lifecycle_event: Option<String>,
}

/// `POST /api/mailWebhooks:microsoft`: Graph's validation handshake (echo
/// `validationToken` as text), change notifications (wake the account's sync) and
/// lifecycle events (`missed`, `subscriptionRemoved`, `reauthorizationRequired`: sync
/// now and look at the subscription again). Notifications whose `clientState` does not
/// match their subscription's are dropped; a batch with none valid is a 403. A batch has
/// at most 1,000 notifications, and each subscription in it is looked up once.
#[utoipa::path(
    post,
    path = "/api/mailWebhooks:microsoft",
    tag = "mailWebhooks",
    params(("validationToken" = Option<String>, Query, description = "Graph's handshake: echoed as text/plain")),
    request_body(content = String, description = "Graph's `{value: [notification]}` batch", content_type = "application/json"),
    security(()),
    responses(
        (status = 200, description = "The validation token, echoed", content_type = "text/plain", body = String),
        (status = 202, description = "Accepted: the accounts' syncs were woken"),
        (status = 400, description = "Not a notification batch", body = crate::api::openapi::ErrorBody),
        (status = 403, description = "No notification carried a subscription and clientState of ours", body = crate::api::openapi::ErrorBody),
        (status = 413, description = "More than 1,000 notifications in one batch", body = crate::api::openapi::ErrorBody),
        (status = 429, description = "Too many requests from this sender; Graph retries", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn microsoft_webhook(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let source = admit(&state, &request, "microsoft")?;
    let query = QueryParams::parse(request.query_string())?;
    if let Some(token) = query.one("validationToken")? {
        if token.len() > MAX_VALIDATION_TOKEN || token.chars().any(char::is_control) {
            return Err(ApiError::invalid_field(
                "validationToken",
                "not a validation token",
            ));
        }
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(token.to_string()));
    }
    let notifications: Notifications = serde_json::from_slice(&body).map_err(|_| {
        ApiError::bad_request(
            "INVALID_JSON",
            "The body is not a Graph notification batch.",
        )
    })?;
    if notifications.value.len() > MAX_ITEMS {
        charge_refused(&state, &source);
        return Err(ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "TOO_MANY_NOTIFICATIONS",
            format!("value: at most {MAX_ITEMS} notifications in one batch"),
        ));
    }
    let mut wake = BTreeSet::new();
    let mut recheck = BTreeSet::new();
    let mut refused_count = 0;
    // Each subscription and clientState is checked once, however often the batch names it.
    let mut checked: HashMap<(String, Option<String>), Option<i64>> = HashMap::new();
    for item in notifications.value {
        let key = (item.subscription_id.clone(), item.client_state.clone());
        let account = match checked.get(&key) {
            Some(known) => *known,
            None => {
                let found = authentic(&state, &item).await?;
                checked.insert(key, found);
                found
            }
        };
        let Some(account_id) = account else {
            refused_count += 1;
            continue;
        };
        wake.insert(account_id);
        if let Some(event) = &item.lifecycle_event {
            tracing::info!(account = account_id, event = %crate::telemetry::loggable_word(event), "Graph lifecycle event");
            recheck.insert(account_id);
        }
    }
    for account_id in &wake {
        push::wake(&state, *account_id).await?;
    }
    let now = Utc::now().naive_utc();
    for account_id in recheck {
        state
            .store
            .run(move |c| mail_push::check_by(c, account_id, now))
            .await?;
        state.push_wake.notify_waiters();
    }
    if refused_count > 0 {
        crate::metrics::push_notification("microsoft", "refused");
        tracing::warn!(
            count = refused_count,
            "Graph notifications refused: unknown subscription or wrong clientState"
        );
    }
    if !wake.is_empty() {
        crate::metrics::push_notification("microsoft", "accepted");
    }
    if wake.is_empty() && refused_count > 0 {
        charge_refused(&state, &source);
        return Err(refused());
    }
    Ok(HttpResponse::Accepted().finish())
}

/// The account a notification is for, when its subscription is ours and its
/// `clientState` is the one we gave Graph.
async fn authentic(state: &AppState, item: &Notification) -> Result<Option<i64>, ApiError> {
    let Some(given) = item.client_state.as_deref() else {
        return Ok(None);
    };
    let id = item.subscription_id.clone();
    if id.is_empty() {
        return Ok(None);
    }
    let Some(row) = state
        .store
        .run(move |c| mail_push::by_subscription(c, &id))
        .await?
    else {
        return Ok(None);
    };
    let Some(sealed) = row.client_state_sealed.as_deref() else {
        return Ok(None);
    };
    let key = row.account_id.to_string();
    let Ok(expected) = state
        .vault
        .open_string(sealed, graph_client_state_identity(&key))
    else {
        return Ok(None);
    };
    Ok(same_secret(expected.as_bytes(), given.as_bytes()).then_some(row.account_id))
}
