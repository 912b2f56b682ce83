//! A Gmail mailbox: messages with labels, threads, and the history log behind
//! `history.list`.

use super::now_ms;
use crate::generate::{Generated, Placement, Rng};
use crate::mail::StoredMessage;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// System or user label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    System,
    User,
}

#[derive(Debug, Clone)]
pub struct GmailLabel {
    pub id: String,
    pub name: String,
    pub kind: LabelKind,
    /// `(textColor, backgroundColor)`; user labels only.
    pub color: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct GmailMessage {
    pub id: u64,
    pub thread_id: u64,
    pub labels: BTreeSet<String>,
    pub history_id: u64,
    pub internal_date: i64,
    pub message: StoredMessage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryChange {
    Added,
    Deleted,
    LabelsAdded(Vec<String>),
    LabelsRemoved(Vec<String>),
}

/// One history record: a change to one message.
#[derive(Debug, Clone)]
pub struct HistoryRecord {
    pub id: u64,
    pub message_id: u64,
    pub thread_id: u64,
    /// The message's labels right after the change.
    pub labels: Vec<String>,
    pub change: HistoryChange,
}

const SYSTEM_LABELS: [&str; 14] = [
    "INBOX",
    "SPAM",
    "TRASH",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "SENT",
    "DRAFT",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
];

/// Labels nobody may add or remove with modify.
pub const UNMODIFIABLE: [&str; 3] = ["SENT", "DRAFT", "CHAT"];

#[derive(Debug)]
pub struct GmailBox {
    pub messages: BTreeMap<u64, GmailMessage>,
    pub labels: Vec<GmailLabel>,
    pub history: VecDeque<HistoryRecord>,
    pub history_id: u64,
    /// Start ids below this are no longer answerable (404).
    pub history_floor: u64,
    counter: u64,
    rng: Rng,
    /// RFC Message-ID → Gmail id, for threading replies.
    by_message_id: HashMap<String, u64>,
    /// Draft id → the id of the message it holds now (a new one after each update).
    pub drafts: BTreeMap<String, u64>,
    draft_counter: u64,
}

impl GmailBox {
    /// A mailbox holding generated mail; its history starts after it.
    pub fn new(generated: Vec<Generated>, seed: u64) -> Self {
        let mut mailbox = Self {
            messages: BTreeMap::new(),
            labels: SYSTEM_LABELS
                .iter()
                .map(|id| GmailLabel {
                    id: (*id).to_string(),
                    name: (*id).to_string(),
                    kind: LabelKind::System,
                    color: None,
                })
                .chain(
                    [("Label_1", "Clients"), ("Label_2", "Invoices")].map(|(id, name)| {
                        GmailLabel {
                            id: id.into(),
                            name: name.into(),
                            kind: LabelKind::User,
                            color: None,
                        }
                    }),
                )
                .collect(),
            history: VecDeque::new(),
            history_id: 1000 + (seed % 5000),
            history_floor: 0,
            counter: 0,
            rng: Rng::derive(seed, 7),
            by_message_id: HashMap::new(),
            drafts: BTreeMap::new(),
            draft_counter: 0,
        };
        let mut thread_ids: Vec<u64> = Vec::with_capacity(generated.len());
        for item in generated {
            let mut labels = BTreeSet::new();
            match item.placement {
                Placement::Inbox => {
                    labels.insert("INBOX".to_string());
                    labels.insert("CATEGORY_PERSONAL".to_string());
                }
                Placement::Archive => {}
                Placement::Sent => {
                    labels.insert("SENT".to_string());
                }
                Placement::Clients => {
                    labels.insert("Label_1".to_string());
                }
            }
            for (on, label) in [
                (item.unread, "UNREAD"),
                (item.starred, "STARRED"),
                (item.important, "IMPORTANT"),
                (item.invoice, "Label_2"),
            ] {
                if on {
                    labels.insert(label.to_string());
                }
            }
            let id = mailbox.new_id(item.meta.date_ms);
            let thread_id = if item.thread_root < thread_ids.len() {
                thread_ids[item.thread_root]
            } else {
                id
            };
            thread_ids.push(thread_id);
            mailbox.history_id += 1;
            mailbox
                .by_message_id
                .insert(item.meta.message_id.clone(), id);
            mailbox.messages.insert(
                id,
                GmailMessage {
                    id,
                    thread_id,
                    labels,
                    history_id: mailbox.history_id,
                    internal_date: item.meta.date_ms,
                    message: StoredMessage::generated(item.meta, item.body),
                },
            );
        }
        mailbox.history_floor = mailbox.history_id;
        mailbox
    }

    /// A message id as Gmail makes them: the date in the high bits, unique below.
    fn new_id(&mut self, date_ms: i64) -> u64 {
        self.counter += 1;
        let mut id = ((date_ms.max(0) as u64) << 20) | (self.counter & 0xF_FFFF);
        while self.messages.contains_key(&id) {
            id += 1;
        }
        id & 0x7FFF_FFFF_FFFF_FFFF
    }

    /// Moves the mailbox's history id forward by a step that is not always 1: clients
    /// must not assume contiguous ids.
    fn bump(&mut self) -> u64 {
        self.history_id += 1 + self.rng.below(3);
        self.history_id
    }

    fn record(&mut self, message_id: u64, change: HistoryChange, retention: usize) -> u64 {
        let id = self.bump();
        let (thread_id, labels) = self
            .messages
            .get(&message_id)
            .map(|m| (m.thread_id, m.labels.iter().cloned().collect()))
            .unwrap_or((message_id, Vec::new()));
        self.history.push_back(HistoryRecord {
            id,
            message_id,
            thread_id,
            labels,
            change,
        });
        while self.history.len() > retention.max(1) {
            if let Some(dropped) = self.history.pop_front() {
                self.history_floor = dropped.id;
            }
        }
        if let Some(message) = self.messages.get_mut(&message_id) {
            message.history_id = id;
        }
        id
    }

    /// Makes every start id up to now unanswerable, as when Google stops keeping them.
    pub fn expire_history(&mut self) {
        self.history.clear();
        self.history_id += 1;
        self.history_floor = self.history_id;
    }

    /// The thread a new message joins. Gmail puts a message into an existing thread only
    /// when it replies (In-Reply-To / References) to a message of that thread with the
    /// same subject, and, for mail this user sends, only when the request names that
    /// thread (`threadId`); incoming mail is threaded by its headers alone.
    fn thread_for(
        &self,
        message: &StoredMessage,
        requested: Option<u64>,
        by_headers: bool,
    ) -> Option<u64> {
        let meta = &message.meta;
        let subject = normalize_subject(&meta.subject);
        let mut candidates = meta
            .in_reply_to
            .iter()
            .chain(meta.references.iter())
            .filter_map(|id| self.by_message_id.get(id))
            .filter_map(|id| self.messages.get(id))
            .filter(|parent| normalize_subject(&parent.message.meta.subject) == subject);
        match requested {
            Some(thread) => candidates
                .find(|p| p.thread_id == thread)
                .map(|p| p.thread_id),
            None if by_headers => candidates.next().map(|p| p.thread_id),
            None => None,
        }
    }

    /// Adds a message (sent, delivered or inserted); returns its id.
    pub fn insert(
        &mut self,
        message: StoredMessage,
        labels: &[&str],
        thread: Option<u64>,
        by_headers: bool,
        retention: usize,
    ) -> u64 {
        let date = message.meta.date_ms.max(now_ms());
        let id = self.new_id(date);
        let thread_id = self.thread_for(&message, thread, by_headers).unwrap_or(id);
        self.by_message_id
            .insert(message.meta.message_id.clone(), id);
        self.messages.insert(
            id,
            GmailMessage {
                id,
                thread_id,
                labels: labels.iter().map(ToString::to_string).collect(),
                history_id: self.history_id,
                internal_date: date,
                message,
            },
        );
        self.record(id, HistoryChange::Added, retention);
        id
    }

    /// Adds and removes labels; records what really changed. `None` if there is no
    /// such message.
    pub fn modify(
        &mut self,
        id: u64,
        add: &[String],
        remove: &[String],
        retention: usize,
    ) -> Option<()> {
        let message = self.messages.get_mut(&id)?;
        let added: Vec<String> = add
            .iter()
            .filter(|l| message.labels.insert((*l).clone()))
            .cloned()
            .collect();
        let removed: Vec<String> = remove
            .iter()
            .filter(|l| !add.contains(l) && message.labels.remove(*l))
            .cloned()
            .collect();
        if !added.is_empty() {
            self.record(id, HistoryChange::LabelsAdded(added), retention);
        }
        if !removed.is_empty() {
            self.record(id, HistoryChange::LabelsRemoved(removed), retention);
        }
        Some(())
    }

    /// A new draft id (`r` and 19 digits, as Gmail's look).
    pub fn new_draft_id(&mut self) -> String {
        self.draft_counter += 1;
        format!("r{:019}", 7_000_000_000_000_000_000u64 + self.draft_counter)
    }

    /// Deletes a message for good.
    pub fn delete(&mut self, id: u64, retention: usize) -> bool {
        if !self.messages.contains_key(&id) {
            return false;
        }
        self.record(id, HistoryChange::Deleted, retention);
        if let Some(message) = self.messages.remove(&id) {
            self.by_message_id.remove(&message.message.meta.message_id);
        }
        true
    }

    /// Removes a user label from the mailbox and from every message carrying it (each
    /// removal recorded in the history, as the messages change). False if there is none.
    pub fn delete_label(&mut self, label: &str, retention: usize) -> bool {
        let Some(at) = self.labels.iter().position(|l| l.id == label) else {
            return false;
        };
        self.labels.remove(at);
        let carrying: Vec<u64> = self
            .messages
            .values()
            .filter(|m| m.labels.contains(label))
            .map(|m| m.id)
            .collect();
        for id in carrying {
            self.modify(id, &[], &[label.to_string()], retention);
        }
        true
    }

    /// A new user label id, as Gmail's look (`Label_` and a number).
    pub fn new_label_id(&mut self) -> String {
        let next = self
            .labels
            .iter()
            .filter_map(|l| l.id.strip_prefix("Label_")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        format!("Label_{next}")
    }

    /// True if `label` exists in this mailbox.
    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l.id == label)
    }

    /// Total and unread counts of messages and threads carrying `label`.
    pub fn label_counts(&self, label: &str) -> (u64, u64, u64, u64) {
        let mut threads = BTreeSet::new();
        let mut unread_threads = BTreeSet::new();
        let (mut total, mut unread) = (0, 0);
        for message in self.messages.values().filter(|m| m.labels.contains(label)) {
            total += 1;
            threads.insert(message.thread_id);
            if message.labels.contains("UNREAD") {
                unread += 1;
                unread_threads.insert(message.thread_id);
            }
        }
        (
            total,
            unread,
            threads.len() as u64,
            unread_threads.len() as u64,
        )
    }
}

/// A subject without its reply and forward prefixes, for thread matching.
pub fn normalize_subject(subject: &str) -> String {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        match ["re:", "fwd:", "fw:", "aw:", "wg:"]
            .iter()
            .find(|p| lower.starts_with(*p))
        {
            Some(prefix) => rest = rest[prefix.len()..].trim_start(),
            None => return rest.to_string(),
        }
    }
}
