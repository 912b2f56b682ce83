//! Drafts that live at the provider, so one started here opens in Gmail or Outlook and
//! one started there opens here. Both providers are given the whole message as MIME.
//!
//! - Gmail (`gmail.rs`): `drafts.*`. A draft id stays; each update gives it a new
//!   message id, which is its version.
//! - Graph (`graph.rs`): a message with `isDraft` in Drafts. Graph cannot replace a
//!   draft's MIME, so an update saves a new draft and deletes the old one: the id changes
//!   (the answer carries the new one). Its `changeKey` is its version. A reply or
//!   forward draft is made from its original (`createReply` …, `send::graph_answer`), on
//!   every save, so it stays in the original's conversation.

mod gmail;
mod graph;

pub use graph::version as graph_version;

/// A draft as the provider names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRef {
    /// The provider's draft id (Gmail's draft id; Graph's message id).
    pub id: String,
    /// The provider's thread (Gmail `threadId`, Graph `conversationId`).
    pub thread_id: Option<String>,
    /// Changes with every change to the draft, wherever it is made.
    pub version: String,
}

/// A draft and its whole message.
#[derive(Debug, Clone)]
pub struct DraftContent {
    pub draft: DraftRef,
    pub raw: Vec<u8>,
}

/// One page of a mailbox's drafts, newest first.
#[derive(Debug, Clone, Default)]
pub struct DraftPage {
    pub drafts: Vec<DraftRef>,
    pub next: Option<String>,
}
