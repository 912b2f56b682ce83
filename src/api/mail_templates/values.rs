//! `mailTemplates` values, read and checked; an update changes only the fields it names.
//! Shared templates are written by admins only, and name the roles they are shown to.

use crate::auth::Caller;
use crate::http::ApiError;
use crate::http::fields::{checked_name, optional_text};
use crate::mail::compose::html::clean_stored;
use crate::store::templates::{TemplateFields, TemplateRow};
use serde_json::{Map, Value};

const MAX_HTML_BYTES: usize = 1024 * 1024;

fn roles(value: &Value) -> Result<Vec<String>, ApiError> {
    let invalid = || ApiError::invalid_field("roles", "expected a list of NocoBase role names");
    let Value::Array(items) = value else {
        return Err(invalid());
    };
    let mut names: Vec<String> = Vec::new();
    for item in items {
        let name = item
            .as_str()
            .map(str::trim)
            .filter(|n| !n.is_empty() && n.len() <= 100 && !n.chars().any(char::is_control));
        let name = name.ok_or_else(invalid)?.to_string();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// The fields `values` ask for, over `current` (an update) or the defaults (a create).
pub fn read(
    caller: &Caller,
    values: &Map<String, Value>,
    current: Option<&TemplateRow>,
) -> Result<TemplateFields, ApiError> {
    let mut fields = match current {
        Some(row) => TemplateFields {
            scope: row.scope.clone(),
            roles: row.roles.clone(),
            name: row.name.clone(),
            subject: row.subject.clone(),
            html: row.html.clone(),
        },
        None => TemplateFields {
            scope: "personal".into(),
            roles: "[]".into(),
            name: String::new(),
            subject: String::new(),
            html: String::new(),
        },
    };
    if let Some(scope) = optional_text(values, "scope")? {
        if scope != "personal" && scope != "shared" {
            return Err(ApiError::invalid_field(
                "scope",
                "expected personal or shared",
            ));
        }
        fields.scope = scope.to_string();
    }
    if fields.scope == "shared" && !caller.is_admin {
        return Err(ApiError::forbidden(
            "Only an administrator can write shared templates.",
        ));
    }
    if let Some(value) = values.get("roles").filter(|v| !v.is_null()) {
        let named = roles(value)?;
        // A form sends its (empty) roles field whatever the scope: no roles is no problem.
        if fields.scope != "shared" && !named.is_empty() {
            return Err(ApiError::invalid_field(
                "roles",
                "only a shared template is shown to roles",
            ));
        }
        fields.roles = serde_json::to_string(&named).unwrap_or_else(|_| "[]".into());
    }
    if fields.scope == "personal" {
        fields.roles = "[]".into();
    }
    if let Some(name) = optional_text(values, "name")? {
        fields.name = name.to_string();
    }
    fields.name = checked_name("name", &fields.name)?;
    if let Some(subject) = optional_text(values, "subject")? {
        if subject.chars().any(char::is_control) || subject.chars().count() > 998 {
            return Err(ApiError::invalid_field(
                "subject",
                "at most 998 characters, no line breaks",
            ));
        }
        fields.subject = subject.to_string();
    }
    if let Some(html) = optional_text(values, "html")? {
        if html.len() > MAX_HTML_BYTES {
            return Err(ApiError::invalid_field("html", "at most 1 MiB"));
        }
        fields.html = clean_stored(html);
    }
    Ok(fields)
}
