//! Opening an IMAP session, one stage at a time, so a failure says exactly which one
//! failed (API.md: `mailAccounts:test` → `{ok, stage: dns | tcp | tls | auth |
//! capabilities, message}`): the name through the SSRF boundary, TCP to the addresses it
//! checked, TLS (implicit, or STARTTLS after the greeting), the login, then what the
//! server can do. Messages are for the user: they name the host and the stage, never the
//! password, never an address the boundary kept back.

use super::stream::Stream;
use crate::net::guard::HostPolicy;
use async_imap::{Client, Session};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

/// How long one stage may take.
pub(super) const STAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// How a connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Implicit,
    /// Plain until the client asks for TLS (IMAP 143, SMTP 587).
    Starttls,
    /// Never encrypted: only when the admin allows plaintext.
    None,
}

/// A server as the user gave it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
}

/// Which step of reaching a server failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Dns,
    Tcp,
    Tls,
    Auth,
    Capabilities,
}

/// A stage that failed, and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub stage: Stage,
    pub message: String,
}

impl Failure {
    pub fn new(stage: Stage, message: impl Into<String>) -> Self {
        Self {
            stage,
            message: message.into(),
        }
    }
}

/// What the service needs to reach a server.
#[derive(Debug, Clone)]
pub struct Reach {
    pub policy: HostPolicy,
    pub tls: Arc<ClientConfig>,
    /// The admin lets unencrypted connections through (`tls: none`).
    pub allow_plaintext: bool,
}

/// `work`, or a failure of `stage` saying `what` took too long.
pub(super) async fn within<T>(
    stage: Stage,
    what: &str,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::time::timeout(STAGE_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| {
            Err(Failure::new(
                stage,
                format!(
                    "{what} took longer than {} seconds",
                    STAGE_TIMEOUT.as_secs()
                ),
            ))
        })
}

/// TCP to `endpoint`, through the SSRF boundary, then TLS as it asks: the raw stream
/// (plain for STARTTLS, which the protocol negotiates before the handshake).
pub async fn reach(reach: &Reach, endpoint: &Endpoint) -> Result<Stream, Failure> {
    if endpoint.tls == TlsMode::None && !reach.allow_plaintext {
        return Err(Failure::new(
            Stage::Tls,
            "unencrypted connections are not allowed by the administrator; choose SSL/TLS or STARTTLS",
        ));
    }
    let host = endpoint.host.trim().to_string();
    let addresses = reach
        .policy
        .resolve(&host, endpoint.port)
        .await
        .map_err(|refused| Failure::new(Stage::Dns, refused.to_string()))?;
    let tcp = within(
        Stage::Tcp,
        &format!("connecting to {host}:{}", endpoint.port),
        async {
            let mut last = None;
            for address in &addresses {
                match TcpStream::connect(address).await {
                    Ok(stream) => return Ok(stream),
                    Err(error) => last = Some(error),
                }
            }
            Err(Failure::new(
                Stage::Tcp,
                format!(
                    "could not connect to {host}:{} ({})",
                    endpoint.port,
                    last.map_or_else(|| "no address".into(), |e| e.kind().to_string())
                ),
            ))
        },
    )
    .await?;
    match endpoint.tls {
        TlsMode::Implicit => handshake(reach, &host, tcp).await,
        TlsMode::Starttls | TlsMode::None => Ok(Stream::Plain(tcp)),
    }
}

/// TLS over `tcp`, the certificate checked for `host`.
pub async fn handshake(reach: &Reach, host: &str, tcp: TcpStream) -> Result<Stream, Failure> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| Failure::new(Stage::Tls, format!("{host} is no name a certificate holds")))?;
    let connector = TlsConnector::from(reach.tls.clone());
    within(Stage::Tls, "the TLS handshake", async {
        connector
            .connect(name, tcp)
            .await
            .map(|tls| Stream::Tls(Box::new(tls)))
            .map_err(|error| Failure::new(Stage::Tls, tls_failure(host, &error)))
    })
    .await
}

/// What a failed handshake means, in words.
fn tls_failure(host: &str, error: &std::io::Error) -> String {
    use tokio_rustls::rustls::{CertificateError, Error as TlsError};
    let inner = error.get_ref().and_then(|e| e.downcast_ref::<TlsError>());
    match inner {
        Some(TlsError::InvalidCertificate(CertificateError::UnknownIssuer)) => format!(
            "{host}'s certificate is not signed by an authority this service trusts (self-signed, or an internal CA the administrator has not added)"
        ),
        Some(TlsError::InvalidCertificate(CertificateError::NotValidForName))
        | Some(TlsError::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => {
            format!("{host}'s certificate is for another name")
        }
        Some(TlsError::InvalidCertificate(CertificateError::Expired))
        | Some(TlsError::InvalidCertificate(CertificateError::ExpiredContext { .. })) => {
            format!("{host}'s certificate has expired")
        }
        Some(TlsError::InvalidCertificate(other)) => {
            format!("{host}'s certificate was refused ({other:?})")
        }
        Some(other) => format!("the TLS handshake with {host} failed ({other})"),
        None => format!(
            "the TLS handshake with {host} failed ({}); is this port {}?",
            error.kind(),
            "for TLS"
        ),
    }
}

/// An IMAP session logged in to `endpoint` as `username`.
pub async fn open(
    reach_with: &Reach,
    endpoint: &Endpoint,
    username: &str,
    password: &str,
) -> Result<Session<Stream>, Failure> {
    let host = endpoint.host.trim().to_string();
    let stream = reach(reach_with, endpoint).await?;
    let mut client = Client::new(stream);
    greeting(&mut client, &host).await?;
    if endpoint.tls == TlsMode::Starttls {
        within(Stage::Tls, "STARTTLS", async {
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|_| {
                    Failure::new(
                        Stage::Tls,
                        format!("{host} does not offer STARTTLS on this port"),
                    )
                })
        })
        .await?;
        let Stream::Plain(tcp) = client.into_inner() else {
            return Err(Failure::new(Stage::Tls, "STARTTLS over TLS"));
        };
        // No greeting after STARTTLS (RFC 3501 6.2.1).
        client = Client::new(handshake(reach_with, &host, tcp).await?);
    }
    within(Stage::Auth, "logging in", async {
        client
            .login(username, password)
            .await
            .map_err(|(error, _)| Failure::new(Stage::Auth, login_failure(&host, &error)))
    })
    .await
}

async fn greeting(client: &mut Client<Stream>, host: &str) -> Result<(), Failure> {
    let stage = if client.get_ref().is_encrypted() {
        Stage::Tls
    } else {
        Stage::Tcp
    };
    let response = within(stage, "the server's greeting", async {
        client.read_response().await.map_err(|e| {
            Failure::new(
                stage,
                format!("{host} closed the connection ({})", e.kind()),
            )
        })
    })
    .await?;
    use async_imap::imap_proto::{Response, Status};
    match response.as_ref().map(|r| r.parsed()) {
        Some(Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        }) => Ok(()),
        Some(Response::Data {
            status: Status::Bye,
            ..
        }) => Err(Failure::new(
            stage,
            format!("{host} turned the connection away"),
        )),
        _ => Err(Failure::new(
            stage,
            format!("{host} did not greet as an IMAP server does; is this the IMAP port?"),
        )),
    }
}

fn login_failure(host: &str, error: &async_imap::error::Error) -> String {
    match error {
        async_imap::error::Error::No(_) => {
            format!("{host} refused the user name or password (an app password may be needed)")
        }
        async_imap::error::Error::Bad(_) => {
            format!("{host} does not take a plain login here (it may want TLS first)")
        }
        other => format!("logging in to {host} failed ({other})"),
    }
}

/// What a mail client needs of the server, and what makes sync cheaper when present.
pub const REQUIRED: [&str; 1] = ["IMAP4rev1"];
pub const USEFUL: [&str; 6] = [
    "IDLE",
    "UIDPLUS",
    "MOVE",
    "CONDSTORE",
    "QRESYNC",
    "SPECIAL-USE",
];

/// The server's capabilities after login: the useful ones it has, or the failure naming
/// what it lacks.
pub async fn capabilities(
    session: &mut Session<Stream>,
    host: &str,
) -> Result<Vec<String>, Failure> {
    let capabilities = within(Stage::Capabilities, "CAPABILITY", async {
        session.capabilities().await.map_err(|e| {
            Failure::new(
                Stage::Capabilities,
                format!("{host} did not list its capabilities ({e})"),
            )
        })
    })
    .await?;
    let rev2 = capabilities.has_str("IMAP4rev2");
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !capabilities.has_str(c) && !rev2)
        .collect();
    if !missing.is_empty() {
        return Err(Failure::new(
            Stage::Capabilities,
            format!("{host} lacks {}", missing.join(", ")),
        ));
    }
    Ok(USEFUL
        .iter()
        .filter(|c| capabilities.has_str(c))
        .map(ToString::to_string)
        .collect())
}

/// The server's mailboxes, each with its special use (RFC 6154) when it has one.
pub async fn mailboxes(
    session: &mut Session<Stream>,
    host: &str,
) -> Result<Vec<(String, Option<String>)>, Failure> {
    use futures_util::TryStreamExt;
    within(Stage::Capabilities, "LIST", async {
        let names: Vec<async_imap::types::Name> = session
            .list(Some(""), Some("*"))
            .await
            .map_err(|e| {
                Failure::new(
                    Stage::Capabilities,
                    format!("{host} did not list its folders ({e})"),
                )
            })?
            .try_collect()
            .await
            .map_err(|e| {
                Failure::new(
                    Stage::Capabilities,
                    format!("{host} did not list its folders ({e})"),
                )
            })?;
        Ok(names
            .iter()
            .map(|name| {
                let special = name.attributes().iter().find_map(super::mailbox::role_of);
                (name.name().to_string(), special.map(ToString::to_string))
            })
            .collect())
    })
    .await
}
