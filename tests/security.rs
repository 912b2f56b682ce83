//! Attacks on the service, one module per kind, each named for what the attacker tries.
//! Every test here performed its attack successfully against the code before its fix;
//! `docs/security.md` maps each line of the threat model to the tests that hold it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

#[path = "security/bounds.rs"]
mod bounds;
#[path = "security/connect.rs"]
mod connect;
#[path = "security/remote_content.rs"]
mod remote_content;
#[path = "security/reply_to.rs"]
mod reply_to;
#[path = "security/sessions.rs"]
mod sessions;
#[path = "security/visibility.rs"]
mod visibility;
#[path = "security/webhooks.rs"]
mod webhooks;
