//! The query model's filter tree ([`crate::query::Filter`]) compiled to diesel
//! expressions — never SQL built from strings — with full-text `q` and the accounts a
//! caller may see. Every field is matched by name of its variant: one declared in the
//! query model and not compiled here does not build.

use super::MessageQuery;
use crate::config::DatabaseKind;
use crate::query::{Condition, Field, Filter, Operator, Scalar, Value};
use crate::store::DbConnection;
use crate::store::schema::{
    mail_message_folders, mail_message_labels, mail_messages, mail_participants,
};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

type Backend = <DbConnection as Connection>::Backend;
type Predicate = Box<dyn BoxableExpression<mail_messages::table, Backend, SqlType = Bool>>;

diesel::define_sql_function!(fn lower(x: Text) -> Text);

fn always(value: bool) -> Predicate {
    Box::new(sql::<Bool>(if value { "1 = 1" } else { "1 = 0" }))
}

/// The text values of a condition, owned (diesel binds them).
fn texts(value: &Value) -> Vec<String> {
    value.texts().into_iter().map(str::to_string).collect()
}

/// `%text%` with LIKE's wildcards escaped.
fn contains_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

fn start_of_day(day: NaiveDate, offset_minutes: i32) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default() - Duration::minutes(i64::from(offset_minutes))
}

fn instant(scalar: &Scalar, offset: i32) -> Option<NaiveDateTime> {
    match scalar {
        Scalar::Instant(at) => Some(at.naive_utc()),
        Scalar::Day(day) => Some(start_of_day(*day, offset)),
        _ => None,
    }
}

// A participant's own message, joined inside the participant subquery (under another
// name, as the outer query already reads `mail_messages`) to see which mailbox it is in.
diesel::alias! {
    const PARTICIPANT_MESSAGE: Alias<ParticipantMessage> = mail_messages as participant_message;
}

/// `mail_messages.id IN (participants matching …)`, built from concrete subqueries: the
/// backend-dispatching query builder cannot nest boxed expressions inside a subselect.
macro_rules! participant_in {
    ($role:expr, $owned:expr, $matches:expr) => {{
        let predicate: Predicate = match $role {
            Some(role) => Box::new(
                mail_messages::id.eq_any(
                    mail_participants::table
                        .filter(mail_participants::role.eq(role))
                        .filter($matches)
                        .select(mail_participants::message_id),
                ),
            ),
            // One subquery, so the database can start from the few matching participants
            // (a semi-join) rather than test every visible message. Bcc rows count only
            // where the participant's message is in one of the caller's own mailboxes;
            // only they look at their message (the OR stops at a non-Bcc role), so the
            // rest is read off the (domain | address, role, message_id) index alone.
            None => Box::new(
                mail_messages::id.eq_any(
                    mail_participants::table
                        .filter($matches)
                        .filter(
                            mail_participants::role.ne("bcc").or(diesel::dsl::exists(
                                PARTICIPANT_MESSAGE
                                    .filter(
                                        PARTICIPANT_MESSAGE
                                            .field(mail_messages::id)
                                            .eq(mail_participants::message_id),
                                    )
                                    .filter(
                                        PARTICIPANT_MESSAGE
                                            .field(mail_messages::account_id)
                                            .eq_any($owned.to_vec()),
                                    )
                                    .select(PARTICIPANT_MESSAGE.field(mail_messages::id)),
                            )),
                        )
                        .select(mail_participants::message_id),
                ),
            ),
        };
        predicate
    }};
}

/// Messages with a participant (of any role, or of `role`) whose address or domain
/// matches the condition.
fn with_participant(
    condition: &Condition,
    role: Option<&'static str>,
    domain: bool,
    owned: &[i64],
    kind: DatabaseKind,
) -> Predicate {
    // Substring scans read the whole participants table: they stop at the deadline.
    let in_time = crate::store::deadline::in_time_sql(kind);
    use Operator as O;
    let values = texts(&condition.value);
    let matched: Predicate = match condition.op {
        O::Includes | O::NotIncludes => {
            let mut any = always(false);
            for value in values {
                let pattern = contains_pattern(&value);
                let one = if domain {
                    participant_in!(
                        role,
                        owned,
                        // The check first: SQLite stops evaluating an AND at its first
                        // false, and most rows do not match.
                        sql::<Bool>(in_time)
                            .and(mail_participants::domain.like(pattern).escape('\\'))
                    )
                } else {
                    participant_in!(
                        role,
                        owned,
                        // The check first: SQLite stops evaluating an AND at its first
                        // false, and most rows do not match.
                        sql::<Bool>(in_time)
                            .and(mail_participants::address.like(pattern).escape('\\'))
                    )
                };
                any = Box::new(any.or(one));
            }
            any
        }
        O::Exists | O::NotEmpty | O::Empty => {
            participant_in!(role, owned, mail_participants::address.ne(""))
        }
        _ if domain => participant_in!(role, owned, mail_participants::domain.eq_any(values)),
        _ => participant_in!(role, owned, mail_participants::address.eq_any(values)),
    };
    let wanted = match condition.op {
        O::Ne | O::NotIn | O::NotIncludes => false,
        O::Exists => condition.value.flag(),
        O::Empty => !condition.value.flag(),
        _ => true,
    };
    if wanted {
        matched
    } else {
        Box::new(diesel::dsl::not(matched))
    }
}

macro_rules! compare_int {
    ($column:expr, $op:expr, $values:expr) => {{
        let values = $values;
        let first = values.first().copied().unwrap_or_default();
        let predicate: Predicate = match $op {
            Operator::Eq => Box::new($column.eq(first)),
            Operator::Ne => Box::new($column.ne(first)),
            Operator::In => Box::new($column.eq_any(values)),
            Operator::NotIn => Box::new(diesel::dsl::not($column.eq_any(values))),
            Operator::Gt => Box::new($column.gt(first)),
            Operator::Gte => Box::new($column.ge(first)),
            Operator::Lt => Box::new($column.lt(first)),
            Operator::Lte => Box::new($column.le(first)),
            _ => always(false),
        };
        predicate
    }};
}

fn condition(c: &Condition, offset: i32, owned: &[i64], kind: DatabaseKind) -> Predicate {
    use Operator as O;
    match c.field {
        Field::Id => compare_int!(mail_messages::id, c.op, c.value.ints()),
        Field::AccountId => compare_int!(mail_messages::account_id, c.op, c.value.ints()),
        Field::ThreadId => {
            let values = c.value.ints();
            match c.op {
                O::Eq | O::In => Box::new(
                    mail_messages::thread_id
                        .assume_not_null()
                        .eq_any(values.clone()),
                ),
                O::Ne | O::NotIn => Box::new(diesel::dsl::not(
                    mail_messages::thread_id
                        .assume_not_null()
                        .eq_any(values.clone()),
                )),
                _ => always(false),
            }
        }
        Field::FolderId => {
            let values = c.value.ints();
            let members = mail_message_folders::table
                .filter(mail_message_folders::folder_id.eq_any(values))
                .select(mail_message_folders::message_id);
            match c.op {
                O::Eq | O::In => Box::new(mail_messages::id.eq_any(members)),
                O::Ne | O::NotIn => Box::new(diesel::dsl::not(mail_messages::id.eq_any(members))),
                _ => always(false),
            }
        }
        Field::LabelIds => {
            // A message carries any (`$in`, `$includes`, `$eq`) or none (`$notIn`,
            // `$notIncludes`, `$ne`) of the labels; `$empty` asks for no label at all.
            let values = c.value.ints();
            let carrying = mail_message_labels::table
                .filter(mail_message_labels::label_id.eq_any(values))
                .select(mail_message_labels::message_id);
            let labelled = mail_message_labels::table.select(mail_message_labels::message_id);
            match c.op {
                O::Eq | O::In | O::Includes => Box::new(mail_messages::id.eq_any(carrying)),
                O::Ne | O::NotIn | O::NotIncludes => {
                    Box::new(diesel::dsl::not(mail_messages::id.eq_any(carrying)))
                }
                O::Empty if c.value.flag() => {
                    Box::new(diesel::dsl::not(mail_messages::id.eq_any(labelled)))
                }
                O::Empty | O::NotEmpty => Box::new(mail_messages::id.eq_any(labelled)),
                _ => always(false),
            }
        }
        Field::Subject => {
            let values = texts(&c.value);
            let first = values.first().cloned().unwrap_or_default();
            match c.op {
                O::Eq => Box::new(mail_messages::subject.eq(first)),
                O::Ne => Box::new(mail_messages::subject.ne(first)),
                O::In => Box::new(mail_messages::subject.eq_any(values)),
                O::NotIn => Box::new(diesel::dsl::not(mail_messages::subject.eq_any(values))),
                O::Includes | O::NotIncludes => {
                    let mut any: Predicate = always(false);
                    for value in values {
                        any = Box::new(
                            any.or(sql::<Bool>(crate::store::deadline::in_time_sql(kind)).and(
                                lower(mail_messages::subject)
                                    .like(contains_pattern(&value.to_lowercase()))
                                    .escape('\\'),
                            )),
                        );
                    }
                    if c.op == O::Includes {
                        any
                    } else {
                        Box::new(diesel::dsl::not(any))
                    }
                }
                O::Empty if c.value.flag() => Box::new(mail_messages::subject.eq("")),
                O::Empty => Box::new(mail_messages::subject.ne("")),
                O::NotEmpty => Box::new(mail_messages::subject.ne("")),
                O::Exists => always(c.value.flag()),
                _ => always(false),
            }
        }
        Field::FromAddress => {
            let values = texts(&c.value);
            let first = values.first().cloned().unwrap_or_default();
            match c.op {
                O::Eq => Box::new(mail_messages::from_address.assume_not_null().eq(first)),
                O::Ne => Box::new(
                    mail_messages::from_address
                        .assume_not_null()
                        .ne(first)
                        .or(mail_messages::from_address.is_null()),
                ),
                O::In => Box::new(mail_messages::from_address.assume_not_null().eq_any(values)),
                O::NotIn => Box::new(
                    diesel::dsl::not(mail_messages::from_address.assume_not_null().eq_any(values))
                        .or(mail_messages::from_address.is_null()),
                ),
                O::Includes | O::NotIncludes => {
                    let mut any: Predicate = always(false);
                    for value in values {
                        any = Box::new(
                            any.or(sql::<Bool>(crate::store::deadline::in_time_sql(kind)).and(
                                mail_messages::from_address
                                    .assume_not_null()
                                    .like(contains_pattern(&value))
                                    .escape('\\'),
                            )),
                        );
                    }
                    if c.op == O::Includes {
                        any
                    } else {
                        Box::new(diesel::dsl::not(any))
                    }
                }
                O::Exists | O::NotEmpty if c.value.flag() || c.op == O::NotEmpty => {
                    Box::new(mail_messages::from_address.is_not_null())
                }
                O::Exists => Box::new(mail_messages::from_address.is_null()),
                O::Empty if c.value.flag() => Box::new(mail_messages::from_address.is_null()),
                O::Empty => Box::new(mail_messages::from_address.is_not_null()),
                _ => always(false),
            }
        }
        Field::ToAddress => with_participant(c, Some("to"), false, owned, kind),
        Field::ParticipantsAddress => with_participant(c, None, false, owned, kind),
        Field::ParticipantsDomain => with_participant(c, None, true, owned, kind),
        Field::IsRead => Box::new(mail_messages::is_read.eq(wanted_flag(c))),
        Field::IsStarred => Box::new(mail_messages::is_starred.eq(wanted_flag(c))),
        Field::HasAttachments => Box::new(mail_messages::has_attachments.eq(wanted_flag(c))),
        Field::Date => {
            let Some(scalar) = c.value.scalars().iter().next() else {
                return always(
                    matches!(c.op, O::Exists | O::NotEmpty) == c.value.flag()
                        || c.op == O::NotEmpty,
                );
            };
            let day = match scalar {
                Scalar::Day(day) => Some(*day),
                Scalar::Instant(at) => {
                    Some((at.naive_utc() + Duration::minutes(i64::from(offset))).date())
                }
                _ => None,
            };
            let Some(at) = instant(scalar, offset) else {
                return always(false);
            };
            let (day_start, day_end) = match day {
                Some(day) => (
                    start_of_day(day, offset),
                    start_of_day(day, offset) + Duration::days(1),
                ),
                None => (at, at),
            };
            match c.op {
                O::Eq => Box::new(mail_messages::received_at.eq(at)),
                O::Ne => Box::new(mail_messages::received_at.ne(at)),
                O::Gt => Box::new(mail_messages::received_at.gt(at)),
                O::Gte => Box::new(mail_messages::received_at.ge(at)),
                O::Lt => Box::new(mail_messages::received_at.lt(at)),
                O::Lte => Box::new(mail_messages::received_at.le(at)),
                O::DateOn => Box::new(
                    mail_messages::received_at
                        .ge(day_start)
                        .and(mail_messages::received_at.lt(day_end)),
                ),
                O::DateBefore => Box::new(mail_messages::received_at.lt(day_start)),
                O::DateAfter => Box::new(mail_messages::received_at.ge(day_end)),
                _ => always(false),
            }
        }
    }
}

/// The value a yes/no condition asks its column to have (`$ne` turns it round).
fn wanted_flag(c: &Condition) -> bool {
    let wanted = c
        .value
        .scalars()
        .iter()
        .any(|s| matches!(s, Scalar::Bool(true)));
    if c.op == Operator::Ne {
        !wanted
    } else {
        wanted
    }
}

fn compile(filter: &Filter, offset: i32, owned: &[i64], kind: DatabaseKind) -> Predicate {
    match filter {
        Filter::And(parts) => parts.iter().fold(always(true), |acc, part| {
            Box::new(acc.and(compile(part, offset, owned, kind)))
        }),
        Filter::Or(parts) => parts.iter().fold(always(false), |acc, part| {
            Box::new(acc.or(compile(part, offset, owned, kind)))
        }),
        Filter::Condition(c) => condition(c, offset, owned, kind),
    }
}

/// Words of a search, each quoted so no FTS syntax comes from the user.
fn fts_query(q: &str) -> String {
    q.split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn search(kind: DatabaseKind, q: &str) -> Predicate {
    match kind {
        DatabaseKind::Sqlite => Box::new(
            sql::<Bool>("mail_messages.id IN (SELECT rowid FROM mail_messages_fts WHERE mail_messages_fts MATCH ")
                .bind::<Text, _>(fts_query(q))
                .sql(")"),
        ),
        DatabaseKind::Postgres => Box::new(sql::<Bool>("mail_messages.search @@ plainto_tsquery('simple', ").bind::<Text, _>(q.to_string()).sql(")")),
    }
}

pub(in crate::store) fn predicate(query: &MessageQuery) -> Predicate {
    // One mailbox as `=`: PostgreSQL does not walk the (account, date) index in date
    // order for `account_id = ANY(array)`, so a one-mailbox listing would sort it all.
    let mut all: Predicate = match query.accounts.as_slice() {
        [one] => Box::new(mail_messages::account_id.eq(*one)),
        many => Box::new(mail_messages::account_id.eq_any(many.to_vec())),
    };
    all = Box::new(all.and(compile(
        &query.filter,
        query.utc_offset_minutes,
        &query.owned,
        query.kind,
    )));

    if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
        all = Box::new(all.and(search(query.kind, q)));
    }
    all
}
