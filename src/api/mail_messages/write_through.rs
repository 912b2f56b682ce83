//! Changing messages at the provider first (API.md: "written to the provider first, then
//! stored"): one Gmail batchModify per account, or one Graph call per message, four at a
//! time. Each message comes back with what to store, or why the provider refused it.

use crate::gateway::{CallError, Mailbox, Urgency};
use crate::providers::gmail::{ARCHIVE, folders_from_labels};
use crate::providers::operation::{gmail as gmail_op, graph as graph_op};
use crate::providers::{ProviderError, ProviderKind};
use crate::state::AppState;
use crate::store::message_targets::Target;
use crate::store::messages::StateChange;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// What the user asked to change; the destination is the folder's provider id.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub is_read: Option<bool>,
    pub is_starred: Option<bool>,
    pub folder: Option<String>,
    /// Move to the provider's trash (`mailMessages:destroy`); nothing else applies then.
    pub trash: bool,
    /// Labels to put on and take off (all of one mailbox).
    pub labels: Option<LabelChange>,
}

/// A label as a write names it: Gmail by its id, Outlook by its name.
#[derive(Debug, Clone)]
pub struct LabelRef {
    pub provider_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct LabelChange {
    pub add: Vec<LabelRef>,
    pub remove: Vec<LabelRef>,
}

/// Gmail labels that are states or that Gmail will not let a client remove, never
/// taken off by a move.
const KEPT_ON_MOVE: [&str; 4] = ["UNREAD", "STARRED", "SENT", "DRAFT"];

pub type Outcome = (i64, Result<StateChange, CallError>);

/// Applies `change` to one account's `targets` at the provider.
pub async fn apply(
    state: &AppState,
    account: i64,
    kind: ProviderKind,
    targets: &[Target],
    change: &Change,
) -> Vec<Outcome> {
    match (kind, change.trash) {
        (ProviderKind::Imap, _) => imap(state, account, targets, change).await,
        (ProviderKind::Google, false) => gmail(state, account, targets, change).await,
        (ProviderKind::Microsoft, false) => graph(state, account, targets, change).await,
        (kind, true) => trash(state, account, kind, targets).await,
    }
}

async fn gmail(
    state: &AppState,
    account: i64,
    targets: &[Target],
    change: &Change,
) -> Vec<Outcome> {
    let mut add: Vec<String> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    match change.is_read {
        Some(true) => remove.push("UNREAD".into()),
        Some(false) => add.push("UNREAD".into()),
        None => {}
    }
    match change.is_starred {
        Some(true) => add.push("STARRED".into()),
        Some(false) => remove.push("STARRED".into()),
        None => {}
    }
    if let Some(labels) = &change.labels {
        add.extend(labels.add.iter().map(|l| l.provider_id.clone()));
        remove.extend(labels.remove.iter().map(|l| l.provider_id.clone()));
    }
    match change.folder.as_deref() {
        // Gmail's own archive: out of the inbox (and out of Trash or Spam when restoring),
        // every other label kept.
        Some(ARCHIVE) => {
            for label in ["INBOX", "TRASH", "SPAM"] {
                if !remove.iter().any(|l| l == label) {
                    remove.push(label.into());
                }
            }
        }
        Some(dest) => {
            add.push(dest.to_string());
            for target in targets {
                for label in &target.folders {
                    if label != dest
                        && label != ARCHIVE
                        && !KEPT_ON_MOVE.contains(&label.as_str())
                        && !remove.contains(label)
                    {
                        remove.push(label.clone());
                    }
                }
            }
        }
        None => {}
    }
    let client = state.gmail();
    let ids: Vec<String> = targets
        .iter()
        .map(|t| t.provider_message_id.clone())
        .collect();
    let mailbox = Mailbox::new(state, account, ProviderKind::Google, Urgency::Now);
    let answer = mailbox
        .call(gmail_op::MESSAGES_BATCH_MODIFY, |token| {
            let (client, ids, add, remove) =
                (client.clone(), ids.clone(), add.clone(), remove.clone());
            async move {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let add: Vec<&str> = add.iter().map(String::as_str).collect();
                let remove: Vec<&str> = remove.iter().map(String::as_str).collect();
                client.batch_modify(&token, &ids, &add, &remove).await
            }
        })
        .await;
    targets
        .iter()
        .map(|target| {
            let outcome = match &answer {
                Ok(()) => Ok(StateChange {
                    provider_message_id: target.provider_message_id.clone(),
                    // Starred is a label at Gmail, so a folder here: a star, like a move,
                    // changes where the message is listed (and the counts) at once.
                    folders: (change.folder.is_some()
                        || change.is_starred.is_some()
                        || change.labels.is_some())
                    .then(|| labels_after(&target.folders, &add, &remove)),
                    is_read: change.is_read,
                    is_starred: change.is_starred,
                    provider_version: None,
                    labels: None,
                }),
                Err(error) => Err(copy(error)),
            };
            (target.id, outcome)
        })
        .collect()
}

/// A message's labels once `add` and `remove` are applied, as the folders it is in.
fn labels_after(labels: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = labels
        .iter()
        .filter(|l| !remove.contains(l))
        .cloned()
        .collect();
    for label in add {
        if !kept.contains(label) {
            kept.push(label.clone());
        }
    }
    folders_from_labels(&kept)
}

/// Errors are not `Clone` (the store's is not); a batch's one failure is told per id.
fn copy(error: &CallError) -> CallError {
    match error {
        CallError::Provider(p) => CallError::Provider(p.clone()),
        CallError::Access(a) => CallError::Provider(match a {
            crate::oauth::tokens::AccessError::ReauthRequired
            | crate::oauth::tokens::AccessError::NoTokens => ProviderError::ReauthRequired,
            other => ProviderError::Transient(other.to_string()),
        }),
    }
}

async fn graph(
    state: &AppState,
    account: i64,
    targets: &[Target],
    change: &Change,
) -> Vec<Outcome> {
    let client = state.graph();
    let mut patch = serde_json::Map::new();
    if let Some(read) = change.is_read {
        patch.insert("isRead".into(), json!(read));
    }
    if let Some(starred) = change.is_starred {
        let status = if starred { "flagged" } else { "notFlagged" };
        patch.insert("flag".into(), json!({"flagStatus": status}));
    }
    let relabel = change.labels.clone();
    let patching = !patch.is_empty() || relabel.is_some();
    let patch = Value::Object(patch);
    let op = match (patching, &change.folder) {
        (true, Some(_)) => graph_op::PATCH.then(graph_op::MOVE),
        (false, Some(_)) => graph_op::MOVE,
        (_, None) => graph_op::PATCH,
    };
    // Outlook takes a message's whole category list: read it first, so categories this
    // service does not list (ones gone from the master list) stay on the message.
    let op = if relabel.is_some() {
        op.then(graph_op::PATCH)
    } else {
        op
    };
    let mailbox = Mailbox::new(state, account, ProviderKind::Microsoft, Urgency::Now);
    let mailbox = &mailbox;
    futures_util::stream::iter(targets.iter().cloned())
        .map(|target| {
            let (client, patch, relabel) = (client.clone(), patch.clone(), relabel.clone());
            async move {
                let id = target.provider_message_id.clone();
                let outcome = mailbox
                    .call(op, |token| {
                        let (client, mut patch, id, dest, relabel) = (
                            client.clone(),
                            patch.clone(),
                            id.clone(),
                            change.folder.clone(),
                            relabel.clone(),
                        );
                        async move {
                            if let Some(labels) = &relabel {
                                let current = client.message_categories(&token, &id).await?;
                                patch["categories"] = json!(categories_after(&current, labels));
                            }
                            if patching {
                                client.patch(&token, &id, &patch).await?;
                            }
                            if let Some(dest) = dest {
                                client.move_to(&token, &id, &dest).await?;
                            }
                            Ok(())
                        }
                    })
                    .await
                    .map(|()| StateChange {
                        provider_message_id: id,
                        folders: change.folder.clone().map(|dest| vec![dest]),
                        is_read: change.is_read,
                        is_starred: change.is_starred,
                        provider_version: None,
                        labels: None,
                    });
                (target.id, outcome)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await
}

/// A message's category names once `labels` are applied (names compare as Outlook's do,
/// without case).
fn categories_after(current: &[String], labels: &LabelChange) -> Vec<String> {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let mut kept: Vec<String> = current
        .iter()
        .filter(|c| !labels.remove.iter().any(|l| same(&l.name, c)))
        .cloned()
        .collect();
    for label in &labels.add {
        if !kept.iter().any(|c| same(c, &label.name)) {
            kept.push(label.name.clone());
        }
    }
    kept
}

/// IMAP: one session for the account's messages (`imap_account::write`). Labels are
/// Gmail's and Outlook's; an IMAP server has folders only.
async fn imap(state: &AppState, account: i64, targets: &[Target], change: &Change) -> Vec<Outcome> {
    if change.labels.is_some() {
        return targets
            .iter()
            .map(|t| {
                let refused =
                    ProviderError::Unsupported("IMAP mailboxes have folders, not labels.".into());
                (t.id, Err(CallError::Provider(refused)))
            })
            .collect();
    }
    let write = crate::imap_account::write::Write {
        seen: change.is_read,
        flagged: change.is_starred,
        folder: change.folder.clone(),
        trash: change.trash,
    };
    let ids: Vec<String> = targets
        .iter()
        .map(|t| t.provider_message_id.clone())
        .collect();
    let done = crate::imap_account::write::apply(state, account, &ids, &write).await;
    let moved = done.iter().any(|d| matches!(d, Ok(Some(_))));
    let outcomes = targets
        .iter()
        .zip(done)
        .map(|(target, done)| {
            let change = done.map_err(CallError::Provider).map(|moved| StateChange {
                provider_message_id: target.provider_message_id.clone(),
                folders: moved.map(|folder| vec![folder]),
                is_read: change.is_read,
                is_starred: change.is_starred,
                provider_version: None,
                labels: None,
            });
            (target.id, change)
        })
        .collect();
    if moved {
        // Moved messages have new UIDs: the sync swaps the rows for what the server names.
        crate::sync::start_soon(state).await;
    }
    outcomes
}

/// Gmail's `trash` or Graph's move to `deleteditems`, per message, four at a time. The
/// answer says where the message now is, so the store can follow without a sync.
async fn trash(
    state: &AppState,
    account: i64,
    kind: ProviderKind,
    targets: &[Target],
) -> Vec<Outcome> {
    let gmail = state.gmail();
    let graph = state.graph();
    let mailbox = Mailbox::new(state, account, kind, Urgency::Now);
    let mailbox = &mailbox;
    let op = match kind {
        ProviderKind::Google => gmail_op::MESSAGES_TRASH,
        // (IMAP goes by `imap`.)
        ProviderKind::Microsoft | ProviderKind::Imap => graph_op::MOVE,
    };
    futures_util::stream::iter(targets.iter().cloned())
        .map(|target| {
            let (gmail, graph) = (gmail.clone(), graph.clone());
            async move {
                let id = target.provider_message_id.clone();
                let folders = mailbox
                    .call(op, |token| {
                        let (gmail, graph, id) = (gmail.clone(), graph.clone(), id.clone());
                        async move {
                            match kind {
                                ProviderKind::Google => {
                                    let answer = gmail.trash(&token, &id).await?;
                                    Ok(Some(folders_from_labels(&answer.label_ids))
                                        .filter(|l| !l.is_empty()))
                                }
                                ProviderKind::Imap => Err(ProviderError::NotFound),
                                ProviderKind::Microsoft => {
                                    let answer = graph.move_to(&token, &id, "deleteditems").await?;
                                    Ok(answer["parentFolderId"]
                                        .as_str()
                                        .map(|f| vec![f.to_string()]))
                                }
                            }
                        }
                    })
                    .await;
                let outcome = folders.map(|folders| StateChange {
                    provider_message_id: id,
                    folders,
                    is_read: None,
                    is_starred: None,
                    provider_version: None,
                    labels: None,
                });
                (target.id, outcome)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await
}
