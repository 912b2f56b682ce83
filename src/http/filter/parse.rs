use crate::query::{Condition, Field, FieldKind, Filter, Operator, Scalar, Value};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value as Json};
use std::fmt;

/// Nesting deeper than this is refused (a filter UI never builds it; an attacker might).
const MAX_DEPTH: usize = 16;
/// Conditions in one filter.
const MAX_CONDITIONS: usize = 200;
/// Items in one `$in` list.
const MAX_LIST: usize = 1000;
/// Characters in one text value.
const MAX_TEXT: usize = 1000;

/// Why a filter was refused, and where: `path` is like `filter.$or[1].subject.$gt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Parses a `filter` JSON string against the fields an endpoint allows.
pub fn parse_filter(text: &str, fields: &[Field]) -> Result<Filter, FilterError> {
    let json: Json = serde_json::from_str(text).map_err(|_| FilterError {
        path: "filter".into(),
        message: "not valid JSON".into(),
    })?;
    Parser {
        fields,
        conditions: 0,
    }
    .object(&json, "", "filter", 0)
}

struct Parser<'f> {
    fields: &'f [Field],
    conditions: usize,
}

fn fail<T>(path: &str, message: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError {
        path: path.to_string(),
        message: message.into(),
    })
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn combine(mut parts: Vec<Filter>) -> Filter {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        Filter::And(parts)
    }
}

impl Parser<'_> {
    /// An object of field conditions and `$and`/`$or` groups, all of which must hold.
    /// `prefix` is the field path so far (for nested `{"from": {"address": …}}`).
    fn object(
        &mut self,
        json: &Json,
        prefix: &str,
        path: &str,
        depth: usize,
    ) -> Result<Filter, FilterError> {
        if depth > MAX_DEPTH {
            return fail(path, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let Json::Object(map) = json else {
            return fail(path, "expected an object");
        };
        let mut parts = Vec::with_capacity(map.len());
        for (key, value) in map {
            let here = format!("{path}.{key}");
            match key.as_str() {
                "$and" => parts.push(Filter::And(self.group(value, prefix, &here, depth)?)),
                "$or" => parts.push(Filter::Or(self.group(value, prefix, &here, depth)?)),
                op if op.starts_with('$') => {
                    return fail(&here, "an operator needs a field before it");
                }
                name => match name.split_once(".$") {
                    // NocoBase's `{"subject.$includes": "x"}` form.
                    Some((field, op)) => {
                        let spec = self.field(&join(prefix, field), &here)?;
                        parts.push(self.condition(spec, &format!("${op}"), value, &here)?);
                    }
                    None => {
                        parts.push(self.field_value(&join(prefix, name), value, &here, depth)?)
                    }
                },
            }
        }
        Ok(combine(parts))
    }

    /// The items of `$and` / `$or`: an array of objects (an object counts as one item).
    fn group(
        &mut self,
        json: &Json,
        prefix: &str,
        path: &str,
        depth: usize,
    ) -> Result<Vec<Filter>, FilterError> {
        match json {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.object(item, prefix, &format!("{path}[{i}]"), depth + 1))
                .collect(),
            Json::Object(_) => Ok(vec![self.object(json, prefix, path, depth + 1)?]),
            _ => fail(path, "expected an array of conditions"),
        }
    }

    /// What follows a field name: a value (`$eq`), an array (`$in`), null, an operator
    /// object, or — for a path prefix such as `from` — a nested object of sub-fields.
    fn field_value(
        &mut self,
        name: &str,
        json: &Json,
        path: &str,
        depth: usize,
    ) -> Result<Filter, FilterError> {
        let Some(spec) = self.lookup(name) else {
            let prefix = format!("{name}.");
            if json.is_object() && self.fields.iter().any(|f| f.name().starts_with(&prefix)) {
                return self.object(json, name, path, depth + 1);
            }
            return self.field(name, path).map(|_| Filter::all());
        };
        match json {
            Json::Object(map) => self.operators(spec, map, path),
            Json::Array(_) => self.condition(spec, "$in", json, path),
            Json::Null => self.condition(spec, "$exists", &Json::Bool(false), path),
            _ => self.condition(spec, "$eq", json, path),
        }
    }

    fn operators(
        &mut self,
        spec: Field,
        map: &Map<String, Json>,
        path: &str,
    ) -> Result<Filter, FilterError> {
        if map.is_empty() {
            return fail(path, "expected an operator such as $eq");
        }
        let mut parts = Vec::with_capacity(map.len());
        for (op, value) in map {
            let here = format!("{path}.{op}");
            if !op.starts_with('$') {
                return fail(&here, format!("{} has no sub-field {op:?}", spec.name()));
            }
            parts.push(self.condition(spec, op, value, &here)?);
        }
        Ok(combine(parts))
    }

    fn lookup(&self, name: &str) -> Option<Field> {
        self.fields.iter().copied().find(|f| f.name() == name)
    }

    fn field(&self, name: &str, path: &str) -> Result<Field, FilterError> {
        self.lookup(name).map_or_else(
            || {
                let known: Vec<&str> = self.fields.iter().map(|f| f.name()).collect();
                fail(
                    path,
                    format!("unknown field {name:?}; filterable: {}", known.join(", ")),
                )
            },
            Ok,
        )
    }

    fn condition(
        &mut self,
        spec: Field,
        op_name: &str,
        json: &Json,
        path: &str,
    ) -> Result<Filter, FilterError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return fail(path, format!("more than {MAX_CONDITIONS} conditions"));
        }
        let Some(&(_, op)) = Operator::NAMES.iter().find(|(name, _)| *name == op_name) else {
            return fail(path, format!("unknown operator {op_name}"));
        };
        if !op.applies_to(spec.kind()) {
            return fail(
                path,
                format!("{} cannot be used on {}", op.name(), spec.name()),
            );
        }
        let value = match (op, json) {
            (Operator::Exists | Operator::Empty | Operator::NotEmpty, Json::Bool(flag)) => {
                Value::Flag(*flag)
            }
            (Operator::Exists | Operator::Empty | Operator::NotEmpty, _) => {
                return fail(path, "expected true or false");
            }
            // `{"subject": {"$eq": null}}` asks for rows without a value.
            (Operator::Eq | Operator::Ne, Json::Null) => {
                let exists = op == Operator::Ne;
                return Ok(self.make(spec, Operator::Exists, Value::Flag(exists)));
            }
            (
                Operator::In | Operator::NotIn | Operator::Includes | Operator::NotIncludes,
                Json::Array(items),
            ) => {
                if items.len() > MAX_LIST {
                    return fail(path, format!("more than {MAX_LIST} values"));
                }
                let values = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| scalar(spec.kind(), op, item, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?;
                Value::Many(values)
            }
            (Operator::In | Operator::NotIn, one) => {
                Value::Many(vec![scalar(spec.kind(), op, one, path)?])
            }
            (_, one) => Value::One(scalar(spec.kind(), op, one, path)?),
        };
        Ok(self.make(spec, op, value))
    }

    fn make(&self, spec: Field, op: Operator, value: Value) -> Filter {
        Filter::Condition(Condition {
            field: spec,
            op,
            value,
        })
    }
}

/// Types one value for a field of `kind`.
fn scalar(kind: FieldKind, op: Operator, json: &Json, path: &str) -> Result<Scalar, FilterError> {
    match kind {
        FieldKind::Id | FieldKind::Ids => match json {
            Json::Number(n) => n.as_i64().map(Scalar::Int),
            Json::String(s) => s.trim().parse().ok().map(Scalar::Int),
            _ => None,
        }
        .map_or_else(|| fail(path, "expected an integer id"), Ok),
        FieldKind::Bool => match json {
            Json::Bool(b) => Ok(Scalar::Bool(*b)),
            Json::String(s) if s == "true" || s == "false" => Ok(Scalar::Bool(s == "true")),
            _ => fail(path, "expected true or false"),
        },
        FieldKind::Text | FieldKind::Address | FieldKind::Domain => {
            let Json::String(text) = json else {
                return fail(path, "expected a string");
            };
            if text.chars().count() > MAX_TEXT {
                return fail(path, format!("longer than {MAX_TEXT} characters"));
            }
            Ok(Scalar::Text(if kind == FieldKind::Text {
                text.clone()
            } else {
                text.trim().to_lowercase()
            }))
        }
        FieldKind::Date => {
            let Json::String(text) = json else {
                return fail(
                    path,
                    "expected a date (2026-01-31) or a time (2026-01-31T09:00:00Z)",
                );
            };
            date(text.trim(), op).map_or_else(
                || fail(path, format!("not a date or RFC 3339 time: {text:?}")),
                Ok,
            )
        }
    }
}

fn date(text: &str, op: Operator) -> Option<Scalar> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Scalar::Day(day));
    }
    let instant = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    // `$dateOn` with a full time means the day of that time, as in NocoBase.
    Some(if op == Operator::DateOn {
        Scalar::Day(instant.date_naive())
    } else {
        Scalar::Instant(instant)
    })
}
