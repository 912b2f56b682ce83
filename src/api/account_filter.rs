//! The filter of the lists kept per mailbox (`mailFolders`, `mailLabels`): `accountId`
//! only, with `$eq` or `$in`.

use crate::http::ApiError;
use crate::query::{Filter, Operator};

/// The account ids a filter names (`{"accountId": 3}` or `{"accountId": {"$in": [..]}}`);
/// `None` without a filter. `resource` names the list in the refusal.
pub fn wanted_accounts(filter: &Filter, resource: &str) -> Result<Option<Vec<i64>>, ApiError> {
    match filter {
        Filter::And(parts) if parts.is_empty() => Ok(None),
        Filter::Condition(c) if matches!(c.op, Operator::Eq | Operator::In) => {
            Ok(Some(c.value.ints()))
        }
        _ => Err(ApiError::bad_request(
            "INVALID_FILTER",
            format!("filter: {resource} takes accountId with $eq or $in"),
        )),
    }
}
