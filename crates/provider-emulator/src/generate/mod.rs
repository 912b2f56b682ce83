//! The deterministic mailbox generator: for a seed, the same realistic mailbox every time.
//!
//! Generation is in two steps so that 100,000 messages take seconds: [`generate`] makes
//! each message's metadata (people, subject, date, thread, labels, attachment list) and
//! keeps it; [`render`] builds the MIME bytes from that metadata only when a client asks
//! for a body, so nothing large is held in memory.

mod render;
mod rng;
mod words;

pub use render::{body_text, render};
pub use rng::Rng;

use crate::mail::{AttachmentSpec, GeneratedBody, MessageMeta, Person};
use words::{ATTACHMENTS, DOMAINS, FIRST_NAMES, LAST_NAMES, SUBJECTS, TOPICS};

/// Where a generated message lives; each provider maps this to labels or folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Inbox,
    Archive,
    Sent,
    /// A user folder / label named "Clients".
    Clients,
}

/// One generated message and its mailbox state.
#[derive(Debug, Clone)]
pub struct Generated {
    pub meta: MessageMeta,
    pub body: GeneratedBody,
    pub placement: Placement,
    pub unread: bool,
    pub starred: bool,
    pub important: bool,
    /// Index of the first message of this message's thread.
    pub thread_root: usize,
    /// Also carries the "Invoices" label (Gmail) / category (Graph).
    pub invoice: bool,
}

/// Minutes between two generated messages, on average.
const SPACING_MS: i64 = 37 * 60 * 1000;

/// Generates `count` messages for `owner`, the newest just before `anchor_ms`.
pub fn generate(owner: &Person, count: usize, seed: u64, anchor_ms: i64) -> Vec<Generated> {
    let contacts = contacts(seed);
    let mut out: Vec<Generated> = Vec::with_capacity(count);
    for index in 0..count {
        let mut rng = Rng::derive(seed, index as u64);
        let date_ms = anchor_ms - (count - index) as i64 * SPACING_MS
            + rng.below(SPACING_MS as u64 / 2) as i64;
        let parent = (index > 0 && rng.chance(0.35))
            .then(|| index - 1 - rng.below(index.min(30) as u64) as usize);
        let sent = rng.chance(0.15);
        let counterpart = match parent {
            Some(p) => {
                let parent = &out[p].meta;
                if parent.from.address == owner.address {
                    parent
                        .to
                        .first()
                        .cloned()
                        .unwrap_or_else(|| rng.pick(&contacts).clone())
                } else {
                    parent.from.clone()
                }
            }
            None => rng.pick(&contacts).clone(),
        };
        let (from, mut to) = if sent {
            (owner.clone(), vec![counterpart])
        } else {
            (counterpart, vec![owner.clone()])
        };
        let cc = if rng.chance(0.2) {
            vec![rng.pick(&contacts).clone()]
        } else {
            Vec::new()
        };
        if rng.chance(0.05) {
            to.push(rng.pick(&contacts).clone());
        }
        let number = 1000 + rng.below(9000);
        let (subject, thread_root, in_reply_to, references) = match parent {
            Some(p) => {
                let parent = &out[p];
                let base = parent.meta.subject.trim_start_matches("Re: ").to_string();
                let mut references = parent.meta.references.clone();
                references.push(parent.meta.message_id.clone());
                (
                    format!("Re: {base}"),
                    parent.thread_root,
                    Some(parent.meta.message_id.clone()),
                    references,
                )
            }
            None => {
                let template = rng.pick(SUBJECTS);
                let subject = template
                    .replace("{n}", &number.to_string())
                    .replace("{topic}", rng.pick::<&str>(TOPICS));
                (subject, index, None, Vec::new())
            }
        };
        let attachments = if rng.chance(0.1) {
            (0..1 + rng.below(2))
                .map(|k| {
                    let (content_type, pattern, min, max) = *rng.pick(ATTACHMENTS);
                    AttachmentSpec {
                        filename: pattern.replace("{n}", &format!("{number}-{k}")),
                        content_type: content_type.to_string(),
                        size: min + rng.below(max - min),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let body = GeneratedBody {
            seed: rng.next_u64(),
            attachments,
            inline_image: rng.chance(0.1),
            remote_image: rng.chance(0.1),
        };
        let domain = from
            .address
            .split('@')
            .nth(1)
            .unwrap_or("example.net")
            .to_string();
        let meta = MessageMeta::for_generated(
            format!("<{seed:x}.{index}@{domain}>"),
            subject,
            from,
            to,
            cc,
            date_ms,
            in_reply_to,
            references,
            &body,
        );
        let placement = if sent {
            Placement::Sent
        } else if rng.chance(0.05) {
            Placement::Clients
        } else if rng.chance(0.17) {
            Placement::Archive
        } else {
            Placement::Inbox
        };
        let recent = index + 20 >= count;
        out.push(Generated {
            invoice: meta.subject.contains("Invoice") || meta.subject.contains("Rechnung"),
            meta,
            body,
            placement,
            unread: !sent && rng.chance(if recent { 0.6 } else { 0.3 }),
            starred: rng.chance(0.05),
            important: rng.chance(0.15),
            thread_root,
        });
    }
    out
}

/// The people this mailbox corresponds with: the same for a seed.
fn contacts(seed: u64) -> Vec<Person> {
    let mut rng = Rng::derive(seed, u64::MAX);
    (0..40)
        .map(|k| {
            let first = *rng.pick(FIRST_NAMES);
            let last = *rng.pick(LAST_NAMES);
            let domain = *rng.pick(DOMAINS);
            let local = format!("{}.{}", ascii_part(first), ascii_part(last));
            let local = if local == "." {
                format!("contact{k}")
            } else {
                local
            };
            Person {
                name: format!("{first} {last}"),
                address: format!(
                    "{}{}@{domain}",
                    local.trim_matches('.'),
                    if k % 7 == 0 {
                        k.to_string()
                    } else {
                        String::new()
                    }
                ),
            }
        })
        .collect()
}

/// The ASCII letters of a name, lower-cased, for the local part of an address.
fn ascii_part(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
