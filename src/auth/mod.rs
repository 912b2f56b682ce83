//! Auth: who is calling, checked the way NocoBase checks its own tokens (API.md §2).
//!
//! Every `/api/*` action except the OAuth callback and webhooks takes a [`Caller`]
//! argument; extracting it verifies the bearer token locally (HS256 with NocoBase's key)
//! and, when `nocobase.url` is set, asks NocoBase's `auth:check` (cached briefly per
//! token), which sees sign-outs, deleted users and password changes, gives the roles, and
//! may renew an expired token. 401 answers carry NocoBase's own codes because the
//! NocoBase client signs the user out on them; nothing else is a 401.

mod caller;
mod claims;
mod jwt_key;
mod nocobase_check;
mod service;

pub use caller::{Caller, UserId};
pub use claims::TokenClaims;
pub use service::AuthService;
