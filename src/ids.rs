//! Ids that travel side by side and must not be swapped. Most ids here are `i64`, and a
//! call that takes one kind is safe with a bare number; these are for the calls that take
//! two kinds at once (whose mail, seen by whom; which send, from which mailbox), where a
//! swap compiles, runs, and answers for the wrong row.

use serde::Serialize;
use std::fmt;

/// A NocoBase user id (`users.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// A connected mailbox (`mail_accounts.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

/// A send (`mail_outbox.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SendId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
