//! The marks a signature or a quoted original carries in a message's HTML: ours (the
//! compose form and the server write them), Gmail's and Outlook's. The HTML cleaner keeps
//! these classes (and no others), so an answer's quote and a draft's signature can still
//! be found after a round trip; `reply::written_html` cuts what the author wrote at the
//! first quote mark; the plugin's `splitDraftHtml` (`compose/values.mjs`) splits a
//! reopened draft at the first of either (a test holds it to these lists).

/// Classes of a `<div>` that holds a signature.
pub const SIGNATURE_CLASSES: [&str; 2] = ["email-manager-signature", "gmail_signature"];

/// Classes of a `<div>` that holds (or introduces) a quoted or forwarded original.
pub const QUOTE_CLASSES: [&str; 4] = ["quote", "forwarded", "gmail_quote", "gmail_attr"];

/// Element ids Outlook puts around a signature.
pub const SIGNATURE_IDS: [&str; 1] = ["Signature"];

/// Element ids Outlook puts at the start of a quoted original.
pub const QUOTE_IDS: [&str; 2] = ["divRplyFwdMsg", "appendonsend"];

/// Classes of a `<blockquote>` the cleaner keeps (Gmail's quote).
pub const BLOCKQUOTE_CLASSES: [&str; 1] = ["gmail_quote"];
