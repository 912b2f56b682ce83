/// What a filterable field holds; decides which operators and values it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// An integer id.
    Id,
    /// A set of integer ids (a message's labels): `$includes` one, `$in` any of them.
    Ids,
    /// Free text (subject): compared as given, `$includes` is a substring match.
    Text,
    /// An email address: compared lower-cased.
    Address,
    /// A mail domain: compared lower-cased.
    Domain,
    Bool,
    /// A UTC instant; `$dateOn` and friends also take a bare day.
    Date,
}

/// A field a listing can be filtered on (API.md §3), by its dotted API name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    AccountId,
    FolderId,
    ThreadId,
    LabelIds,
    Subject,
    FromAddress,
    ToAddress,
    ParticipantsAddress,
    ParticipantsDomain,
    IsRead,
    IsStarred,
    HasAttachments,
    Date,
}

impl Field {
    /// The field's name in a filter, e.g. `from.address`.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::AccountId => "accountId",
            Field::FolderId => "folderId",
            Field::ThreadId => "threadId",
            Field::LabelIds => "labelIds",
            Field::Subject => "subject",
            Field::FromAddress => "from.address",
            Field::ToAddress => "to.address",
            Field::ParticipantsAddress => "participants.address",
            Field::ParticipantsDomain => "participants.domain",
            Field::IsRead => "isRead",
            Field::IsStarred => "isStarred",
            Field::HasAttachments => "hasAttachments",
            Field::Date => "date",
        }
    }

    /// What the field holds.
    pub const fn kind(self) -> FieldKind {
        match self {
            Field::Id | Field::AccountId | Field::FolderId | Field::ThreadId => FieldKind::Id,
            Field::LabelIds => FieldKind::Ids,
            Field::Subject => FieldKind::Text,
            Field::FromAddress | Field::ToAddress | Field::ParticipantsAddress => {
                FieldKind::Address
            }
            Field::ParticipantsDomain => FieldKind::Domain,
            Field::IsRead | Field::IsStarred | Field::HasAttachments => FieldKind::Bool,
            Field::Date => FieldKind::Date,
        }
    }
}

/// The filter fields of `mailMessages:list` and `mailThreads:list` (API.md §3).
pub const MESSAGE_FIELDS: &[Field] = &[
    Field::Id,
    Field::AccountId,
    Field::FolderId,
    Field::ThreadId,
    Field::LabelIds,
    Field::Subject,
    Field::FromAddress,
    Field::ToAddress,
    Field::ParticipantsAddress,
    Field::ParticipantsDomain,
    Field::IsRead,
    Field::IsStarred,
    Field::HasAttachments,
    Field::Date,
];

/// The filter fields of `mailFolders:list`.
pub const FOLDER_FIELDS: &[Field] = &[Field::AccountId];

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
