//! The service's SSRF boundary for servers a user names (IMAP and SMTP hosts). A user
//! types a host name; left alone, the service would connect wherever it points: to the
//! database next door, a cloud metadata endpoint, NocoBase's own port. So every connection
//! resolves the name here, refuses it when any address it resolves to is loopback,
//! private, link-local or otherwise not on the public internet (unless the admin allows
//! private networks), and then connects to exactly the addresses checked, never resolving
//! again (a second lookup could answer differently: DNS rebinding). An admin may also
//! limit the hosts to a list of names and domains.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What the admin allows (`mailProviders` for `imap`).
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    /// Host names or domains; a user's host must be one of them or end in `.` + one of
    /// them. Empty: any host.
    pub allowed_hosts: Vec<String>,
    /// Let hosts resolve to loopback, private and link-local addresses (a mail server
    /// on the company network).
    pub allow_private_networks: bool,
}

/// Why a host may not be connected to; the text is safe to show the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the host name is empty or not a host name")]
    BadName,
    #[error("{0} is not among the servers the administrator allows")]
    NotAllowed(String),
    #[error("{0} has no address")]
    NoAddress(String),
    #[error("{0} could not be looked up: {1}")]
    Lookup(String, String),
    /// The address is kept out of the text: it is the network layout the boundary hides.
    #[error(
        "{0} points to a private or local network address, which the administrator has not allowed"
    )]
    Private(String),
}

impl HostPolicy {
    /// The addresses `host:port` may be reached at, every one of them checked.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refused> {
        let host = normalized(host).ok_or(Refused::BadName)?;
        if !self.host_allowed(&host) {
            return Err(Refused::NotAllowed(host));
        }
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| Refused::Lookup(host.clone(), e.kind().to_string()))?
                .collect(),
        };
        if addresses.is_empty() {
            return Err(Refused::NoAddress(host));
        }
        // One private answer refuses the name: a public address beside it does not make
        // the private one safe to reach.
        if !self.allow_private_networks && addresses.iter().any(|a| !is_public(a.ip())) {
            return Err(Refused::Private(host));
        }
        Ok(addresses)
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.allowed_hosts.is_empty()
            || self.allowed_hosts.iter().any(|allowed| {
                let allowed = allowed.trim().trim_end_matches('.').to_ascii_lowercase();
                !allowed.is_empty()
                    && (host == allowed
                        || host
                            .strip_suffix(allowed.as_str())
                            .is_some_and(|rest| rest.ends_with('.')))
            })
    }
}

/// A host as compared and looked up: lower case, no trailing dot, IPv6 without brackets;
/// `None` when it cannot be a host (empty, spaces, a port or path in it).
fn normalized(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty()
        || host.len() > 253
        || host
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#' | '\\'))
    {
        return None;
    }
    if host.parse::<IpAddr>().is_err() && host.contains(':') {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                  // "this network"
        || a == 10                            // private
        || a == 127                           // loopback
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 169 && b == 254)             // link-local (cloud metadata lives here)
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)     // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)     // documentation
        || (a == 192 && b == 168)             // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100)  // documentation
        || (a == 203 && b == 0 && c == 113)   // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // An IPv4 address carried in IPv6 (mapped, or NAT64's well-known prefix) is judged
    // as the IPv4 address it reaches.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = s;
        return public_v4(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        ));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard
        || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated), ::/96
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
