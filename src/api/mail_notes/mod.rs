//! `mailNotes`: notes and to-dos on a message or a thread. Whoever may read that mail's
//! body (the mailbox's owner, and the roles it is shared with in full) sees its notes and
//! may add one; a note is changed only by its author, and removed by its author or the
//! mailbox's owner. An admin sees no more than anyone else.

mod values;

use crate::auth::Caller;
use crate::http::{ApiError, Data, ListPage, QueryParams, Router, Values};
use crate::state::AppState;
use crate::store::mail_accounts;
use crate::store::notes::{self, LocalIds, NoteQuery, NoteRow, On};
use crate::store::{DbConnection, StoreError};
use actix_web::web;
use serde::Serialize;
use values::Target;

pub fn configure(router: &mut Router) {
    router.action("mailNotes:list", list_notes);
    router.action("mailNotes:create", create_note);
    router.action("mailNotes:update", update_note);
    router.action("mailNotes:destroy", destroy_note);
}

/// A note on a message or a thread; a to-do when `isTodo`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteView {
    pub id: i64,
    pub account_id: i64,
    /// The message it is on; null for a thread's note, or once the message has left the
    /// mailbox.
    pub message_id: Option<i64>,
    /// The thread it is on; null for a message's note, or once the thread is gone.
    pub thread_id: Option<i64>,
    /// The NocoBase user who wrote it.
    pub author_id: i64,
    /// Their name as NocoBase showed it when they wrote or last changed the note; null
    /// when the service does not ask NocoBase (`nocobase.url` unset).
    pub author_name: Option<String>,
    pub text: String,
    pub is_todo: bool,
    pub due_at: Option<String>,
    pub done: bool,
    pub created_at: String,
    pub updated_at: String,
}

fn instant(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn view(row: NoteRow, messages: &LocalIds, threads: &LocalIds) -> NoteView {
    let local = |ids: &LocalIds, provider: &Option<String>| {
        provider
            .as_ref()
            .and_then(|p| ids.get(&(row.account_id, p.clone())).copied())
    };
    NoteView {
        id: row.id,
        account_id: row.account_id,
        message_id: local(messages, &row.provider_message_id),
        thread_id: local(threads, &row.provider_thread_id),
        author_id: row.author_id,
        author_name: row.author_name,
        text: row.text,
        is_todo: row.is_todo,
        due_at: row.due_at.map(instant),
        done: row.done,
        created_at: instant(row.created_at),
        updated_at: instant(row.updated_at),
    }
}

/// Views of `rows`, with today's local message and thread ids.
fn views(connection: &mut DbConnection, rows: Vec<NoteRow>) -> Result<Vec<NoteView>, StoreError> {
    let (messages, threads) = notes::local_ids(connection, &rows)?;
    Ok(rows
        .into_iter()
        .map(|row| view(row, &messages, &threads))
        .collect())
}

/// The mailboxes whose bodies, and so whose notes, the caller reads.
fn readable(connection: &mut DbConnection, caller: &Caller) -> Result<Vec<i64>, StoreError> {
    Ok(
        mail_accounts::visible_to(connection, caller.user_id, &caller.roles)?
            .into_iter()
            .filter(|(_, level)| level.shows_body())
            .map(|(id, _)| id)
            .collect(),
    )
}

/// What `target` is on, when the caller reads its body; `None` otherwise (missing and
/// hidden are told apart to nobody).
fn subject(
    connection: &mut DbConnection,
    caller: &Caller,
    target: Target,
) -> Result<Option<On>, StoreError> {
    let on = match target {
        Target::Message(id) => notes::message_subject(connection, id)?,
        Target::Thread(id) => notes::thread_subject(connection, id)?,
    };
    let readable = readable(connection, caller)?;
    Ok(on.filter(|on| readable.contains(&on.account_id())))
}

/// `mailNotes:list`: notes the caller may see, oldest first. `filter`: `messageId` or
/// `threadId` (the notes on it), `isTodo`, `done`, `authorId`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailNotes:list",
    tag = "mailNotes",
    params(crate::api::openapi::PageParams, ("filter" = Option<String>, Query, description = "JSON: `messageId` or `threadId`, `isTodo`, `done`, `authorId`; a value or `{\"$eq\": value}`, at the top or in `$and`")),
    responses(
        (status = 200, description = "Notes on mail whose body the caller may read", body = crate::api::openapi::ListEnvelope<NoteView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_notes(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<NoteView>, ApiError> {
    let page = params.page()?;
    let filter = values::filter(params.one("filter")?)?;
    let (offset, limit) = (page.offset() as i64, i64::from(page.size));
    let (rows, count) = state
        .store
        .run(move |c| {
            let on = match filter.target {
                Some(target) => match subject(c, &caller, target)? {
                    Some(on) => Some(on),
                    None => return Ok((Vec::new(), 0)),
                },
                None => None,
            };
            let query = NoteQuery {
                accounts: readable(c, &caller)?,
                on,
                is_todo: filter.is_todo,
                done: filter.done,
                author: filter.author,
                offset,
                limit,
            };
            let (rows, count) = notes::list(c, &query)?;
            Ok((views(c, rows)?, count))
        })
        .await?;
    Ok(ListPage {
        rows,
        count: count as u64,
        page,
    })
}

/// `mailNotes:create` values `{messageId | threadId, text, isTodo?, dueAt?, done?}`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailNotes:create",
    tag = "mailNotes",
    request_body = crate::api::openapi::NoteValues,
    responses(
        (status = 200, description = "The note as stored", body = crate::api::openapi::DataEnvelope<NoteView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn create_note(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<NoteView>, ApiError> {
    let target = values::target(&values)?;
    let fields = values::fields(&values, None)?;
    let author = notes::Author {
        id: caller.user_id.0,
        name: caller.name.clone(),
    };
    let now = chrono::Utc::now().naive_utc();
    let created = state
        .store
        .run(move |c| {
            let Some(on) = subject(c, &caller, target)? else {
                return Ok(None);
            };
            let row = notes::create(c, &on, &author, &fields, now)?;
            Ok(views(c, vec![row])?.pop())
        })
        .await?;
    let field = match target {
        Target::Message(_) => "messageId",
        Target::Thread(_) => "threadId",
    };
    created
        .map(Data)
        .ok_or_else(|| ApiError::invalid_field(field, "no such mail whose body you may read"))
}

/// `mailNotes:update?filterByTk=<id>` values `{text?, isTodo?, dueAt?, done?}`: the
/// author's own notes only.
#[utoipa::path(
    method(get, post),
    path = "/api/mailNotes:update",
    tag = "mailNotes",
    params(crate::api::openapi::KeyParam),
    request_body = crate::api::openapi::NoteValues,
    responses(
        (status = 200, description = "The note as stored (empty when it is not the caller's to change)", body = crate::api::openapi::DataEnvelope<Vec<NoteView>>),
        crate::api::openapi::Refusals
    )
)]
pub async fn update_note(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Vec<NoteView>>, ApiError> {
    let id = params.single_id("a note")?;
    if values.contains_key("messageId") || values.contains_key("threadId") {
        return Err(ApiError::invalid_field(
            "messageId",
            "a note stays on the mail it was written on",
        ));
    }
    let user = caller.user_id.0;
    let name = caller.name.clone();
    let Some(current) = state
        .store
        .run(move |c| {
            let readable = readable(c, &caller)?;
            Ok(notes::get(c, id)?
                .filter(|n| n.author_id == user && readable.contains(&n.account_id)))
        })
        .await?
    else {
        return Ok(Data(Vec::new()));
    };
    let fields = values::fields(&values, Some(&current))?;
    let now = chrono::Utc::now().naive_utc();
    let rows = state
        .store
        .run(move |c| {
            let rows: Vec<NoteRow> = notes::update(c, id, &fields, name.as_deref(), now)?
                .into_iter()
                .collect();
            views(c, rows)
        })
        .await?;
    Ok(Data(rows))
}

/// `mailNotes:destroy?filterByTk=<id>`: by its author, or by the mailbox's owner.
#[utoipa::path(
    method(get, post),
    path = "/api/mailNotes:destroy",
    tag = "mailNotes",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Rows removed: 1, or 0 when it is not the caller's to remove", body = crate::api::openapi::DataEnvelope<i64>),
        crate::api::openapi::Refusals
    )
)]
pub async fn destroy_note(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    let id = params.single_id("a note")?;
    let user = caller.user_id;
    let removed = state
        .store
        .run(move |c| {
            let Some(note) = notes::get(c, id)? else {
                return Ok(0);
            };
            let readable = readable(c, &caller)?;
            let owner =
                mail_accounts::get(c, note.account_id)?.is_some_and(|a| a.user_id == user.0);
            if readable.contains(&note.account_id) && (note.author_id == user.0 || owner) {
                notes::remove(c, id)
            } else {
                Ok(0)
            }
        })
        .await?;
    Ok(Data(removed))
}
