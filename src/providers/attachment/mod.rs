//! Downloads straight from the provider, as a stream of chunks: attachments and a
//! message's original MIME. A file is never held whole in memory, whatever its size.
//! Gmail answers with base64url inside JSON (decoded on the fly by [`data_field`]); Graph
//! answers with the raw bytes.

mod data_field;
mod gmail;
mod graph;
mod original;

pub use data_field::DataField;
pub use graph::AttachmentName;

use super::ProviderError;
use super::error::transport;
use bytes::Bytes;
use futures_util::Stream;
use std::pin::Pin;

/// How long a whole download may take (the client's default of 20 s is for API calls;
/// a large file on a slow link takes longer).
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// The chunks of a download, in order; an `Err` ends it.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, ProviderError>> + Send>>;

/// An attachment on its way from the provider.
pub struct Download {
    pub body: ByteStream,
    /// The exact length when the provider states it.
    pub length: Option<u64>,
    /// The `charset` the provider gives the part, for text served as text.
    pub charset: Option<String>,
}

/// The body of a successful answer, chunk by chunk as it arrives.
fn chunks(response: reqwest::Response) -> impl Stream<Item = Result<Bytes, ProviderError>> {
    futures_util::stream::try_unfold(response, |mut response| async move {
        Ok(response
            .chunk()
            .await
            .map_err(transport)?
            .map(|chunk| (chunk, response)))
    })
}

/// The most of a message's original held to cut one part from it (Graph's largest
/// message is 150 MB; such a message's parts are served from Graph's own list when
/// they can be).
const MAX_CUT_FROM: usize = 160 * 1024 * 1024;

/// Part `part_id` of the message whose original is `original`, cut from it once it has
/// arrived whole. For the parts a provider cannot serve by itself with certainty: an
/// attached e-mail, an unnamed or same-named file on Graph.
pub async fn cut_part(original: Download, part_id: &str) -> Result<Download, ProviderError> {
    let raw = whole(original).await?;
    let part_id = part_id.to_string();
    let part = tokio::task::spawn_blocking(move || crate::mail::part_bytes(&raw, &part_id))
        .await
        .map_err(|e| ProviderError::Transient(format!("cutting the part failed: {e}")))?
        .ok_or_else(|| {
            refused(
                "PART_NOT_IN_MESSAGE",
                "the provider's copy of the message has no such part",
            )
        })?;
    let charset = part
        .charset
        .and_then(|c| charset_of(&format!("text/plain; charset={c}")));
    let bytes = Bytes::from(part.bytes);
    Ok(Download {
        length: Some(bytes.len() as u64),
        charset,
        body: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
    })
}

/// A message's original, arrived whole (at most [`MAX_CUT_FROM`] bytes).
pub async fn whole(original: Download) -> Result<Vec<u8>, ProviderError> {
    use futures_util::StreamExt;
    let mut raw = Vec::new();
    let mut body = original.body;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        if raw.len() + chunk.len() > MAX_CUT_FROM {
            return Err(refused(
                "MESSAGE_TOO_LARGE",
                "the message is too large to read whole",
            ));
        }
        raw.extend_from_slice(&chunk);
    }
    Ok(raw)
}

fn refused(code: &str, message: &str) -> ProviderError {
    ProviderError::Permanent {
        status: 0,
        code: code.into(),
        message: message.into(),
    }
}

/// The `charset` parameter of a Content-Type value.
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (name.trim().eq_ignore_ascii_case("charset")
            && !value.is_empty()
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)))
        .then(|| value.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::charset_of;

    #[test]
    fn charset_is_read_and_checked() {
        assert_eq!(
            charset_of("text/plain; format=flowed; charset=\"ISO-8859-1\""),
            Some("iso-8859-1".into())
        );
        assert_eq!(charset_of("text/plain"), None);
        assert_eq!(charset_of("text/plain; charset=\"a\r\nX-Evil: 1\""), None);
    }
}
