//! Providers: what this service knows about Google (Gmail) and Microsoft (Graph mail),
//! and the clients for their APIs, each call taking the access token it is given. Errors
//! are classified here, once ([`ProviderError`]), and each operation's quota cost is
//! named here ([`operation`]). A leaf: tokens, budgets and retries are the gateway's
//! (`gateway::Mailbox`), which is how the rest of the service calls these clients.

pub mod attachment;
pub mod drafts;
pub mod error;
pub mod gmail;
pub mod graph;
pub mod identities;
pub mod imap;
mod kind;
pub mod labels;
pub mod operation;
pub mod send;

pub use error::ProviderError;
pub use kind::ProviderKind;
pub use operation::Operation;
