use super::{FieldKind, FieldSpec};

/// The filter fields of `mailMessages:list` and `mailThreads:list` (API.md §3).
pub const MESSAGE_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "id",
        kind: FieldKind::Id,
    },
    FieldSpec {
        name: "accountId",
        kind: FieldKind::Id,
    },
    FieldSpec {
        name: "folderId",
        kind: FieldKind::Id,
    },
    FieldSpec {
        name: "threadId",
        kind: FieldKind::Id,
    },
    FieldSpec {
        name: "subject",
        kind: FieldKind::Text,
    },
    FieldSpec {
        name: "from.address",
        kind: FieldKind::Address,
    },
    FieldSpec {
        name: "to.address",
        kind: FieldKind::Address,
    },
    FieldSpec {
        name: "participants.address",
        kind: FieldKind::Address,
    },
    FieldSpec {
        name: "participants.domain",
        kind: FieldKind::Domain,
    },
    FieldSpec {
        name: "isRead",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        name: "isStarred",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        name: "hasAttachments",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        name: "date",
        kind: FieldKind::Date,
    },
];
