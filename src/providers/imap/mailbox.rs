//! What sync and writes ask of a logged-in IMAP session: the folders with their special
//! use, a folder opened with its UIDVALIDITY/UIDNEXT (and HIGHESTMODSEQ under CONDSTORE),
//! UIDs by search, messages and flags by UID. Every command has a deadline, so a server
//! that stops answering fails the run instead of holding it forever, and every failure is
//! classified here as a [`ProviderError`] (a server's own words never leave this file:
//! they can quote folder names and addresses).

use super::names;
use super::stream::Stream;
use crate::providers::ProviderError;
use async_imap::Session;
use async_imap::types::{Flag, NameAttribute};
use futures_util::TryStreamExt;
use std::time::Duration;

pub type ImapSession = Session<Stream>;

/// How long a command without bodies may take.
pub(super) const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long fetching a batch of whole messages may take.
pub(super) const FETCH_TIMEOUT: Duration = Duration::from_secs(300);

/// A failed command as the caller acts on it: a refusal (NO, BAD) will not pass by
/// retrying; a lost or silent connection may.
pub(super) fn failed(what: &'static str, error: async_imap::error::Error) -> ProviderError {
    use async_imap::error::Error;
    match error {
        Error::No(_) | Error::Bad(_) => ProviderError::Permanent {
            status: 0,
            code: format!("IMAP {what} refused"),
            message: String::new(),
        },
        Error::Io(e) => ProviderError::Transient(format!("IMAP {what}: {}", e.kind())),
        Error::ConnectionLost => ProviderError::Transient(format!("IMAP {what}: connection lost")),
        other => ProviderError::Transient(format!(
            "IMAP {what}: {}",
            match other {
                Error::Parse(_) => "an answer that did not parse",
                _ => "failed",
            }
        )),
    }
}

pub(super) async fn timed<T>(
    what: &'static str,
    limit: Duration,
    work: impl Future<Output = Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(ProviderError::Transient(format!(
            "IMAP {what}: no answer in {} seconds",
            limit.as_secs()
        )))
    })
}

/// A folder as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The name as the server sent it (modified UTF-7): what commands name.
    pub name: String,
    /// The last part of the name, decoded, for people.
    pub display: String,
    /// The folder above it, by its server name.
    pub parent: Option<String>,
    /// `inbox`, `sent`, `drafts`, `trash`, `spam`, `archive`, from its special use, else
    /// from a name clients commonly give it.
    pub role: Option<&'static str>,
    /// `\All` and `\Flagged` folders show mail kept elsewhere too (Gmail's All Mail,
    /// Dovecot's virtual folders): storing them would show every message twice.
    pub virtual_view: bool,
}

/// The role a folder's common name implies, for servers without special-use.
fn role_by_name(name: &str) -> Option<&'static str> {
    match name.to_lowercase().as_str() {
        "sent" | "sent items" | "sent messages" | "sent mail" | "gesendet"
        | "gesendete elemente" => Some("sent"),
        "drafts" | "draft" | "entwürfe" => Some("drafts"),
        "trash" | "deleted items" | "deleted messages" | "bin" | "papierkorb" => Some("trash"),
        "junk" | "spam" | "junk e-mail" | "junk email" | "bulk mail" => Some("spam"),
        "archive" | "archives" | "archiv" => Some("archive"),
        _ => None,
    }
}

/// The role a special-use attribute (RFC 6154) gives a folder; `\All` and `\Flagged`
/// mark views of mail kept elsewhere.
pub fn role_of(attribute: &NameAttribute<'_>) -> Option<&'static str> {
    match attribute {
        NameAttribute::Sent => Some("sent"),
        NameAttribute::Trash => Some("trash"),
        NameAttribute::Drafts => Some("drafts"),
        NameAttribute::Junk => Some("spam"),
        NameAttribute::Archive => Some("archive"),
        NameAttribute::All => Some("all"),
        NameAttribute::Flagged => Some("starred"),
        _ => None,
    }
}

/// Every folder that can hold mail, with its special use (RFC 6154).
pub async fn folders(session: &mut ImapSession) -> Result<Vec<Folder>, ProviderError> {
    let names: Vec<async_imap::types::Name> = timed("LIST", COMMAND_TIMEOUT, async {
        session
            .list(Some(""), Some("*"))
            .await
            .map_err(|e| failed("LIST", e))?
            .try_collect()
            .await
            .map_err(|e| failed("LIST", e))
    })
    .await?;
    let mut folders: Vec<Folder> = Vec::new();
    for listed in &names {
        let attributes = listed.attributes();
        if attributes.iter().any(|a| match a {
            NameAttribute::NoSelect => true,
            // RFC 5258: listed only because a child exists.
            NameAttribute::Extension(name) => name.eq_ignore_ascii_case("\\NonExistent"),
            _ => false,
        }) {
            continue;
        }
        let name = listed.name().to_string();
        let delimiter = listed.delimiter().filter(|d| !d.is_empty());
        let (parent, last) = match delimiter.and_then(|d| name.rsplit_once(d)) {
            Some((parent, last)) => (Some(parent.to_string()), last.to_string()),
            None => (None, name.clone()),
        };
        let virtual_view = attributes
            .iter()
            .any(|a| matches!(a, NameAttribute::All | NameAttribute::Flagged));
        // A view's role is not a folder's: it is not stored.
        let special = attributes
            .iter()
            .filter_map(role_of)
            .find(|role| !matches!(*role, "all" | "starred"));
        let inbox = name.eq_ignore_ascii_case("INBOX");
        folders.push(Folder {
            role: if inbox { Some("inbox") } else { special },
            display: if inbox {
                "Inbox".into()
            } else {
                names::decode(&last)
            },
            name,
            parent,
            virtual_view,
        });
    }
    // A server without special-use: the usual names say it, once per role.
    for index in 0..folders.len() {
        if folders[index].role.is_some() || folders[index].parent.is_some() {
            continue;
        }
        if let Some(role) = role_by_name(&folders[index].display)
            && !folders.iter().any(|f| f.role == Some(role))
        {
            folders[index].role = Some(role);
        }
    }
    // A parent the server did not list (or that holds no mail) is no parent here.
    let listed: Vec<String> = folders.iter().map(|f| f.name.clone()).collect();
    for folder in &mut folders {
        if folder.parent.as_ref().is_some_and(|p| !listed.contains(p)) {
            folder.parent = None;
        }
    }
    Ok(folders)
}

/// A folder as opened: what says whether stored UIDs still hold and what is new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub uid_validity: u32,
    pub uid_next: u32,
    pub exists: u32,
    /// With CONDSTORE: the folder's highest change number.
    pub highest_modseq: Option<u64>,
}

/// Selects `folder` (with CONDSTORE when the server has it). Messages are only ever read
/// with `BODY.PEEK`, so selecting (not examining) changes nothing but `\Recent`.
pub async fn open(
    session: &mut ImapSession,
    folder: &str,
    condstore: bool,
) -> Result<Opened, ProviderError> {
    let mailbox = timed("SELECT", COMMAND_TIMEOUT, async {
        if condstore {
            session.select_condstore(folder).await
        } else {
            session.select(folder).await
        }
        .map_err(|e| failed("SELECT", e))
    })
    .await?;
    Ok(Opened {
        // A server that sends no UIDVALIDITY cannot keep UIDs: 0 makes every sync a
        // fresh look at the folder.
        uid_validity: mailbox.uid_validity.unwrap_or(0),
        uid_next: mailbox.uid_next.unwrap_or(0),
        exists: mailbox.exists,
        highest_modseq: mailbox.highest_modseq.filter(|_| condstore),
    })
}

/// `UID SEARCH <query>`, ascending. Read here rather than by the IMAP library, which
/// takes a tagged `NO` as the end of an empty answer: a server that refuses a search
/// (RFC 5530's `NO [LIMIT]`, `[UNAVAILABLE]`) would read as a folder with no mail, and
/// the sync would take every stored message for expunged.
pub async fn search(session: &mut ImapSession, query: &str) -> Result<Vec<u32>, ProviderError> {
    use async_imap::imap_proto::{MailboxDatum, Response};
    let mut uids = Vec::new();
    timed("SEARCH", COMMAND_TIMEOUT, async {
        tagged(
            session,
            "SEARCH",
            &format!("UID SEARCH {query}"),
            |response| {
                if let Response::MailboxData(MailboxDatum::Search(ids)) = response {
                    uids.extend(ids.iter().copied());
                }
            },
        )
        .await
    })
    .await?;
    uids.sort_unstable();
    uids.dedup();
    Ok(uids)
}

/// Runs `command` and reads its answers to the tagged one, which must be `OK`: the IMAP
/// library's own readers take a `NO` or `BAD` as a quiet end (an empty SEARCH, a STORE
/// that did nothing). Each untagged answer goes to `each`; those of other sessions'
/// changes (EXISTS, EXPUNGE, FETCH) are the next run's to see.
pub(super) async fn tagged(
    session: &mut ImapSession,
    what: &'static str,
    command: &str,
    mut each: impl FnMut(&async_imap::imap_proto::Response<'_>),
) -> Result<(), ProviderError> {
    use async_imap::imap_proto::{Response, Status};
    let tag = session
        .run_command(command)
        .await
        .map_err(|e| failed(what, e))?;
    loop {
        let response = session
            .read_response()
            .await
            .map_err(|e| failed(what, e.into()))?
            .ok_or_else(|| ProviderError::Transient(format!("IMAP {what}: connection lost")))?;
        match response.parsed() {
            Response::Done {
                tag: done, status, ..
            } if *done == tag => {
                return match status {
                    Status::Ok => Ok(()),
                    _ => Err(ProviderError::Permanent {
                        status: 0,
                        code: format!("IMAP {what} refused"),
                        message: String::new(),
                    }),
                };
            }
            other => each(other),
        }
    }
}

/// UIDs as a set the server takes: runs folded (`1:5,7,9:12`).
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while index < sorted.len() {
        let start = sorted[index];
        let mut end = start;
        while index + 1 < sorted.len() && sorted[index + 1] == end + 1 {
            index += 1;
            end = sorted[index];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        index += 1;
    }
    parts.join(",")
}

/// A message's state: read, starred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub uid: u32,
    pub seen: bool,
    pub flagged: bool,
}

pub(super) fn flags_of(fetch: &async_imap::types::Fetch) -> Option<Flags> {
    let uid = fetch.uid?;
    let (mut seen, mut flagged) = (false, false);
    for flag in fetch.flags() {
        match flag {
            Flag::Seen => seen = true,
            Flag::Flagged => flagged = true,
            _ => {}
        }
    }
    Some(Flags { uid, seen, flagged })
}

/// Messages up to this size are fetched whole in the sync's page FETCH; of a larger one
/// that FETCH brings this much, and it is then fetched in parts (`structure`), without
/// its attachments' bytes.
pub const WHOLE_UP_TO: u32 = 256 * 1024;

/// A message fetched whole, or its first [`WHOLE_UP_TO`] bytes.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub flags: Flags,
    pub internal_date: Option<chrono::DateTime<chrono::Utc>>,
    pub raw: Vec<u8>,
    /// Its size (`RFC822.SIZE`) when the FETCH asked for it.
    pub size: Option<u32>,
    /// `raw` is only the message's beginning.
    pub cut_short: bool,
}

/// `uids`' flags, dates and whole bytes (`BODY.PEEK[]`: fetching does not mark read).
/// A UID that is gone meanwhile is simply not in the answer.
pub async fn fetch_whole(
    session: &mut ImapSession,
    uids: &[u32],
) -> Result<Vec<Fetched>, ProviderError> {
    match fetch_answers(session, uids, None).await? {
        (fetched, None) => Ok(fetched),
        (_, Some(refusal)) => Err(refusal),
    }
}

/// A page of messages for the sync: what the server gave. A server may answer a FETCH
/// in part (Dovecot ends with `NO [SERVERBUG]` for a message it cannot read, and the
/// IMAP library takes any tagged answer as the end), or a message may be expunged
/// meanwhile: the UIDs missing from the answer are asked for one by one, and those
/// still missing come back as the second list, for the caller to say so, while the rest
/// of the folder goes on. Nothing asked for is passed over without a second look.
/// A message larger than [`WHOLE_UP_TO`] comes back `cut_short`.
pub async fn fetch_page(
    session: &mut ImapSession,
    uids: &[u32],
) -> Result<(Vec<Fetched>, Vec<u32>), ProviderError> {
    let limit = Some(WHOLE_UP_TO);
    let (mut fetched, _) = fetch_answers(session, uids, limit).await?;
    let got: std::collections::HashSet<u32> = fetched.iter().map(|f| f.flags.uid).collect();
    if uids.iter().all(|uid| got.contains(uid)) {
        return Ok((fetched, Vec::new()));
    }
    let mut unreadable = Vec::new();
    for uid in uids.iter().copied().filter(|uid| !got.contains(uid)) {
        match fetch_answers(session, &[uid], limit).await? {
            (one, None) => fetched.extend(one),
            (_, Some(_)) => unreadable.push(uid),
        }
    }
    Ok((fetched, unreadable))
}

/// The FETCH itself: what arrived, and the server's refusal (`NO`, `BAD`) when it ended
/// with one. A lost connection or a timeout is an error. With a `limit`, only the
/// first `limit` bytes of each message.
async fn fetch_answers(
    session: &mut ImapSession,
    uids: &[u32],
    limit: Option<u32>,
) -> Result<(Vec<Fetched>, Option<ProviderError>), ProviderError> {
    if uids.is_empty() {
        return Ok((Vec::new(), None));
    }
    let set = uid_set(uids);
    let query = match limit {
        Some(limit) => format!("(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[]<0.{limit}>)"),
        None => "(UID FLAGS INTERNALDATE BODY.PEEK[])".to_string(),
    };
    timed("FETCH", FETCH_TIMEOUT, async {
        let mut answers = session
            .uid_fetch(&set, &query)
            .await
            .map_err(|e| failed("FETCH", e))?;
        let mut fetched = Vec::new();
        loop {
            let fetch = match answers.try_next().await {
                Ok(Some(fetch)) => fetch,
                Ok(None) => return Ok((fetched, None)),
                Err(error) => {
                    let error = failed("FETCH", error);
                    return match error {
                        ProviderError::Permanent { .. } => Ok((fetched, Some(error))),
                        other => Err(other),
                    };
                }
            };
            let (Some(flags), Some(body)) = (flags_of(&fetch), fetch.body()) else {
                continue;
            };
            // Cut short when the server gave all that was asked and says there is
            // more (or does not say).
            let cut_short = limit.is_some_and(|limit| {
                body.len() >= limit as usize && fetch.size.is_none_or(|s| s as usize > body.len())
            });
            fetched.push(Fetched {
                flags,
                internal_date: fetch.internal_date().map(|d| d.with_timezone(&chrono::Utc)),
                raw: body.to_vec(),
                size: fetch.size,
                cut_short,
            });
        }
    })
    .await
}

/// Files `raw` in `folder` with `flags` (`(\Seen)` for a sent copy).
pub async fn append(
    session: &mut ImapSession,
    folder: &str,
    raw: &[u8],
    flags: &str,
) -> Result<(), ProviderError> {
    timed("APPEND", FETCH_TIMEOUT, async {
        session
            .append(folder, Some(flags), None, raw)
            .await
            .map_err(|e| failed("APPEND", e))
    })
    .await
}

/// Sets (`on`) or clears `flag` (`\Seen`, `\Flagged`, `\Deleted`) on the open folder's
/// `uids`, and checks the server did: each UID's answer must show the flag as asked. A
/// server may take a STORE and change nothing (Dovecot in a folder the user may only
/// read answers `OK`), or refuse it with a `NO` the IMAP library would pass over; either
/// is a refusal here, never a change reported as made.
pub async fn store(
    session: &mut ImapSession,
    uids: &[u32],
    flag: &str,
    on: bool,
) -> Result<(), ProviderError> {
    use async_imap::imap_proto::{AttributeValue, Response};
    let sign = if on { '+' } else { '-' };
    let command = format!("UID STORE {} {sign}FLAGS ({flag})", uid_set(uids));
    let mut confirmed = std::collections::HashSet::new();
    timed("STORE", COMMAND_TIMEOUT, async {
        tagged(session, "STORE", &command, |response| {
            let Response::Fetch(_, attributes) = response else {
                return;
            };
            let uid = attributes.iter().find_map(|a| match a {
                AttributeValue::Uid(uid) => Some(*uid),
                _ => None,
            });
            let has = attributes.iter().any(|a| match a {
                AttributeValue::Flags(flags) => flags.iter().any(|f| f.eq_ignore_ascii_case(flag)),
                _ => false,
            });
            if let Some(uid) = uid
                && has == on
            {
                confirmed.insert(uid);
            }
        })
        .await
    })
    .await?;
    if uids.iter().all(|uid| confirmed.contains(uid)) {
        Ok(())
    } else {
        Err(ProviderError::Permanent {
            status: 0,
            code: "IMAP STORE not applied".into(),
            message: String::new(),
        })
    }
}

/// Moves the open folder's `set` to `dest`: UID MOVE (RFC 6851) when the server has it,
/// else UID COPY, `\Deleted` and an expunge of just those UIDs (UID EXPUNGE).
pub async fn move_to(
    session: &mut ImapSession,
    uids: &[u32],
    dest: &str,
    can_move: bool,
) -> Result<(), ProviderError> {
    let set = &uid_set(uids);
    if can_move {
        return timed("MOVE", COMMAND_TIMEOUT, async {
            session
                .uid_mv(set, dest)
                .await
                .map_err(|e| failed("MOVE", e))
        })
        .await;
    }
    timed("COPY", COMMAND_TIMEOUT, async {
        session
            .uid_copy(set, dest)
            .await
            .map_err(|e| failed("COPY", e))
    })
    .await?;
    expunge(session, uids).await
}

/// Removes the open folder's `set` for good: `\Deleted`, then UID EXPUNGE of just them.
pub async fn expunge(session: &mut ImapSession, uids: &[u32]) -> Result<(), ProviderError> {
    store(session, uids, "\\Deleted", true).await?;
    let set = &uid_set(uids);
    timed("EXPUNGE", COMMAND_TIMEOUT, async {
        let gone = session
            .uid_expunge(set)
            .await
            .map_err(|e| failed("EXPUNGE", e))?;
        let _: Vec<u32> = gone.try_collect().await.map_err(|e| failed("EXPUNGE", e))?;
        Ok(())
    })
    .await
}

/// Ends the session politely; its answer changes nothing.
pub async fn close(mut session: ImapSession) {
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_fold_runs() {
        assert_eq!(uid_set(&[9, 1, 2, 3, 5, 10, 11, 12, 3]), "1:3,5,9:12");
        assert_eq!(uid_set(&[7]), "7");
    }

    #[test]
    fn common_names_stand_in_for_special_use() {
        assert_eq!(role_by_name("Sent Items"), Some("sent"));
        assert_eq!(role_by_name("Deleted Messages"), Some("trash"));
        assert_eq!(role_by_name("Projects"), None);
    }
}
