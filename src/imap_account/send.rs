//! Sending from an IMAP mailbox (#26): the message handed to its SMTP submission server,
//! then a copy filed in its Sent folder by IMAP APPEND, as mail clients do (a submission
//! server keeps no copy). Failures sort as sends elsewhere do (`providers::send`): a
//! refusal, or no connection, is not sent; a connection lost mid-message is unknown and
//! never retried.

use super::{Login, provider_error, reach};
use crate::mail::compose::Outgoing;
use crate::providers::ProviderError;
use crate::providers::imap::mailbox::{self, ImapSession};
use crate::providers::imap::smtp;
use crate::providers::send::Sent;
use crate::state::AppState;
use lettre::address::{Address, Envelope};
use std::time::{Duration, Instant};

/// The name this service gives in EHLO: its public host, else `localhost`.
pub fn hello_name(state: &AppState) -> String {
    url::Url::parse(&state.settings.server.public_url)
        .ok()
        .and_then(|u| u.host_str().map(ToString::to_string))
        .unwrap_or_else(|| "localhost".into())
}

fn address(text: &str) -> Result<Address, ProviderError> {
    text.trim().parse().map_err(|_| ProviderError::Permanent {
        status: 0,
        code: "SMTP".into(),
        message: "An address is not one SMTP can carry".into(),
    })
}

/// Submits `outgoing` for the account, then files the copy.
pub async fn send(
    state: &AppState,
    account_id: i64,
    outgoing: &Outgoing,
    date: i64,
) -> Result<Sent, ProviderError> {
    let recipients: Vec<String> = outgoing.recipients().map(|p| p.address.clone()).collect();
    // Bcc recipients are in the envelope only: the copy every recipient gets must not
    // name them. The filed copy keeps them, so the sender sees whom they told.
    let submitted = Outgoing {
        bcc: Vec::new(),
        ..outgoing.clone()
    }
    .to_mime(date);
    let filed = outgoing.to_mime(date);
    submit(
        state,
        account_id,
        &outgoing.from.address,
        &recipients,
        &submitted,
        &filed,
    )
    .await
}

/// Submits a whole message as it is written (a draft from the Drafts folder): its From,
/// To, Cc and Bcc make the envelope, and its Bcc header is taken off what goes out.
pub async fn send_raw(
    state: &AppState,
    account_id: i64,
    raw: &[u8],
) -> Result<Sent, ProviderError> {
    let refused = |what: &str| ProviderError::Permanent {
        status: 0,
        code: "SMTP".into(),
        message: what.to_string(),
    };
    let parsed = crate::mail::parse(raw).ok_or_else(|| refused("The draft is not a message"))?;
    let from = parsed
        .from
        .as_ref()
        .map(|a| a.address.clone())
        .ok_or_else(|| refused("The draft has no From"))?;
    let recipients: Vec<String> = parsed
        .to
        .iter()
        .chain(&parsed.cc)
        .chain(&parsed.bcc)
        .map(|a| a.address.clone())
        .collect();
    submit(
        state,
        account_id,
        &from,
        &recipients,
        &without_bcc(raw),
        raw,
    )
    .await
}

/// Where `raw`'s header block ends: after its last field's CRLF (the blank line follows).
fn header_end(raw: &[u8]) -> usize {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |at| at + 2)
}

/// `raw` without its Bcc header (and the header's folded lines).
fn without_bcc(raw: &[u8]) -> Vec<u8> {
    let end = header_end(raw);
    let (head, body) = raw.split_at(end);
    let mut out = Vec::with_capacity(raw.len());
    let mut skipping = false;
    for line in head.split_inclusive(|b| *b == b'\n') {
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !folded {
            skipping = line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

/// Hands `submitted` to the account's SMTP server for `recipients`, then files `filed`.
async fn submit(
    state: &AppState,
    account_id: i64,
    from: &str,
    recipients: &[String],
    submitted: &[u8],
    filed: &[u8],
) -> Result<Sent, ProviderError> {
    let login: Login = super::login(state, account_id)
        .await?
        .ok_or(ProviderError::ReauthRequired)?;
    let reach = reach(state)
        .await
        .map_err(|e| ProviderError::Transient(e.to_string()))?;
    let recipients = recipients
        .iter()
        .map(|a| address(a))
        .collect::<Result<Vec<_>, _>>()?;
    let envelope =
        Envelope::new(Some(address(from)?), recipients).map_err(|_| ProviderError::Permanent {
            status: 0,
            code: "SMTP".into(),
            message: "The message has no recipient SMTP can carry".into(),
        })?;
    let mut session = smtp::open(
        &reach,
        &login.smtp,
        &hello_name(state),
        &login.username,
        &login.password,
    )
    .await
    .map_err(provider_error)?;
    let handed = tokio::time::timeout(
        std::time::Duration::from_secs(300),
        session.send(&envelope, submitted),
    )
    .await;
    match handed {
        Ok(Ok(_)) => {}
        Ok(Err(error)) if error.is_permanent() => {
            return Err(ProviderError::Permanent {
                status: 0,
                code: format!(
                    "SMTP {}",
                    error.status().map(|c| c.to_string()).unwrap_or_default()
                ),
                message: "The SMTP server refused the message".into(),
            });
        }
        Ok(Err(error)) if error.is_transient() => {
            return Err(ProviderError::Transient(format!(
                "the SMTP server deferred the message ({})",
                error.status().map(|c| c.to_string()).unwrap_or_default()
            )));
        }
        Ok(Err(_)) => {
            return Err(ProviderError::OutcomeUnknown(
                "the SMTP connection failed while the message was handed over".into(),
            ));
        }
        Err(_) => {
            return Err(ProviderError::OutcomeUnknown(
                "the SMTP server did not answer the message in 300 seconds".into(),
            ));
        }
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), session.quit()).await;
    file_copy(state, account_id, filed).await;
    Ok(Sent::default())
}

/// Files the sent copy in the Sent folder (read), unless the server filed it itself
/// (Gmail's and Microsoft 365's SMTP do; a copy of ours would be the second). The
/// message went out either way: a failure here is logged, and the user finds the mail in
/// no Sent folder.
async fn file_copy(state: &AppState, account_id: i64, raw: &[u8]) {
    let filed = super::with_session(state, account_id, async |session| {
        let folders = mailbox::folders(session).await?;
        let Some(sent) = folders.iter().find(|f| f.role == Some("sent")) else {
            return Ok(Filed::NoSentFolder);
        };
        if filed_by_server(state, session, account_id, &sent.name, raw).await? {
            return Ok(Filed::ByServer);
        }
        mailbox::append(session, &sent.name, raw, "(\\Seen)").await?;
        Ok(Filed::ByUs)
    });
    match filed.await {
        Ok(Filed::ByUs | Filed::ByServer) => {}
        Ok(Filed::NoSentFolder) => {
            tracing::warn!(
                account = account_id,
                "the mailbox has no Sent folder; the sent copy was not filed"
            )
        }
        Err(error) => {
            tracing::warn!(account = account_id, %error, "the sent copy could not be filed in Sent")
        }
    }
}

enum Filed {
    ByUs,
    ByServer,
    NoSentFolder,
}

/// How long a server that files sent mail is given to do it: it may file after it has
/// answered the submission (Microsoft 365 does, within a second or two).
const FILING_WAIT: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_millis(250),
    Duration::from_millis(750),
    Duration::from_millis(1500),
];
/// The same for a server seen to file before: a copy of ours would be a duplicate, so
/// it is given longer.
const FILING_WAIT_KNOWN: Duration = Duration::from_secs(10);

/// Whether the Sent folder holds the message (by its Message-ID) by now. A server seen
/// not to file is not asked; one never seen is watched for a moment after each send
/// until it shows which it is; the answer is kept for the next sends.
async fn filed_by_server(
    state: &AppState,
    session: &mut ImapSession,
    account_id: i64,
    sent: &str,
    raw: &[u8],
) -> Result<bool, ProviderError> {
    let Some(id) = message_id(raw) else {
        return Ok(false);
    };
    let known = state
        .imap_files_sent
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&account_id)
        .copied();
    if known == Some(false) {
        return Ok(false);
    }
    let started = Instant::now();
    let mut waits = FILING_WAIT.iter();
    let found = loop {
        let wait = match (known, waits.next()) {
            (None, Some(wait)) => *wait,
            (Some(true), first) if started.elapsed() < FILING_WAIT_KNOWN => {
                first.copied().unwrap_or(Duration::from_millis(500))
            }
            _ => break false,
        };
        tokio::time::sleep(wait).await;
        mailbox::open(session, sent, false).await?;
        let query = format!("HEADER Message-ID \"{id}\"");
        if !mailbox::search(session, &query).await?.is_empty() {
            break true;
        }
    };
    state
        .imap_files_sent
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(account_id, found);
    Ok(found)
}

/// The message's Message-ID without brackets or quoting characters, for a SEARCH.
fn message_id(raw: &[u8]) -> Option<String> {
    let fields = crate::providers::imap::structure::fields(&raw[..header_end(raw)])?;
    let (_, value) = fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("message-id"))?;
    let id = value
        .trim()
        .trim_matches(['<', '>'])
        .replace(['"', '\\'], "");
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::without_bcc;

    #[test]
    fn the_bcc_header_and_its_folded_lines_leave_the_copy_that_goes_out() {
        let raw = b"From: a@x.test\r\nBcc: boss@x.test,\r\n hidden@x.test\r\nTo: b@x.test\r\n\r\nBcc: in the body stays\r\n";
        assert_eq!(
            without_bcc(raw),
            b"From: a@x.test\r\nTo: b@x.test\r\n\r\nBcc: in the body stays\r\n".to_vec()
        );
    }
}
