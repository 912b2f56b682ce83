//! An IMAP message's lasting name: its folder, the folder's UIDVALIDITY and its UID
//! (RFC 3501 2.3.1.1: the three together never name another message). Stored as the
//! provider message id, `<uidvalidity>:<uid>:<folder>`, the folder last because its
//! name may hold any character.

/// Where one message is on its server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageRef {
    pub folder: String,
    pub uid_validity: u32,
    pub uid: u32,
}

impl MessageRef {
    pub fn new(folder: &str, uid_validity: u32, uid: u32) -> Self {
        Self {
            folder: folder.to_string(),
            uid_validity,
            uid,
        }
    }

    /// The provider message id.
    pub fn id(&self) -> String {
        format!("{}:{}:{}", self.uid_validity, self.uid, self.folder)
    }

    /// Reads a provider message id back; `None` for one that is not an IMAP message's.
    pub fn parse(id: &str) -> Option<Self> {
        let mut parts = id.splitn(3, ':');
        let uid_validity = parts.next()?.parse().ok()?;
        let uid = parts.next()?.parse().ok()?;
        let folder = parts.next()?.to_string();
        Some(Self {
            folder,
            uid_validity,
            uid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::MessageRef;

    #[test]
    fn ids_read_back_whatever_the_folder_name_holds() {
        for folder in ["INBOX", "Work:2026/Q1", "a:b:c", "&AOQ-"] {
            let message = MessageRef::new(folder, 1_700_000_000, 42);
            assert_eq!(MessageRef::parse(&message.id()), Some(message));
        }
        assert_eq!(MessageRef::parse("18c2f1a0e5d3b7a1"), None);
        assert_eq!(MessageRef::parse("AAMkAGI2:x"), None);
    }
}
