//! Gmail's `users.watch` and `users.stop`: a mailbox's changes published to a Cloud
//! Pub/Sub topic, which pushes them to the endpoint its push subscription names.

use super::{GMAIL_WATCH_MS, GmailWatch};
use crate::google::errors;
use crate::reply::Reply;
use crate::world::{Mailbox, Provider, World};
use serde_json::{Value, json};

/// `projects/<project>/topics/<topic>`, as Gmail requires.
fn well_formed(topic: &str) -> bool {
    let parts: Vec<&str> = topic.split('/').collect();
    matches!(parts.as_slice(), ["projects", project, "topics", name] if !project.is_empty() && !name.is_empty())
}

/// `POST users/me/watch`.
pub fn watch(world: &mut World, email: &str, body: &[u8]) -> Reply {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return errors::invalid("Invalid JSON payload received.");
    };
    let Some(topic) = body.get("topicName").and_then(Value::as_str) else {
        return errors::invalid(
            "Invalid topicName does not match projects/SOME_PROJECT/topics/SOME_TOPIC",
        );
    };
    if !well_formed(topic) {
        return errors::invalid(
            "Invalid topicName does not match projects/SOME_PROJECT/topics/SOME_TOPIC",
        );
    }
    if !world.push.topics.contains_key(topic) {
        return errors::error(
            404,
            &format!(
                "Resource not found (resource={}).",
                topic.rsplit('/').next().unwrap_or(topic)
            ),
            "global",
            "notFound",
            "NOT_FOUND",
        );
    }
    let history_id = match world.user(Provider::Google, email).map(|u| &u.mailbox) {
        Some(Mailbox::Gmail(mailbox)) => mailbox.history_id,
        _ => return errors::not_found(),
    };
    let expires_ms = world.push.now_ms() + GMAIL_WATCH_MS;
    let key = email.to_lowercase();
    let renewals = world.push.gmail.get(&key).map_or(0, |w| w.renewals + 1);
    let pushed = world
        .push
        .gmail
        .get(&key)
        .map_or(history_id, |w| w.pushed_history_id);
    world.push.gmail.insert(
        key.clone(),
        GmailWatch {
            email: key,
            topic: topic.to_string(),
            expires_ms,
            pushed_history_id: pushed,
            renewals,
        },
    );
    Reply::ok(json!({"historyId": history_id.to_string(), "expiration": expires_ms.to_string()}))
}

/// `POST users/me/stop`: no more pushes for this mailbox.
pub fn stop(world: &mut World, email: &str) -> Reply {
    world.push.gmail.remove(&email.to_lowercase());
    Reply::empty(204)
}
