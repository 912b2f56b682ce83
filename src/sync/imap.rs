//! IMAP (#26): one session per run, folder by folder, INBOX first. A folder's cursor is
//! its UIDVALIDITY, UIDNEXT and (with CONDSTORE) HIGHESTMODSEQ as last seen:
//!
//! - no cursor: a first import, newest first, one page of messages at a time (whole up
//!   to `mailbox::WHOLE_UP_TO`, larger ones in parts without their files); each
//!   page commits with the lowest UID it stored as the resume point, so a stop resumes
//!   below it and nothing is fetched twice;
//! - a cursor: the UIDs from its UIDNEXT on are new; flags changed since its HIGHESTMODSEQ
//!   (CONDSTORE), else all flags compared with what is stored; UIDs expunged since, in
//!   the same answer (QRESYNC's VANISHED), else those stored but no longer on the
//!   server (a UID SEARCH);
//! - a UIDVALIDITY that changed: the stored UIDs name nothing any more; the folder's
//!   messages are dropped and it is imported afresh (ids carry the UIDVALIDITY, so no
//!   old row can be taken for a new message).
//!
//! Threads come from `References` (its first id is the thread's root), else
//! `In-Reply-To`, else the message's own id.

use super::{PageWrite, Progress, Run, Stats, SyncError, finish_page, write_page};
use crate::mail::{ParsedMessage, Tree, parse, parse_tree};
use crate::providers::ProviderError;
use crate::providers::imap::changes::{self, Vanished};
use crate::providers::imap::mailbox::{self, Fetched, Flags, ImapSession, Opened};
use crate::providers::imap::{MessageRef, parts};
use crate::store::messages::{self, CursorUpdate, IncomingMessage, RemoteFolder, StateChange};
use chrono::Utc;
use std::collections::{HashMap, HashSet};

fn now() -> chrono::NaiveDateTime {
    Utc::now().naive_utc()
}

fn provider(error: ProviderError) -> SyncError {
    match error {
        ProviderError::ReauthRequired => SyncError::Reauth,
        other => SyncError::Provider(other),
    }
}

/// A folder's cursor: `v1:<uidvalidity>:<uidnext>:<highestmodseq or 0>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    validity: u32,
    next: u32,
    modseq: Option<u64>,
}

impl Cursor {
    fn text(self) -> String {
        format!(
            "v1:{}:{}:{}",
            self.validity,
            self.next,
            self.modseq.unwrap_or(0)
        )
    }

    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.strip_prefix("v1:")?.split(':');
        let validity = parts.next()?.parse().ok()?;
        let next = parts.next()?.parse().ok()?;
        let modseq: u64 = parts.next()?.parse().ok()?;
        Some(Self {
            validity,
            next,
            modseq: (modseq > 0).then_some(modseq),
        })
    }
}

/// An interrupted first import: what is left is below the lowest UID it stored, and the
/// cursor it leaves when done is the one its first run saw. Mail that arrived, flags
/// that changed and messages expunged since are the follow-up's, from that cursor on:
/// a cursor taken when the import resumes would pass over what happened meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Resume {
    below: u32,
    /// `None` from a marker written before it was kept (`<uidvalidity>:<below>`).
    finished: Option<Cursor>,
}

/// `<uidvalidity>:<below>:<uidnext>:<highestmodseq or 0>`.
fn resume_text(below: u32, finished: Cursor) -> String {
    format!(
        "{}:{below}:{}:{}",
        finished.validity,
        finished.next,
        finished.modseq.unwrap_or(0)
    )
}

/// The marker's UIDVALIDITY and what it says.
fn parse_resume(text: &str) -> Option<(u32, Resume)> {
    let mut parts = text.split(':');
    let validity: u32 = parts.next()?.parse().ok()?;
    let below = parts.next()?.parse().ok()?;
    let finished = match (parts.next(), parts.next()) {
        (Some(next), Some(modseq)) => {
            let modseq: u64 = modseq.parse().ok()?;
            Some(Cursor {
                validity,
                next: next.parse().ok()?,
                modseq: (modseq > 0).then_some(modseq),
            })
        }
        _ => None,
    };
    Some((validity, Resume { below, finished }))
}

pub(super) async fn run(run: &Run<'_>) -> Result<Stats, SyncError> {
    let mut session = crate::imap_account::session(run.state, run.account_id())
        .await
        .map_err(provider)?;
    let result = folders_round(run, &mut session).await;
    mailbox::close(session).await;
    result
}

async fn folders_round(run: &Run<'_>, session: &mut ImapSession) -> Result<Stats, SyncError> {
    let capabilities =
        tokio::time::timeout(std::time::Duration::from_secs(60), session.capabilities())
            .await
            .ok()
            .and_then(Result::ok);
    let has = |name: &str| capabilities.as_ref().is_some_and(|c| c.has_str(name));
    let condstore = has("CONDSTORE") || has("QRESYNC");
    let qresync = has("QRESYNC") && changes::enable_qresync(session).await;
    let server = Server { condstore, qresync };
    let mut folders = mailbox::folders(session).await.map_err(provider)?;
    folders.retain(|f| !f.virtual_view);
    // The inbox first: what a user looks at while the rest imports.
    folders.sort_by_key(|f| f.role != Some("inbox"));
    let remote: Vec<RemoteFolder> = folders
        .iter()
        .map(|f| RemoteFolder {
            provider_id: f.name.clone(),
            name: f.display.clone(),
            role: f.role.map(ToString::to_string),
            parent_provider_id: f.parent.clone(),
        })
        .collect();
    let account_id = run.account_id();
    run.state
        .store
        .run(move |c| messages::sync_folders(c, account_id, &remote).map(|_| ()))
        .await?;
    run.reset_if_full().await?;
    let names: Vec<String> = folders.iter().map(|f| f.name.clone()).collect();
    let fresh = fresh_folders(run, &names).await?;
    let phase = if fresh.is_empty() {
        "incremental"
    } else {
        "initial"
    };
    // What a first import counts up to: the fresh folders' sizes (STATUS), unless a
    // window limits the import (how much mail it holds is not known).
    let total = if fresh.is_empty() || super::window_start(run.state).is_some() {
        None
    } else {
        let mut sum = 0u64;
        for name in &fresh {
            sum += folder_size(session, name).await.unwrap_or(0);
        }
        Some(sum)
    };
    let mut stats = Stats::default();
    let mut done = 0usize;
    run.progress(phase, done, total).await?;
    for folder in &names {
        match folder_round(run, session, folder, server, &mut stats, &mut done, total).await {
            // A folder deleted or renamed since the LIST, or a command the server refused
            // (RFC 5530 limits): the next run tries again.
            Err(SyncError::Provider(ProviderError::Permanent { .. })) => {
                tracing::warn!(
                    account = account_id,
                    "the IMAP server refused a command on a folder (gone, or over its limits); the folder is skipped this run"
                );
            }
            other => other?,
        }
    }
    Ok(stats)
}

/// How many messages a folder holds, by STATUS (0 when the server will not say).
async fn folder_size(session: &mut ImapSession, folder: &str) -> Option<u64> {
    let status = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        session.status(folder, "(MESSAGES)"),
    )
    .await
    .ok()?
    .ok()?;
    Some(u64::from(status.exists))
}

/// The folders without a cursor yet: their round is a first import.
async fn fresh_folders(run: &Run<'_>, names: &[String]) -> Result<Vec<String>, SyncError> {
    let (account_id, names) = (run.account_id(), names.to_vec());
    Ok(run
        .state
        .store
        .run(move |c| {
            let mut fresh = Vec::new();
            for name in names {
                let cursor = messages::cursor(c, account_id, &name)?;
                if cursor.is_none_or(|c| c.cursor.is_none()) {
                    fresh.push(name);
                }
            }
            Ok(fresh)
        })
        .await?)
}

/// What is stored of one folder: each UID of the current UIDVALIDITY with its read and
/// starred state; the ids of messages under another UIDVALIDITY; and rows a move put
/// here under their old folder's name, which the server now lists under a new UID.
struct Stored {
    states: HashMap<u32, (bool, bool)>,
    stale: Vec<String>,
    moved_in: Vec<String>,
}

async fn stored(run: &Run<'_>, folder: &str, validity: u32) -> Result<Stored, SyncError> {
    let (account_id, folder_name) = (run.account_id(), folder.to_string());
    let rows = run
        .state
        .store
        .run(move |c| messages::folder_states(c, account_id, &folder_name))
        .await?;
    let folder_name = folder;
    let mut stored = Stored {
        states: HashMap::with_capacity(rows.len()),
        stale: Vec::new(),
        moved_in: Vec::new(),
    };
    for (id, read, starred) in rows {
        match MessageRef::parse(&id) {
            Some(message) if message.folder != folder_name => stored.moved_in.push(id),
            Some(message) if message.uid_validity == validity => {
                stored.states.insert(message.uid, (read, starred));
            }
            _ => stored.stale.push(id),
        }
    }
    Ok(stored)
}

/// What the server offers the sync.
#[derive(Clone, Copy)]
struct Server {
    /// Change numbers per message (CONDSTORE): flags changed since the last run.
    condstore: bool,
    /// QRESYNC enabled: expunges since the last run, by the same change numbers.
    qresync: bool,
}

#[allow(clippy::too_many_arguments)]
async fn folder_round(
    run: &Run<'_>,
    session: &mut ImapSession,
    folder: &str,
    server: Server,
    stats: &mut Stats,
    done: &mut usize,
    total: Option<u64>,
) -> Result<(), SyncError> {
    let (account_id, scope) = (run.account_id(), folder.to_string());
    let row = run
        .state
        .store
        .run(move |c| messages::cursor(c, account_id, &scope))
        .await?;
    let opened = mailbox::open(session, folder, server.condstore)
        .await
        .map_err(provider)?;
    let cursor = row
        .as_ref()
        .and_then(|r| r.cursor.as_deref())
        .and_then(Cursor::parse)
        .filter(|c| c.validity == opened.uid_validity && opened.uid_validity != 0);
    let resume = row
        .as_ref()
        .and_then(|r| r.resume.as_deref())
        .and_then(parse_resume)
        .filter(|(validity, _)| *validity == opened.uid_validity)
        .map(|(_, resume)| resume);
    let stored = stored(run, folder, opened.uid_validity).await?;
    if !stored.moved_in.is_empty() {
        let (fence, folder_id, gone, at) = (
            run.fence.clone(),
            folder.to_string(),
            stored.moved_in.clone(),
            now(),
        );
        run.state
            .store
            .run(move |c| messages::remove_from_folder(c, &fence, &folder_id, &gone, None, at))
            .await?;
    }
    if !stored.stale.is_empty() {
        // UIDVALIDITY changed: the old rows name messages that may not exist any more.
        tracing::warn!(
            account = account_id,
            "an IMAP folder's UIDVALIDITY changed; importing it afresh"
        );
        stats.rescanned = true;
        let (fence, folder_id, gone, at) = (
            run.fence.clone(),
            folder.to_string(),
            stored.stale.clone(),
            now(),
        );
        stats.deleted += run
            .state
            .store
            .run(move |c| messages::remove_from_folder(c, &fence, &folder_id, &gone, None, at))
            .await?;
    }
    match cursor {
        None => first_import(run, session, folder, opened, resume, stats, done, total).await,
        Some(cursor) => {
            let seen = Seen { opened, cursor };
            follow(run, session, folder, seen, server, &stored, stats, done).await
        }
    }
}

/// The cursor a round that saw `opened` leaves, given the UIDs it found.
fn cursor_after(opened: Opened, highest_uid: Option<u32>) -> Cursor {
    let next = if opened.uid_next > 0 {
        opened.uid_next
    } else {
        highest_uid.map_or(1, |u| u + 1)
    };
    Cursor {
        validity: opened.uid_validity,
        next,
        modseq: opened.highest_modseq,
    }
}

#[allow(clippy::too_many_arguments)]
async fn first_import(
    run: &Run<'_>,
    session: &mut ImapSession,
    folder: &str,
    opened: Opened,
    resume: Option<Resume>,
    stats: &mut Stats,
    done: &mut usize,
    total: Option<u64>,
) -> Result<(), SyncError> {
    let query = match super::window_start(run.state) {
        Some(since) => format!("SINCE {}", since.format("%d-%b-%Y")),
        None => "ALL".to_string(),
    };
    let mut uids = mailbox::search(session, &query).await.map_err(provider)?;
    let finished = resume
        .and_then(|r| r.finished)
        .unwrap_or_else(|| cursor_after(opened, uids.last().copied()));
    uids.retain(|uid| *uid < finished.next && resume.is_none_or(|r| *uid < r.below));
    if resume.is_some() {
        // Counted on from what the interrupted import stored.
        *done += uids_stored_before(run, folder).await?;
    }
    uids.reverse();
    let page_size = run.state.settings.sync.page_size.max(1) as usize;
    let pages: Vec<&[u32]> = uids.chunks(page_size).collect();
    if pages.is_empty() {
        return commit_cursor(run, folder, finished, stats).await;
    }
    let mut writing: Option<(PageWrite, Progress)> = None;
    for (index, page) in pages.iter().enumerate() {
        let fetched = fetch_page(run, session, page).await?;
        // Parsed while the previous page's write finishes; written while the next page
        // is fetched.
        let parsing = parse_off_thread(run, folder, opened.uid_validity, fetched);
        let last = index + 1 == pages.len();
        let update = CursorUpdate {
            scope: folder.to_string(),
            cursor: last.then(|| finished.text()),
            resume: (!last).then(|| resume_text(page.iter().copied().min().unwrap_or(0), finished)),
        };
        *done += page.len();
        let progress = Progress {
            phase: "initial",
            done: *done,
            total: total.map(|t| t.max(*done as u64)),
        };
        if let Some((write, at)) = writing.take() {
            finish_page(stats, run, write, at).await?;
        }
        let parsed = super::off_thread(parsing).await?;
        let batch = complete(run, session, folder, opened.uid_validity, parsed).await?;
        let (fence, at) = (run.fence.clone(), now());
        let write = write_page(run, Some(progress), move |c| {
            let stored = messages::store_page(
                c,
                &fence,
                &batch,
                Some(&update),
                messages::Arrival::Import,
                at,
            )?
            .len();
            Ok((stored, 0, 0))
        });
        writing = Some((write, progress));
    }
    if let Some((write, at)) = writing.take() {
        finish_page(stats, run, write, at).await?;
    }
    Ok(())
}

/// How many messages an interrupted first import of `folder` stored.
async fn uids_stored_before(run: &Run<'_>, folder: &str) -> Result<usize, SyncError> {
    let (account_id, folder) = (run.account_id(), folder.to_string());
    let rows = run
        .state
        .store
        .run(move |c| messages::folder_states(c, account_id, &folder))
        .await?;
    Ok(rows.len())
}

async fn commit_cursor(
    run: &Run<'_>,
    folder: &str,
    cursor: Cursor,
    stats: &mut Stats,
) -> Result<(), SyncError> {
    let update = CursorUpdate {
        scope: folder.to_string(),
        cursor: Some(cursor.text()),
        resume: None,
    };
    let (fence, at) = (run.fence.clone(), now());
    stats.changed += run
        .state
        .store
        .run(move |c| messages::apply_states(c, &fence, &[], Some(&update), at))
        .await?;
    Ok(())
}

/// A folder as opened now, and as the cursor left it.
struct Seen {
    opened: Opened,
    cursor: Cursor,
}

/// A folder with a cursor: new UIDs, changed flags, expunged UIDs.
#[allow(clippy::too_many_arguments)]
async fn follow(
    run: &Run<'_>,
    session: &mut ImapSession,
    folder: &str,
    Seen { opened, cursor }: Seen,
    server: Server,
    stored: &Stored,
    stats: &mut Stats,
    done: &mut usize,
) -> Result<(), SyncError> {
    let validity = opened.uid_validity;
    // Flags first, for the UIDs the cursor knew; with QRESYNC the same answer says
    // which of them were expunged.
    let mut changed: Vec<Flags> = Vec::new();
    let mut vanished: Option<Vanished> = None;
    if cursor.next > 1 && !stored.states.is_empty() {
        let known = format!("1:{}", cursor.next.saturating_sub(1));
        match (cursor.modseq, opened.highest_modseq) {
            // Nothing changed, and under QRESYNC nothing was expunged either (an
            // expunge moves the folder's change number on).
            (Some(before), Some(now)) if before == now => {
                vanished = server.qresync.then(Vanished::default);
            }
            (Some(before), Some(_)) => {
                let found = changes::since(session, &known, before, server.qresync)
                    .await
                    .map_err(provider)?;
                changed = found.flags;
                vanished = found.vanished;
            }
            // Without CONDSTORE every flag is compared. (Which UIDs are left is the
            // SEARCH's to say: a FETCH answered in part would read as expunges.)
            _ => {
                changed = changes::flags(session, &known).await.map_err(provider)?;
            }
        }
    }
    let changes: Vec<StateChange> = changed
        .iter()
        .filter(|f| {
            stored
                .states
                .get(&f.uid)
                .is_some_and(|(read, starred)| (*read, *starred) != (f.seen, f.flagged))
        })
        .map(|f| StateChange {
            provider_message_id: MessageRef::new(folder, validity, f.uid).id(),
            folders: None,
            is_read: Some(f.seen),
            is_starred: Some(f.flagged),
            provider_version: None,
            labels: None,
        })
        .collect();
    // New mail: the UIDs from the cursor's UIDNEXT on (`n:*` always answers the highest
    // UID, even below n).
    let mut new: Vec<u32> = if opened.uid_next == 0 || opened.uid_next > cursor.next {
        mailbox::search(session, &format!("UID {}:*", cursor.next))
            .await
            .map_err(provider)?
    } else {
        Vec::new()
    };
    new.retain(|uid| *uid >= cursor.next && !stored.states.contains_key(uid));
    // Expunged: as QRESYNC said; else, when the folder holds other than what is stored
    // and new, ask which UIDs are left.
    let mut present: Option<HashSet<u32>> = None;
    if let Some(vanished) = &vanished {
        present = Some(
            stored
                .states
                .keys()
                .copied()
                .filter(|uid| !vanished.contains(*uid))
                .collect(),
        );
    } else if opened.exists as usize != stored.states.len() + new.len() {
        let left = mailbox::search(session, &format!("UID 1:{}", cursor.next.max(2) - 1))
            .await
            .map_err(provider)?;
        present = Some(left.into_iter().collect());
    }
    let gone: Vec<String> = present.map_or_else(Vec::new, |present| {
        stored
            .states
            .keys()
            .filter(|uid| !present.contains(uid))
            .map(|uid| MessageRef::new(folder, validity, *uid).id())
            .collect()
    });
    let finished = cursor_after(
        opened,
        new.last().copied().or(Some(cursor.next.saturating_sub(1))),
    );
    let finished = Cursor {
        next: finished.next.max(cursor.next),
        ..finished
    };
    let page_size = run.state.settings.sync.page_size.max(1) as usize;
    for page in new.chunks(page_size) {
        let fetched = fetch_page(run, session, page).await?;
        let parsed = super::off_thread(parse_off_thread(run, folder, validity, fetched)).await?;
        let batch = complete(run, session, folder, validity, parsed).await?;
        *done += page.len();
        let progress = Progress {
            phase: "incremental",
            done: *done,
            total: None,
        };
        let (fence, at) = (run.fence.clone(), now());
        let write = write_page(run, Some(progress), move |c| {
            Ok((
                messages::store_page(c, &fence, &batch, None, messages::Arrival::New, at)?.len(),
                0,
                0,
            ))
        });
        finish_page(stats, run, write, progress).await?;
    }
    let update = CursorUpdate {
        scope: folder.to_string(),
        cursor: Some(finished.text()),
        resume: None,
    };
    let (fence, at, folder_id) = (run.fence.clone(), now(), folder.to_string());
    let progress = Progress {
        phase: "incremental",
        done: *done,
        total: None,
    };
    let write = write_page(run, Some(progress), move |c| {
        let changed = messages::apply_states(c, &fence, &changes, None, at)?;
        let deleted =
            messages::remove_from_folder(c, &fence, &folder_id, &gone, Some(&update), at)?;
        Ok((0, changed, deleted))
    });
    finish_page(stats, run, write, progress).await
}

/// A message as it arrived: whole, or (a large one) as a tree without its files' bytes.
struct Arrived {
    fetched: Fetched,
    tree: Option<Tree>,
}

/// A page of messages; one the server refuses to give (a message it cannot read) is
/// left out and said, so the rest of the folder goes on (Graph's engine does the same).
/// A later run does not ask again: the cursor moves past it.
async fn fetch_page(
    run: &Run<'_>,
    session: &mut ImapSession,
    uids: &[u32],
) -> Result<Vec<Arrived>, SyncError> {
    let (fetched, unreadable) = mailbox::fetch_page(session, uids).await.map_err(provider)?;
    if !unreadable.is_empty() {
        tracing::warn!(
            account = run.account_id(),
            count = unreadable.len(),
            "the IMAP server refused to give some messages; skipped"
        );
    }
    let mut arrived = Vec::with_capacity(fetched.len());
    for mut message in fetched {
        if !message.cut_short {
            arrived.push(Arrived {
                fetched: message,
                tree: None,
            });
            continue;
        }
        let uid = message.flags.uid;
        match parts::tree(session, uid).await.map_err(provider)? {
            Some(tree) => {
                message.raw = Vec::new();
                arrived.push(Arrived {
                    fetched: message,
                    tree: Some(tree),
                });
            }
            // Not to be rebuilt from its parts (an attached e-mail): whole after all.
            None => arrived.extend(whole(session, &[uid]).await?),
        }
    }
    Ok(arrived)
}

/// `uids` fetched whole, as arrived messages.
async fn whole(session: &mut ImapSession, uids: &[u32]) -> Result<Vec<Arrived>, SyncError> {
    let fetched = mailbox::fetch_whole(session, uids)
        .await
        .map_err(provider)?;
    Ok(fetched
        .into_iter()
        .map(|fetched| Arrived {
            fetched,
            tree: None,
        })
        .collect())
}

/// A parsed page, and the UIDs whose parts did not parse as the whole would.
type ParsedPage = (Vec<IncomingMessage>, Vec<u32>);

/// The page with the messages its parts could not stand for fetched whole and parsed.
async fn complete(
    run: &Run<'_>,
    session: &mut ImapSession,
    folder: &str,
    validity: u32,
    (mut batch, again): ParsedPage,
) -> Result<Vec<IncomingMessage>, SyncError> {
    if again.is_empty() {
        return Ok(batch);
    }
    let arrived = whole(session, &again).await?;
    let (rest, _) = super::off_thread(parse_off_thread(run, folder, validity, arrived)).await?;
    batch.extend(rest);
    Ok(batch)
}

/// The thread a message belongs to: the first of its `References` (the root, which
/// RFC 5322 asks every reply to keep), else what it answers, else itself.
fn thread_key(parsed: &ParsedMessage, fallback: &str) -> String {
    parsed
        .references
        .first()
        .or(parsed.in_reply_to.as_ref())
        .or(parsed.message_id.as_ref())
        .cloned()
        .unwrap_or_else(|| fallback.to_string())
}

/// Starts parsing arrived messages on the blocking pool.
fn parse_off_thread(
    run: &Run<'_>,
    folder: &str,
    validity: u32,
    arrived: Vec<Arrived>,
) -> tokio::task::JoinHandle<ParsedPage> {
    let (folder, account_id) = (folder.to_string(), run.account_id());
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::with_capacity(arrived.len());
        let mut again = Vec::new();
        for Arrived {
            fetched: message,
            tree,
        } in arrived
        {
            let parsed = match &tree {
                Some(tree) => {
                    let size = message.size.map_or(0, u64::from);
                    let Some(parsed) = parse_tree(tree, size) else {
                        again.push(message.flags.uid);
                        continue;
                    };
                    parsed
                }
                None => {
                    let Some(parsed) = parse(&message.raw) else {
                        tracing::warn!(
                            account = account_id,
                            "a message is not valid MIME; skipped"
                        );
                        continue;
                    };
                    parsed
                }
            };
            let id = MessageRef::new(&folder, validity, message.flags.uid).id();
            let received = message
                .internal_date
                .map(|d| d.naive_utc())
                .or(parsed.date)
                .unwrap_or_else(now);
            out.push(IncomingMessage {
                provider_thread_id: Some(thread_key(&parsed, &id)),
                provider_message_id: id,
                folders: vec![folder.clone()],
                is_read: message.flags.seen,
                is_starred: message.flags.flagged,
                received_at: received,
                provider_version: None,
                labels: None,
                parsed,
            });
        }
        (out, again)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back() {
        let cursor = Cursor {
            validity: 1_700_000_000,
            next: 4_321,
            modseq: Some(99),
        };
        assert_eq!(Cursor::parse(&cursor.text()), Some(cursor));
        let plain = Cursor {
            modseq: None,
            ..cursor
        };
        assert_eq!(Cursor::parse(&plain.text()), Some(plain));
        assert_eq!(Cursor::parse("https://graph.microsoft.com/delta"), None);
        let resume = Resume {
            below: 120,
            finished: Some(cursor),
        };
        assert_eq!(
            parse_resume(&resume_text(120, cursor)),
            Some((cursor.validity, resume))
        );
        // A marker from before the cursor was kept: resumed as then.
        assert_eq!(
            parse_resume("7:120"),
            Some((
                7,
                Resume {
                    below: 120,
                    finished: None
                }
            ))
        );
    }
}
