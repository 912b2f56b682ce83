//! What a caller may see of a mailbox's mail. The owner sees everything (`own`); anyone
//! else only when the owner shares the mailbox with one of their roles, and then at the
//! level the owner chose. The store answers who sees what (`mail_accounts::visible_to`,
//! `level_of`); every resource that reads mail applies the level.

/// What a caller may see of a message: `own` and `full` everything, `subject` no body
/// (snippet), `metadata` participants and dates only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Own,
    Full,
    Subject,
    Metadata,
}

impl Level {
    /// A shared mailbox's level, as its `visibility` column holds it (`private` and
    /// anything unknown share nothing).
    pub fn shared(visibility: &str) -> Option<Level> {
        match visibility {
            "full" => Some(Level::Full),
            "subject" => Some(Level::Subject),
            "metadata" => Some(Level::Metadata),
            _ => None,
        }
    }

    pub fn shows_subject(self) -> bool {
        self != Level::Metadata
    }

    pub fn shows_body(self) -> bool {
        matches!(self, Level::Own | Level::Full)
    }
}
