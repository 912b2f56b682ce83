//! Each call this service makes to a mailbox's API, named, with what it costs against
//! the mailbox's quota. The gateway (`gateway::Mailbox`) spends that cost before the call,
//! so the cost lives with the operation: a new call is a new constant here, not a name
//! a lookup table may not know.

/// One call to a provider's mail API and its quota cost: Gmail's units per user, or the
/// number of requests Graph counts against the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The provider's name for it, for log lines.
    pub name: &'static str,
    pub cost: u64,
}

impl Operation {
    const fn new(name: &'static str, cost: u64) -> Self {
        Self { name, cost }
    }

    /// This operation followed by `next` in one call (its name stays, for the log).
    pub const fn then(self, next: Operation) -> Self {
        Self {
            name: self.name,
            cost: self.cost.saturating_add(next.cost),
        }
    }

    /// `count` of this operation made as one call: a Gmail batch costs each of its parts.
    pub const fn times(self, count: u64) -> Self {
        Self {
            name: self.name,
            cost: self.cost.saturating_mul(count),
        }
    }
}

/// Gmail's units per method (`reference/providers.md` §3.1; the table Nylas quotes for
/// projects from May 2026 where it is dearer: `messages.get` 20).
pub mod gmail {
    use super::Operation;

    pub const GET_PROFILE: Operation = Operation::new("getProfile", 1);
    pub const LABELS_LIST: Operation = Operation::new("labels.list", 1);
    pub const LABELS_CREATE: Operation = Operation::new("labels.create", 5);
    pub const LABELS_PATCH: Operation = Operation::new("labels.patch", 5);
    pub const LABELS_DELETE: Operation = Operation::new("labels.delete", 5);
    pub const HISTORY_LIST: Operation = Operation::new("history.list", 2);
    pub const MESSAGES_LIST: Operation = Operation::new("messages.list", 5);
    pub const MESSAGES_GET: Operation = Operation::new("messages.get", 20);
    pub const ATTACHMENTS_GET: Operation = Operation::new("messages.attachments.get", 5);
    pub const MESSAGES_MODIFY: Operation = Operation::new("messages.modify", 5);
    pub const MESSAGES_BATCH_MODIFY: Operation = Operation::new("messages.batchModify", 50);
    pub const MESSAGES_TRASH: Operation = Operation::new("messages.trash", 5);
    pub const MESSAGES_SEND: Operation = Operation::new("messages.send", 100);
    pub const WATCH: Operation = Operation::new("watch", 100);
    pub const STOP: Operation = Operation::new("stop", 50);
    pub const SEND_AS_LIST: Operation = Operation::new("settings.sendAs.list", 1);
    pub const DRAFTS_CREATE: Operation = Operation::new("drafts.create", 10);
    pub const DRAFTS_GET: Operation = Operation::new("drafts.get", 5);
    pub const DRAFTS_LIST: Operation = Operation::new("drafts.list", 5);
    pub const DRAFTS_UPDATE: Operation = Operation::new("drafts.update", 15);
    pub const DRAFTS_DELETE: Operation = Operation::new("drafts.delete", 10);
    pub const DRAFTS_SEND: Operation = Operation::new("drafts.send", 100);
}

/// Graph's requests: 10,000 per 10 minutes per mailbox, each request one, whatever it
/// asks. An operation that makes several requests costs each of them.
pub mod graph {
    use super::Operation;

    /// One lookup per well-known folder, then the folder list (its first page).
    pub const MAIL_FOLDERS: Operation = Operation::new(
        "mailFolders",
        crate::providers::graph::WELL_KNOWN.len() as u64 + 1,
    );
    pub const DELTA: Operation = Operation::new("delta", 1);
    pub const MESSAGE_VALUE: Operation = Operation::new("message $value", 1);
    /// A message's attachment list without bytes (one page holds a message's files).
    pub const ATTACHMENT_LIST: Operation = Operation::new("attachments list", 1);
    pub const PATCH: Operation = Operation::new("message patch", 1);
    /// The master category list (`/me/outlook/masterCategories`), or one write to it.
    pub const CATEGORIES: Operation = Operation::new("masterCategories", 1);
    pub const MOVE: Operation = Operation::new("message move", 1);
    /// The attachment list, then the attachment's bytes.
    pub const ATTACHMENT: Operation = Operation::new("attachment $value", 2);
    /// The draft made from the MIME, then its send (large attachments add their uploads).
    pub const SEND: Operation = Operation::new("send", 2);
    pub const SUBSCRIBE: Operation = Operation::new("subscriptions create", 1);
    pub const RENEW: Operation = Operation::new("subscriptions renew", 1);
    pub const UNSUBSCRIBE: Operation = Operation::new("subscriptions delete", 1);
    /// `/me`, asked once when a mailbox connects.
    pub const ME: Operation = Operation::new("me", 1);
    /// `/me` with its proxy addresses: the addresses the mailbox may send as.
    pub const IDENTITIES: Operation = Operation::new("me proxyAddresses", 1);
    /// A draft made from the MIME (large files add their uploads).
    pub const DRAFT_SAVE: Operation = Operation::new("draft save", 1);
    /// The draft's item, then its MIME.
    pub const DRAFT_GET: Operation = Operation::new("draft get", 2);
    pub const DRAFT_REF: Operation = Operation::new("draft item", 1);
    pub const DRAFT_LIST: Operation = Operation::new("drafts list", 1);
    pub const DRAFT_DELETE: Operation = Operation::new("draft delete", 1);
    pub const DRAFT_SEND: Operation = Operation::new("draft send", 1);
}
