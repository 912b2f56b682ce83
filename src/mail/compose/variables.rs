//! Template variables as NocoBase writes them: `{{$user.nickname}}`,
//! `{{ $nRecord.customer.name }}`, `{{$nDate.now}}` — a `$`-name and a dotted path into
//! the values given for it. Filling never leaves a placeholder silently: what could not
//! be filled is listed, and a message that still holds one is not sent.

use crate::mail::escape_html;
use serde_json::{Map, Value};

/// One `{{…}}` placeholder: where it is and the variable it names.
struct Placeholder {
    start: usize,
    end: usize,
    name: String,
}

/// The placeholders in `text`, in order.
fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|at| from + at) {
        let Some(close) = text[open + 2..].find("}}").map(|at| open + 2 + at) else {
            break;
        };
        let inner = text[open + 2..close].trim();
        let is_variable = inner.starts_with('$')
            && inner.len() > 1
            && inner
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '$' | '.' | '_' | '-'));
        if is_variable {
            found.push(Placeholder {
                start: open,
                end: close + 2,
                name: inner.to_string(),
            });
            from = close + 2;
        } else {
            from = open + 2;
        }
    }
    found
}

/// Every variable `texts` name, each once, in order of appearance.
pub fn names<'a>(texts: impl IntoIterator<Item = Option<&'a str>>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for text in texts.into_iter().flatten() {
        for placeholder in placeholders(text) {
            if !names.contains(&placeholder.name) {
                names.push(placeholder.name);
            }
        }
    }
    names
}

/// The value a variable's path reaches in `values` (keyed by the top-level name), as
/// text; `None` when a step is missing or the value is null, an object or empty.
fn lookup(values: &Map<String, Value>, name: &str) -> Option<String> {
    let mut steps = name.split('.');
    let mut value = values.get(steps.next()?)?;
    for step in steps {
        value = match value {
            Value::Object(fields) => fields.get(step)?,
            Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null | Value::Object(_) => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// `text` with each variable `values` can fill replaced (HTML-escaped when `html`); the
/// ones it cannot stay as written and are added to `missing`.
pub fn fill(
    text: &str,
    values: &Map<String, Value>,
    html: bool,
    missing: &mut Vec<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for placeholder in placeholders(text) {
        out.push_str(&text[last..placeholder.start]);
        match lookup(values, &placeholder.name) {
            Some(value) if html => out.push_str(&escape_html(&value)),
            Some(value) => out.push_str(&value),
            None => {
                out.push_str(&text[placeholder.start..placeholder.end]);
                if !missing.contains(&placeholder.name) {
                    missing.push(placeholder.name);
                }
            }
        }
        last = placeholder.end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::{fill, names};
    use serde_json::json;

    #[test]
    fn fills_what_it_can_escapes_html_and_lists_the_rest() {
        let values = json!({
            "$nRecord": {"name": "Acme <GmbH>", "owner": {"nickname": "Kim"}, "tags": ["a", "b"], "empty": ""},
            "$user": {"nickname": "Ann"},
        });
        let values = values.as_object().unwrap();
        let mut missing = Vec::new();
        let html = fill(
            "<p>Dear {{ $nRecord.name }}, {{$nRecord.owner.nickname}} and {{$user.nickname}} ({{$nRecord.tags}})</p>\
{{$nRecord.phone}} {{$nRecord.empty}} {{not a variable}} {{$nRecord.phone}}",
            values,
            true,
            &mut missing,
        );
        assert_eq!(
            html,
            "<p>Dear Acme &lt;GmbH&gt;, Kim and Ann (a, b)</p>{{$nRecord.phone}} {{$nRecord.empty}} {{not a variable}} {{$nRecord.phone}}"
        );
        assert_eq!(missing, ["$nRecord.phone", "$nRecord.empty"]);
        let mut none = Vec::new();
        assert_eq!(
            fill("Re: {{$nRecord.name}}", values, false, &mut none),
            "Re: Acme <GmbH>"
        );
        assert!(none.is_empty());
        assert_eq!(
            names([Some("{{$a.b}} {{$c}}"), None, Some("{{$a.b}}")]),
            ["$a.b", "$c"]
        );
    }
}
