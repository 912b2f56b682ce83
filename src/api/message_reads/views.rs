//! Messages shown as the caller may see them: each row at its mailbox's visibility level.

use super::view::MessageView;
use crate::http::ApiError;
use crate::query::{
    Condition, Field, Filter, Operator, Page, Scalar, SortField, SortKey, Value as FilterValue,
};
use crate::state::AppState;
use crate::store::deadline;
use crate::store::labels;
use crate::store::message_query::{self, MessageQuery};
use crate::visibility::Level;
use std::collections::HashMap;
use std::time::Duration;

/// The caller's own accounts among those shown.
pub(super) fn owned(levels: &HashMap<i64, Level>) -> Vec<i64> {
    levels
        .iter()
        .filter(|(_, l)| **l == Level::Own)
        .map(|(id, _)| *id)
        .collect()
}

/// The page `query` selects, each message shown at its account's level.
pub async fn load_views(
    state: &AppState,
    query: MessageQuery,
    levels: HashMap<i64, Level>,
) -> Result<(Vec<MessageView>, i64), ApiError> {
    let limit = Duration::from_secs(state.settings.limits.query_timeout_secs);
    let (rows, count, folders, participants, mut labels) = state
        .store
        .run(move |c| {
            let (rows, count) = deadline::within(c, limit, |c| message_query::list(c, &query))?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let folders = message_query::folder_ids(c, &ids)?;
            let participants = message_query::participants(c, &ids)?;
            let labels = labels::of_messages(c, &ids)?;
            Ok((rows, count, folders, participants, labels))
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
            let own_labels = labels.remove(&row.id).unwrap_or_default();
            MessageView::new(row, level, own_folders, own_labels, &people)
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
