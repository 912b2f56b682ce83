//! The listing every mail client opens with — one folder, newest first — read off the
//! `(folder_id, received_at, message_id)` index of folder links, so its cost does not grow
//! with the folder: a page walks its own rows, and further conditions are checked per row
//! (`EXISTS`) in index order until the page is full. Listings of any other shape go
//! through [`super::list`]'s general path.

use super::{ListedMessage, MessageQuery, predicate};
use crate::query::{Condition, Field, Filter, Operator, Scalar, Value};
use crate::store::schema::{mail_folders, mail_message_folders, mail_messages};
use crate::store::{DbConnection, StoreError};
use diesel::dsl::sql;
use diesel::expression::{ValidGrouping, is_aggregate};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool};
use std::collections::HashMap;

type Backend = <DbConnection as Connection>::Backend;

/// `EXISTS (<subquery>)` over a boxed subquery. Diesel's own `exists` wants every part
/// of the subquery typed for the outer query and for each backend separately; the
/// listing's predicate is boxed for `mail_messages` on the multi-backend connection, so
/// this node hands the subquery's SQL through as it is.
#[derive(Debug)]
struct Exists<T>(T);

impl<T> Expression for Exists<T> {
    type SqlType = Bool;
}

impl<T, QS> AppearsOnTable<QS> for Exists<T> {}

impl<T, QS> SelectableExpression<QS> for Exists<T> {}

impl<T> ValidGrouping<()> for Exists<T> {
    type IsAggregate = is_aggregate::Never;
}

impl<T> QueryId for Exists<T> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T: QueryFragment<Backend>> QueryFragment<Backend> for Exists<T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        out.push_sql("EXISTS (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

/// The one folder a filter confines a listing to (`folderId` `$eq`, or `$in` one id, at the
/// top level or inside top-level `$and`s, as NocoBase nests a block's filter with the
/// user's), and what else the filter asks.
pub fn single_folder(filter: &Filter) -> Option<(i64, Filter)> {
    let mut parts = Vec::new();
    flatten(filter, &mut parts);
    let (at, id) = parts
        .iter()
        .enumerate()
        .find_map(|(at, part)| one_folder(part).map(|id| (at, id)))?;
    parts.remove(at);
    Some((id, Filter::And(parts)))
}

/// The conjuncts of a filter: `$and`s opened all the way down.
fn flatten(filter: &Filter, out: &mut Vec<Filter>) {
    match filter {
        Filter::And(parts) => parts.iter().for_each(|part| flatten(part, out)),
        other => out.push(other.clone()),
    }
}

fn one_folder(part: &Filter) -> Option<i64> {
    let Filter::Condition(Condition {
        field: Field::FolderId,
        op: Operator::Eq | Operator::In,
        value,
        ..
    }) = part
    else {
        return None;
    };
    match value {
        Value::One(Scalar::Int(id)) => Some(*id),
        Value::Many(ids) => match ids.as_slice() {
            [Scalar::Int(id)] => Some(*id),
            _ => None,
        },
        _ => None,
    }
}

/// True when a filter asks for unread messages and nothing else.
fn only_unread(filter: &Filter) -> bool {
    let mut parts = Vec::new();
    flatten(filter, &mut parts);
    match parts.as_slice() {
        [
            Filter::Condition(Condition {
                field: Field::IsRead,
                op,
                value: Value::One(Scalar::Bool(read)),
                ..
            }),
        ] => matches!((op, read), (Operator::Eq, false) | (Operator::Ne, true)),
        _ => false,
    }
}

/// True when a filter has no condition left in it.
fn matches_everything(filter: &Filter) -> bool {
    match filter {
        Filter::And(parts) => parts.iter().all(matches_everything),
        Filter::Or(_) | Filter::Condition(_) => false,
    }
}

/// One page of `folder`'s messages by date (`descending` or not) and the total count;
/// `rest` and `query.q` narrow it further, `query.accounts` bound it as everywhere.
pub fn list(
    connection: &mut DbConnection,
    query: &MessageQuery,
    folder: i64,
    rest: Filter,
    descending: bool,
) -> Result<(Vec<ListedMessage>, i64), StoreError> {
    let found: Option<(i64, i64, i64)> = mail_folders::table
        .find(folder)
        .select((
            mail_folders::account_id,
            mail_folders::total_count,
            mail_folders::unread_count,
        ))
        .first(connection)
        .optional()?;
    let Some((owner, total, unread)) = found else {
        return Ok((Vec::new(), 0));
    };
    if !query.accounts.contains(&owner) {
        return Ok((Vec::new(), 0));
    }
    let searching = query.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    let plain = matches_everything(&rest) && !searching;
    // The folder row's counts are kept exact by triggers (migration 000005): the two
    // views every mail client has, all and unread, need no counting.
    let known_count = if plain {
        Some(total)
    } else if only_unread(&rest) && !searching {
        Some(unread)
    } else {
        None
    };
    let narrowed = MessageQuery {
        filter: rest,
        ..query.clone()
    };
    // Each link row is checked against the rest of the query on its own message: the
    // subquery names the outer row's message id (a fixed column, no input in it).
    let matching = || {
        Exists(
            mail_messages::table
                .filter(mail_messages::id.eq(sql::<BigInt>("mail_message_folders.message_id")))
                .filter(predicate(&narrowed))
                .select(mail_messages::id)
                .into_boxed(),
        )
    };
    let mut links = mail_message_folders::table
        .filter(mail_message_folders::folder_id.eq(folder))
        .into_boxed();
    let mut counted = mail_message_folders::table
        .filter(mail_message_folders::folder_id.eq(folder))
        .into_boxed();
    if !plain {
        links = links.filter(matching());
        counted = counted.filter(matching());
    }
    let count: i64 = match known_count {
        Some(count) => count,
        None => counted.count().get_result(connection)?,
    };
    links = if descending {
        links.order((
            mail_message_folders::received_at.desc(),
            mail_message_folders::message_id.desc(),
        ))
    } else {
        links.order((
            mail_message_folders::received_at.asc(),
            mail_message_folders::message_id.asc(),
        ))
    };
    let ids: Vec<i64> = links
        .select(mail_message_folders::message_id)
        .offset(query.page.offset() as i64)
        .limit(i64::from(query.page.size))
        .load(connection)?;
    let mut rows: HashMap<i64, ListedMessage> = mail_messages::table
        .filter(mail_messages::id.eq_any(&ids))
        .select(ListedMessage::as_select())
        .load::<ListedMessage>(connection)?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let page = ids.iter().filter_map(|id| rows.remove(id)).collect();
    Ok((page, count))
}

#[cfg(test)]
mod tests {
    use super::{Condition, Field, Filter, Operator, Scalar, Value, single_folder};

    fn on(field: Field, op: Operator, value: Value) -> Filter {
        Filter::Condition(Condition { field, op, value })
    }

    fn folder(op: Operator, ids: &[i64]) -> Filter {
        let value = match (op, ids) {
            (Operator::In, ids) => Value::Many(ids.iter().map(|id| Scalar::Int(*id)).collect()),
            (_, [id, ..]) => Value::One(Scalar::Int(*id)),
            (_, []) => Value::Many(Vec::new()),
        };
        on(Field::FolderId, op, value)
    }

    fn unread() -> Filter {
        on(Field::IsRead, Operator::Eq, Value::One(Scalar::Bool(false)))
    }

    #[test]
    fn finds_the_folder_only_where_it_confines_the_whole_listing() {
        let found = |filter: Filter| single_folder(&filter).map(|(id, _)| id);
        assert_eq!(found(folder(Operator::Eq, &[3])), Some(3));
        assert_eq!(found(folder(Operator::In, &[3])), Some(3));
        assert_eq!(
            found(Filter::And(vec![unread(), folder(Operator::Eq, &[3])])),
            Some(3)
        );
        assert_eq!(found(folder(Operator::In, &[3, 4])), None);
        assert_eq!(found(folder(Operator::Ne, &[3])), None);
        assert_eq!(
            found(Filter::Or(vec![folder(Operator::Eq, &[3]), unread()])),
            None
        );
        let (_, rest) = single_folder(&Filter::And(vec![
            Filter::And(vec![unread()]),
            folder(Operator::Eq, &[3]),
        ]))
        .unwrap_or_else(|| panic!("a folder"));
        let Filter::And(parts) = rest else {
            panic!("a conjunction")
        };
        assert!(matches!(parts.as_slice(), [Filter::Condition(c)] if c.field == Field::IsRead));
    }
}
