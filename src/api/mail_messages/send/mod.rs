//! `mailMessages:send`: compose (completing replies and forwards from the referenced
//! message), check, record in the outbox under the caller's Idempotency-Key, then send
//! now or leave it scheduled. A retry with the same key answers with the first attempt's
//! outcome — waiting for it if it is still in flight — and never sends twice.

mod form;
pub(super) mod reference;
mod request;

use crate::api::mail_outbox::{OutboxView, view};
use crate::auth::Caller;
use crate::http::{ApiError, Data, content_type, declared_length, read_values};
use crate::mail::compose::reply::{self, Action};
use crate::mail::compose::{Outgoing, Person, new_message_id};
use crate::providers::ProviderKind;
use crate::send::deliver;
use crate::send::scheduler::{SEND_LEASE, sealed_identity};
use crate::state::AppState;
use crate::store::mail_accounts::{self, AccountRow};
use crate::store::outbox::{self, Begun, NewSend, OutboxRow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use chrono::Utc;
use request::SendRequest;
use std::sync::Arc;
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
    if asked
        .from
        .as_deref()
        .is_some_and(|from| !from.eq_ignore_ascii_case(&account.email))
    {
        return Err(ApiError::bad_request(
            "INVALID_SENDER",
            format!(
                "from: mail goes out from the mailbox's own address ({})",
                account.email
            ),
        ));
    }
    let kind: ProviderKind = account
        .provider
        .parse()
        .map_err(|_| ApiError::internal(format!("unknown provider {:?}", account.provider)))?;
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
        &mut asked,
        limits.max_message_bytes,
        limits.max_recipients,
    )
    .await?;
    let now = Utc::now();
    // A sendAt in the past (or within the second) means now.
    let scheduled = asked
        .send_at
        .filter(|at| *at > now + chrono::Duration::seconds(1));
    let new = NewSend {
        account_id: account.id,
        user_id: account.user_id,
        idempotency_key: given_key
            .unwrap_or_else(|| format!("auto-{:032x}", rand::random::<u128>())),
        request_digest: asked.digest.clone(),
        status: if scheduled.is_some() {
            outbox::QUEUED
        } else {
            outbox::SENDING
        },
        send_at: scheduled.map(|at| at.naive_utc()),
        subject: outgoing.subject.chars().take(300).collect(),
        recipient_count: outgoing.recipients().count() as i64,
        lease_until: scheduled.is_none().then(|| (now + SEND_LEASE).naive_utc()),
    };
    let begun = state
        .store
        .run(move |c| outbox::begin(c, &new, now.naive_utc()))
        .await?;
    let id = match begun {
        Begun::Existing(row) => return answer_retry(&state, *row, &asked.digest).await,
        Begun::New(id) => id,
    };
    if scheduled.is_some() {
        let json = serde_json::to_string(&outgoing).map_err(ApiError::internal)?;
        let row = id.to_string();
        let sealed = state.vault.seal(json.as_bytes(), sealed_identity(&row));
        state
            .store
            .run(move |c| outbox::keep_message(c, id, &sealed))
            .await?;
    } else {
        let outcome = deliver(&state, account.id, kind, Arc::new(outgoing)).await;
        crate::send::record(&state, id, account.id, outcome).await?;
    }
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
    while row.status == outbox::SENDING && started.elapsed() < WAIT_FOR_FIRST {
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

/// The message to send: the request, completed from the referenced message for a
/// reply or forward, and checked against the limits.
async fn compose(
    state: &AppState,
    account: &AccountRow,
    kind: ProviderKind,
    asked: &mut SendRequest,
    max_bytes: u64,
    max_recipients: u32,
) -> Result<Outgoing, ApiError> {
    let mut outgoing = Outgoing {
        from: Person::new(account.display_name.as_deref(), &account.email),
        to: asked.to.clone(),
        cc: asked.cc.clone(),
        bcc: asked.bcc.clone(),
        subject: asked.subject.clone().unwrap_or_default(),
        text: asked.text.clone(),
        html: asked.html.clone(),
        // Moved, not copied: they may be tens of megabytes.
        attachments: std::mem::take(&mut asked.attachments),
        message_id: new_message_id(&account.email),
        in_reply_to: None,
        references: Vec::new(),
        provider_thread_id: None,
    };
    if let Some((id, action)) = asked.reference {
        let referenced = reference::load(state, account.id, id).await?;
        let original = &referenced.original;
        let own = [account.email.to_lowercase()];
        if asked.fill_recipients {
            let (to, cc) = reply::recipients(original, action, &own);
            outgoing.to = merged(to, &asked.to, &[]);
            outgoing.cc = merged(cc, &asked.cc, &outgoing.to);
        }
        if asked.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
            outgoing.subject = reply::subject(&original.subject, action);
        }
        let (text, html) = reply::quote(
            original,
            action,
            asked.text.as_deref(),
            asked.html.as_deref(),
        );
        (outgoing.text, outgoing.html) = (text, html);
        (outgoing.in_reply_to, outgoing.references) = reply::threading(original);
        outgoing.provider_thread_id = referenced.provider_thread_id.clone();
        if action == Action::Forward {
            let budget = max_bytes.saturating_sub(outgoing.estimated_size());
            let files =
                reference::attachment_files(state, kind, &referenced.attachment_ids, budget)
                    .await?;
            outgoing.attachments.extend(files);
        }
    }
    let count = outgoing.recipients().count();
    if count == 0 {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            "to: the message has no recipients",
        ));
    }
    if count > max_recipients as usize {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            format!("to, cc, bcc: {count} recipients; at most {max_recipients} are allowed"),
        ));
    }
    if outgoing.estimated_size() > max_bytes {
        return Err(reference::too_large());
    }
    Ok(outgoing)
}

/// `filled` plus the caller's own additions, each address once and none already in `not`.
fn merged(filled: Vec<Person>, added: &[Person], not: &[Person]) -> Vec<Person> {
    let mut all: Vec<Person> = Vec::new();
    for person in filled.into_iter().chain(added.iter().cloned()) {
        let seen = |p: &Person| p.address.eq_ignore_ascii_case(&person.address);
        if !all.iter().any(seen) && !not.iter().any(seen) {
            all.push(person);
        }
    }
    all
}
