//! The addresses a user may send as besides the primary one: Gmail's send-as aliases
//! (`users.settings.sendAs`, each verified or pending, each with its own signature) and
//! Microsoft's proxy addresses (`proxyAddresses`, `smtp:` entries, which a tenant that
//! allows sending from aliases lets the user put in From).

use serde::Deserialize;

/// One extra address.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub address: String,
    #[serde(default)]
    pub name: String,
    /// Gmail: the alias's HTML signature.
    #[serde(default)]
    pub signature: String,
    /// Gmail: the owner confirmed the address (`verificationStatus: accepted`); a pending
    /// one is listed but may not be sent from. Microsoft: always true.
    #[serde(default = "yes")]
    pub verified: bool,
}

fn yes() -> bool {
    true
}

/// A user's send-as settings.
#[derive(Debug, Clone, Default)]
pub struct SendAs {
    /// Gmail: the primary address's signature.
    pub primary_signature: String,
    /// Gmail: the address new mail starts from, when not the primary one.
    pub default_address: Option<String>,
    pub aliases: Vec<Alias>,
}

impl SendAs {
    /// Whether mail may go out from `address`: the primary address or a verified alias.
    pub fn may_send_as(&self, primary: &str, address: &str) -> bool {
        address.eq_ignore_ascii_case(primary)
            || self
                .aliases
                .iter()
                .any(|a| a.verified && a.address.eq_ignore_ascii_case(address))
    }
}

/// `raw` with its From header replaced by `address` (what Gmail does to a From that is
/// not the user's nor a verified alias).
pub fn rewrite_from(raw: &[u8], address: &str) -> Vec<u8> {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |at| at + 2);
    let (head, body) = raw.split_at(head_end);
    let head = String::from_utf8_lossy(head);
    let mut out = Vec::with_capacity(raw.len());
    let mut skipping = false;
    for line in head.split_inclusive("\r\n") {
        if line.starts_with([' ', '\t']) {
            if !skipping {
                out.extend_from_slice(line.as_bytes());
            }
            continue;
        }
        skipping = line.to_ascii_lowercase().starts_with("from:");
        if skipping {
            out.extend_from_slice(format!("From: <{address}>\r\n").as_bytes());
        } else {
            out.extend_from_slice(line.as_bytes());
        }
    }
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite_from;

    #[test]
    fn a_from_gmail_does_not_allow_becomes_the_primary_address() {
        let raw = b"From: \"Boss\"\r\n <boss@other.test>\r\nTo: a@x.test\r\nSubject: hi\r\n\r\nFrom: body stays\r\n";
        let out = String::from_utf8(rewrite_from(raw, "me@gmail.test")).unwrap_or_default();
        assert_eq!(
            out,
            "From: <me@gmail.test>\r\nTo: a@x.test\r\nSubject: hi\r\n\r\nFrom: body stays\r\n"
        );
    }
}
