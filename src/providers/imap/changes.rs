//! What changed in a folder since a change number (RFC 7162): the flags of messages
//! changed since (CONDSTORE's `CHANGEDSINCE`) and, on a server with QRESYNC, the UIDs
//! expunged since (`VANISHED`) in the same answer, so a follow-up sync neither compares
//! every flag nor lists every UID to learn what went.

use super::mailbox::{COMMAND_TIMEOUT, FETCH_TIMEOUT, Flags, ImapSession, tagged, timed};
use crate::providers::ProviderError;
use async_imap::imap_proto::{AttributeValue, Response};

/// Turns QRESYNC on for the session (`ENABLE QRESYNC`); whether the server took it.
pub async fn enable_qresync(session: &mut ImapSession) -> bool {
    let mut enabled = false;
    let answered = timed("ENABLE", COMMAND_TIMEOUT, async {
        tagged(session, "ENABLE", "ENABLE QRESYNC", |response| {
            if let Response::Capabilities(list) = response {
                enabled |= list.iter().any(|c| {
                    matches!(c, async_imap::imap_proto::Capability::Atom(a) if a.eq_ignore_ascii_case("QRESYNC"))
                });
            }
        })
        .await
    })
    .await;
    answered.is_ok() && enabled
}

/// Every flag of the messages in `set` (a server without CONDSTORE), read to the tagged
/// answer: a refused FETCH is an error, not a folder whose flags all stayed.
pub async fn flags(session: &mut ImapSession, set: &str) -> Result<Vec<Flags>, ProviderError> {
    let mut flags = Vec::new();
    let command = format!("UID FETCH {set} (UID FLAGS)");
    timed("FETCH", FETCH_TIMEOUT, async {
        tagged(session, "FETCH", &command, |response| {
            if let Response::Fetch(_, attributes) = response {
                flags.extend(flags_in(attributes));
            }
        })
        .await
    })
    .await?;
    Ok(flags)
}

/// What changed among the UIDs in `set` since change number `since`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub flags: Vec<Flags>,
    /// Expunged since, as the server folded them into ranges; `None` unless asked for
    /// (QRESYNC enabled).
    pub vanished: Option<Vanished>,
}

/// UIDs expunged, as ranges (a server may name millions in one `1:900000`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Vanished(Vec<std::ops::RangeInclusive<u32>>);

impl Vanished {
    /// Whether `uid` is among them.
    pub fn contains(&self, uid: u32) -> bool {
        // Sorted by start (`since` sorts them): the last range starting at or below it.
        let at = self.0.partition_point(|range| *range.start() <= uid);
        at > 0 && self.0[at - 1].contains(&uid)
    }
}

/// `UID FETCH <set> (UID FLAGS) (CHANGEDSINCE <since> [VANISHED])`, read to its tagged
/// answer (a refusal is an error, never an empty change list).
pub async fn since(
    session: &mut ImapSession,
    set: &str,
    since: u64,
    vanished: bool,
) -> Result<Changes, ProviderError> {
    let modifiers = if vanished {
        format!("(CHANGEDSINCE {since} VANISHED)")
    } else {
        format!("(CHANGEDSINCE {since})")
    };
    let mut changes = Changes {
        flags: Vec::new(),
        vanished: vanished.then(Vanished::default),
    };
    let command = format!("UID FETCH {set} (UID FLAGS) {modifiers}");
    timed("FETCH", FETCH_TIMEOUT, async {
        tagged(session, "FETCH", &command, |response| match response {
            Response::Fetch(_, attributes) => changes.flags.extend(flags_in(attributes)),
            Response::Vanished { uids, .. } => {
                if let Some(gone) = changes.vanished.as_mut() {
                    gone.0.extend(uids.iter().cloned());
                }
            }
            _ => {}
        })
        .await
    })
    .await?;
    if let Some(gone) = changes.vanished.as_mut() {
        // Overlapping ranges merged, so the last one starting below a UID decides.
        gone.0.sort_by_key(|range| *range.start());
        let mut merged: Vec<std::ops::RangeInclusive<u32>> = Vec::with_capacity(gone.0.len());
        for range in gone.0.drain(..) {
            match merged.last_mut() {
                Some(last) if *range.start() <= last.end().saturating_add(1) => {
                    *last = *last.start()..=(*last.end()).max(*range.end());
                }
                _ => merged.push(range),
            }
        }
        gone.0 = merged;
    }
    Ok(changes)
}

/// A FETCH answer's UID and flags.
fn flags_in(attributes: &[AttributeValue<'_>]) -> Option<Flags> {
    let mut uid = None;
    let (mut seen, mut flagged) = (false, false);
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(id) => uid = Some(*id),
            AttributeValue::Flags(flags) => {
                seen = flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"));
                flagged = flags.iter().any(|f| f.eq_ignore_ascii_case("\\Flagged"));
            }
            _ => {}
        }
    }
    Some(Flags {
        uid: uid?,
        seen,
        flagged,
    })
}

#[cfg(test)]
mod tests {
    use super::{Vanished, flags_in};

    #[test]
    fn vanished_ranges_answer_membership() {
        let gone = Vanished(vec![3..=5, 9..=9, 20..=4_000_000_000]);
        let found: Vec<u32> = [1, 3, 5, 6, 9, 10, 20, 4_000_000_000, 4_000_000_001]
            .into_iter()
            .filter(|uid| gone.contains(*uid))
            .collect();
        assert_eq!(found, [3, 5, 9, 20, 4_000_000_000]);
    }
    use async_imap::imap_proto::Response;

    #[test]
    fn a_changed_message_reads_as_its_uid_and_flags() {
        let (_, response) =
            Response::from_bytes(b"* 3 FETCH (UID 41 MODSEQ (12) FLAGS (\\Seen $Work))\r\n")
                .unwrap();
        let Response::Fetch(_, attributes) = response else {
            panic!("not a FETCH")
        };
        let flags = flags_in(&attributes).unwrap();
        assert_eq!((flags.uid, flags.seen, flags.flagged), (41, true, false));
    }
}
