//! Mail: turning MIME into the fields the store keeps (addresses lower-cased with their
//! domains, threading headers, bodies, a snippet, attachment metadata). No I/O here, so
//! it is tested from bytes alone.

pub mod compose;
mod parse;
mod sanitize;

pub use parse::{Address, AttachmentMeta, ParsedMessage, parse};
pub use sanitize::{DOWNLOAD_PATH, sanitize};
