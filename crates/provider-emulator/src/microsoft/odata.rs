//! The `$filter` / `$orderby` / `$search` subset Graph mail clients use.

use super::errors;
use crate::reply::Reply;
use crate::world::GraphMessage;

#[derive(Debug, Clone)]
enum Clause {
    IsRead(bool),
    IsDraft(bool),
    HasAttachments(bool),
    Received(String, i64),
    From(String),
    InternetMessageId(String),
    ConversationId(String),
}

/// A parsed listing query.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    clauses: Vec<Clause>,
    search: Option<String>,
    pub ascending: bool,
}

fn quoted(value: &str) -> Option<String> {
    value
        .strip_prefix('\'')?
        .strip_suffix('\'')
        .map(|v| v.replace("''", "'"))
}

fn boolean(value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

impl Filter {
    pub fn parse(
        filter: Option<&str>,
        orderby: Option<&str>,
        search: Option<&str>,
    ) -> Result<Filter, Reply> {
        if search.is_some() && (filter.is_some() || orderby.is_some()) {
            return Err(errors::error(
                400,
                "ErrorInvalidRequest",
                "$search is not supported together with $filter or $orderby.",
            ));
        }
        let mut parsed = Filter {
            search: search.map(|s| s.trim_matches('"').to_lowercase()),
            ..Filter::default()
        };
        let mut first_property = None;
        if let Some(filter) = filter {
            for expression in filter.split(" and ") {
                let parts: Vec<&str> = expression.trim().splitn(3, ' ').collect();
                let [property, op, value] = parts.as_slice() else {
                    return Err(errors::bad_request(&format!(
                        "Invalid filter clause: {expression}"
                    )));
                };
                first_property.get_or_insert(property.to_string());
                let bad = || errors::bad_request(&format!("Invalid filter clause: {expression}"));
                let clause = match (property.to_ascii_lowercase().as_str(), *op) {
                    ("isread", "eq") => Clause::IsRead(boolean(value).ok_or_else(bad)?),
                    ("isdraft", "eq") => Clause::IsDraft(boolean(value).ok_or_else(bad)?),
                    ("hasattachments", "eq") => {
                        Clause::HasAttachments(boolean(value).ok_or_else(bad)?)
                    }
                    ("receiveddatetime", "ge" | "gt" | "le" | "lt" | "eq") => {
                        let at = chrono::DateTime::parse_from_rfc3339(value.trim_matches('\''))
                            .map_err(|_| bad())?;
                        Clause::Received(op.to_string(), at.timestamp_millis())
                    }
                    ("from/emailaddress/address", "eq") => {
                        Clause::From(quoted(value).ok_or_else(bad)?.to_lowercase())
                    }
                    ("internetmessageid", "eq") => {
                        Clause::InternetMessageId(quoted(value).ok_or_else(bad)?)
                    }
                    ("conversationid", "eq") => {
                        Clause::ConversationId(quoted(value).ok_or_else(bad)?)
                    }
                    _ => return Err(bad()),
                };
                parsed.clauses.push(clause);
            }
        }
        if let Some(orderby) = orderby {
            let mut words = orderby.split_whitespace();
            let property = words.next().unwrap_or("");
            if !property.eq_ignore_ascii_case("receivedDateTime") {
                return Err(errors::bad_request(&format!(
                    "Ordering by {property} is not supported."
                )));
            }
            if first_property
                .as_deref()
                .is_some_and(|first| !first.eq_ignore_ascii_case(property))
            {
                return Err(errors::error(
                    400,
                    "InefficientFilter",
                    "The restriction or sort order is too complex for this operation.",
                ));
            }
            parsed.ascending = words.next().is_some_and(|d| d.eq_ignore_ascii_case("asc"));
        }
        Ok(parsed)
    }

    pub fn matches(&self, message: &GraphMessage) -> bool {
        let meta = &message.message.meta;
        let clauses = self.clauses.iter().all(|clause| match clause {
            Clause::IsRead(v) => message.is_read == *v,
            Clause::IsDraft(v) => message.is_draft == *v,
            Clause::HasAttachments(v) => meta.has_files == *v,
            Clause::Received(op, at) => match op.as_str() {
                "ge" => message.received_ms >= *at,
                "gt" => message.received_ms > *at,
                "le" => message.received_ms <= *at,
                "lt" => message.received_ms < *at,
                _ => message.received_ms == *at,
            },
            Clause::From(address) => meta.from.address.eq_ignore_ascii_case(address),
            Clause::InternetMessageId(id) => meta.message_id == *id,
            Clause::ConversationId(id) => message.conversation_id == *id,
        });
        clauses
            && self.search.as_ref().is_none_or(|words| {
                let haystack = format!(
                    "{} {} {} {}",
                    meta.subject, meta.from.address, meta.from.name, meta.snippet
                )
                .to_lowercase();
                words.split_whitespace().all(|w| haystack.contains(w))
            })
    }
}
