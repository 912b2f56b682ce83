//! Mail: turning MIME into the fields the store keeps (addresses lower-cased with their
//! domains, threading headers, bodies, a snippet, attachment metadata). No I/O here, so
//! it is tested from bytes alone.

mod body;
pub mod compose;
mod escape;
mod lean;
pub mod markers;
mod parse;
mod part;
mod sanitize;
mod tree;

pub use escape::escape_html;
pub use parse::{
    Address, AttachmentMeta, ParsedMessage, bare_id, eml_filename, html_text, parse, parse_original,
};
pub use part::{PartBytes, part_bytes};
pub use sanitize::{DOWNLOAD_PATH, Sanitized, sanitize};
pub use tree::{Tree, TreeBody, parse_tree};
