//! Reaching the SMTP submission server of an IMAP mailbox, stage by stage like IMAP
//! (`connect`): the same SSRF boundary and the same TLS, then the SMTP session of
//! `lettre`. lettre is handed a stream this service opened (to the addresses the boundary
//! checked). For STARTTLS the plain part (greeting, EHLO, STARTTLS) is spoken here, since
//! lettre's own upgrade would bring a second TLS set-up: after the handshake lettre gets
//! the encrypted stream with the greeting it expects replayed in front (RFC 3207 has the
//! server send none after STARTTLS; lettre then says EHLO again, as the RFC asks).

use super::connect::{self, Endpoint, Failure, Reach, Stage, TlsMode, within};
use super::stream::Stream;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::extension::{ClientId, Extension};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;

/// Lines of one reply read before the server is taken for something else.
const MAX_REPLY_LINES: usize = 100;

/// A logged-in submission session.
pub type SmtpSession = AsyncSmtpConnection;

/// What a working submission server offers, for the test action's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probed {
    /// The extensions that matter for sending: `SMTPUTF8`, `8BITMIME`.
    pub extensions: Vec<String>,
}

/// A submission session to `endpoint`, logged in as `username`; `hello` is the name this
/// service gives in EHLO.
pub async fn open(
    reach: &Reach,
    endpoint: &Endpoint,
    hello: &str,
    username: &str,
    password: &str,
) -> Result<SmtpSession, Failure> {
    let host = endpoint.host.trim().to_string();
    let stream = connect::reach(reach, endpoint).await?;
    let hello_id = ClientId::Domain(hello.to_string());
    let stream: Box<dyn AsyncTokioStream> = match (endpoint.tls, stream) {
        (TlsMode::Starttls, Stream::Plain(tcp)) => {
            let tcp = within(Stage::Tls, "STARTTLS", starttls(tcp, &host, hello)).await?;
            let tls = connect::handshake(reach, &host, tcp).await?;
            Box::new(Greeted::new(tls, format!("220 {host} ESMTP\r\n")))
        }
        (_, stream) => Box::new(Greeted::new(stream, String::new())),
    };
    let encrypted = endpoint.tls != TlsMode::None;
    let greet_stage = if encrypted { Stage::Tls } else { Stage::Tcp };
    let mut session = within(greet_stage, "the server's greeting", async {
        AsyncSmtpConnection::connect_with_transport(stream, &hello_id)
            .await
            .map_err(|e| {
                Failure::new(
                    greet_stage,
                    format!(
                        "{host} did not answer as an SMTP server does; is this the SMTP port? ({e})"
                    ),
                )
            })
    })
    .await?;
    let mechanisms = [Mechanism::Plain, Mechanism::Login];
    if !mechanisms
        .iter()
        .any(|m| session.server_info().supports_auth_mechanism(*m))
    {
        return Err(Failure::new(
            Stage::Capabilities,
            format!("{host} offers no password login (AUTH PLAIN or LOGIN) here"),
        ));
    }
    let credentials = Credentials::new(username.to_string(), password.to_string());
    within(Stage::Auth, "logging in", async {
        session
            .auth(&mechanisms, &credentials)
            .await
            .map(|_| ())
            .map_err(|e| {
                let refused = e.is_permanent() || e.is_transient();
                Failure::new(
                    Stage::Auth,
                    if refused {
                        format!("{host} refused the user name or password (an app password may be needed)")
                    } else {
                        format!("logging in to {host} failed")
                    },
                )
            })
    })
    .await?;
    Ok(session)
}

/// Every stage, then a polite QUIT.
pub async fn probe(
    reach: &Reach,
    endpoint: &Endpoint,
    hello: &str,
    username: &str,
    password: &str,
) -> Result<Probed, Failure> {
    let mut session = open(reach, endpoint, hello, username, password).await?;
    let info = session.server_info();
    let extensions = [
        (Extension::SmtpUtfEight, "SMTPUTF8"),
        (Extension::EightBitMime, "8BITMIME"),
    ]
    .into_iter()
    .filter(|(e, _)| info.supports_feature(*e))
    .map(|(_, name)| name.to_string())
    .collect();
    let _ = tokio::time::timeout(Duration::from_secs(5), session.quit()).await;
    Ok(Probed { extensions })
}

/// The plain part of STARTTLS: greeting, EHLO, STARTTLS, each answered as it must be.
async fn starttls(mut tcp: TcpStream, host: &str, hello: &str) -> Result<TcpStream, Failure> {
    let lost = |e: io::Error| {
        Failure::new(
            Stage::Tcp,
            if e.kind() == io::ErrorKind::InvalidData {
                format!("{host} did not answer as an SMTP server does; is this the SMTP port?")
            } else {
                format!("{host} closed the connection ({})", e.kind())
            },
        )
    };
    {
        let mut reader = BufReader::new(&mut tcp);
        let (code, _) = reply(&mut reader).await.map_err(lost)?;
        if code != 220 {
            return Err(Failure::new(
                Stage::Tcp,
                format!("{host} did not greet as an SMTP server does; is this the SMTP port?"),
            ));
        }
        reader
            .get_mut()
            .write_all(format!("EHLO {hello}\r\n").as_bytes())
            .await
            .map_err(lost)?;
        let (code, lines) = reply(&mut reader).await.map_err(lost)?;
        let offered = lines.iter().any(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("STARTTLS"))
        });
        if code != 250 || !offered {
            return Err(Failure::new(
                Stage::Tls,
                format!("{host} does not offer STARTTLS on this port"),
            ));
        }
        reader
            .get_mut()
            .write_all(b"STARTTLS\r\n")
            .await
            .map_err(lost)?;
        let (code, _) = reply(&mut reader).await.map_err(lost)?;
        if code != 220 {
            return Err(Failure::new(
                Stage::Tls,
                format!("{host} refused STARTTLS ({code})"),
            ));
        }
        // Nothing may come between the server's 220 and the handshake; bytes here would
        // be a plaintext injection before TLS (CVE-2011-0411's kind), so refuse them.
        if !reader.buffer().is_empty() {
            return Err(Failure::new(
                Stage::Tls,
                format!("{host} sent data before the TLS handshake"),
            ));
        }
    }
    Ok(tcp)
}

/// One SMTP reply: its code and its lines' text.
async fn reply(reader: &mut BufReader<&mut TcpStream>) -> io::Result<(u16, Vec<String>)> {
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let code = text
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidData))?;
        lines.push(text.get(4..).unwrap_or("").to_string());
        if text.as_bytes().get(3) != Some(&b'-') {
            return Ok((code, lines));
        }
        if lines.len() > MAX_REPLY_LINES {
            return Err(io::ErrorKind::InvalidData.into());
        }
    }
}

/// A stream that first yields `prefix`, then what the server sends.
#[derive(Debug)]
struct Greeted {
    prefix: Vec<u8>,
    at: usize,
    inner: Stream,
}

impl Greeted {
    fn new(inner: Stream, prefix: String) -> Self {
        Self {
            prefix: prefix.into_bytes(),
            at: 0,
            inner,
        }
    }
}

impl AsyncRead for Greeted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.at < this.prefix.len() {
            let n = buf.remaining().min(this.prefix.len() - this.at);
            buf.put_slice(&this.prefix[this.at..this.at + n]);
            this.at += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Greeted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Greeted {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Stream::Plain(tcp) => tcp.peer_addr(),
            Stream::Tls(tls) => tls.get_ref().0.peer_addr(),
        }
    }
}
