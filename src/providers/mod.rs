//! Providers: what this service knows about Google (Gmail) and Microsoft (Graph mail).
//!
//! For now the kind of provider and its fixed OAuth facts; the provider trait that sync
//! and send use comes with them.

mod kind;

pub use kind::ProviderKind;
