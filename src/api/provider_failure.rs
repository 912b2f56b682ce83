//! How a failed provider call on a user's behalf reads to the client (API.md §1):
//! 409 when the mailbox must be reconnected, 422 when the provider refused, 429 when it
//! throttled, 502 when it failed. Provider message texts reach neither the client nor
//! the log: they can quote addresses or subjects. Status and code are enough to act on.

use crate::gateway::CallError;
use crate::http::ApiError;
use crate::oauth::tokens::AccessError;
use crate::providers::ProviderError;
use actix_web::http::StatusCode;

fn reconnect() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "REAUTH_REQUIRED",
        "The mailbox must be reconnected before this can be done.",
    )
}

pub fn api_error(error: CallError) -> ApiError {
    match error {
        CallError::Access(AccessError::ReauthRequired | AccessError::NoTokens)
        | CallError::Provider(ProviderError::ReauthRequired | ProviderError::Unauthorized) => {
            reconnect()
        }
        CallError::Access(AccessError::App(cause)) => cause.into(),
        CallError::Access(AccessError::Transient(cause)) => {
            tracing::warn!(cause = %cause, "token refresh failed for now");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "PROVIDER_UNAVAILABLE",
                "The provider did not answer; try again shortly.",
            )
        }
        CallError::Access(other) => ApiError::internal(other),
        CallError::Provider(ProviderError::RateLimited { .. }) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "PROVIDER_THROTTLED",
            "The provider is throttling this mailbox; try again shortly.",
        ),
        CallError::Provider(ProviderError::NotFound) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PROVIDER_NOT_FOUND",
            "The provider no longer has this message.",
        ),
        CallError::Provider(ProviderError::Unsupported(what)) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "NOT_SUPPORTED", what)
        }
        CallError::Provider(ProviderError::Permanent { status, code, .. }) => {
            tracing::warn!(status, code = %code, "the provider refused");
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "PROVIDER_REFUSED",
                format!("The provider refused the operation ({code})."),
            )
        }
        CallError::Provider(
            other @ (ProviderError::Transient(_)
            | ProviderError::OutcomeUnknown(_)
            | ProviderError::CursorExpired),
        ) => {
            tracing::warn!(cause = %other, "the provider failed");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "PROVIDER_UNAVAILABLE",
                "The provider did not answer; try again shortly.",
            )
        }
    }
}
