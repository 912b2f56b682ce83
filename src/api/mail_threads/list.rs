use crate::api::message_reads::{list_slot, visible_query};
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::state::AppState;
use crate::store::deadline;
use crate::store::labels;
use crate::store::message_query::{self, ParticipantRow};
use crate::store::thread_query::{self, ThreadMember};
use crate::visibility::Level;
use actix_web::{HttpRequest, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadView {
    pub id: i64,
    pub account_id: i64,
    /// The first message's subject; `null` where the owner shares less than subjects.
    pub subject: Option<String>,
    /// Everyone on the thread (from, to, cc), in order of first appearance.
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub participants: Vec<Value>,
    pub message_count: usize,
    pub unread_count: usize,
    pub last_date: DateTime<Utc>,
    pub has_attachments: bool,
    /// Whether any of its messages is starred (a list row shows one star for the thread).
    pub is_starred: bool,
    /// The newest message's snippet; `null` where the owner shares less than bodies.
    pub snippet: Option<String>,
    /// Every message's id, oldest first: what an action on the whole conversation
    /// (mark read, move, delete) passes to `mailMessages:update`/`destroy`.
    pub message_ids: Vec<i64>,
    /// The labels any of its messages carries; null where the owner shares less than
    /// subjects.
    pub label_ids: Option<Vec<i64>>,
}

/// Sums a thread up from its messages (oldest first) and their participants.
pub fn summarize(
    id: i64,
    members: &[&ThreadMember],
    people: &[ParticipantRow],
    labels: &HashMap<i64, Vec<i64>>,
    level: Level,
) -> Option<ThreadView> {
    let first = members.first()?;
    let last = members.last()?;
    let mut participants: Vec<Value> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for member in members {
        for person in people
            .iter()
            .filter(|p| p.message_id == member.id && p.role != "bcc")
        {
            if !seen.contains(&person.address.as_str()) {
                seen.push(&person.address);
                participants.push(json!({"name": person.name, "address": person.address}));
            }
        }
    }
    Some(ThreadView {
        id,
        account_id: first.account_id,
        subject: level.shows_subject().then(|| first.subject.clone()),
        participants,
        message_count: members.len(),
        unread_count: members.iter().filter(|m| !m.is_read).count(),
        last_date: last.received_at.and_utc(),
        has_attachments: members.iter().any(|m| m.has_attachments),
        is_starred: members.iter().any(|m| m.is_starred),
        snippet: level.shows_body().then(|| last.snippet.clone()),
        message_ids: members.iter().map(|m| m.id).collect(),
        label_ids: level.shows_subject().then(|| {
            let mut all: Vec<i64> = members
                .iter()
                .flat_map(|m| labels.get(&m.id).into_iter().flatten().copied())
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        }),
    })
}

/// `mailThreads:list`: the same filter fields, `q`, paging and visibility as
/// `mailMessages:list`, newest activity first (`sort=date` for oldest first).
#[utoipa::path(
    method(get, post),
    path = "/api/mailThreads:list",
    tag = "mailThreads",
    params(crate::api::openapi::PageParams, crate::api::openapi::MailQueryParams),
    responses(
        (status = 200, description = "Conversations, filtered by their messages", body = crate::api::openapi::ListEnvelope<ThreadView>),
        crate::api::openapi::Refusals,
        crate::api::openapi::Busy
    )
)]
pub async fn list_mail_threads(
    caller: Caller,
    request: HttpRequest,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<ThreadView>, ApiError> {
    let _slot = list_slot(&state, &caller).await?;
    let (query, levels) = visible_query(&caller, &request, &params, &state, "threads").await?;
    let page = query.page;
    let limit = Duration::from_secs(state.settings.limits.query_timeout_secs);
    let (ids, count, members, people, labels) = state
        .store
        .run(move |c| {
            let (ids, count) = deadline::within(c, limit, |c| thread_query::list(c, &query))?;
            let members = thread_query::members(c, &ids)?;
            let message_ids: Vec<i64> = members.iter().map(|m| m.id).collect();
            let people = message_query::participants(c, &message_ids)?;
            let labels = labels::of_messages(c, &message_ids)?;
            Ok((ids, count, members, people, labels))
        })
        .await?;
    let rows = views(&ids, &members, &people, &labels, &levels);
    Ok(ListPage {
        rows,
        count: count as u64,
        page,
    })
}

pub fn views(
    ids: &[i64],
    members: &[ThreadMember],
    people: &[ParticipantRow],
    labels: &HashMap<i64, Vec<i64>>,
    levels: &HashMap<i64, Level>,
) -> Vec<ThreadView> {
    ids.iter()
        .filter_map(|id| {
            let own: Vec<&ThreadMember> = members
                .iter()
                .filter(|m| m.thread_id == Some(*id))
                .collect();
            let level = levels.get(&own.first()?.account_id).copied()?;
            summarize(*id, &own, people, labels, level)
        })
        .collect()
}
