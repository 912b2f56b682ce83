//! Recipients as a request gives them — `"a@b.c"`, `"Name <a@b.c>"` or
//! `{"address": "a@b.c", "name": "Name"}` — checked strictly enough that nothing but an
//! address reaches a header (no line breaks, no second address smuggled in a name).

use super::Person;
use serde_json::Value;

/// A refused recipient: where it was (`to[2]`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecipient {
    pub field: String,
    pub reason: &'static str,
}

/// Whether `address` is a plain `local@domain` address a provider will accept.
pub fn valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && !"<>()[]\\,;:@\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = (1..=253).contains(&domain.len())
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

fn person(value: &Value, field: &str) -> Result<Person, BadRecipient> {
    let bad = |reason| BadRecipient {
        field: field.to_string(),
        reason,
    };
    let (name, address) = match value {
        Value::String(text) => {
            let text = text.trim();
            match (text.rfind('<'), text.ends_with('>')) {
                (Some(open), true) => {
                    let name = text[..open].trim().trim_matches('"').trim();
                    (
                        Some(name.to_string()),
                        text[open + 1..text.len() - 1].trim().to_string(),
                    )
                }
                _ => (None, text.to_string()),
            }
        }
        Value::Object(map) => {
            let address = map
                .get("address")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("needs an address"))?;
            let name = match map.get("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(name)) => Some(name.trim().to_string()),
                Some(_) => return Err(bad("the name must be text")),
            };
            (name, address.trim().to_string())
        }
        _ => return Err(bad("must be an address or {address, name}")),
    };
    if !valid_address(&address) {
        return Err(bad("is not a valid email address"));
    }
    if name
        .as_deref()
        .is_some_and(|n| n.chars().any(char::is_control) || n.chars().count() > 200)
    {
        return Err(bad("has a name with line breaks or over 200 characters"));
    }
    Ok(Person::new(name.as_deref(), &address))
}

/// The recipients in `values[field]` (absent or null: none).
pub fn recipients(value: Option<&Value>, field: &str) -> Result<Vec<Person>, BadRecipient> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(at, item)| person(item, &format!("{field}[{at}]")))
            .collect(),
        Some(one @ (Value::String(_) | Value::Object(_))) => Ok(vec![person(one, field)?]),
        Some(_) => Err(BadRecipient {
            field: field.to_string(),
            reason: "must be a list of addresses",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::{recipients, valid_address};
    use serde_json::json;

    #[test]
    fn accepts_plain_and_named_addresses() {
        let got = recipients(
            Some(&json!(["a@x.test", "Zoë Ünal <zoe@acme.com>", {"address": "b@münchen.de", "name": "B"}])),
            "to",
        )
        .unwrap_or_default();
        let pairs: Vec<(Option<&str>, &str)> = got
            .iter()
            .map(|p| (p.name.as_deref(), p.address.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                (None, "a@x.test"),
                (Some("Zoë Ünal"), "zoe@acme.com"),
                (Some("B"), "b@münchen.de")
            ]
        );
    }

    #[test]
    fn refuses_what_could_break_a_header_and_names_the_field() {
        for bad in [
            json!(["ok@x.test", "no-at-sign"]),
            json!(["ok@x.test", "a@x.test\r\nBcc: evil@x.test"]),
            json!(["ok@x.test", "a b@x.test"]),
            json!(["ok@x.test", "a@x.test, b@x.test"]),
            json!(["ok@x.test", "a@localhost"]),
            json!(["ok@x.test", {"address": "a@x.test", "name": "A\r\nBcc: evil@x.test"}]),
            json!(["ok@x.test", 7]),
        ] {
            let error = recipients(Some(&bad), "cc").err();
            assert_eq!(error.map(|e| e.field), Some("cc[1]".to_string()), "{bad}");
        }
        assert!(recipients(Some(&json!("x")), "to").is_err());
        assert!(!valid_address("a..b@x.test"));
        assert!(!valid_address("a@-x.test"));
    }
}
