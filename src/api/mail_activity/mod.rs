//! `mailActivity`: the feed of mail each mailbox received or sent (#25), a row a message,
//! for NocoBase's workflow triggers "Email received" and "Email sent".
//!
//! A reader (the plugin names one per workflow) subscribes once and then lists what came
//! after its position and acknowledges what it has handled; listing never moves it, so a
//! reader that stops half way lists the same rows again. Rows carry ids only: the reader
//! reads a message through `mailMessages:get`, which shows it at the level the caller may
//! see. A caller is given rows of the mailboxes it may see, the admin no more than anyone.

use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams, Router, Values, rfc3339};
use crate::state::AppState;
use crate::store::activity::{self, ActivityRow, Kind, Query};
use crate::store::mail_accounts;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::Value;

/// The most rows a page holds.
const MAX_PAGE: i64 = 500;
const DEFAULT_PAGE: i64 = 100;

pub fn configure(router: &mut Router) {
    router.action("mailActivity:subscribe", subscribe_activity);
    router.action("mailActivity:list", list_activity);
    router.action("mailActivity:ack", ack_activity);
    router.action("mailActivity:unsubscribe", unsubscribe_activity);
}

/// One message a mailbox received or sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityView {
    /// The feed's position of this row.
    pub id: i64,
    /// `received` or `sent`.
    pub kind: String,
    pub account_id: i64,
    /// The message (`mailMessages:get`); null while it is not stored (deleted, or moved
    /// and not synced back yet).
    pub message_id: Option<i64>,
    /// Stored by the mailbox's first import or a full resync: mail that was there before.
    pub first_import: bool,
    pub created_at: String,
}

impl From<ActivityRow> for ActivityView {
    fn from(row: ActivityRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            account_id: row.account_id,
            message_id: row.message_id,
            first_import: row.first_import,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// Where a reader stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReaderView {
    pub reader: String,
    pub position: i64,
}

/// `meta` of `mailActivity:list`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityMeta {
    /// Acknowledge this once `data` is handled: nothing before it is left for the query.
    pub position: i64,
    /// The page is full: list again from `position` for more.
    pub has_more: bool,
}

/// The answer of `mailActivity:list`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityPage {
    pub data: Vec<ActivityView>,
    pub meta: ActivityMeta,
}

/// A reader's name: up to 200 printable characters (the plugin's are `workflow:<key>`).
fn reader_name(raw: Option<&str>) -> Result<String, ApiError> {
    let invalid = || ApiError::invalid_field("reader", "a name of 1 to 200 printable characters");
    let name = raw.map(str::trim).ok_or_else(invalid)?;
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(invalid());
    }
    Ok(name.to_string())
}

fn reader_of_values(values: &serde_json::Map<String, Value>) -> Result<String, ApiError> {
    reader_name(values.get("reader").and_then(Value::as_str))
}

fn not_subscribed() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "READER_NOT_SUBSCRIBED",
        "This reader is not subscribed to mail activity (mailActivity:subscribe first).",
    )
}

/// `mailActivity:subscribe` values `{reader}`: the reader starts at the feed's end (mail
/// from now on); one already subscribed keeps its position.
#[utoipa::path(
    method(get, post),
    path = "/api/mailActivity:subscribe",
    tag = "mailActivity",
    request_body = crate::api::openapi::ReaderValues,
    responses(
        (status = 200, description = "Where the reader stands", body = crate::api::openapi::DataEnvelope<ReaderView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn subscribe_activity(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<ReaderView>, ApiError> {
    let reader = reader_of_values(&values)?;
    let (user, name) = (caller.user_id.0, reader.clone());
    let now = chrono::Utc::now().naive_utc();
    let position = state
        .store
        .run(move |c| activity::subscribe(c, user, &name, now))
        .await?;
    Ok(Data(ReaderView { reader, position }))
}

/// The value of `key` as a number in `range`; absent `None`, anything else a 400 saying
/// `expected`.
fn number_in(
    params: &QueryParams,
    key: &str,
    range: std::ops::RangeInclusive<i64>,
    expected: &str,
) -> Result<Option<i64>, ApiError> {
    params
        .one(key)?
        .map(|raw| {
            raw.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| ApiError::invalid_field(key, expected))
        })
        .transpose()
}

/// The `true`/`false` value of `key`, absent `None`.
fn optional_flag(params: &QueryParams, key: &str) -> Result<Option<bool>, ApiError> {
    match params.one(key)? {
        None => Ok(None),
        Some(_) => params.flag(key).map(Some),
    }
}

/// `mailActivity:list?reader=<name>` (or `after=<position>`), with `accountId` (repeat
/// for several), `kind` (`received` | `sent`), `firstImport` (`false`: new mail only) and
/// `pageSize` (1..=500, default 100): rows after the reader's position, oldest first, of
/// the mailboxes the caller may see.
#[utoipa::path(
    method(get, post),
    path = "/api/mailActivity:list",
    tag = "mailActivity",
    params(
        ("reader" = Option<String>, Query, description = "A subscribed reader: rows after its position"),
        ("after" = Option<i64>, Query, description = "Rows after this position (instead of a reader)"),
        ("accountId" = Option<Vec<i64>>, Query, description = "These mailboxes only"),
        ("kind" = Option<String>, Query, description = "`received` or `sent`"),
        ("firstImport" = Option<bool>, Query, description = "`false`: new mail only; `true`: imported mail only"),
        ("pageSize" = Option<i64>, Query, description = "1 to 500, default 100"),
    ),
    responses(
        (status = 200, description = "Rows after the position and where the reader stands after them", body = ActivityPage),
        (status = 404, description = "`READER_NOT_SUBSCRIBED`: subscribe the reader first", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_activity(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let reader = params
        .one("reader")?
        .map(|r| reader_name(Some(r)))
        .transpose()?;
    let after = number_in(&params, "after", 0..=i64::MAX, "a position (0 or more)")?;
    if reader.is_some() == after.is_some() {
        return Err(ApiError::bad_request(
            "INVALID_PARAMETER",
            "give either reader or after",
        ));
    }
    let kind = params
        .one("kind")?
        .map(|k| Kind::parse(k).ok_or_else(|| ApiError::invalid_field("kind", "received or sent")))
        .transpose()?;
    let first_import = optional_flag(&params, "firstImport")?;
    let limit = number_in(&params, "pageSize", 1..=MAX_PAGE, "1 to 500")?.unwrap_or(DEFAULT_PAGE);
    let mut wanted = Vec::new();
    for raw in params.all("accountId") {
        wanted.push(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::invalid_field("accountId", "a mailbox id"))?,
        );
    }
    let (user, roles) = (caller.user_id, caller.roles.clone());
    let (rows, position) = state
        .store
        .run(move |c| {
            let after = match (&reader, after) {
                (_, Some(after)) => after,
                (Some(name), None) => match activity::position(c, user.0, name)? {
                    Some(at) => at,
                    None => return Ok(None),
                },
                (None, None) => unreachable!("checked above"),
            };
            let accounts: Vec<i64> = mail_accounts::visible_to(c, user, &roles)?
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| wanted.is_empty() || wanted.contains(id))
                .collect();
            let query = Query {
                after,
                accounts,
                kind,
                first_import,
                limit,
            };
            activity::page(c, &query).map(Some)
        })
        .await?
        .ok_or_else(not_subscribed)?;
    let has_more = rows.len() as i64 == limit;
    Ok(HttpResponse::Ok().json(ActivityPage {
        data: rows.into_iter().map(ActivityView::from).collect(),
        meta: ActivityMeta { position, has_more },
    }))
}

/// `mailActivity:ack` values `{reader, position}`: the reader has handled everything up
/// to `position` (as `mailActivity:list` gave it); a reader never moves back.
#[utoipa::path(
    method(get, post),
    path = "/api/mailActivity:ack",
    tag = "mailActivity",
    request_body = crate::api::openapi::AckValues,
    responses(
        (status = 200, description = "Where the reader stands now", body = crate::api::openapi::DataEnvelope<ReaderView>),
        (status = 404, description = "`READER_NOT_SUBSCRIBED`: subscribe the reader first", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn ack_activity(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<ReaderView>, ApiError> {
    let reader = reader_of_values(&values)?;
    let to = values
        .get("position")
        .and_then(Value::as_i64)
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            ApiError::invalid_field("position", "the position mailActivity:list gave")
        })?;
    let (user, name) = (caller.user_id.0, reader.clone());
    let now = chrono::Utc::now().naive_utc();
    let position = state
        .store
        .run(move |c| {
            // Not past the feed's end: a position from nowhere would skip mail to come.
            if to > activity::end(c)? {
                return Ok(Err(ApiError::invalid_field(
                    "position",
                    "the position mailActivity:list gave",
                )));
            }
            activity::advance(c, user, &name, to, now).map(Ok)
        })
        .await??
        .ok_or_else(not_subscribed)?;
    Ok(Data(ReaderView { reader, position }))
}

/// `mailActivity:unsubscribe` values `{reader}`: forgets the reader (its workflow is
/// gone). Answers whether there was one.
#[utoipa::path(
    method(get, post),
    path = "/api/mailActivity:unsubscribe",
    tag = "mailActivity",
    request_body = crate::api::openapi::ReaderValues,
    responses(
        (status = 200, description = "Whether the reader was subscribed", body = crate::api::openapi::DataEnvelope<bool>),
        crate::api::openapi::Refusals
    )
)]
pub async fn unsubscribe_activity(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<bool>, ApiError> {
    let reader = reader_of_values(&values)?;
    let user = caller.user_id.0;
    let removed = state
        .store
        .run(move |c| activity::unsubscribe(c, user, &reader))
        .await?;
    Ok(Data(removed))
}
