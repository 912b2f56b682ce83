//! Reading single fields out of an action's `values`, the same way in every resource.

use super::ApiError;
use serde_json::{Map, Value};

/// `field` as text: absent and null are `None`; anything else than text is a 400.
pub fn optional_text<'a>(
    values: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, ApiError> {
    match values.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::invalid_field(field, "expected text")),
    }
}

/// A name shown in lists (a signature's, a template's): trimmed, 1 to 200 characters on
/// one line.
pub fn checked_name(field: &str, name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            field,
            "required: 1 to 200 characters on one line",
        ));
    }
    Ok(name.to_string())
}
