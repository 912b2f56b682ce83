//! Reading a message by its parts, in the folder the session has open: a large
//! message's structure and the sections a reader sees (for the sync), and one part
//! (for a download), so an attachment's bytes cross the wire only when someone opens it.

use super::mailbox::{FETCH_TIMEOUT, ImapSession, failed, timed};
use super::structure::{Section, Shape};
use crate::mail::Tree;
use crate::providers::ProviderError;
use async_imap::types::Fetch;
use futures_util::TryStreamExt;

/// The answers to one FETCH of one UID. A server that refuses (NO) ends the answer
/// early: what is missing is the caller's to notice.
async fn fetch_one(
    session: &mut ImapSession,
    uid: u32,
    query: &str,
) -> Result<Option<Fetch>, ProviderError> {
    timed("FETCH", FETCH_TIMEOUT, async {
        let answers = session
            .uid_fetch(uid.to_string(), query)
            .await
            .map_err(|e| failed("FETCH", e))?;
        let all: Vec<Fetch> = answers
            .try_collect()
            .await
            .map_err(|e| failed("FETCH", e))?;
        Ok(all.into_iter().find(|f| f.uid == Some(uid)))
    })
    .await
}

/// Message `uid` as a [`Tree`] without its files' bytes; `None` when it cannot be
/// rebuilt exactly (the caller fetches it whole).
pub async fn tree(session: &mut ImapSession, uid: u32) -> Result<Option<Tree>, ProviderError> {
    let Some(described) = fetch_one(session, uid, "(UID BODYSTRUCTURE)").await? else {
        return Ok(None);
    };
    let Some(shape) = described.bodystructure().map(Shape::of) else {
        return Ok(None);
    };
    let Some(sections) = shape.sections() else {
        return Ok(None);
    };
    let Some(answer) = fetch_one(session, uid, &Shape::query(&sections)).await? else {
        return Ok(None);
    };
    Ok(shape.tree(|section| answer.section(&section.path())))
}

/// Part `path` of message `uid` (IMAP's numbering, from 1) as its own header block and
/// its body, transfer-encoded as sent; `None` when the server gives either not.
pub async fn part(
    session: &mut ImapSession,
    uid: u32,
    path: &[u32],
) -> Result<Option<(Vec<u8>, Vec<u8>)>, ProviderError> {
    let sections = [Section::Mime(path.to_vec()), Section::Body(path.to_vec())];
    let Some(answer) = fetch_one(session, uid, &Shape::query(&sections)).await? else {
        return Ok(None);
    };
    let header = answer.section(&sections[0].path());
    let body = answer.section(&sections[1].path());
    Ok(header.zip(body).map(|(h, b)| (h.to_vec(), b.to_vec())))
}
