//! Providers: what this service knows about Google (Gmail) and Microsoft (Graph mail),
//! and the clients for their APIs. Errors are classified here, once
//! ([`ProviderError`]); [`session::with_access`] supplies the access token and refreshes
//! it once when a provider says 401.

pub mod attachment;
pub mod error;
pub mod gmail;
pub mod graph;
mod kind;
pub mod send;
pub mod session;

pub use error::ProviderError;
pub use kind::ProviderKind;
