//! Drafts of an IMAP mailbox in its own Drafts folder (#26), so one started here opens in
//! the user's other mail clients and one started there opens here. A draft is a message
//! APPENDed with `\Draft`; IMAP cannot change a message, so an update files the new
//! version and expunges the old one (the id changes, as Graph's does), and sending one
//! submits what the folder holds and then removes it.

use super::read::original;
use super::with_session;
use crate::providers::ProviderError;
use crate::providers::drafts::{DraftContent, DraftPage, DraftRef};
use crate::providers::imap::MessageRef;
use crate::providers::imap::mailbox::{self, ImapSession};
use crate::providers::send::Sent;
use crate::state::AppState;

fn draft_ref(message: &MessageRef) -> DraftRef {
    // A UID names one version: every change is a new one.
    DraftRef {
        id: message.id(),
        thread_id: None,
        version: message.id(),
    }
}

/// The mailbox's Drafts folder (special use, else its usual name).
async fn drafts_folder(session: &mut ImapSession) -> Result<String, ProviderError> {
    mailbox::folders(session)
        .await?
        .into_iter()
        .find(|f| f.role == Some("drafts"))
        .map(|f| f.name)
        .ok_or_else(|| ProviderError::Unsupported("This mailbox has no Drafts folder.".into()))
}

/// Files `raw` (whose Message-ID is `message_id`) as a new draft.
pub async fn create(
    state: &AppState,
    account_id: i64,
    raw: &[u8],
    message_id: &str,
) -> Result<DraftRef, ProviderError> {
    with_session(state, account_id, async |session| {
        let folder = drafts_folder(session).await?;
        mailbox::append(session, &folder, raw, "(\\Draft \\Seen)").await?;
        let opened = mailbox::open(session, &folder, false).await?;
        let wanted = message_id.trim_matches(['<', '>']).replace(['"', '\\'], "");
        let uid = mailbox::search(
            session,
            &format!("UNDELETED HEADER Message-ID \"{wanted}\""),
        )
        .await?
        .into_iter()
        .max()
        .ok_or_else(|| ProviderError::Transient("the filed draft was not found".into()))?;
        Ok(draft_ref(&MessageRef::new(
            &folder,
            opened.uid_validity,
            uid,
        )))
    })
    .await
}

pub async fn get(
    state: &AppState,
    account_id: i64,
    id: &str,
) -> Result<DraftContent, ProviderError> {
    let message = MessageRef::parse(id).ok_or(ProviderError::NotFound)?;
    let raw = crate::providers::attachment::whole(original(state, account_id, id).await?).await?;
    Ok(DraftContent {
        draft: draft_ref(&message),
        raw,
    })
}

/// The drafts, newest first, `max` at a time; the page token is how many came before.
pub async fn list(
    state: &AppState,
    account_id: i64,
    max: u32,
    page: Option<&str>,
) -> Result<DraftPage, ProviderError> {
    let skip: usize = page.and_then(|p| p.parse().ok()).unwrap_or(0);
    with_session(state, account_id, async |session| {
        let folder = drafts_folder(session).await?;
        let opened = mailbox::open(session, &folder, false).await?;
        let mut uids = mailbox::search(session, "UNDELETED").await?;
        uids.reverse();
        let shown: Vec<DraftRef> = uids
            .iter()
            .skip(skip)
            .take(max as usize)
            .map(|uid| draft_ref(&MessageRef::new(&folder, opened.uid_validity, *uid)))
            .collect();
        let next = (skip + shown.len() < uids.len()).then(|| (skip + shown.len()).to_string());
        Ok(DraftPage {
            drafts: shown,
            next,
        })
    })
    .await
}

/// Removes a draft (`\Deleted`, then an expunge of it alone).
pub async fn delete(state: &AppState, account_id: i64, id: &str) -> Result<(), ProviderError> {
    let message = MessageRef::parse(id).ok_or(ProviderError::NotFound)?;
    with_session(state, account_id, async |session| {
        let opened = mailbox::open(session, &message.folder, false).await?;
        if opened.uid_validity != message.uid_validity {
            return Err(ProviderError::NotFound);
        }
        mailbox::expunge(session, &[message.uid]).await
    })
    .await
}

/// Sends the draft as the folder holds it, then removes it from Drafts.
pub async fn send(
    state: &AppState,
    account_id: i64,
    draft: &DraftRef,
) -> Result<Sent, ProviderError> {
    let content = get(state, account_id, &draft.id).await?;
    let sent = super::send::send_raw(state, account_id, &content.raw).await?;
    if let Err(error) = delete(state, account_id, &draft.id).await {
        tracing::warn!(account = account_id, %error, "a sent draft could not be removed from Drafts");
    }
    Ok(sent)
}
