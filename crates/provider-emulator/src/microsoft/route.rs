//! Graph routes under `/v1.0/me`.

/// The kind of reply draft or immediate reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Respond {
    Reply,
    ReplyAll,
    Forward,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Me,
    FoldersList,
    FolderGet(String),
    ChildFolders(String),
    MessagesList(Option<String>),
    MessageGet(String),
    MessageValue(String),
    AttachmentsList(String),
    AttachmentGet(String, String),
    AttachmentValue(String, String),
    Delta(String),
    SendMail,
    CreateMessage(Option<String>),
    SendDraft(String),
    CreateResponse(String, Respond),
    RespondNow(String, Respond),
    Patch(String),
    Move(String),
    Delete(String),
    AddAttachment(String),
    DeleteAttachment(String, String),
    CreateUploadSession(String),
    /// `/outlook/masterCategories[/{id}]` with its method.
    Categories(String, Option<String>),
}

/// What the token's scopes must allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Profile,
    Read,
    Write,
    Send,
    SettingsRead,
    SettingsWrite,
}

impl Op {
    pub fn need(&self) -> Need {
        match self {
            Op::Me => Need::Profile,
            Op::FoldersList
            | Op::FolderGet(_)
            | Op::ChildFolders(_)
            | Op::MessagesList(_)
            | Op::MessageGet(_)
            | Op::MessageValue(_)
            | Op::AttachmentsList(_)
            | Op::AttachmentGet(..)
            | Op::AttachmentValue(..)
            | Op::Delta(_) => Need::Read,
            Op::SendMail | Op::SendDraft(_) | Op::RespondNow(..) => Need::Send,
            Op::Categories(method, _) if method == "GET" => Need::SettingsRead,
            Op::Categories(..) => Need::SettingsWrite,
            _ => Need::Write,
        }
    }
}

/// The operation for a method and the path after `/v1.0/me`.
pub fn route(method: &str, tail: &str) -> Option<Op> {
    let segments: Vec<&str> = tail
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let respond = |name: &str| match name.to_ascii_lowercase().as_str() {
        "reply" => Some(Respond::Reply),
        "replyall" => Some(Respond::ReplyAll),
        "forward" => Some(Respond::Forward),
        _ => None,
    };
    let create = |name: &str| {
        name.to_ascii_lowercase()
            .strip_prefix("create")
            .and_then(respond)
    };
    let s = |v: &str| v.to_string();
    Some(match (method, segments.as_slice()) {
        ("GET", []) => Op::Me,
        (_, ["outlook", "masterCategories"]) => Op::Categories(s(method), None),
        (_, ["outlook", "masterCategories", id]) => Op::Categories(s(method), Some(s(id))),
        ("GET", ["mailFolders"]) => Op::FoldersList,
        ("GET", ["mailFolders", id]) => Op::FolderGet(s(id)),
        ("GET", ["mailFolders", id, "childFolders"]) => Op::ChildFolders(s(id)),
        ("GET", ["mailFolders", id, "messages"]) => Op::MessagesList(Some(s(id))),
        ("POST", ["mailFolders", id, "messages"]) => Op::CreateMessage(Some(s(id))),
        // Graph functions answer with or without their parentheses; Microsoft's SDKs
        // (the Python one, Kiota-built) call `delta()`.
        ("GET", ["mailFolders", id, "messages", "delta" | "delta()"]) => Op::Delta(s(id)),
        ("GET", ["messages"]) => Op::MessagesList(None),
        ("POST", ["messages"]) => Op::CreateMessage(None),
        ("POST", ["sendMail"]) => Op::SendMail,
        ("GET", ["messages", id]) | ("GET", ["mailFolders", _, "messages", id]) => {
            Op::MessageGet(s(id))
        }
        ("GET", ["messages", id, "$value"]) => Op::MessageValue(s(id)),
        ("PATCH", ["messages", id]) => Op::Patch(s(id)),
        ("DELETE", ["messages", id]) => Op::Delete(s(id)),
        ("POST", ["messages", id, "send"]) => Op::SendDraft(s(id)),
        ("POST", ["messages", id, "move"]) => Op::Move(s(id)),
        ("GET", ["messages", id, "attachments"]) => Op::AttachmentsList(s(id)),
        ("POST", ["messages", id, "attachments"]) => Op::AddAttachment(s(id)),
        ("POST", ["messages", id, "attachments", "createUploadSession"]) => {
            Op::CreateUploadSession(s(id))
        }
        ("GET", ["messages", id, "attachments", attachment]) => {
            Op::AttachmentGet(s(id), s(attachment))
        }
        ("DELETE", ["messages", id, "attachments", attachment]) => {
            Op::DeleteAttachment(s(id), s(attachment))
        }
        ("GET", ["messages", id, "attachments", attachment, "$value"]) => {
            Op::AttachmentValue(s(id), s(attachment))
        }
        ("POST", ["messages", id, action]) => match (create(action), respond(action)) {
            (Some(kind), _) => Op::CreateResponse(s(id), kind),
            (_, Some(kind)) => Op::RespondNow(s(id), kind),
            _ => return None,
        },
        _ => return None,
    })
}

/// Whether the granted scopes allow the operation.
pub fn allowed(need: Need, scopes: &[String]) -> bool {
    let has = |name: &str| {
        scopes.iter().any(|s| {
            let short = s.rsplit('/').next().unwrap_or(s);
            short.eq_ignore_ascii_case(name)
        })
    };
    match need {
        Need::Profile => has("User.Read") || has("openid") || has("profile"),
        Need::Read => has("Mail.Read") || has("Mail.ReadWrite") || has("Mail.ReadBasic"),
        Need::Write => has("Mail.ReadWrite"),
        Need::Send => has("Mail.Send"),
        Need::SettingsRead => has("MailboxSettings.Read") || has("MailboxSettings.ReadWrite"),
        Need::SettingsWrite => has("MailboxSettings.ReadWrite"),
    }
}
