//! The provider's truth against the store: what the emulator holds for a mailbox and what
//! the database holds for its account must be the same messages, flags, folders, threads
//! and folder counts. Used by the sync tests and the crash test.

use super::oauth::Wired;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

pub async fn truth(w: &Wired, email: &str) -> Vec<Value> {
    w.truth(email).await
}

/// What the store holds, per provider message id: (read, starred, folders, thread).
pub fn stored(w: &Wired, account: i64) -> HashMap<String, (bool, bool, BTreeSet<String>, String)> {
    let rows = w.app.db.query_texts(&format!(
        "SELECT m.provider_message_id || '|' || CAST(m.is_read AS TEXT) || '|' || CAST(m.is_starred AS TEXT) || '|' || COALESCE(t.provider_thread_id, '') AS value \
         FROM mail_messages m LEFT JOIN mail_threads t ON t.id = m.thread_id WHERE m.account_id = {account}"
    ));
    let folders = w.app.db.query_texts(&format!(
        "SELECT m.provider_message_id || '|' || f.provider_id AS value FROM mail_message_folders mf \
         JOIN mail_messages m ON m.id = mf.message_id JOIN mail_folders f ON f.id = mf.folder_id WHERE m.account_id = {account}"
    ));
    let truthy = |v: &str| v == "1" || v == "true";
    let mut out: HashMap<String, (bool, bool, BTreeSet<String>, String)> = HashMap::new();
    for row in rows.into_iter().flatten() {
        let parts: Vec<&str> = row.split('|').collect();
        out.insert(
            parts[0].to_string(),
            (
                truthy(parts[1]),
                truthy(parts[2]),
                BTreeSet::new(),
                parts[3].to_string(),
            ),
        );
    }
    for row in folders.into_iter().flatten() {
        let (id, folder) = row.split_once('|').unwrap();
        out.get_mut(id).unwrap().2.insert(folder.to_string());
    }
    out
}

/// The folder provider ids the store should have for a truth entry.
pub fn expected_folders(
    w: &Wired,
    account: i64,
    entry: &Value,
    provider: &str,
) -> BTreeSet<String> {
    let known: Vec<String> = w
        .app
        .db
        .query_texts(&format!(
            "SELECT provider_id AS value FROM mail_folders WHERE account_id = {account}"
        ))
        .into_iter()
        .flatten()
        .collect();
    let labels: Vec<String> = entry["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    match provider {
        "google" => {
            // A trashed or spam message shows in that folder alone (sync::gmail).
            let mut shown = ["TRASH", "SPAM"]
                .into_iter()
                .find(|h| labels.iter().any(|l| l == h))
                .map_or(labels.clone(), |h| vec![h.to_string()]);
            // Gmail has no Archive; this service's is every message out of Gmail's own
            // places (providers::gmail::ARCHIVE).
            let placed = ["INBOX", "SENT", "DRAFT", "TRASH", "SPAM"];
            if !labels.iter().any(|l| placed.contains(&l.as_str())) {
                shown.push("ARCHIVE".to_string());
            }
            shown.into_iter().filter(|l| known.contains(l)).collect()
        }
        _ => {
            // Graph truth names the folder (well-known name or display name).
            let name = &labels[0];
            let rows = w.app.db.query_texts(&format!(
                "SELECT provider_id AS value FROM mail_folders WHERE account_id = {account} AND (lower(name) = lower('{}') OR role = '{}')",
                name.replace('\'', "''"),
                match name.as_str() { "sentitems" => "sent", "deleteditems" => "trash", "junkemail" => "spam", other => other }
            ));
            rows.into_iter().flatten().take(1).collect()
        }
    }
}

pub async fn assert_equals_truth(w: &Wired, account: i64, provider: &str, email: &str) {
    let truth = truth(w, email).await;
    let stored = stored(w, account);
    assert_eq!(stored.len(), truth.len(), "message count");
    for entry in &truth {
        let id = entry["id"].as_str().unwrap();
        let (read, starred, folders, thread) =
            stored.get(id).unwrap_or_else(|| panic!("{id} not stored"));
        assert_eq!(
            *read,
            entry["isRead"].as_bool().unwrap(),
            "read state of {id}"
        );
        assert_eq!(
            *starred,
            entry["isStarred"].as_bool().unwrap(),
            "starred state of {id}"
        );
        assert_eq!(
            thread,
            entry["threadId"].as_str().unwrap(),
            "thread of {id}"
        );
        assert_eq!(
            *folders,
            expected_folders(w, account, entry, provider),
            "folders of {id}"
        );
    }
    // The folder counts the database keeps as it goes equal a count made now.
    let kept = w.app.db.query_texts(&format!(
        "SELECT CAST(id AS TEXT) || ':' || CAST(total_count AS TEXT) || '/' || CAST(unread_count AS TEXT) AS value \
         FROM mail_folders WHERE account_id = {account} ORDER BY id"
    ));
    let counted = w.app.db.query_texts(&format!(
        "SELECT CAST(f.id AS TEXT) || ':' || CAST(count(m.id) AS TEXT) || '/' || \
         CAST(sum(CASE WHEN m.id IS NOT NULL AND NOT m.is_read THEN 1 ELSE 0 END) AS TEXT) AS value \
         FROM mail_folders f LEFT JOIN mail_message_folders l ON l.folder_id = f.id \
         LEFT JOIN mail_messages m ON m.id = l.message_id \
         WHERE f.account_id = {account} GROUP BY f.id ORDER BY f.id"
    ));
    assert_eq!(kept, counted, "folder totals/unread");
}
