//! Reaching servers a user names (IMAP and SMTP): where the service may connect.

pub mod guard;
