//! Handing a message to the provider. A send is not idempotent at either provider, so
//! failures are sorted by what they mean for the message: refused (not sent: a 4xx, or
//! no connection made) or [`ProviderError::OutcomeUnknown`] (it went out and no clear
//! answer came back: a timeout, a reset, a 5xx), which is never retried.

mod gmail;
mod graph;
mod graph_answer;

pub(crate) use gmail::sent_by as gmail_sent_by;
pub use graph::Draft;

use super::ProviderError;
use std::time::Duration;

/// What the provider says about a message it took.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    pub provider_message_id: Option<String>,
    pub provider_thread_id: Option<String>,
}

/// How long one send request may take: uploads of tens of megabytes on slow links.
const SEND_TIMEOUT: Duration = Duration::from_secs(300);

/// Hands the sending request to `provider` (counted in the metrics). No connection made:
/// not sent. No answer, or a 5xx (which may hide a success): unknown. Otherwise the
/// answer and its status, for the caller to read.
pub(crate) async fn hand_over(
    request: reqwest::RequestBuilder,
    provider: &'static str,
) -> Result<(reqwest::Response, u16), ProviderError> {
    let response = request
        .timeout(SEND_TIMEOUT)
        .send()
        .await
        .map_err(|error| {
            crate::metrics::provider_request(provider, None);
            let error = error.without_url();
            if error.is_connect() {
                ProviderError::Transient(format!("could not connect: {error}"))
            } else {
                ProviderError::OutcomeUnknown(error.to_string())
            }
        })?;
    let status = response.status().as_u16();
    crate::metrics::provider_request(provider, Some(status));
    if status >= 500 {
        return Err(ProviderError::OutcomeUnknown(format!(
            "the provider answered {status}"
        )));
    }
    Ok((response, status))
}
