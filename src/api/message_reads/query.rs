//! The query a list of messages asks for, as the caller may ask it: parsed from the
//! request, refused when it would be expensive for everyone, and limited to the
//! mailboxes (and, for subject and body searches, the mailboxes' fields) the caller may
//! see.

use crate::auth::Caller;
use crate::config::LimitsSettings;
use crate::http::{ApiError, QueryParams};
use crate::limits::Slot;
use crate::query::{
    Field, Filter, MESSAGE_FIELDS, MESSAGE_SORTS, Operator, Page, SortField, SortKey,
};
use crate::state::AppState;
use crate::store::mail_accounts;
use crate::store::message_query::MessageQuery;
use crate::visibility::Level;
use actix_web::HttpRequest;
use std::collections::HashMap;

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
    // one's own subjects places a hidden one. Both reach only mailboxes showing subjects;
    // so do label filters (labels are shown only with subjects).
    let needs_subject = filter.mentions(Field::Subject)
        || filter.mentions(Field::LabelIds)
        || sort.iter().any(|key| key.field == SortField::Subject);
    let needs_body = q.is_some();
    let user = caller.user_id;
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
        owned: super::views::owned(&levels),
        filter,
        q,
        sort,
        page,
        utc_offset_minutes: utc_offset(request),
        kind: state.store.kind(),
    };
    Ok((query, levels))
}
