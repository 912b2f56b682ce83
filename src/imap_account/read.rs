//! Reading one IMAP message on demand: its original bytes ("Show original"), and one
//! attachment by its part (`BODY[n]`), so opening a file brings that file and not the
//! whole message. The store's part ids count a multipart's children from 0 and IMAP's
//! part numbers from 1: the same path through the MIME tree.

use super::with_session;
use crate::providers::ProviderError;
use crate::providers::attachment::{Download, charset_of, cut_part};
use crate::providers::imap::mailbox::{self, ImapSession};
use crate::providers::imap::structure::fields;
use crate::providers::imap::{MessageRef, parts};
use crate::state::AppState;
use bytes::Bytes;

/// Opens the message's folder; `NotFound` when the folder's UIDs no longer name it.
async fn select(session: &mut ImapSession, message: &MessageRef) -> Result<(), ProviderError> {
    let opened = mailbox::open(session, &message.folder, false).await?;
    if opened.uid_validity != message.uid_validity {
        return Err(ProviderError::NotFound);
    }
    Ok(())
}

fn one_chunk(bytes: Vec<u8>, charset: Option<String>) -> Download {
    let bytes = Bytes::from(bytes);
    Download {
        length: Some(bytes.len() as u64),
        charset,
        body: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
    }
}

/// The message's RFC 5322 bytes as the server keeps them.
pub async fn original(
    state: &AppState,
    account_id: i64,
    provider_message_id: &str,
) -> Result<Download, ProviderError> {
    let message = MessageRef::parse(provider_message_id).ok_or(ProviderError::NotFound)?;
    let fetched = with_session(state, account_id, async |session| {
        select(session, &message).await?;
        mailbox::fetch_whole(session, &[message.uid]).await
    })
    .await?;
    let raw = fetched
        .into_iter()
        .find(|m| m.flags.uid == message.uid)
        .ok_or(ProviderError::NotFound)?
        .raw;
    Ok(one_chunk(raw, None))
}

/// IMAP's part number for a store part id ("0.1" → 1.2); `None` for the root ("").
fn imap_path(part_id: &str) -> Option<Vec<u32>> {
    if part_id.is_empty() {
        return None;
    }
    part_id
        .split('.')
        .map(|step| step.parse::<u32>().ok()?.checked_add(1))
        .collect()
}

/// The `type/subtype` a part's own header gives it (`text/plain` when it gives none).
fn header_type(header: &[u8]) -> Option<String> {
    let fields = fields(header)?;
    let value = fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map_or("text/plain", |(_, value)| value.as_str());
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Attachment `part_id` of the message, whose stored type is `content_type`: the part
/// alone when the server's part of that number is that file, else cut from the whole
/// message (the root, an attached e-mail, and a message the server numbers otherwise
/// than our parser: its part would then be another file).
pub async fn attachment(
    state: &AppState,
    account_id: i64,
    provider_message_id: &str,
    part_id: &str,
    content_type: &str,
) -> Result<Download, ProviderError> {
    let message = MessageRef::parse(provider_message_id).ok_or(ProviderError::NotFound)?;
    let wanted = content_type.to_ascii_lowercase();
    if let Some(path) = imap_path(part_id).filter(|_| !wanted.starts_with("message/")) {
        let answer = with_session(state, account_id, async |session| {
            select(session, &message).await?;
            parts::part(session, message.uid, &path).await
        })
        .await?;
        if let Some((header, body)) = answer
            && header_type(&header).is_some_and(|found| found == wanted)
        {
            // The part as a message of its own: its header, then its body, which the
            // parser decodes as it decodes the part in place.
            let mut alone = header;
            if !alone.ends_with(b"\n\n") && !alone.ends_with(b"\r\n\r\n") {
                alone.extend_from_slice(b"\r\n");
            }
            alone.extend_from_slice(&body);
            let decoded = tokio::task::spawn_blocking(move || crate::mail::part_bytes(&alone, ""))
                .await
                .map_err(|e| ProviderError::Transient(format!("decoding the part: {e}")))?;
            if let Some(part) = decoded {
                let charset = part
                    .charset
                    .and_then(|c| charset_of(&format!("text/plain; charset={c}")));
                return Ok(one_chunk(part.bytes, charset));
            }
        }
        tracing::debug!(
            account = account_id,
            "an IMAP part did not match the stored attachment; cutting it from the whole message"
        );
    }
    let whole = original(state, account_id, provider_message_id).await?;
    cut_part(whole, part_id).await
}

#[cfg(test)]
mod tests {
    use super::{header_type, imap_path};

    #[test]
    fn part_ids_map_to_imap_part_numbers() {
        assert_eq!(imap_path("0"), Some(vec![1]));
        assert_eq!(imap_path("1.0.2"), Some(vec![2, 1, 3]));
        assert_eq!(imap_path(""), None);
        assert_eq!(imap_path("x"), None);
    }

    #[test]
    fn a_part_header_names_its_type() {
        assert_eq!(
            header_type(b"Content-Type: Application/PDF;\r\n name=\"a.pdf\"\r\n\r\n").as_deref(),
            Some("application/pdf")
        );
        assert_eq!(
            header_type(b"Content-Disposition: inline\r\n\r\n").as_deref(),
            Some("text/plain")
        );
    }
}
