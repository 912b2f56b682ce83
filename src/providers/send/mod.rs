//! Handing a message to the provider. A send is not idempotent at either provider, so
//! failures are sorted by what they mean for the message: refused (not sent: a 4xx, or
//! no connection made) or [`ProviderError::OutcomeUnknown`] (it went out and no clear
//! answer came back: a timeout, a reset, a 5xx), which is never retried.

mod gmail;
mod graph;

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

/// A request that got no answer: not sent when no connection was made, else unknown.
fn unanswered(error: reqwest::Error) -> ProviderError {
    let error = error.without_url();
    if error.is_connect() {
        ProviderError::Transient(format!("could not connect: {error}"))
    } else {
        ProviderError::OutcomeUnknown(error.to_string())
    }
}

/// Server errors after a write may hide a success.
fn server_error(status: u16) -> ProviderError {
    ProviderError::OutcomeUnknown(format!("the provider answered {status}"))
}
