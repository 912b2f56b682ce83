//! Changing IMAP messages at the server first (API.md: "written to the provider first,
//! then stored"), folder by folder in one session: read and starred as `\Seen` and
//! `\Flagged` (UID STORE), moves by UID MOVE where the server has it, else UID COPY and
//! `\Deleted` then EXPUNGE; delete is a move to the Trash folder. A moved message gets a
//! new UID in its new folder: the store follows at once with the folder, and the sync
//! that this starts swaps the row for the one the server now names.

use crate::providers::ProviderError;
use crate::providers::imap::MessageRef;
use crate::providers::imap::mailbox::{self, ImapSession};
use crate::state::AppState;
use std::collections::BTreeMap;

/// What to do to each message.
#[derive(Debug, Clone, Default)]
pub struct Write {
    pub seen: Option<bool>,
    pub flagged: Option<bool>,
    /// Move to this folder (server name).
    pub folder: Option<String>,
    /// Move to the Trash folder.
    pub trash: bool,
}

/// Where each message is now: `Ok(Some(folder))` moved there, `Ok(None)` stayed.
pub type Done = Result<Option<String>, ProviderError>;

/// Applies `write` to the messages named by their provider ids; one answer per id, in
/// order.
pub async fn apply(state: &AppState, account_id: i64, ids: &[String], write: &Write) -> Vec<Done> {
    let answered = super::with_session(state, account_id, async |session| {
        Ok(in_session(session, ids, write).await)
    })
    .await;
    answered.unwrap_or_else(|error| ids.iter().map(|_| Err(error.clone())).collect())
}

async fn in_session(session: &mut ImapSession, ids: &[String], write: &Write) -> Vec<Done> {
    let mut answers: Vec<Done> = vec![Err(ProviderError::NotFound); ids.len()];
    let dest = match destination(session, write).await {
        Ok(dest) => dest,
        Err(error) => return ids.iter().map(|_| Err(error.clone())).collect(),
    };
    let can_move = tokio::time::timeout(std::time::Duration::from_secs(60), session.capabilities())
        .await
        .ok()
        .and_then(Result::ok)
        .is_some_and(|c| c.has_str("MOVE"));
    // Folder by folder: (folder, uidvalidity) → (answer index, uid).
    let mut groups: BTreeMap<String, Vec<(usize, MessageRef)>> = BTreeMap::new();
    for (index, id) in ids.iter().enumerate() {
        if let Some(message) = MessageRef::parse(id) {
            groups
                .entry(message.folder.clone())
                .or_default()
                .push((index, message));
        }
    }
    for (folder, members) in groups {
        let outcome =
            folder_write(session, &folder, &members, write, dest.as_deref(), can_move).await;
        for (index, message) in &members {
            answers[*index] = match &outcome {
                Ok((validity, moved_to)) if *validity == message.uid_validity => {
                    Ok(moved_to.clone())
                }
                // The folder was rebuilt since: the UID names nothing there now.
                Ok(_) => Err(ProviderError::NotFound),
                Err(error) => Err(error.clone()),
            };
        }
    }
    answers
}

/// The folder a move goes to: the one asked for, or the Trash folder.
async fn destination(
    session: &mut ImapSession,
    write: &Write,
) -> Result<Option<String>, ProviderError> {
    if !write.trash {
        return Ok(write.folder.clone());
    }
    let folders = mailbox::folders(session).await?;
    folders
        .into_iter()
        .find(|f| f.role == Some("trash"))
        .map(|f| Some(f.name))
        .ok_or_else(|| ProviderError::Unsupported("This mailbox has no Trash folder.".into()))
}

/// One folder's messages: flags, then the move. Answers the folder's UIDVALIDITY (the
/// caller drops messages of another) and where they went.
async fn folder_write(
    session: &mut ImapSession,
    folder: &str,
    members: &[(usize, MessageRef)],
    write: &Write,
    dest: Option<&str>,
    can_move: bool,
) -> Result<(u32, Option<String>), ProviderError> {
    let opened = mailbox::open(session, folder, false).await?;
    let uids: Vec<u32> = members
        .iter()
        .filter(|(_, m)| m.uid_validity == opened.uid_validity)
        .map(|(_, m)| m.uid)
        .collect();
    if uids.is_empty() {
        return Ok((opened.uid_validity, None));
    }
    for (wanted, flag) in [(write.seen, "\\Seen"), (write.flagged, "\\Flagged")] {
        if let Some(on) = wanted {
            mailbox::store(session, &uids, flag, on).await?;
        }
    }
    match dest {
        Some(dest) if dest != folder => {
            mailbox::move_to(session, &uids, dest, can_move).await?;
            Ok((opened.uid_validity, Some(dest.to_string())))
        }
        _ => Ok((opened.uid_validity, None)),
    }
}
