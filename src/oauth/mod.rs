//! OAuth: the conversations with Google's and Microsoft's authorization servers.
//!
//! For now the client check behind `mailProviders:test`; the authorize URL, the callback,
//! token refresh and revocation come with mailbox connection.

mod client_probe;

pub use client_probe::{ClientProbe, ProbeOutcome};
