//! The Email manager sidecar: the backend of NocoBase's "Email manager". Admins register
//! Google and Microsoft OAuth apps; users connect mailboxes; the service keeps them
//! synchronized and serves them to the NocoBase frontend.
//!
//! One folder per part (see `docs/` and the design): `config`, `auth`, `http`, `query`, `store`,
//! `crypto`, `providers`, `net` (where a user-named server may be reached), `oauth`, `nocobase` (its data, read as the caller), `sync`, `push`, `events`, `jobs`, `limits`, `visibility`, and the resources' handlers under `api`. `main.rs`
//! only parses the command line and calls in here.

pub mod api;
pub mod auth;
pub mod campaigns;
pub mod cli;
pub mod config;
pub mod connect;
pub mod crypto;
pub mod demo;
pub mod events;
pub mod gateway;
pub mod http;
pub mod ids;
pub mod imap_account;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod net;
pub mod nocobase;
pub mod oauth;
pub mod providers;
pub mod push;
pub mod query;
pub mod send;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod visibility;
