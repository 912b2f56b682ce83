//! Attachment downloads straight from the provider, as a stream of chunks: a file is
//! never held whole in memory, whatever its size. Gmail answers with base64url inside
//! JSON (decoded on the fly by [`data_field`]); Graph answers with the raw bytes.

mod data_field;
mod gmail;
mod graph;

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

/// The `charset` parameter of a Content-Type value.
fn charset_of(content_type: &str) -> Option<String> {
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
