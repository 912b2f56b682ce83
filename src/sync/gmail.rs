//! Gmail: record the history id first, page the mailbox newest first (committing each
//! page with a resume point), then follow history from the recorded id. A history id
//! Gmail no longer keeps means a rescan: everything listed is upserted and what is no
//! longer there is deleted.

use super::{PageWrite, Progress, Run, Stats, SyncError, landed, log_progress, write_page};
use crate::mail::{parse, parse_tree};
use crate::providers::ProviderError;
use crate::providers::attachment::whole;
use crate::providers::gmail::{
    ARCHIVE, Content, FetchedMessage, Format, GmailClient, NOT_ARCHIVED, folders_from_labels,
};
use crate::providers::operation::gmail as op;
use crate::store::folder_fill;
use crate::store::labels::{Key, MessageLabels};
use crate::store::messages::{self, CursorUpdate, IncomingMessage, RemoteFolder, StateChange};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};

const SCOPE: &str = "account";
/// Messages fetched at once when one is fetched alone (Gmail's per-user concurrency is
/// shared with every app).
const PARALLEL: usize = 4;
/// Messages per batch request (Google advises at most 50).
const BATCH: usize = 50;

/// System labels shown as folders, with their roles and names.
const SYSTEM: [(&str, &str, &str); 7] = [
    ("INBOX", "inbox", "Inbox"),
    ("SENT", "sent", "Sent"),
    ("DRAFT", "drafts", "Drafts"),
    ("TRASH", "trash", "Trash"),
    ("SPAM", "spam", "Spam"),
    ("STARRED", "starred", "Starred"),
    ("IMPORTANT", "important", "Important"),
];

fn now() -> chrono::NaiveDateTime {
    Utc::now().naive_utc()
}

/// What became of a fetched message.
enum Outcome {
    Stored(Box<IncomingMessage>),
    /// Its tree cannot be rebuilt exactly (an attached e-mail, a text body held by id):
    /// fetch it whole.
    Whole(Box<FetchedMessage>),
    /// Not MIME (logged).
    Skipped,
}

/// A fetched message as the store takes it.
fn incoming(message: FetchedMessage, account: i64) -> Outcome {
    let parsed = match &message.content {
        Content::Raw(raw) => parse(raw),
        Content::Tree(payload) => payload
            .tree()
            .and_then(|tree| parse_tree(&tree, message.size_estimate)),
    };
    let Some(parsed) = parsed else {
        if matches!(message.content, Content::Tree(_)) {
            return Outcome::Whole(Box::new(message));
        }
        tracing::warn!(account, message = %message.id, "a message is not valid MIME; skipped");
        return Outcome::Skipped;
    };
    let received = DateTime::from_timestamp_millis(message.internal_date)
        .map(|d| d.naive_utc())
        .or(parsed.date)
        .unwrap_or_else(now);
    Outcome::Stored(Box::new(IncomingMessage {
        is_read: !message.label_ids.iter().any(|l| l == "UNREAD"),
        is_starred: message.label_ids.iter().any(|l| l == "STARRED"),
        folders: folders_from_labels(&message.label_ids),
        provider_message_id: message.id,
        provider_thread_id: Some(message.thread_id),
        received_at: received,
        provider_version: Some(message.history_id.to_string()),
        labels: Some(gmail_labels(&message.label_ids)),
        parsed,
    }))
}

fn state_from_labels(id: &str, labels: &[String]) -> StateChange {
    StateChange {
        provider_message_id: id.to_string(),
        folders: Some(folders_from_labels(labels)),
        is_read: Some(!labels.iter().any(|l| l == "UNREAD")),
        is_starred: Some(labels.iter().any(|l| l == "STARRED")),
        provider_version: None,
        labels: Some(gmail_labels(labels)),
    }
}

/// A Gmail message's labels, by label id (only those the mailbox keeps as labels count).
fn gmail_labels(ids: &[String]) -> MessageLabels {
    MessageLabels {
        key: Key::ProviderId,
        names: ids.to_vec(),
    }
}

pub(super) async fn run(run: &Run<'_>) -> Result<Stats, SyncError> {
    let client = run.state.gmail();
    let labels = run
        .call(op::LABELS_LIST, |t| {
            let c = client.clone();
            async move { c.labels(&t).await }
        })
        .await?;
    let folders: Vec<RemoteFolder> = labels
        .iter()
        .filter_map(|label| {
            let system = SYSTEM.iter().find(|(id, _, _)| *id == label.id);
            let user = label.kind.as_deref() == Some("user");
            (system.is_some() || user).then(|| RemoteFolder {
                provider_id: label.id.clone(),
                name: system.map_or_else(|| label.name.clone(), |(_, _, name)| (*name).to_string()),
                role: system.map(|(_, role, _)| (*role).to_string()),
                parent_provider_id: None,
            })
        })
        .chain(std::iter::once(RemoteFolder {
            provider_id: ARCHIVE.to_string(),
            name: "Archive".to_string(),
            role: Some("archive".to_string()),
            parent_provider_id: None,
        }))
        .collect();
    let account_id = run.account_id();
    run.state
        .store
        .run(move |c| {
            let added = messages::sync_folders(c, account_id, &folders)?;
            // A mailbox stored before Archive existed: its archived mail goes there now.
            if added.iter().any(|id| id == ARCHIVE) {
                let mut outside = NOT_ARCHIVED.to_vec();
                outside.push(ARCHIVE);
                folder_fill::fill(c, account_id, ARCHIVE, &outside)?;
            }
            Ok(())
        })
        .await?;
    super::labels::gmail(run, &labels).await?;
    run.reset_if_full().await?;
    let cursor = run
        .state
        .store
        .run(move |c| messages::cursor(c, account_id, SCOPE))
        .await?;
    let mut stats = Stats::default();
    match cursor {
        Some(row) if row.resume.is_some() => {
            let resume = row.resume.unwrap_or_default();
            let mut parts = resume.splitn(3, ' ');
            let (watermark, page) = match (parts.next(), parts.next(), parts.next()) {
                (Some("initial"), Some(watermark), page) => {
                    (watermark.to_string(), page.map(ToString::to_string))
                }
                _ => {
                    return initial(run, &client, &mut stats, false)
                        .await
                        .map(|()| stats);
                }
            };
            tracing::info!(account = account_id, "resuming the initial sync");
            pages(run, &client, &mut stats, watermark.clone(), page, None).await?;
            incremental(run, &client, &mut stats, &watermark).await?;
        }
        Some(row) if row.cursor.is_some() => {
            let start = row.cursor.unwrap_or_default();
            match incremental(run, &client, &mut stats, &start).await {
                Err(SyncError::Provider(ProviderError::CursorExpired)) => {
                    tracing::warn!(
                        account = account_id,
                        "Gmail no longer keeps this history id; rescanning the mailbox"
                    );
                    stats.rescanned = true;
                    initial(run, &client, &mut stats, true).await?;
                }
                other => other?,
            }
        }
        _ => initial(run, &client, &mut stats, false).await?,
    }
    Ok(stats)
}

/// The whole mailbox from the top, then history from the id recorded before listing.
async fn initial(
    run: &Run<'_>,
    client: &GmailClient,
    stats: &mut Stats,
    rescan: bool,
) -> Result<(), SyncError> {
    let profile = run
        .call(op::GET_PROFILE, |t| {
            let c = client.clone();
            async move { c.profile(&t).await }
        })
        .await?;
    let watermark = profile.history_id.clone();
    let mut seen = rescan.then(Vec::new);
    pages(run, client, stats, watermark.clone(), None, seen.as_mut()).await?;
    if let Some(seen) = seen {
        let (fence, at) = (run.fence.clone(), now());
        stats.deleted += run
            .state
            .store
            .run(move |c| messages::delete_except(c, &fence, &seen, at))
            .await?;
    }
    incremental(run, client, stats, &watermark).await
}

async fn fetch_all(
    run: &Run<'_>,
    client: &GmailClient,
    ids: Vec<String>,
) -> Result<Vec<IncomingMessage>, SyncError> {
    // Each batch's answer is parsed on a blocking thread while the next batch is asked
    // for: parsing and the provider's answer overlap, with one batch in flight as before
    // (Gmail counts a batch's parts against the user's concurrent requests).
    // `format=full`: headers, text bodies and attachments as ids and sizes, so no
    // attachment byte is downloaded to sync (a few 40 MB messages made a batch of raw
    // MIME time out every time). What the tree cannot rebuild exactly is fetched whole.
    let account = run.account_id();
    let mut parsing: Vec<tokio::task::JoinHandle<Vec<Outcome>>> = Vec::new();
    let mut one_by_one: Vec<String> = Vec::new();
    // Batches of 50 (Google's advice); each part costs what a single get costs. Where
    // the window has room for some messages but not 50, a smaller batch takes it now:
    // waiting for a whole batch's room left a sixth of every window unused.
    let per_message = op::MESSAGES_GET.cost;
    let mut rest = &ids[..];
    while !rest.is_empty() {
        let fits = run
            .mailbox()
            .room()
            .map_or(BATCH, |room| (room / per_message) as usize);
        let size = match fits {
            0 => BATCH,
            fits => fits.min(BATCH),
        }
        .min(rest.len());
        let (chunk, after) = rest.split_at(size);
        rest = after;
        let chunk: Vec<String> = chunk.to_vec();
        let batch = op::MESSAGES_GET.times(chunk.len() as u64);
        let items = run
            .call(batch, |t| {
                let (c, ids) = (client.clone(), chunk.clone());
                async move { c.batch_get(&t, &ids, Format::Full).await }
            })
            .await?;
        let mut fetched = Vec::with_capacity(items.len());
        for (id, item) in items {
            match item {
                Ok(message) => fetched.push(message),
                // Deleted since it was listed: nothing to store.
                Err(ProviderError::NotFound) => {}
                // A part that failed for a passing reason is fetched on its own, with retries.
                Err(_) => one_by_one.push(id),
            }
        }
        parsing.push(tokio::task::spawn_blocking(move || {
            fetched.into_iter().map(|m| incoming(m, account)).collect()
        }));
    }
    let mut out = Vec::with_capacity(ids.len());
    let mut wholes = Vec::new();
    for batch in parsing {
        for outcome in super::off_thread(batch).await? {
            match outcome {
                Outcome::Stored(message) => out.push(*message),
                Outcome::Whole(message) => wholes.push(*message),
                Outcome::Skipped => {}
            }
        }
    }
    // Read whole as a stream (its base64 decoded as it arrives, the download's own
    // timeout), so only the message's bytes are held, never its JSON.
    let read_whole: Vec<Result<Option<FetchedMessage>, SyncError>> =
        futures_util::stream::iter(wholes)
            .map(|mut message| async move {
                let id = message.id.clone();
                let read = run
                    .call(op::MESSAGES_GET, |t| {
                        let (c, id) = (client.clone(), id.clone());
                        async move { whole(c.original(&t, &id).await?).await }
                    })
                    .await;
                match read {
                    Ok(raw) => {
                        message.content = Content::Raw(raw);
                        Ok(Some(message))
                    }
                    Err(SyncError::Provider(ProviderError::NotFound)) => Ok(None),
                    // Larger than is ever held whole: left out and said, and the
                    // mailbox goes on.
                    Err(SyncError::Provider(ProviderError::Permanent { code, .. })) => {
                        tracing::warn!(account, message = %id, code = %code, "a message could not be read whole; skipped");
                        Ok(None)
                    }
                    Err(error) => Err(error),
                }
            })
            .buffered(PARALLEL)
            .collect()
            .await;
    let singles: Vec<Result<Option<FetchedMessage>, SyncError>> =
        futures_util::stream::iter(one_by_one)
            .map(|id| async move {
                match run
                    .call(op::MESSAGES_GET, |t| {
                        let (c, id) = (client.clone(), id.clone());
                        async move { c.raw(&t, &id).await }
                    })
                    .await
                {
                    Ok(message) => Ok(Some(message)),
                    Err(SyncError::Provider(ProviderError::NotFound)) => Ok(None),
                    Err(error) => Err(error),
                }
            })
            .buffered(PARALLEL)
            .collect()
            .await;
    for single in singles.into_iter().chain(read_whole) {
        if let Some(message) = single?
            && let Outcome::Stored(message) = incoming(message, account)
        {
            out.push(*message);
        }
    }
    Ok(out)
}

/// Pages through the mailbox from `page` (None = the top), committing each page with
/// where to resume.
async fn pages(
    run: &Run<'_>,
    client: &GmailClient,
    stats: &mut Stats,
    watermark: String,
    mut page: Option<String>,
    mut seen: Option<&mut Vec<String>>,
) -> Result<(), SyncError> {
    let page_size = run.state.settings.sync.page_size;
    // `sync.initial_window_days`: only mail received since then.
    let query = super::window_start(run.state).map(|since| format!("after:{}", since.timestamp()));
    // What the progress counts up to: the mailbox's size, unless a window limits the
    // import (how much mail it holds is not known in advance; #24).
    let total = match query {
        Some(_) => None,
        None => Some(
            run.call(op::GET_PROFILE, |t| {
                let c = client.clone();
                async move { c.profile(&t).await }
            })
            .await?
            .messages_total,
        ),
    };
    // Resumed from a page (the run before stopped midway): the count goes on from what
    // that run stored, so the bar ends full rather than short by as much (#24).
    let mut done = match (&page, total) {
        (Some(_), Some(_)) => {
            let account = run.account_id();
            let (stored, _) = run
                .state
                .store
                .run(move |c| messages::counts(c, account))
                .await?;
            usize::try_from(stored).unwrap_or(0)
        }
        _ => 0,
    };
    run.progress("initial", done, total).await?;
    // While one page is written, the next is listed, fetched and parsed: the database and
    // the network and parsing overlap instead of taking turns. Pages still commit in
    // order (a write is awaited before the next one starts), so a resume point never
    // runs ahead of what is stored.
    let mut writing: Option<(PageWrite, Progress)> = None;
    loop {
        let (token, q) = (page.clone(), query.clone());
        let list = run
            .call(op::MESSAGES_LIST, |t| {
                let (c, token, q) = (client.clone(), token.clone(), q.clone());
                async move { c.list(&t, token.as_deref(), page_size, q.as_deref()).await }
            })
            .await?;
        let ids: Vec<String> = list.messages.iter().map(|m| m.id.clone()).collect();
        if let Some(seen) = seen.as_deref_mut() {
            seen.extend(ids.iter().cloned());
        }
        let batch = fetch_all(run, client, ids.clone()).await?;
        if let Some((write, at)) = writing.take() {
            finish_page(run, stats, write, at).await?;
        }
        let update = CursorUpdate {
            scope: SCOPE.into(),
            cursor: None,
            resume: Some(match &list.next_page_token {
                Some(next) => format!("initial {watermark} {next}"),
                None => format!("initial {watermark}"),
            }),
        };
        let (fence, at) = (run.fence.clone(), now());
        done += ids.len();
        // The profile's count is read once, before the pages: mail that arrives meanwhile
        // is listed too, and the last page is the whole. Never more done than the total.
        let last = list.next_page_token.is_none();
        let progress = Progress {
            phase: "initial",
            done,
            total: total.map(|t| {
                if last {
                    done as u64
                } else {
                    t.max(done as u64)
                }
            }),
        };
        let write = write_page(run, Some(progress), move |c| {
            let stored = messages::store_page(
                c,
                &fence,
                &batch,
                Some(&update),
                messages::Arrival::Import,
                at,
            )?;
            Ok((stored.len(), 0, 0))
        });
        writing = Some((write, progress));
        match list.next_page_token {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    if let Some((write, at)) = writing {
        finish_page(run, stats, write, at).await?;
    }
    Ok(())
}

/// Waits for a page's write (which recorded its progress and events) and counts it.
async fn finish_page(
    run: &Run<'_>,
    stats: &mut Stats,
    write: PageWrite,
    at: Progress,
) -> Result<(), SyncError> {
    let (stored, _, _) = landed(write).await?;
    stats.stored += stored;
    log_progress(run, at);
    Ok(())
}

/// History from `start`: added messages fetched, deleted ones removed, label changes
/// applied; the new history id stored last.
async fn incremental(
    run: &Run<'_>,
    client: &GmailClient,
    stats: &mut Stats,
    start: &str,
) -> Result<(), SyncError> {
    run.progress("incremental", 0, None).await?;
    let mut page: Option<String> = None;
    loop {
        let (token, from) = (page.clone(), start.to_string());
        let history = run
            .call(op::HISTORY_LIST, |t| {
                let (c, token, from) = (client.clone(), token.clone(), from.clone());
                async move { c.history(&t, &from, token.as_deref()).await }
            })
            .await?;
        let mut added: Vec<String> = Vec::new();
        let mut deleted: HashSet<String> = HashSet::new();
        let mut labels: HashMap<String, Vec<String>> = HashMap::new();
        for record in &history.history {
            for item in &record.messages_added {
                if !added.contains(&item.message.id) {
                    added.push(item.message.id.clone());
                }
                deleted.remove(&item.message.id);
            }
            for item in &record.messages_deleted {
                deleted.insert(item.message.id.clone());
            }
            for item in record.labels_added.iter().chain(&record.labels_removed) {
                labels.insert(item.message.id.clone(), item.message.label_ids.clone());
            }
        }
        added.retain(|id| !deleted.contains(id));
        let (account_id, known_ids) = (run.account_id(), added.clone());
        let known: HashSet<String> = run
            .state
            .store
            .run(move |c| messages::existing(c, account_id, &known_ids))
            .await?
            .into_iter()
            .collect();
        let fresh: Vec<String> = added
            .iter()
            .filter(|id| !known.contains(*id))
            .cloned()
            .collect();
        let batch = fetch_all(run, client, fresh).await?;
        let fetched: HashSet<String> = batch
            .iter()
            .map(|m| m.provider_message_id.clone())
            .collect();
        let changes: Vec<StateChange> = labels
            .iter()
            .filter(|(id, _)| !deleted.contains(*id) && !fetched.contains(*id))
            .map(|(id, labels)| state_from_labels(id, labels))
            .collect();
        let gone: Vec<String> = deleted.into_iter().collect();
        let cursor = history.next_page_token.is_none().then(|| CursorUpdate {
            scope: SCOPE.into(),
            cursor: Some(history.history_id.clone()),
            resume: None,
        });
        let (fence, at) = (run.fence.clone(), now());
        let (stored, changed, removed) = landed(write_page(run, None, move |c| {
            let stored =
                messages::store_page(c, &fence, &batch, None, messages::Arrival::New, at)?.len();
            let changed = messages::apply_states(c, &fence, &changes, None, at)?;
            let removed = messages::delete_messages(c, &fence, &gone, cursor.as_ref(), at)?;
            Ok((stored, changed, removed))
        }))
        .await?;
        stats.stored += stored;
        stats.changed += changed;
        stats.deleted += removed;
        match history.next_page_token {
            Some(next) => page = Some(next),
            None => return Ok(()),
        }
    }
}
