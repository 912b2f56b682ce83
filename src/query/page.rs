/// A requested page: 1-based number and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    /// Rows to skip before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.number - 1) * u64::from(self.size)
    }
}

/// A field a listing can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Date,
    Subject,
    FromAddress,
}

impl SortField {
    /// The field's name in `sort`.
    pub const fn name(self) -> &'static str {
        match self {
            SortField::Date => "date",
            SortField::Subject => "subject",
            SortField::FromAddress => "from.address",
        }
    }
}

/// The sort fields of `mailMessages:list` and `mailThreads:list`.
pub const MESSAGE_SORTS: &[SortField] =
    &[SortField::Date, SortField::Subject, SortField::FromAddress];

/// One sort field and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}
