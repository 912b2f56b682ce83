//! `mailLabels` values and filters, read and checked: every problem a 400 naming its field.

use crate::http::ApiError;
use crate::providers::labels::{LabelEdit, PALETTE, palette_colour};
use serde_json::{Map, Value};

/// Gmail's longest label name (Outlook's categories allow 255).
const MAX_NAME: usize = 225;

/// `accountId` from a create, a positive id.
pub fn account_id(values: &Map<String, Value>) -> Result<i64, ApiError> {
    match values.get("accountId") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|v| v > 0) => {
            Ok(n.as_i64().unwrap_or_default())
        }
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok_and(|v| v > 0) => {
            Ok(s.trim().parse().unwrap_or_default())
        }
        _ => Err(ApiError::invalid_field(
            "accountId",
            "expected the mailbox's id",
        )),
    }
}

fn name(value: &Value) -> Result<String, ApiError> {
    let Some(text) = value.as_str() else {
        return Err(ApiError::invalid_field("name", "expected text"));
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid_field("name", "a label needs a name"));
    }
    if text.chars().count() > MAX_NAME {
        return Err(ApiError::invalid_field(
            "name",
            format!("at most {MAX_NAME} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            "name",
            "no line breaks or control characters",
        ));
    }
    Ok(text.to_string())
}

fn colour(value: &Value) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(hex) => match palette_colour(hex.trim()) {
            Some(colour) => Ok(Some(colour.hex.to_string())),
            None => Err(ApiError::invalid_field(
                "color",
                format!(
                    "one of {} (colours both Gmail and Outlook show), or null",
                    PALETTE.iter().map(|c| c.hex).collect::<Vec<_>>().join(", ")
                ),
            )),
        },
        _ => Err(ApiError::invalid_field(
            "color",
            "expected a colour like #4a86e8, or null",
        )),
    }
}

/// `{name, color?}` of a create, or `{name?, color?}` of an update.
pub fn edit(values: &Map<String, Value>, create: bool) -> Result<LabelEdit, ApiError> {
    let allowed: &[&str] = if create {
        &["accountId", "name", "color"]
    } else {
        &["name", "color"]
    };
    if let Some(key) = values.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::invalid_field(key, "cannot be set"));
    }
    let edit = LabelEdit {
        name: values.get("name").map(name).transpose()?,
        color: values.get("color").map(colour).transpose()?,
    };
    if create && edit.name.is_none() {
        return Err(ApiError::invalid_field("name", "a label needs a name"));
    }
    if !create && edit.name.is_none() && edit.color.is_none() {
        return Err(ApiError::bad_request(
            "INVALID_VALUE",
            "values: give name or color",
        ));
    }
    Ok(edit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_colours_are_checked() {
        let values = |v: Value| v.as_object().unwrap().clone();
        let edit = edit(
            &values(json!({"accountId": 1, "name": "  Clients ", "color": "#4A86E8"})),
            true,
        )
        .unwrap();
        assert_eq!(edit.name.as_deref(), Some("Clients"));
        assert_eq!(edit.color, Some(Some("#4a86e8".into())));
        for bad in [
            json!({"accountId": 1, "name": ""}),
            json!({"accountId": 1, "name": "a\nb"}),
            json!({"accountId": 1, "name": "x".repeat(226)}),
            json!({"accountId": 1, "name": "ok", "color": "#123456"}),
            json!({"accountId": 1, "name": "ok", "kind": "system"}),
            json!({"accountId": 1}),
        ] {
            assert!(super::edit(&values(bad.clone()), true).is_err(), "{bad}");
        }
        assert!(super::edit(&values(json!({})), false).is_err());
        assert_eq!(
            super::edit(&values(json!({"color": null})), false)
                .unwrap()
                .color,
            Some(None)
        );
    }
}
