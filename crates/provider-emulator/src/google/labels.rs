//! Gmail label writes: `labels.create`, `update` (PUT), `patch`, `delete` (providers.md
//! §3). Only user labels change; a name is unique in a mailbox, case-insensitively; a
//! deleted label leaves every message that carried it (recorded in the history).

use super::errors;
use super::gmail::Op;
use crate::reply::Reply;
use crate::world::gmail_box::GmailBox;
use crate::world::{GmailLabel, LabelKind, Mailbox, Provider, World};
use serde_json::{Value, json};

fn mailbox_of<'a>(world: &'a mut World, email: &str) -> Option<&'a mut GmailBox> {
    match &mut world.user_mut(Provider::Google, email)?.mailbox {
        Mailbox::Gmail(mailbox) => Some(mailbox),
        Mailbox::Graph(_) => None,
    }
}

/// The label as labels.create and patch answer it.
pub(super) fn written(label: &GmailLabel) -> Value {
    let mut value = json!({
        "id": label.id,
        "name": label.name,
        "type": if label.kind == LabelKind::User { "user" } else { "system" },
        "messageListVisibility": "show",
        "labelListVisibility": "labelShow",
    });
    if let Some((text, background)) = &label.color {
        value["color"] = json!({"textColor": text, "backgroundColor": background});
    }
    value
}

fn hex_colour(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    let ok = text.len() == 7
        && text.starts_with('#')
        && text[1..].chars().all(|c| c.is_ascii_hexdigit());
    ok.then(|| text.to_ascii_lowercase())
}

/// `color` from a request: both colours as `#rrggbb`, or 400.
fn colour(request: &Value) -> Result<Option<(String, String)>, Reply> {
    let Some(color) = request.get("color").filter(|c| !c.is_null()) else {
        return Ok(None);
    };
    match (
        hex_colour(&color["textColor"]),
        hex_colour(&color["backgroundColor"]),
    ) {
        (Some(text), Some(background)) => Ok(Some((text, background))),
        _ => Err(errors::invalid(
            "Label color is not on the allowed color palette",
        )),
    }
}

fn name_taken(mailbox: &GmailBox, name: &str, except: Option<&str>) -> bool {
    mailbox
        .labels
        .iter()
        .any(|l| l.name.eq_ignore_ascii_case(name) && Some(l.id.as_str()) != except)
}

fn conflict() -> Reply {
    errors::error(
        409,
        "Label name exists or conflicts",
        "global",
        "aborted",
        "ABORTED",
    )
}

/// Handles the label writes; `None` for any other method.
pub fn execute(
    world: &mut World,
    email: &str,
    op: &Op,
    body: &[u8],
    retention: usize,
) -> Option<Reply> {
    if !matches!(
        op,
        Op::LabelsCreate | Op::LabelsPatch(_) | Op::LabelsUpdate(_) | Op::LabelsDelete(_)
    ) {
        return None;
    }
    let Some(mailbox) = mailbox_of(world, email) else {
        return Some(errors::not_found());
    };
    if let Op::LabelsDelete(id) = op {
        let user = mailbox
            .labels
            .iter()
            .find(|l| &l.id == id)
            .map(|l| l.kind == LabelKind::User);
        return Some(match user {
            None => errors::not_found(),
            Some(false) => errors::invalid("Invalid delete request"),
            Some(true) => {
                mailbox.delete_label(id, retention);
                Reply::empty(204)
            }
        });
    }
    let request: Value = match serde_json::from_slice(body) {
        Ok(value @ Value::Object(_)) => value,
        _ => return Some(errors::invalid("Invalid JSON payload received.")),
    };
    let name = request["name"].as_str().map(str::trim);
    let color = match colour(&request) {
        Ok(color) => color,
        Err(reply) => return Some(reply),
    };
    Some(match op {
        Op::LabelsCreate => {
            let Some(name) = name.filter(|n| !n.is_empty()) else {
                return Some(errors::invalid("Invalid label name"));
            };
            if name_taken(mailbox, name, None) {
                return Some(conflict());
            }
            let label = GmailLabel {
                id: mailbox.new_label_id(),
                name: name.to_string(),
                kind: LabelKind::User,
                color,
            };
            let reply = written(&label);
            mailbox.labels.push(label);
            Reply::ok(reply)
        }
        Op::LabelsPatch(id) | Op::LabelsUpdate(id) => {
            let full = matches!(op, Op::LabelsUpdate(_));
            if full && name.is_none() {
                return Some(errors::invalid("Invalid label name"));
            }
            if name.is_some_and(str::is_empty) {
                return Some(errors::invalid("Invalid label name"));
            }
            if let Some(name) = name
                && name_taken(mailbox, name, Some(id))
            {
                return Some(conflict());
            }
            let Some(label) = mailbox.labels.iter_mut().find(|l| &l.id == id) else {
                return Some(errors::not_found());
            };
            if label.kind != LabelKind::User {
                return Some(errors::invalid("Invalid update request"));
            }
            if let Some(name) = name {
                label.name = name.to_string();
            }
            if color.is_some() || full {
                label.color = color;
            }
            Reply::ok(written(label))
        }
        _ => unreachable!("only label writes reach here"),
    })
}
