//! The access token for a call: take the account's, make the call, and when the provider
//! answers 401 refresh the token once and call again.

use crate::oauth::tokens::{self, AccessError};
use crate::providers::{ProviderError, ProviderKind};
use crate::state::AppState;
use std::future::Future;

/// Why a call for an account did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Access(#[from] AccessError),
}

/// Runs `call` with the account's access token; on 401, refreshes (unless someone
/// already did) and runs it once more. A second 401 is reported as it is.
pub(super) async fn with_access<T, F, Fut>(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
    call: F,
) -> Result<T, CallError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let token = tokens::access_token(state, account_id, kind).await?;
    let revision = tokens::revision(state, account_id).await?;
    match call(token).await {
        Err(ProviderError::Unauthorized) => {
            tracing::info!(
                account = account_id,
                "the provider refused the access token; refreshing"
            );
            let fresh = tokens::after_unauthorized(state, account_id, kind, revision).await?;
            Ok(call(fresh).await?)
        }
        other => Ok(other?),
    }
}
