//! Microsoft Graph: a delta round per folder. New messages are read from the delta page
//! itself (see `providers::graph::message`), their attachment list asked only when they
//! have files, their MIME fetched only when the page carries no body; changes to known
//! ones (read, flag, folder) applied without refetching, `@removed` takes a
//! message out of the folder. The nextLink of an unfinished round is kept as the resume
//! point, the deltaLink of a finished one as the cursor. A delta token Graph no longer
//! knows restarts that folder's round, deleting what the fresh round does not list.

use super::{PageWrite, Progress, Run, Stats, SyncError, finish_page, write_page};
use crate::mail::{ParsedMessage, parse};
use crate::providers::ProviderError;
use crate::providers::attachment::whole;
use crate::providers::graph::message::{GraphMessage, SELECT, needs_mime};
use crate::providers::graph::{DeltaPage, GraphClient};
use crate::providers::operation::graph as op;
use crate::store::labels::{Key, MessageLabels};
use crate::store::messages::{self, CursorUpdate, IncomingMessage, RemoteFolder, StateChange};
use chrono::Utc;
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashSet;

const PARALLEL: usize = 4;

fn now() -> chrono::NaiveDateTime {
    Utc::now().naive_utc()
}

pub(super) async fn run(run: &Run<'_>) -> Result<Stats, SyncError> {
    let client = run.state.graph();
    let folders = run
        .call(op::MAIL_FOLDERS, |t| {
            let c = client.clone();
            async move { c.folders(&t).await }
        })
        .await?;
    let remote: Vec<RemoteFolder> = folders
        .iter()
        .map(|f| RemoteFolder {
            provider_id: f.id.clone(),
            name: f.display_name.clone(),
            role: f.role.map(ToString::to_string),
            parent_provider_id: f
                .parent_folder_id
                .clone()
                .filter(|p| folders.iter().any(|other| other.id == *p)),
        })
        .collect();
    let account_id = run.account_id();
    run.state
        .store
        .run(move |c| messages::sync_folders(c, account_id, &remote))
        .await?;
    super::labels::graph(run).await?;
    run.reset_if_full().await?;
    // What the progress counts up to (#24): the sizes of the folders without a delta
    // cursor, whose round is a first import. A routine sync has nothing to count up to,
    // nor has an import a window limits (how much mail the window holds is not known).
    let (fresh, already) = fresh_folders(run, &folders).await?;
    let phase = if fresh.is_empty() {
        "incremental"
    } else {
        "initial"
    };
    let total: Option<u64> =
        (!fresh.is_empty() && super::window_start(run.state).is_none()).then(|| {
            folders
                .iter()
                .filter(|f| fresh.contains(&f.id))
                .map(|f| f.total_item_count)
                .sum()
        });
    let mut stats = Stats::default();
    // A first import resumed after a stop starts its count at what it stored before,
    // so its bar goes on from there and ends full (#24: it ended short by as much).
    let mut done = if total.is_some() { already } else { 0 };
    run.progress(phase, done, total).await?;
    for folder in &folders {
        match folder_round(run, &client, &folder.id, &mut stats, &mut done, total).await {
            Err(SyncError::Provider(ProviderError::CursorExpired)) => {
                tracing::warn!(
                    account = account_id,
                    "Graph no longer knows this folder's delta token; rescanning the folder"
                );
                stats.rescanned = true;
                let (fence, scope, at) = (run.fence.clone(), folder.id.clone(), now());
                let reset = CursorUpdate {
                    scope,
                    cursor: None,
                    resume: None,
                };
                run.state
                    .store
                    .run(move |c| messages::apply_states(c, &fence, &[], Some(&reset), at))
                    .await?;
                // Not part of the first import's total: counted, without a total.
                folder_round(run, &client, &folder.id, &mut stats, &mut done, None).await?;
            }
            other => other?,
        }
    }
    Ok(stats)
}

fn state_of(item: &Value, folder: &str) -> StateChange {
    StateChange {
        provider_message_id: item["id"].as_str().unwrap_or_default().to_string(),
        folders: Some(vec![folder.to_string()]),
        is_read: item["isRead"].as_bool(),
        // A change may list only what changed (id, isRead, parentFolderId): a flag
        // that is not there is not a flag taken off.
        is_starred: item["flag"]["flagStatus"]
            .as_str()
            .map(|status| status == "flagged"),
        provider_version: item["changeKey"].as_str().map(ToString::to_string),
        labels: categories(item),
    }
}

/// A message's categories, by name; `None` when the item does not carry them (a delta
/// round begun before categories were selected, or a change listing only what changed).
fn categories(item: &Value) -> Option<MessageLabels> {
    let names = item.get("categories")?.as_array()?;
    Some(MessageLabels {
        key: Key::Name,
        names: names
            .iter()
            .filter_map(Value::as_str)
            .map(ToString::to_string)
            .collect(),
    })
}

async fn fetch_new(
    run: &Run<'_>,
    client: &GraphClient,
    items: Vec<Value>,
    folder: &str,
) -> Result<Vec<IncomingMessage>, SyncError> {
    /// A listed message and what the store keeps of it (none when it was deleted
    /// meanwhile; an inner none when it is not a message).
    type Fetched = Result<Option<(Value, Option<ParsedMessage>)>, SyncError>;
    let fetched: Vec<Fetched> = futures_util::stream::iter(items)
        .map(|item| async move {
            match read(run, client, &item).await {
                Ok(parsed) => Ok(Some((item, parsed))),
                Err(SyncError::Provider(ProviderError::NotFound)) => Ok(None),
                // Larger than is ever held whole: left out and said, and the mailbox
                // goes on.
                Err(SyncError::Provider(ProviderError::Permanent { code, .. })) => {
                    tracing::warn!(account = run.account_id(), code = %code, "a message could not be read; skipped");
                    Ok(None)
                }
                Err(error) => Err(error),
            }
        })
        .buffered(PARALLEL)
        .collect()
        .await;
    let mut out = Vec::new();
    for entry in fetched {
        let Some((item, parsed)) = entry? else {
            continue;
        };
        let Some(parsed) = parsed else {
            tracing::warn!(
                account = run.account_id(),
                "a message is not valid MIME; skipped"
            );
            continue;
        };
        let state = state_of(&item, folder);
        let received = item["receivedDateTime"]
            .as_str()
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.with_timezone(&Utc).naive_utc())
            .or(parsed.date)
            .unwrap_or_else(now);
        out.push(IncomingMessage {
            provider_message_id: state.provider_message_id,
            provider_thread_id: item["conversationId"].as_str().map(ToString::to_string),
            folders: vec![folder.to_string()],
            is_read: state.is_read.unwrap_or(false),
            is_starred: state.is_starred.unwrap_or(false),
            received_at: received,
            provider_version: state.provider_version,
            labels: state.labels,
            parsed,
        });
    }
    Ok(out)
}

/// A new message's content: from the delta item, with its attachment list when it has
/// files; from its MIME when the item carries no body or its files say the JSON cannot
/// show it whole (see [`needs_mime`]).
async fn read(
    run: &Run<'_>,
    client: &GraphClient,
    item: &Value,
) -> Result<Option<ParsedMessage>, SyncError> {
    let id = item["id"].as_str().unwrap_or_default().to_string();
    // Streamed under the download timeout (a forward of a 40 MB message must not time
    // out as an API call would, every run) and never held past the cap.
    let mime = async || -> Result<Option<ParsedMessage>, SyncError> {
        let raw = run
            .call(op::MESSAGE_VALUE, |t| {
                let (c, id) = (client.clone(), id.clone());
                async move { whole(c.original(&t, &id).await?).await }
            })
            .await?;
        // Parsed as it arrives (quick, attachment bodies skipped), so a page's raw MIME
        // is not all held at once.
        Ok(parse(&raw))
    };
    let Some(message) = GraphMessage::of(item) else {
        return mime().await;
    };
    let files = if message.has_files() {
        match run
            .call(op::ATTACHMENT_LIST, |t| {
                let (c, id) = (client.clone(), id.clone());
                async move { c.attachment_list(&t, &id).await }
            })
            .await
        {
            Ok(files) => files,
            // A list Graph refuses (a projection one of its back ends does not take): the
            // MIME still says it all.
            Err(SyncError::Provider(ProviderError::Permanent { .. })) => return mime().await,
            Err(error) => return Err(error),
        }
    } else {
        Vec::new()
    };
    if needs_mime(&files) {
        return mime().await;
    }
    Ok(message.parsed(&files))
}

async fn folder_round(
    run: &Run<'_>,
    client: &GraphClient,
    folder: &str,
    stats: &mut Stats,
    done: &mut usize,
    total: Option<u64>,
) -> Result<(), SyncError> {
    let account_id = run.account_id();
    let (scope, page_size) = (folder.to_string(), run.state.settings.sync.page_size);
    let cursor = run
        .state
        .store
        .run(move |c| messages::cursor(c, account_id, &scope))
        .await?
        .unwrap_or(messages::CursorRow {
            cursor: None,
            resume: None,
        });
    let fresh = cursor.cursor.is_none() && cursor.resume.is_none();
    let phase = if cursor.cursor.is_none() {
        "initial"
    } else {
        "incremental"
    };
    // A fresh round lists the whole folder: what it did not list has left it. Held as
    // hashes (8 bytes a message, where the ids took about 150), so a 100,000-message
    // folder does not grow the sync's memory by tens of MiB.
    let mut seen: Option<HashSet<u64>> = fresh.then(HashSet::new);
    let mut link = cursor.resume.clone().or(cursor.cursor.clone());
    let since = super::window_start(run.state);
    // While one page is written, the next is fetched and parsed (see gmail::pages); pages
    // commit in order, each write awaited before the next starts.
    let mut writing: Option<(PageWrite, Progress)> = None;
    loop {
        let page: DeltaPage = match link.clone() {
            Some(link) => {
                run.call(op::DELTA, |t| {
                    let (c, l) = (client.clone(), link.clone());
                    async move { c.delta_follow(&t, &l, page_size).await }
                })
                .await?
            }
            None => {
                run.call(op::DELTA, |t| {
                    let (c, f) = (client.clone(), folder.to_string());
                    async move { c.delta_start(&t, &f, SELECT, page_size, since).await }
                })
                .await?
            }
        };
        let ids: Vec<String> = page
            .changed
            .iter()
            .filter_map(|m| m["id"].as_str().map(ToString::to_string))
            .collect();
        if let Some(seen) = seen.as_mut() {
            seen.extend(ids.iter().map(|id| id_hash(id)));
        }
        let lookup = ids.clone();
        let known: HashSet<String> = run
            .state
            .store
            .run(move |c| messages::existing(c, account_id, &lookup))
            .await?
            .into_iter()
            .collect();
        let (old, new): (Vec<Value>, Vec<Value>) = page
            .changed
            .into_iter()
            .partition(|m| m["id"].as_str().is_some_and(|id| known.contains(id)));
        let batch = fetch_new(run, client, new, folder).await?;
        let changes: Vec<StateChange> = old.iter().map(|item| state_of(item, folder)).collect();
        let mut removed = page.removed.clone();
        let finished = page.delta_link.is_some();
        if let Some((write, at)) = writing.take() {
            finish_page(stats, run, write, at).await?;
        }
        if finished && let Some(seen) = seen.take() {
            removed.extend(unlisted(run, folder, &seen).await?);
        }
        let update = CursorUpdate {
            scope: folder.to_string(),
            cursor: if finished {
                page.delta_link.clone()
            } else {
                cursor.cursor.clone()
            },
            resume: if finished {
                None
            } else {
                page.next_link.clone()
            },
        };
        let (fence, at, folder_id) = (run.fence.clone(), now(), folder.to_string());
        // A folder's first round counts toward the total; changes have none (they are
        // counted only when there is no total they could overrun).
        if phase == "initial" || total.is_none() {
            *done += ids.len();
        }
        let progress = Progress {
            phase,
            done: *done,
            // Mail that arrives meanwhile is listed too: never more done than the total.
            total: total
                .filter(|_| phase == "initial")
                .map(|t| t.max(*done as u64)),
        };
        // A folder's first round is an import: its mail was there before.
        let arrival = if phase == "initial" {
            messages::Arrival::Import
        } else {
            messages::Arrival::New
        };
        let write = write_page(run, Some(progress), move |c| {
            let stored = messages::store_page(c, &fence, &batch, None, arrival, at)?.len();
            let changed = messages::apply_states(c, &fence, &changes, None, at)?;
            let deleted =
                messages::remove_from_folder(c, &fence, &folder_id, &removed, Some(&update), at)?;
            Ok((stored, changed, deleted))
        });
        if finished {
            return finish_page(stats, run, write, progress).await;
        }
        writing = Some((write, progress));
        link = page.next_link;
    }
}

/// The folders with no delta cursor yet: their round is a first import (one interrupted
/// has a resume point and still is); and how many messages the interrupted ones hold.
async fn fresh_folders(
    run: &Run<'_>,
    folders: &[crate::providers::graph::Folder],
) -> Result<(HashSet<String>, usize), SyncError> {
    let (account_id, ids): (i64, Vec<String>) = (
        run.account_id(),
        folders.iter().map(|f| f.id.clone()).collect(),
    );
    let found = run
        .state
        .store
        .run(move |c| {
            let mut fresh = HashSet::new();
            let mut resumed = Vec::new();
            for id in ids {
                let cursor = messages::cursor(c, account_id, &id)?;
                if cursor.as_ref().is_none_or(|c| c.cursor.is_none()) {
                    if cursor.is_some_and(|c| c.resume.is_some()) {
                        resumed.push(id.clone());
                    }
                    fresh.insert(id);
                }
            }
            // What the resumed folders' earlier pages stored.
            let already: i64 = messages::folders(c, &[account_id])?
                .iter()
                .filter(|f| resumed.contains(&f.provider_id))
                .map(|f| f.total_count)
                .sum();
            Ok((fresh, usize::try_from(already).unwrap_or(0)))
        })
        .await?;
    Ok(found)
}

/// The messages stored in `folder` whose ids a fresh round did not list (`seen`, by
/// [`id_hash`]), read from the store a page at a time.
async fn unlisted(
    run: &Run<'_>,
    folder: &str,
    seen: &HashSet<u64>,
) -> Result<Vec<String>, SyncError> {
    const PAGE: i64 = 2000;
    let account_id = run.account_id();
    let (mut after, mut gone) = (0, Vec::new());
    loop {
        let folder_id = folder.to_string();
        let page = run
            .state
            .store
            .run(move |c| messages::members_after(c, account_id, &folder_id, after, PAGE))
            .await?;
        let Some(&(last, _)) = page.last() else {
            return Ok(gone);
        };
        after = last;
        let full = page.len() as i64 == PAGE;
        gone.extend(
            page.into_iter()
                .map(|(_, id)| id)
                .filter(|id| !seen.contains(&id_hash(id))),
        );
        if !full {
            return Ok(gone);
        }
    }
}

/// A provider id as a round remembers it. Two ids of one folder sharing a hash (odds
/// about 1 in 4 billion for a 100,000-message folder) would keep one removed message.
fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same id hashes alike throughout the run.
    let mut hasher = std::hash::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::state_of;
    use serde_json::json;

    /// Real Graph (microsoft-graph-docs #7776): after a message is marked read, the next
    /// delta round lists it with only `id`, `isRead` and `parentFolderId`, whatever was
    /// selected. That must not take its flag off (it did: a missing flag read as unflagged).
    #[test]
    fn a_minimal_change_keeps_the_flag() {
        let state = state_of(
            &json!({"id": "AAMk1", "isRead": true, "parentFolderId": "inbox"}),
            "inbox",
        );
        assert_eq!(state.is_read, Some(true));
        assert_eq!(state.is_starred, None, "the flag was not in the change");
        let flagged = state_of(
            &json!({"id": "AAMk1", "flag": {"flagStatus": "flagged"}}),
            "inbox",
        );
        assert_eq!(flagged.is_starred, Some(true));
        let cleared = state_of(
            &json!({"id": "AAMk1", "flag": {"flagStatus": "notFlagged"}}),
            "inbox",
        );
        assert_eq!(cleared.is_starred, Some(false));
    }
}
