//! Reading one IMAP message's original bytes on demand: "Show original", and the source
//! attachments are cut from (an IMAP part number and the store's part id are the same
//! path through the MIME tree).

use crate::providers::ProviderError;
use crate::providers::attachment::Download;
use crate::providers::imap::MessageRef;
use crate::providers::imap::mailbox;
use crate::state::AppState;
use bytes::Bytes;

/// The message's RFC 5322 bytes as the server keeps them.
pub async fn original(
    state: &AppState,
    account_id: i64,
    provider_message_id: &str,
) -> Result<Download, ProviderError> {
    let message = MessageRef::parse(provider_message_id).ok_or(ProviderError::NotFound)?;
    let mut session = super::session(state, account_id).await?;
    let fetched = async {
        let opened = mailbox::open(&mut session, &message.folder, false).await?;
        if opened.uid_validity != message.uid_validity {
            return Err(ProviderError::NotFound);
        }
        mailbox::fetch_whole(&mut session, &[message.uid]).await
    }
    .await;
    mailbox::close(session).await;
    let raw = fetched?
        .into_iter()
        .find(|m| m.flags.uid == message.uid)
        .ok_or(ProviderError::NotFound)?
        .raw;
    let bytes = Bytes::from(raw);
    Ok(Download {
        length: Some(bytes.len() as u64),
        charset: None,
        body: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
    })
}
