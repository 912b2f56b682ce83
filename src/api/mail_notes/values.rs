//! `mailNotes` values and filters, read and checked: every problem a 400 naming its field.

use crate::http::ApiError;
use crate::http::fields::optional_text;
use crate::store::notes::{NoteFields, NoteRow};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

/// The longest note, in characters.
const MAX_TEXT: usize = 10_000;

/// What a note is written on, as the caller named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Message(i64),
    Thread(i64),
}

fn id(values: &Map<String, Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match values.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|v| v > 0) => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok_and(|v| v > 0) => {
            Ok(s.trim().parse().ok())
        }
        Some(_) => Err(ApiError::invalid_field(field, "expected an id")),
    }
}

fn flag(values: &Map<String, Value>, field: &str) -> Result<Option<bool>, ApiError> {
    match values.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid_field(field, "expected true or false")),
    }
}

/// `dueAt`: absent is `None`, null is `Some(None)` (no due date); an RFC 3339 time or a
/// bare day (the end of that day, UTC) otherwise.
fn due_at(values: &Map<String, Value>) -> Result<Option<Option<NaiveDateTime>>, ApiError> {
    let problem = || {
        ApiError::invalid_field(
            "dueAt",
            "expected an RFC 3339 time, a day (YYYY-MM-DD) or null",
        )
    };
    match values.get("dueAt") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => {
            let text = text.trim();
            if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                return Ok(Some(day.and_hms_opt(23, 59, 59)));
            }
            DateTime::parse_from_rfc3339(text)
                .map(|t| Some(Some(t.with_timezone(&Utc).naive_utc())))
                .map_err(|_| problem())
        }
        Some(_) => Err(problem()),
    }
}

/// Exactly one of `messageId` and `threadId`.
pub fn target(values: &Map<String, Value>) -> Result<Target, ApiError> {
    match (id(values, "messageId")?, id(values, "threadId")?) {
        (Some(message), None) => Ok(Target::Message(message)),
        (None, Some(thread)) => Ok(Target::Thread(thread)),
        (Some(_), Some(_)) => Err(ApiError::invalid_field(
            "threadId",
            "a note is on a message or on a thread, not both",
        )),
        (None, None) => Err(ApiError::invalid_field(
            "messageId",
            "required: the message (or threadId: the thread) the note is on",
        )),
    }
}

/// The fields `values` ask for, over `current` (an update) or a new note's defaults. A
/// due date makes a to-do; a note that is not a to-do has no due date and is not done.
pub fn fields(
    values: &Map<String, Value>,
    current: Option<&NoteRow>,
) -> Result<NoteFields, ApiError> {
    for key in values.keys() {
        if !["messageId", "threadId", "text", "isTodo", "dueAt", "done"].contains(&key.as_str()) {
            return Err(ApiError::invalid_field(
                key,
                "unknown field; allowed: messageId or threadId (on create), text, isTodo, dueAt, done",
            ));
        }
    }
    let mut fields = match current {
        Some(row) => NoteFields {
            text: row.text.clone(),
            is_todo: row.is_todo,
            due_at: row.due_at,
            done: row.done,
        },
        None => NoteFields {
            text: String::new(),
            is_todo: false,
            due_at: None,
            done: false,
        },
    };
    if let Some(text) = optional_text(values, "text")? {
        fields.text = text.trim().to_string();
    }
    if fields.text.is_empty() || fields.text.chars().count() > MAX_TEXT {
        return Err(ApiError::invalid_field(
            "text",
            format!("required: 1 to {MAX_TEXT} characters"),
        ));
    }
    let is_todo = flag(values, "isTodo")?;
    let due = due_at(values)?;
    if is_todo == Some(false) && matches!(due, Some(Some(_))) {
        return Err(ApiError::invalid_field(
            "dueAt",
            "only a to-do has a due date",
        ));
    }
    if let Some(is_todo) = is_todo {
        fields.is_todo = is_todo;
    }
    if let Some(due) = due {
        fields.due_at = due;
        fields.is_todo |= due.is_some();
    }
    if let Some(done) = flag(values, "done")? {
        if done && !fields.is_todo {
            return Err(ApiError::invalid_field("done", "only a to-do can be done"));
        }
        fields.done = done;
    }
    if !fields.is_todo {
        (fields.due_at, fields.done) = (None, false);
    }
    Ok(fields)
}

/// What `mailNotes:list`'s filter asks for. Fields: `messageId`, `threadId`, `isTodo`,
/// `done`, `authorId`, each a value or `{"$eq": value}`, at the top or in an `$and`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct NoteFilter {
    pub target: Option<Target>,
    pub is_todo: Option<bool>,
    pub done: Option<bool>,
    pub author: Option<i64>,
}

pub fn filter(text: Option<&str>) -> Result<NoteFilter, ApiError> {
    let mut out = NoteFilter::default();
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(out);
    };
    let invalid =
        |problem: String| ApiError::bad_request("INVALID_FILTER", format!("filter: {problem}"));
    let value: Value =
        serde_json::from_str(text).map_err(|_| invalid("expected a JSON object".into()))?;
    collect(&value, &mut out, &invalid)?;
    Ok(out)
}

fn collect(
    value: &Value,
    out: &mut NoteFilter,
    invalid: &dyn Fn(String) -> ApiError,
) -> Result<(), ApiError> {
    let Value::Object(fields) = value else {
        return Err(invalid("expected a JSON object".into()));
    };
    for (key, value) in fields {
        if key == "$and" {
            let Value::Array(parts) = value else {
                return Err(invalid("$and: expected an array".into()));
            };
            for part in parts {
                collect(part, out, invalid)?;
            }
            continue;
        }
        let value = match value {
            Value::Object(op) if op.len() == 1 && op.contains_key("$eq") => &op["$eq"],
            Value::Object(_) => {
                return Err(invalid(format!(
                    "{key}: only a value or {{\"$eq\": value}}"
                )));
            }
            other => other,
        };
        let single = Map::from_iter([(key.clone(), value.clone())]);
        match key.as_str() {
            "messageId" | "threadId" => {
                let id = id(&single, key).map_err(|_| invalid(format!("{key}: expected an id")))?;
                let target = id.map(|id| {
                    if key == "messageId" {
                        Target::Message(id)
                    } else {
                        Target::Thread(id)
                    }
                });
                if out.target.is_some() && target.is_some() && out.target != target {
                    return Err(invalid("messageId and threadId: one at most".into()));
                }
                out.target = out.target.or(target);
            }
            "isTodo" => {
                out.is_todo = flag(&single, key)
                    .map_err(|_| invalid(format!("{key}: expected true or false")))?
            }
            "done" => {
                out.done = flag(&single, key)
                    .map_err(|_| invalid(format!("{key}: expected true or false")))?
            }
            "authorId" => {
                out.author =
                    id(&single, key).map_err(|_| invalid(format!("{key}: expected an id")))?
            }
            other => {
                return Err(invalid(format!(
                    "unknown field {other:?}; allowed: messageId, threadId, isTodo, done, authorId"
                )));
            }
        }
    }
    Ok(())
}
