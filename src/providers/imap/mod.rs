//! Any mailbox by IMAP (#26): reaching a user-named server through the SSRF boundary
//! (`net::guard`), TLS checked as browsers check it, and an IMAP session on top
//! (`async-imap`). This part holds the wire; what to store is sync's.

pub mod changes;
pub mod connect;
pub mod mailbox;
pub mod message_ref;
pub mod names;
pub mod parts;
pub mod smtp;
pub mod stream;
pub mod structure;
pub mod tls;

pub use connect::{Endpoint, Failure, Reach, Stage, TlsMode};
pub use message_ref::MessageRef;

/// What a working server offers, for the test action's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probed {
    /// The useful capabilities it has (`connect::USEFUL`).
    pub capabilities: Vec<String>,
    /// Its mailboxes with their special use (`\Sent`, `\Trash`, …), by name.
    pub mailboxes: Vec<(String, Option<String>)>,
}

/// Every stage against `endpoint` as `username`: reached, encrypted, logged in, able.
/// The session is logged out at the end.
pub async fn probe(
    reach: &Reach,
    endpoint: &Endpoint,
    username: &str,
    password: &str,
) -> Result<Probed, Failure> {
    let host = endpoint.host.trim().to_string();
    let mut session = connect::open(reach, endpoint, username, password).await?;
    let capabilities = connect::capabilities(&mut session, &host).await?;
    let mailboxes = connect::mailboxes(&mut session, &host).await?;
    // A polite goodbye; the probe's answer does not depend on it.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), session.logout()).await;
    Ok(Probed {
        capabilities,
        mailboxes,
    })
}
