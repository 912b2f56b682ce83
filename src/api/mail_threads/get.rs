use super::list::{ThreadView, views};
use crate::api::message_reads::{MessageView, views_with};
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams};
use crate::ids::AccountId;
use crate::query::Field;
use crate::state::AppState;
use crate::store::mail_accounts;
use crate::store::message_query;
use crate::store::thread_query;
use actix_web::web;
use serde::Serialize;
use std::collections::HashMap;

/// The most messages one thread answer carries (Gmail caps threads at 100 messages; Outlook
/// conversations can be longer, and the oldest beyond this are left out).
const MAX_MESSAGES: u32 = 500;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadDetailView {
    #[serde(flatten)]
    pub summary: ThreadView,
    /// Oldest first.
    pub messages: Vec<MessageView>,
}

/// `mailThreads:get?filterByTk=<id>`: the thread and its messages in date order;
/// `null` when it does not exist or is not visible.
#[utoipa::path(
    method(get, post),
    path = "/api/mailThreads:get",
    tag = "mailThreads",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "The thread with its messages in date order, or null", body = crate::api::openapi::MaybeThread),
        crate::api::openapi::Refusals
    )
)]
pub async fn get_mail_thread(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<ThreadDetailView>>, ApiError> {
    let id = params.single_id("a thread")?;
    let user = caller.user_id;
    let roles = caller.roles.clone();
    let found = state
        .store
        .run(move |c| {
            let members = thread_query::members(c, &[id])?;
            let Some(first) = members.first() else {
                return Ok(None);
            };
            let Some(level) =
                mail_accounts::level_of(c, user, &roles, AccountId(first.account_id))?
            else {
                return Ok(None);
            };
            let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
            let people = message_query::participants(c, &ids)?;
            let labels = crate::store::labels::of_messages(c, &ids)?;
            Ok(Some((level, members, people, labels)))
        })
        .await?;
    let Some((level, members, people, labels)) = found else {
        return Ok(Data(None));
    };
    let account = members[0].account_id;
    let levels = HashMap::from([(account, level)]);
    let Some(summary) = views(&[id], &members, &people, &labels, &levels)
        .into_iter()
        .next()
    else {
        return Ok(Data(None));
    };
    let messages = views_with(&state, levels, Field::ThreadId, &[id], false, MAX_MESSAGES).await?;
    Ok(Data(Some(ThreadDetailView { summary, messages })))
}
