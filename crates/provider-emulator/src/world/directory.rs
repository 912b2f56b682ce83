//! Who a Microsoft account is in Entra ID: its home tenant (`tid`), its object id
//! (`oid`) and the `mail` attribute Graph shows. `mail` is set by the tenant's own
//! admins and never verified by Microsoft: an admin of any tenant can give a user
//! somebody else's address. Only `tid` + `oid` identify a mailbox.

use sha2::{Digest, Sha256};

/// The tenant of personal Microsoft accounts (outlook.com, hotmail.com, live.com).
pub const CONSUMER_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

const CONSUMER_DOMAINS: [&str; 5] = [
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "outlook.test",
];

/// A user's directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub tenant_id: String,
    pub object_id: String,
    /// Graph's `mail`; `None` shows the sign-in name (as for accounts without one).
    pub mail: Option<String>,
}

/// A GUID-shaped id derived from `seed`, the same every run.
fn guid(seed: &str) -> String {
    let d = Sha256::digest(seed.as_bytes());
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        d[0],
        d[1],
        d[2],
        d[3],
        d[4],
        d[5],
        d[6],
        d[7],
        d[8],
        d[9],
        d[10],
        d[11],
        d[12],
        d[13],
        d[14],
        d[15]
    )
}

impl DirectoryEntry {
    /// The entry of a sign-in name nobody configured: its domain's tenant (the consumer
    /// tenant for personal domains), an object id of its own, no `mail` of its own.
    pub fn default_for(sign_in: &str) -> Self {
        let domain = sign_in.rsplit('@').next().unwrap_or("").to_lowercase();
        let tenant_id = if CONSUMER_DOMAINS.contains(&domain.as_str()) {
            CONSUMER_TENANT.to_string()
        } else {
            guid(&format!("tenant:{domain}"))
        };
        Self {
            tenant_id,
            object_id: guid(&format!("user:{}", sign_in.to_lowercase())),
            mail: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colleagues_share_a_tenant_and_never_an_object_id() {
        let ann = DirectoryEntry::default_for("ann@contoso.test");
        let bob = DirectoryEntry::default_for("Bob@Contoso.test");
        assert_eq!(ann.tenant_id, bob.tenant_id);
        assert_ne!(ann.object_id, bob.object_id);
        assert_eq!(ann, DirectoryEntry::default_for("ann@contoso.test"));
        assert_eq!(
            DirectoryEntry::default_for("me@outlook.com").tenant_id,
            CONSUMER_TENANT
        );
        assert_eq!(ann.object_id.len(), 36);
    }
}
