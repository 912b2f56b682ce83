//! A Microsoft 365 mailbox: folders, messages with read/flag state, mutable and immutable
//! ids, and the per-folder change log behind delta queries.

use super::now_ms;
use crate::generate::{Generated, Placement, Rng};
use crate::mail::StoredMessage;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct GraphFolder {
    pub id: String,
    pub well_known: Option<&'static str>,
    pub display_name: String,
    pub parent_id: String,
    pub hidden: bool,
}

#[derive(Debug, Clone)]
pub struct GraphMessage {
    pub immutable_id: String,
    pub mutable_id: String,
    pub folder_id: String,
    pub is_read: bool,
    pub flag_status: String,
    pub categories: Vec<String>,
    pub is_draft: bool,
    pub received_ms: i64,
    pub modified_ms: i64,
    pub conversation_id: String,
    /// Bumped on every change; the etag and changeKey derive from it.
    pub version: u64,
    pub message: StoredMessage,
}

impl GraphMessage {
    /// The id a client sees: immutable when it asked for `IdType="ImmutableId"`.
    pub fn id(&self, immutable: bool) -> &str {
        if immutable {
            &self.immutable_id
        } else {
            &self.mutable_id
        }
    }
}

/// One page of a delta round.
#[derive(Debug)]
pub struct DeltaPage {
    /// Immutable ids of messages to show in full.
    pub items: Vec<String>,
    /// Ids (as the client knew them) of messages deleted or moved out.
    pub removed: Vec<String>,
    /// More pages follow: the next `$skiptoken`.
    pub next: Option<String>,
    /// The round is done: the `$deltatoken` for the next round.
    pub delta: Option<String>,
}

#[derive(Debug, Clone)]
struct Change {
    seq: u64,
    folder_id: String,
    immutable_id: String,
    /// The id the message had in that folder, for `@removed` entries.
    old_mutable_id: String,
}

/// Folders every mailbox has: (well-known name, display name, hidden).
const WELL_KNOWN: [(&str, &str, bool); 9] = [
    ("msgfolderroot", "Top of Information Store", true),
    ("inbox", "Inbox", false),
    ("drafts", "Drafts", false),
    ("sentitems", "Sent Items", false),
    ("deleteditems", "Deleted Items", false),
    ("junkemail", "Junk Email", false),
    ("archive", "Archive", false),
    ("outbox", "Outbox", false),
    ("recoverableitemsdeletions", "Deletions", true),
];

/// An entry of the mailbox's master category list (`/me/outlook/masterCategories`).
#[derive(Debug, Clone)]
pub struct GraphCategory {
    pub id: String,
    pub display_name: String,
    /// `preset0` … `preset24`, or `none`.
    pub color: String,
}

/// The categories a new Outlook mailbox starts with, and the one its generated invoices
/// are filed under.
const DEFAULT_CATEGORIES: [(&str, &str); 7] = [
    ("Red category", "preset0"),
    ("Orange category", "preset1"),
    ("Yellow category", "preset3"),
    ("Green category", "preset4"),
    ("Blue category", "preset7"),
    ("Purple category", "preset8"),
    ("Invoices", "preset4"),
];

#[derive(Debug)]
pub struct GraphBox {
    pub folders: Vec<GraphFolder>,
    pub categories: Vec<GraphCategory>,
    pub messages: HashMap<String, GraphMessage>,
    mutable_index: HashMap<String, String>,
    /// (received, immutable id), for newest-first listings.
    order: BTreeSet<(i64, String)>,
    changes: VecDeque<Change>,
    pub seq: u64,
    /// Delta tokens from before this change are unknown (410).
    pub change_floor: u64,
    conversations: HashMap<String, String>,
    rng: Rng,
}

impl GraphBox {
    pub fn new(generated: Vec<Generated>, seed: u64) -> Self {
        let mut mailbox = Self {
            folders: Vec::new(),
            categories: DEFAULT_CATEGORIES
                .iter()
                .enumerate()
                .map(|(i, (name, color))| GraphCategory {
                    id: format!("{:08x}-0000-4000-8000-{:012x}", seed, i + 1),
                    display_name: (*name).to_string(),
                    color: (*color).to_string(),
                })
                .collect(),
            messages: HashMap::new(),
            mutable_index: HashMap::new(),
            order: BTreeSet::new(),
            changes: VecDeque::new(),
            seq: 1,
            change_floor: 0,
            conversations: HashMap::new(),
            rng: Rng::derive(seed, 11),
        };
        let root = mailbox.new_id("AQMkAD");
        for (name, display, hidden) in WELL_KNOWN {
            let id = if name == "msgfolderroot" {
                root.clone()
            } else {
                mailbox.new_id("AQMkAD")
            };
            mailbox.folders.push(GraphFolder {
                id,
                well_known: Some(name),
                display_name: display.to_string(),
                parent_id: if name == "msgfolderroot" {
                    String::new()
                } else {
                    root.clone()
                },
                hidden,
            });
        }
        let inbox = mailbox.folder_id("inbox").unwrap_or_default();
        let clients = mailbox.new_id("AQMkAD");
        mailbox.folders.push(GraphFolder {
            id: clients.clone(),
            well_known: None,
            display_name: "Clients".into(),
            parent_id: inbox.clone(),
            hidden: false,
        });
        let mut conversation_by_root: Vec<String> = Vec::with_capacity(generated.len());
        for (index, item) in generated.into_iter().enumerate() {
            let folder = match item.placement {
                Placement::Inbox => inbox.clone(),
                Placement::Archive => mailbox.folder_id("archive").unwrap_or_default(),
                Placement::Sent => mailbox.folder_id("sentitems").unwrap_or_default(),
                Placement::Clients => clients.clone(),
            };
            let conversation = if item.thread_root < index {
                conversation_by_root[item.thread_root].clone()
            } else {
                mailbox.new_id("AAQkAD")
            };
            conversation_by_root.push(conversation.clone());
            mailbox
                .conversations
                .insert(item.meta.message_id.clone(), conversation.clone());
            let stored = StoredMessage::generated(item.meta, item.body);
            let categories = if item.invoice {
                vec!["Invoices".to_string()]
            } else {
                Vec::new()
            };
            let immutable = mailbox.add(stored, folder, !item.unread, false, Some(conversation));
            if let Some(message) = mailbox.messages.get_mut(&immutable) {
                message.categories = categories;
                if item.starred {
                    message.flag_status = "flagged".into();
                }
            }
        }
        mailbox.changes.clear();
        mailbox.change_floor = mailbox.seq;
        mailbox
    }

    fn new_id(&mut self, prefix: &str) -> String {
        let mut bytes = [0u8; 30];
        self.rng.fill(&mut bytes);
        format!("{prefix}{}=", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The id of a folder named by id or well-known name (case-insensitive).
    pub fn folder_id(&self, name_or_id: &str) -> Option<String> {
        let lower = name_or_id.to_ascii_lowercase();
        self.folders
            .iter()
            .find(|f| f.id == name_or_id || f.well_known == Some(lower.as_str()))
            .map(|f| f.id.clone())
    }

    pub fn folder(&self, id: &str) -> Option<&GraphFolder> {
        self.folders.iter().find(|f| f.id == id)
    }

    /// The well-known name of a folder, else its display name.
    pub fn folder_label(&self, id: &str) -> String {
        self.folder(id)
            .map(|f| {
                f.well_known
                    .map_or_else(|| f.display_name.clone(), ToString::to_string)
            })
            .unwrap_or_default()
    }

    /// A message by either of its ids.
    pub fn find(&self, id: &str) -> Option<&GraphMessage> {
        self.messages.get(id).or_else(|| {
            self.mutable_index
                .get(id)
                .and_then(|i| self.messages.get(i))
        })
    }

    fn immutable_of(&self, id: &str) -> Option<String> {
        self.find(id).map(|m| m.immutable_id.clone())
    }

    fn log(&mut self, folder_id: &str, immutable_id: &str, old_mutable_id: &str, retention: usize) {
        self.seq += 1;
        self.changes.push_back(Change {
            seq: self.seq,
            folder_id: folder_id.to_string(),
            immutable_id: immutable_id.to_string(),
            old_mutable_id: old_mutable_id.to_string(),
        });
        while self.changes.len() > retention.max(1) {
            if let Some(dropped) = self.changes.pop_front() {
                self.change_floor = dropped.seq;
            }
        }
    }

    /// What changed after `seq`, oldest first, as change notifications name it:
    /// `(immutable id, "created" | "updated" | "deleted")`, one entry per change.
    pub fn changes_after(&self, seq: u64) -> Vec<(String, &'static str)> {
        self.changes
            .iter()
            .filter(|change| change.seq > seq)
            .map(|change| {
                let kind = match self.messages.get(&change.immutable_id) {
                    None => "deleted",
                    Some(message) if message.version == 1 => "created",
                    Some(_) => "updated",
                };
                (change.immutable_id.clone(), kind)
            })
            .collect()
    }

    /// Makes every delta token issued so far unknown, as when the service drops sync state.
    pub fn expire_delta(&mut self) {
        self.changes.clear();
        // Every token so far names a sequence below the new floor; rounds started from
        // now on name the floor itself and stay valid.
        self.seq += 1;
        self.change_floor = self.seq;
    }

    fn add(
        &mut self,
        message: StoredMessage,
        folder_id: String,
        is_read: bool,
        is_draft: bool,
        conversation: Option<String>,
    ) -> String {
        let immutable = self.new_id("AAkALg");
        let mutable = self.new_id("AAMkAG");
        let conversation = conversation.unwrap_or_else(|| {
            let meta = &message.meta;
            meta.in_reply_to
                .iter()
                .chain(meta.references.iter())
                .find_map(|id| self.conversations.get(id).cloned())
                .unwrap_or_else(|| self.new_id("AAQkAD"))
        });
        self.conversations
            .insert(message.meta.message_id.clone(), conversation.clone());
        let received = message.meta.date_ms;
        self.order.insert((received, immutable.clone()));
        self.mutable_index
            .insert(mutable.clone(), immutable.clone());
        self.messages.insert(
            immutable.clone(),
            GraphMessage {
                immutable_id: immutable.clone(),
                mutable_id: mutable,
                folder_id,
                is_read,
                flag_status: "notFlagged".into(),
                categories: Vec::new(),
                is_draft,
                received_ms: received,
                modified_ms: received,
                conversation_id: conversation,
                version: 1,
                message,
            },
        );
        immutable
    }

    /// Adds a message to a folder (by id or well-known name); returns its immutable id.
    /// It joins the conversation its In-Reply-To or References name, as Exchange files
    /// mail that arrives.
    pub fn insert(
        &mut self,
        message: StoredMessage,
        folder: &str,
        is_read: bool,
        is_draft: bool,
        retention: usize,
    ) -> String {
        self.insert_in(message, folder, is_read, is_draft, None, retention)
    }

    /// Adds a draft the API made. A draft made from scratch (`POST /me/messages`, MIME or
    /// JSON) starts a conversation of its own whatever its headers say: Exchange files an
    /// item by its conversation index, which only `createReply` and its kin derive from
    /// the original's. `conversation` is the original's for those.
    pub fn insert_draft(
        &mut self,
        message: StoredMessage,
        folder: &str,
        conversation: Option<String>,
        retention: usize,
    ) -> String {
        let conversation = conversation.unwrap_or_else(|| self.new_id("AAQkAD"));
        self.insert_in(message, folder, true, true, Some(conversation), retention)
    }

    fn insert_in(
        &mut self,
        message: StoredMessage,
        folder: &str,
        is_read: bool,
        is_draft: bool,
        conversation: Option<String>,
        retention: usize,
    ) -> String {
        let folder_id = self.folder_id(folder).unwrap_or_else(|| folder.to_string());
        let mut message = message;
        if !is_draft && message.meta.date_ms < now_ms() - 60_000 {
            // Delivered mail is received now, whatever its Date header says.
            let mut meta = (*message.meta).clone();
            meta.date_ms = now_ms();
            message.meta = Arc::new(meta);
        }
        let immutable = self.add(message, folder_id.clone(), is_read, is_draft, conversation);
        let mutable = self
            .messages
            .get(&immutable)
            .map(|m| m.mutable_id.clone())
            .unwrap_or_default();
        self.log(&folder_id, &immutable, &mutable, retention);
        immutable
    }

    /// Changes read state, flag or categories; `None` if there is no such message.
    pub fn update(
        &mut self,
        id: &str,
        is_read: Option<bool>,
        flag: Option<String>,
        categories: Option<Vec<String>>,
        retention: usize,
    ) -> Option<String> {
        let immutable = self.immutable_of(id)?;
        let message = self.messages.get_mut(&immutable)?;
        if let Some(read) = is_read {
            message.is_read = read;
        }
        if let Some(flag) = flag {
            message.flag_status = flag;
        }
        if let Some(categories) = categories {
            message.categories = categories;
        }
        message.version += 1;
        message.modified_ms = now_ms();
        let (folder, mutable) = (message.folder_id.clone(), message.mutable_id.clone());
        self.log(&folder, &immutable, &mutable, retention);
        Some(immutable)
    }

    /// Moves a message; it gets a new (mutable) id, as in Graph.
    pub fn move_to(&mut self, id: &str, folder: &str, retention: usize) -> Option<String> {
        let destination = self.folder_id(folder)?;
        let immutable = self.immutable_of(id)?;
        let new_mutable = self.new_id("AAMkAG");
        let message = self.messages.get_mut(&immutable)?;
        let (source, old_mutable) = (message.folder_id.clone(), message.mutable_id.clone());
        message.folder_id = destination.clone();
        message.mutable_id = new_mutable.clone();
        message.version += 1;
        message.modified_ms = now_ms();
        self.mutable_index.remove(&old_mutable);
        self.mutable_index
            .insert(new_mutable.clone(), immutable.clone());
        self.log(&source, &immutable, &old_mutable, retention);
        self.log(&destination, &immutable, &new_mutable, retention);
        Some(immutable)
    }

    /// Deletes a message (it leaves every folder a client can see).
    pub fn delete(&mut self, id: &str, retention: usize) -> bool {
        let Some(immutable) = self.immutable_of(id) else {
            return false;
        };
        let Some(message) = self.messages.remove(&immutable) else {
            return false;
        };
        self.order.remove(&(message.received_ms, immutable.clone()));
        self.mutable_index.remove(&message.mutable_id);
        self.log(
            &message.folder_id,
            &immutable,
            &message.mutable_id,
            retention,
        );
        true
    }

    /// Messages newest first, optionally in one folder.
    pub fn newest_first<'a>(
        &'a self,
        folder: Option<&'a str>,
    ) -> impl Iterator<Item = &'a GraphMessage> + 'a {
        self.order
            .iter()
            .rev()
            .filter_map(|(_, id)| self.messages.get(id))
            .filter(move |m| folder.is_none_or(|f| m.folder_id == f))
    }

    /// One page of a delta round over `folder`, continuing `token` (none = a new round).
    /// `received_since` (epoch ms, from `$filter=receivedDateTime ge …`) limits the first
    /// round. `Err(CursorGone)` when the token is older than the kept changes (410
    /// SyncStateNotFound) or not one this mailbox issued.
    pub fn delta(
        &self,
        folder: &str,
        token: Option<&str>,
        page_size: usize,
        immutable: bool,
        received_since: Option<i64>,
    ) -> Result<DeltaPage, CursorGone> {
        let page_size = page_size.max(1);
        let cursor = match token {
            None => Cursor::Initial {
                round: self.seq,
                offset: 0,
            },
            Some(token) => Cursor::decode(token).ok_or(CursorGone)?,
        };
        match cursor {
            Cursor::Initial { round, offset } => {
                let all: Vec<&GraphMessage> = self
                    .newest_first(Some(folder))
                    .filter(|m| received_since.is_none_or(|since| m.received_ms >= since))
                    .collect();
                let items: Vec<String> = all
                    .iter()
                    .skip(offset)
                    .take(page_size)
                    .map(|m| m.immutable_id.clone())
                    .collect();
                let done = offset + items.len() >= all.len();
                Ok(DeltaPage {
                    items,
                    removed: Vec::new(),
                    next: (!done).then(|| {
                        Cursor::Initial {
                            round,
                            offset: offset + page_size,
                        }
                        .encode()
                    }),
                    delta: done.then(|| {
                        Cursor::Changes {
                            since: round,
                            upto: round,
                            offset: 0,
                        }
                        .encode()
                    }),
                })
            }
            Cursor::Changes {
                since,
                upto,
                offset,
            } => {
                if since < self.change_floor {
                    return Err(CursorGone);
                }
                // A fresh round (from a deltaLink) covers changes up to now.
                let upto = if offset == 0 && upto == since {
                    self.seq
                } else {
                    upto
                };
                let mut latest: Vec<&Change> = Vec::new();
                for change in self
                    .changes
                    .iter()
                    .filter(|c| c.seq > since && c.seq <= upto && c.folder_id == folder)
                {
                    latest.retain(|c| c.immutable_id != change.immutable_id);
                    latest.push(change);
                }
                let page: Vec<&&Change> = latest.iter().skip(offset).take(page_size).collect();
                let done = offset + page.len() >= latest.len();
                let (mut items, mut removed) = (Vec::new(), Vec::new());
                for change in page {
                    match self
                        .messages
                        .get(&change.immutable_id)
                        .filter(|m| m.folder_id == folder)
                    {
                        Some(message) => items.push(message.immutable_id.clone()),
                        None => removed.push(if immutable {
                            change.immutable_id.clone()
                        } else {
                            change.old_mutable_id.clone()
                        }),
                    }
                }
                Ok(DeltaPage {
                    items,
                    removed,
                    next: (!done).then(|| {
                        Cursor::Changes {
                            since,
                            upto,
                            offset: offset + page_size,
                        }
                        .encode()
                    }),
                    delta: done.then(|| {
                        Cursor::Changes {
                            since: upto,
                            upto,
                            offset: 0,
                        }
                        .encode()
                    }),
                })
            }
        }
    }
}

/// A delta token the mailbox no longer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CursorGone;

/// Where a delta round stands; the opaque `$skiptoken` / `$deltatoken`.
enum Cursor {
    Initial {
        round: u64,
        offset: usize,
    },
    Changes {
        since: u64,
        upto: u64,
        offset: usize,
    },
}

impl Cursor {
    fn encode(&self) -> String {
        let text = match self {
            Cursor::Initial { round, offset } => format!("i.{round}.{offset}"),
            Cursor::Changes {
                since,
                upto,
                offset,
            } => format!("c.{since}.{upto}.{offset}"),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    fn decode(token: &str) -> Option<Cursor> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
        let parts: Vec<&str> = text.split('.').collect();
        match parts.as_slice() {
            ["i", round, offset] => Some(Cursor::Initial {
                round: round.parse().ok()?,
                offset: offset.parse().ok()?,
            }),
            ["c", since, upto, offset] => Some(Cursor::Changes {
                since: since.parse().ok()?,
                upto: upto.parse().ok()?,
                offset: offset.parse().ok()?,
            }),
            _ => None,
        }
    }
}
