//! OAuth: the conversations with Google's and Microsoft's authorization servers — the
//! `mailProviders:test` client check, the authorize URL with state and PKCE bound to the
//! browser that asked for it, code exchange, the mailbox's identity, token refresh (one at a time per account, across
//! replicas) and revocation.

mod app;
pub mod browser_binding;
mod client_probe;
pub mod flow;
pub mod identity;
pub mod tokens;

pub use app::{AppError, ProviderApp, load as load_app};
pub use client_probe::{ClientProbe, ProbeOutcome};
