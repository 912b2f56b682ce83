//! Outlook's master category list, `/me/outlook/masterCategories`: list, create, change
//! the colour, delete. Messages carry categories by display name (`PATCH` of a message's
//! `categories`), which is why a name cannot change once created — Graph refuses a new
//! `displayName` — and why deleting a category leaves the name on messages that had it.

use super::errors;
use crate::reply::Reply;
use crate::world::{GraphCategory, Mailbox, Provider, World};
use serde_json::{Value, json};

fn view(category: &GraphCategory) -> Value {
    json!({"id": category.id, "displayName": category.display_name, "color": category.color})
}

fn preset(value: &Value) -> Result<Option<String>, Reply> {
    match value {
        Value::Null => Ok(None),
        Value::String(text)
            if text == "none"
                || text
                    .strip_prefix("preset")
                    .and_then(|n| n.parse::<u8>().ok())
                    .is_some_and(|n| n <= 24) =>
        {
            Ok(Some(text.clone()))
        }
        _ => Err(errors::bad_request(
            "Cannot convert the literal to the expected type 'microsoft.graph.categoryColor'.",
        )),
    }
}

/// `None` for a path that is not the category list; the reply otherwise.
pub fn execute(
    world: &mut World,
    email: &str,
    method: &str,
    id: Option<&str>,
    body: &[u8],
) -> Reply {
    let Some(user) = world.user_mut(Provider::Microsoft, email) else {
        return errors::not_found();
    };
    let Mailbox::Graph(mailbox) = &mut user.mailbox else {
        return errors::not_found();
    };
    let request: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(_) => return errors::bad_request("Invalid JSON in the request body."),
        }
    };
    match (method, id) {
        ("GET", None) => Reply::ok(json!({
            "value": mailbox.categories.iter().map(view).collect::<Vec<_>>(),
        })),
        ("GET", Some(id)) => match mailbox.categories.iter().find(|c| c.id == id) {
            Some(category) => Reply::ok(view(category)),
            None => errors::not_found(),
        },
        ("POST", None) => {
            let Some(name) = request["displayName"]
                .as_str()
                .map(str::trim)
                .filter(|n| !n.is_empty())
            else {
                return errors::bad_request("displayName is required.");
            };
            if mailbox
                .categories
                .iter()
                .any(|c| c.display_name.eq_ignore_ascii_case(name))
            {
                return errors::error(
                    409,
                    "ErrorItemAlreadyExists",
                    "An object with the same key already exists.",
                );
            }
            let color = match preset(&request["color"]) {
                Ok(color) => color.unwrap_or_else(|| "none".into()),
                Err(reply) => return reply,
            };
            let category = GraphCategory {
                id: format!(
                    "{:08x}-0000-4000-8000-{:012x}",
                    rand::random::<u32>(),
                    rand::random::<u64>() & 0xFFFF_FFFF_FFFF
                ),
                display_name: name.to_string(),
                color,
            };
            let reply = Reply::json(201, view(&category));
            mailbox.categories.push(category);
            reply
        }
        ("PATCH", Some(id)) => {
            let Some(category) = mailbox.categories.iter_mut().find(|c| c.id == id) else {
                return errors::not_found();
            };
            if let Some(name) = request.get("displayName")
                && name.as_str() != Some(category.display_name.as_str())
            {
                return errors::error(
                    400,
                    "ErrorInvalidRequest",
                    "The displayName of a category cannot be changed.",
                );
            }
            match preset(request.get("color").unwrap_or(&Value::Null)) {
                Ok(Some(color)) => category.color = color,
                Ok(None) => {}
                Err(reply) => return reply,
            }
            Reply::ok(view(category))
        }
        ("DELETE", Some(id)) => {
            let before = mailbox.categories.len();
            mailbox.categories.retain(|c| c.id != id);
            if mailbox.categories.len() == before {
                errors::not_found()
            } else {
                Reply::empty(204)
            }
        }
        _ => errors::error(405, "Request_BadRequest", "Unsupported method."),
    }
}
