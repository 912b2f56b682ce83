//! Attacks on the service, one module per kind, each named for what the attacker tries.
//! Every test here performed its attack successfully against the code before its fix;
//! `docs/security.md` maps each line of the threat model to the tests that hold it.

mod bounds;
mod connect;
mod remote_content;
mod reply_to;
mod sessions;
mod visibility;
mod webhooks;
