//! The `mailDrafts` actions.

use super::provider::Drafts;
use super::view::{DraftFile, DraftReference, DraftView, parse};
use crate::api::mail_messages::send::body_limit;
use crate::api::mail_messages::send::compose::{
    Purpose, compose, signature_and_original, variables_missing,
};
use crate::api::mail_messages::send::request::{self, SendRequest};
use crate::api::mail_messages::send::{from, reference, signature};
use crate::auth::Caller;
use crate::gateway::CallError;
use crate::http::{ApiError, Data, ListPage, QueryParams, declared_length, read_values};
use crate::mail::compose::reply;
use crate::mail::compose::{Answering, Outgoing, Person, html, new_message_id, variables};
use crate::providers::drafts::{DraftContent, DraftRef};
use crate::providers::{ProviderError, ProviderKind};
use crate::state::AppState;
use crate::store::mail_accounts::{self, AccountRow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use serde::Serialize;
use serde_json::{Map, Value};

/// How many drafts a listing reads at most (a mailbox has a handful).
const LIST_CAP: usize = 500;

fn draft_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "DRAFT_NOT_FOUND",
        "filterByTk: no such draft of yours.",
    )
}

/// The provider has no such draft (sent, or deleted, here or elsewhere).
fn gone(error: &ApiError) -> bool {
    error.code() == "PROVIDER_NOT_FOUND"
}

/// The draft as the provider holds it now; gone is 404 `DRAFT_NOT_FOUND`.
async fn current(drafts: &Drafts<'_>, id: &str) -> Result<DraftContent, ApiError> {
    match drafts.get(id).await {
        Ok(current) => Ok(current),
        Err(error) if gone(&error) => Err(draft_not_found()),
        Err(error) => Err(error),
    }
}

/// `<accountId>:<providerDraftId>`.
fn split_id(id: &str) -> Result<(i64, String), ApiError> {
    id.split_once(':')
        .and_then(|(account, draft)| Some((account.parse().ok()?, draft.to_string())))
        .filter(|(_, draft)| !draft.is_empty() && draft.len() <= 1000)
        .ok_or_else(|| {
            ApiError::invalid_field("filterByTk", "a draft id: <accountId>:<providerDraftId>")
        })
}

/// The caller's own account `id` and its provider; others' look missing.
async fn own_account(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Option<(AccountRow, ProviderKind)>, ApiError> {
    let row = state.store.run(move |c| mail_accounts::get(c, id)).await?;
    Ok(row
        .filter(|a| a.user_id == caller.user_id.0)
        .and_then(|a| a.kind().map(|k| (a, k))))
}

async fn view(
    state: &AppState,
    account: i64,
    draft: &DraftRef,
    raw: &[u8],
) -> Result<DraftView, ApiError> {
    let parsed = parse(raw);
    let reference = match parsed.answers() {
        Some((parent, action)) => reference::by_message_id(state, account, &parent)
            .await?
            .map(|(message_id, _)| DraftReference { message_id, action }),
        None => None,
    };
    Ok(DraftView {
        id: format!("{account}:{}", draft.id),
        account_id: account,
        from: parsed.from,
        to: parsed.to,
        cc: parsed.cc,
        bcc: parsed.bcc,
        subject: parsed.subject,
        html: parsed.html,
        text: parsed.text,
        attachments: parsed
            .files
            .iter()
            .enumerate()
            .map(|(id, f)| DraftFile {
                id,
                filename: f.filename.clone(),
                content_type: f.content_type.clone(),
                size: f.content.len(),
            })
            .collect(),
        in_reply_to: parsed.in_reply_to,
        reference,
        provider_draft_id: draft.id.clone(),
        version: draft.version.clone(),
        updated_at: parsed
            .date
            .and_then(|d| chrono::DateTime::from_timestamp(d, 0))
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
    })
}

async fn values(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<Map<String, Value>, ApiError> {
    let limit = body_limit(state.settings.send.max_message_bytes);
    Ok(read_values(
        payload.into_inner(),
        limit,
        declared_length(request),
        crate::http::content_type(request),
    )
    .await?
    .0)
}

/// `mailDrafts:list?filter={"accountId": N}`: the mailbox's drafts at the provider,
/// newest first.
#[utoipa::path(
    method(get, post),
    path = "/api/mailDrafts:list",
    tag = "mailDrafts",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "The mailbox's drafts", body = crate::api::openapi::ListEnvelope<DraftView>),
        crate::api::openapi::Refusals,
        (status = 404, description = "No such mailbox or draft of the caller's", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn list_drafts(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<DraftView>, ApiError> {
    let page = params.page()?;
    let account_id = params.account_filter()?.ok_or_else(|| {
        ApiError::bad_request(
            "INVALID_FILTER",
            "filter: {\"accountId\": <id>} is required",
        )
    })?;
    let Some((account, kind)) = own_account(&state, &caller, account_id).await? else {
        return Ok(ListPage {
            rows: Vec::new(),
            count: 0,
            page,
        });
    };
    let drafts = Drafts::of(&state, &account, kind);
    let mut all: Vec<DraftRef> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let listed = drafts.list(100, next.take()).await?;
        all.extend(listed.drafts);
        next = listed.next;
        if next.is_none() || all.len() >= LIST_CAP {
            break;
        }
    }
    let count = all.len() as u64;
    let mut rows = Vec::new();
    for draft in all
        .iter()
        .skip(page.offset() as usize)
        .take(page.size as usize)
    {
        match drafts.get(&draft.id).await {
            Ok(content) => rows.push(view(&state, account.id, &content.draft, &content.raw).await?),
            // Sent or deleted elsewhere since the listing: left out.
            Err(error) if gone(&error) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(ListPage { rows, count, page })
}

/// `mailDrafts:get?filterByTk=<id>`: null when it is not the caller's or is gone.
#[utoipa::path(
    method(get, post),
    path = "/api/mailDrafts:get",
    tag = "mailDrafts",
    params(crate::api::openapi::TextKeyParam),
    responses(
        (status = 200, description = "The draft, or null", body = crate::api::openapi::DataEnvelope<Option<DraftView>>),
        crate::api::openapi::Refusals,
        (status = 404, description = "No such mailbox or draft of the caller's", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn get_draft(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<DraftView>>, ApiError> {
    let (account_id, draft_id) = split_id(params.single_tk()?)?;
    let Some((account, kind)) = own_account(&state, &caller, account_id).await? else {
        return Ok(Data(None));
    };
    let drafts = Drafts::of(&state, &account, kind);
    match drafts.get(&draft_id).await {
        Ok(content) => Ok(Data(Some(
            view(&state, account.id, &content.draft, &content.raw).await?,
        ))),
        Err(error) if gone(&error) => Ok(Data(None)),
        Err(error) => Err(error),
    }
}

/// `mailDrafts:create`: `mailMessages:send`'s values, saved as a draft at the provider.
/// With `reference`, the draft is the reply or forward a send would make (recipients,
/// subject, quote, threading), in the original's thread.
#[utoipa::path(
    method(get, post),
    path = "/api/mailDrafts:create",
    tag = "mailDrafts",
    request_body = crate::api::openapi::SendValues,
    responses(
        (status = 200, description = "The draft as saved", body = crate::api::openapi::DataEnvelope<DraftView>),
        crate::api::openapi::Refusals,
        (status = 413, description = "Larger than the configured limit", body = crate::api::openapi::ErrorBody),
        (status = 404, description = "No such mailbox or draft of the caller's", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn create_draft(
    caller: Caller,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<Data<DraftView>, ApiError> {
    let values = values(&state, &request, payload).await?;
    let limits = state.settings.send.clone();
    let mut asked = request::parse_draft(&values, &limits)?;
    let (account, kind) = own_account(&state, &caller, asked.account_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "ACCOUNT_NOT_FOUND",
                "accountId: no such mail account of yours.",
            )
        })?;
    let (account, from) = match asked.from.clone() {
        Some(person) => from::checked(&state, account, kind, person).await?,
        None => (account, None),
    };
    let outgoing = compose(&state, &account, kind, from, &mut asked, Purpose::Draft).await?;
    let date = chrono::Utc::now().timestamp();
    let drafts = Drafts::of(&state, &account, kind);
    let saved = drafts.create(&outgoing, date).await?;
    Ok(Data(
        view(&state, account.id, &saved, &outgoing.to_mime(date)).await?,
    ))
}

/// The draft's new content: the values, over what the draft holds (its threading, and
/// the files `keepAttachments` names: all of them when it is absent).
async fn updated(
    state: &AppState,
    account: AccountRow,
    kind: ProviderKind,
    values: &Map<String, Value>,
    mut asked: SendRequest,
    current: &[u8],
    thread: Option<String>,
) -> Result<Outgoing, ApiError> {
    let limits = &state.settings.send;
    let parsed = parse(current);
    let named = parsed.answers();
    let (account, from) = match asked.from.clone() {
        Some(person) => from::checked(state, account, kind, person).await?,
        None => (account, None),
    };
    let kept: Vec<usize> = match values.get("keepAttachments") {
        None | Some(Value::Null) => (0..parsed.files.len()).collect(),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| {
                id.as_u64()
                    .map(|i| i as usize)
                    .filter(|i| *i < parsed.files.len())
                    .ok_or_else(|| {
                        ApiError::invalid_field("keepAttachments", "ids of the draft's files")
                    })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "keepAttachments",
                "a list of the draft's file ids",
            ));
        }
    };
    let mut files: Vec<_> = parsed
        .files
        .into_iter()
        .enumerate()
        .filter(|(i, _)| kept.contains(i))
        .map(|(_, f)| f)
        .collect();
    files.append(&mut asked.attachments);
    // A field the values do not name keeps what the draft holds (a From only while it is
    // still one of the mailbox's identities); new HTML without text gets a new text part.
    let given = |field: &str| values.contains_key(field);
    // The form keeps the author's part apart from the signature and the quote: with
    // `reference` (and `signatureId`) a new body is put together as `create` did.
    let mut answers = None;
    let (text, html) = if given("html") || given("text") {
        let (signature, referenced) = signature_and_original(state, &account, &asked).await?;
        answers = referenced.as_ref().and_then(|(r, action)| {
            Some(Answering {
                provider_message_id: r.provider_message_id.clone()?,
                action: *action,
            })
        });
        signature::body(
            asked.text.take(),
            asked.html.take(),
            &mut files,
            signature.as_ref(),
            referenced
                .as_ref()
                .map(|(r, action)| (&r.original, *action)),
        )
    } else {
        html::authored(parsed.text, parsed.html, &mut files)
    };
    // A draft made elsewhere names what it answers by its headers only.
    if answers.is_none()
        && kind == ProviderKind::Microsoft
        && let Some((parent, action)) = named
    {
        answers = reference::by_message_id(state, account.id, &parent)
            .await?
            .map(|(_, provider_message_id)| Answering {
                provider_message_id,
                action,
            });
    }
    let kept_from = parsed
        .from
        .filter(|p| crate::send::identities::find(&account, &p.address).is_some());
    let outgoing = Outgoing {
        from: from
            .or(kept_from)
            .unwrap_or_else(|| Person::new(account.display_name.as_deref(), &account.email)),
        to: if given("to") { asked.to } else { parsed.to },
        cc: if given("cc") { asked.cc } else { parsed.cc },
        bcc: if given("bcc") { asked.bcc } else { parsed.bcc },
        subject: if given("subject") {
            asked.subject.unwrap_or_default()
        } else {
            parsed.subject
        },
        text,
        html,
        attachments: files,
        message_id: parsed
            .message_id
            .unwrap_or_else(|| new_message_id(&account.email)),
        in_reply_to: parsed.in_reply_to,
        references: parsed.references,
        provider_thread_id: thread,
        answers,
    };
    let count = outgoing.recipients().count();
    if count > limits.max_recipients as usize {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            format!(
                "to, cc, bcc: {count} recipients; at most {} are allowed",
                limits.max_recipients
            ),
        ));
    }
    if outgoing.estimated_size() > limits.max_message_bytes {
        return Err(reference::too_large());
    }
    Ok(outgoing)
}

/// `mailDrafts:update?filterByTk=<id>` values: `mailMessages:send`'s fields (a field
/// left out keeps what the draft holds; with `html` or `text`, `reference` and
/// `signatureId` put the quote and the signature under it again), `version` (the one last read), `keepAttachments` (the
/// draft's files to keep; all when absent) and new `attachments`. A draft changed
/// elsewhere since `version` is `409 DRAFT_CHANGED`. At Graph the draft's id changes.
#[utoipa::path(
    method(get, post),
    path = "/api/mailDrafts:update",
    tag = "mailDrafts",
    params(crate::api::openapi::TextKeyParam),
    request_body = crate::api::openapi::SendValues,
    responses(
        (status = 200, description = "The draft as saved", body = crate::api::openapi::DataEnvelope<Vec<DraftView>>),
        crate::api::openapi::Refusals,
        (status = 409, description = "Changed elsewhere since `version`", body = crate::api::openapi::ErrorBody),
        (status = 404, description = "No such mailbox or draft of the caller's", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn update_draft(
    caller: Caller,
    params: QueryParams,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<Data<Vec<DraftView>>, ApiError> {
    let (account_id, draft_id) = split_id(params.single_tk()?)?;
    let mut values = values(&state, &request, payload).await?;
    let version = values
        .get("version")
        .and_then(Value::as_str)
        .map(ToString::to_string)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "version",
                "required: the version last read, so a change made elsewhere is not overwritten",
            )
        })?;
    values.insert("accountId".into(), Value::from(account_id));
    let asked = request::parse_draft(&values, &state.settings.send)?;
    let Some((account, kind)) = own_account(&state, &caller, account_id).await? else {
        return Err(draft_not_found());
    };
    let drafts = Drafts::of(&state, &account, kind);
    let current = current(&drafts, &draft_id).await?;
    if current.draft.version != version {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "DRAFT_CHANGED",
            "version: the draft was changed elsewhere since you opened it; open it again.",
        ));
    }
    let thread = current.draft.thread_id.clone();
    let outgoing = updated(&state, account, kind, &values, asked, &current.raw, thread).await?;
    let date = chrono::Utc::now().timestamp();
    let saved = drafts.update(&current.draft, &outgoing, date).await?;
    Ok(Data(vec![
        view(&state, account_id, &saved, &outgoing.to_mime(date)).await?,
    ]))
}

/// `mailDrafts:destroy?filterByTk=<id>`: deleted at the provider for good.
#[utoipa::path(
    method(get, post),
    path = "/api/mailDrafts:destroy",
    tag = "mailDrafts",
    params(crate::api::openapi::TextKeyParam),
    responses(
        (status = 200, description = "1, or 0 when it is not the caller's or is gone", body = crate::api::openapi::DataEnvelope<i64>),
        crate::api::openapi::Refusals,
        (status = 404, description = "No such mailbox or draft of the caller's", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn destroy_draft(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    let (account_id, draft_id) = split_id(params.single_tk()?)?;
    let Some((account, kind)) = own_account(&state, &caller, account_id).await? else {
        return Ok(Data(0));
    };
    let drafts = Drafts::of(&state, &account, kind);
    match drafts.delete(&draft_id).await {
        Ok(()) => Ok(Data(1)),
        Err(error) if gone(&error) => Ok(Data(0)),
        Err(error) => Err(error),
    }
}

/// A draft's send, answered as `mailMessages:send` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DraftSent {
    /// `sent`, `failed` or `unknown` (it may have gone: never sent again on its own).
    pub status: &'static str,
    pub provider_message_id: Option<String>,
    pub thread_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
}

/// `mailDrafts:send?filterByTk=<id>`: sends the draft as it is at the provider, after
/// the checks a send makes (recipients, template variables, From).
#[utoipa::path(
    method(get, post),
    path = "/api/mailDrafts:send",
    tag = "mailDrafts",
    params(crate::api::openapi::TextKeyParam),
    responses(
        (status = 200, description = "sent, failed or unknown", body = crate::api::openapi::DataEnvelope<DraftSent>),
        crate::api::openapi::Refusals,
        (status = 404, description = "No such draft of the caller's", body = crate::api::openapi::ErrorBody),
        (status = 422, description = "The provider refused to read the draft", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn send_draft(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<DraftSent>, ApiError> {
    let (account_id, draft_id) = split_id(params.single_tk()?)?;
    let Some((account, kind)) = own_account(&state, &caller, account_id).await? else {
        return Err(draft_not_found());
    };
    let drafts = Drafts::of(&state, &account, kind);
    let current = current(&drafts, &draft_id).await?;
    let parsed = parse(&current.raw);
    if parsed.to.len() + parsed.cc.len() + parsed.bcc.len() == 0 {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            "to: the draft has no recipients",
        ));
    }
    // Only what the author wrote: a quoted original may hold `{{…}}` of its own.
    let written_text = parsed.text.as_deref().map(reply::written_text);
    let unfilled = variables::names([
        Some(parsed.subject.as_str()),
        written_text.as_deref(),
        parsed.html.as_deref().map(reply::written_html),
    ]);
    if !unfilled.is_empty() {
        return Err(variables_missing(&unfilled));
    }
    if let Some(from) = parsed.from {
        from::checked(&state, account.clone(), kind, from).await?;
    }
    let answer = match drafts.send(&current.draft).await {
        Ok(sent) => {
            let now = chrono::Utc::now().naive_utc();
            let id = account.id;
            state
                .store
                .run(move |c| mail_accounts::request_sync(c, id, false, now))
                .await?;
            crate::sync::start_soon(&state).await;
            DraftSent {
                status: "sent",
                provider_message_id: sent.provider_message_id,
                thread_id: sent.provider_thread_id,
                error: None,
            }
        }
        Err(CallError::Provider(ProviderError::OutcomeUnknown(_))) => DraftSent {
            status: "unknown",
            provider_message_id: None,
            thread_id: None,
            error: Some(
                serde_json::json!({"code": "OUTCOME_UNKNOWN", "message": "The provider did not say whether it sent the draft; it is not sent again on its own."}),
            ),
        },
        Err(error) => {
            let refused = crate::api::provider_failure::api_error(error);
            if gone(&refused) {
                return Err(draft_not_found());
            }
            DraftSent {
                status: "failed",
                provider_message_id: None,
                thread_id: None,
                error: Some(
                    serde_json::json!({"code": refused.code(), "message": refused.message()}),
                ),
            }
        }
    };
    Ok(Data(answer))
}
