use super::view::MessageView;
use crate::auth::Caller;
use crate::config::LimitsSettings;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::limits::Slot;
use crate::query::{
    Condition, Field, Filter, MESSAGE_FIELDS, MESSAGE_SORTS, Operator, Page, Scalar, SortField,
    SortKey, Value as FilterValue,
};
use crate::state::AppState;
use crate::store::message_query::{self, MessageQuery};
use crate::store::{deadline, mail_accounts};
use crate::visibility::Level;
use actix_web::{HttpRequest, web};
use std::collections::HashMap;
use std::time::Duration;

const MAX_QUERY_CHARS: usize = 500;

/// The substring terms (`$includes`, `$notIncludes`) of a filter with their fields: each
/// one is a scan of a table, so their number and shortness are limited.
fn substring_terms(filter: &Filter) -> Vec<(Field, &str)> {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().flat_map(substring_terms).collect(),
        Filter::Condition(c) if matches!(c.op, Operator::Includes | Operator::NotIncludes) => c
            .value
            .texts()
            .into_iter()
            .map(|text| (c.field, text))
            .collect(),
        Filter::Condition(_) => Vec::new(),
    }
}

/// Refuses what would make one request expensive for everyone: too many or too short
/// substring terms, and pages too deep to skip to.
fn check_cost(filter: &Filter, page: &Page, limits: &LimitsSettings) -> Result<(), ApiError> {
    let terms = substring_terms(filter);
    if terms.len() > limits.like_terms as usize {
        return Err(ApiError::bad_request(
            "INVALID_FILTER",
            format!(
                "filter: {} substring terms ($includes, $notIncludes); at most {} per request (limits.like_terms)",
                terms.len(),
                limits.like_terms
            ),
        ));
    }
    if let Some((field, term)) = terms
        .iter()
        .find(|(_, term)| term.trim().chars().count() < limits.like_min_chars as usize)
    {
        return Err(ApiError::bad_request(
            "INVALID_FILTER",
            format!(
                "filter.{field}: the substring {term:?} is shorter than {} characters (limits.like_min_chars); use $eq, or a longer one",
                limits.like_min_chars
            ),
        ));
    }
    if page.offset() > limits.max_offset {
        return Err(ApiError::bad_request(
            "INVALID_PARAMETER",
            format!(
                "page: lists go at most {} rows deep (limits.max_offset); narrow the filter or search instead",
                limits.max_offset
            ),
        ));
    }
    Ok(())
}

/// One of the caller's list-and-search slots for the length of the request; a 429 when
/// the caller already has `limits.lists_per_user` running and none frees up in time.
pub async fn list_slot(state: &AppState, caller: &Caller) -> Result<Slot, ApiError> {
    state
        .limits
        .lists
        .take(caller.user_id.0)
        .await
        .ok_or_else(|| {
            ApiError::too_many(
                "TOO_MANY_REQUESTS",
                format!(
                    "You have {} lists or searches running already; try again in a moment.",
                    state.limits.lists.per_user()
                ),
            )
        })
}

/// `X-Timezone` as minutes east of UTC (`+08:00` → 480); UTC when absent or odd.
pub fn utc_offset(request: &HttpRequest) -> i32 {
    let Some(text) = request
        .headers()
        .get("x-timezone")
        .and_then(|v| v.to_str().ok())
    else {
        return 0;
    };
    let (sign, rest) = match text.trim().split_at_checked(1) {
        Some(("+", rest)) => (1, rest),
        Some(("-", rest)) => (-1, rest),
        _ => return 0,
    };
    let mut parts = rest.split(':');
    let hours: i32 = parts.next().and_then(|h| h.parse().ok()).unwrap_or(0);
    let minutes: i32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if hours > 14 || minutes > 59 {
        return 0;
    }
    sign * (hours * 60 + minutes)
}

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

/// The query a list asks for, limited to the mailboxes the caller may see — and, when it
/// filters on the subject or searches bodies, to those where the caller may see them (so
/// hidden fields cannot be probed) — with the level each mailbox is shown at. Shared by
/// `mailMessages:list` and `mailThreads:list`.
pub async fn visible_query(
    caller: &Caller,
    request: &HttpRequest,
    params: &QueryParams,
    state: &AppState,
    what: &str,
) -> Result<(MessageQuery, HashMap<i64, Level>), ApiError> {
    if params.pagination_disabled()? {
        return Err(ApiError::bad_request(
            "INVALID_PARAMETER",
            format!("paginate: {what} are always paged"),
        ));
    }
    let page = params.page()?;
    let filter = params.filter(MESSAGE_FIELDS)?;
    check_cost(&filter, &page, &state.settings.limits)?;
    let sort = params.sort(
        MESSAGE_SORTS,
        &[SortKey {
            field: SortField::Date,
            descending: true,
        }],
    )?;
    let q = params
        .one("q")?
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(ToString::to_string);
    if q.as_ref()
        .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(ApiError::invalid_field(
            "q",
            format!("longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    // Ordering by subject reveals it as surely as filtering on it: a binary search over
    // one's own subjects places a hidden one. Both reach only mailboxes showing subjects.
    let needs_subject =
        filter.mentions(Field::Subject) || sort.iter().any(|key| key.field == SortField::Subject);
    let needs_body = q.is_some();
    let user = caller.user_id.0;
    let roles = caller.roles.clone();
    let visible = state
        .store
        .run(move |c| mail_accounts::visible_to(c, user, &roles))
        .await?;
    let levels: HashMap<i64, Level> = visible
        .into_iter()
        .filter(|(_, level)| {
            (!needs_subject || level.shows_subject()) && (!needs_body || level.shows_body())
        })
        .collect();
    let query = MessageQuery {
        accounts: levels.keys().copied().collect(),
        owned: owned(&levels),
        filter,
        q,
        sort,
        page,
        utc_offset_minutes: utc_offset(request),
        kind: state.store.kind(),
    };
    Ok((query, levels))
}

/// The caller's own accounts among those shown.
fn owned(levels: &HashMap<i64, Level>) -> Vec<i64> {
    levels
        .iter()
        .filter(|(_, l)| **l == Level::Own)
        .map(|(id, _)| *id)
        .collect()
}

/// The page `query` selects, each message shown at its account's level.
async fn load_views(
    state: &AppState,
    query: MessageQuery,
    levels: HashMap<i64, Level>,
) -> Result<(Vec<MessageView>, i64), ApiError> {
    let limit = Duration::from_secs(state.settings.limits.query_timeout_secs);
    let (rows, count, folders, participants) = state
        .store
        .run(move |c| {
            let (rows, count) = deadline::within(c, limit, |c| message_query::list(c, &query))?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let folders = message_query::folder_ids(c, &ids)?;
            let participants = message_query::participants(c, &ids)?;
            Ok((rows, count, folders, participants))
        })
        .await?;
    let views: Vec<MessageView> = rows
        .into_iter()
        .map(|row| {
            let level = levels
                .get(&row.account_id)
                .copied()
                .unwrap_or(Level::Metadata);
            let own_folders = folders
                .iter()
                .filter(|(m, _)| *m == row.id)
                .map(|(_, f)| *f)
                .collect();
            let people: Vec<_> = participants
                .iter()
                .filter(|p| p.message_id == row.id)
                .collect();
            MessageView::new(row, level, own_folders, &people)
        })
        .collect();
    Ok((views, count))
}

/// The messages whose id field (`id`, `threadId`) is one of `ids`, by date, at most
/// `limit`, each at its account's level — for answers that show rows they just touched.
pub async fn views_with(
    state: &AppState,
    levels: HashMap<i64, Level>,
    field: Field,
    ids: &[i64],
    descending: bool,
    limit: u32,
) -> Result<Vec<MessageView>, ApiError> {
    let query = MessageQuery {
        accounts: levels.keys().copied().collect(),
        owned: owned(&levels),
        filter: Filter::Condition(Condition {
            field,
            op: Operator::In,
            value: FilterValue::Many(ids.iter().map(|id| Scalar::Int(*id)).collect()),
        }),
        q: None,
        sort: vec![SortKey {
            field: SortField::Date,
            descending,
        }],
        page: Page {
            number: 1,
            size: limit,
        },
        utc_offset_minutes: 0,
        kind: state.store.kind(),
    };
    Ok(load_views(state, query, levels).await?.0)
}
