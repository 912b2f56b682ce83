//! The OAuth app an admin registered (`mailProviders`), ready to talk to its provider.

use crate::http::ApiError;
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::mail_providers::{self, secret_identity};

/// A configured, enabled provider app with its secret opened.
#[derive(Clone)]
pub struct ProviderApp {
    pub kind: ProviderKind,
    pub client_id: String,
    pub client_secret: String,
    /// Microsoft's tenant (`common` by default); unused for Google.
    pub tenant: String,
    /// Microsoft: home tenants whose mailboxes may connect (empty: any).
    pub allowed_tenants: Vec<String>,
    /// NocoBase roles whose users may connect mailboxes (empty: any signed-in user).
    pub connect_roles: Vec<String>,
}

impl std::fmt::Debug for ProviderApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderApp")
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// Why a provider app cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the {0} provider is not configured or not enabled")]
    NotConfigured(ProviderKind),
    /// IMAP mailboxes sign in with a password on their own servers: there is no app.
    #[error("the {0} provider does not sign in by OAuth")]
    NotOAuth(ProviderKind),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the stored client secret does not open: {0}")]
    Secret(crate::crypto::CryptoError),
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotConfigured(kind) => ApiError::bad_request(
                "PROVIDER_NOT_CONFIGURED",
                format!(
                    "{} is not set up yet: an administrator must enter its Client ID and Secret and enable it.",
                    kind.title()
                ),
            ),
            AppError::NotOAuth(kind) => ApiError::bad_request(
                "PROVIDER_NOT_OAUTH",
                format!(
                    "{} mailboxes connect with their server and password (mailAccounts:connect), not by signing in.",
                    kind.title()
                ),
            ),
            AppError::Store(error) => error.into(),
            AppError::Secret(error) => ApiError::internal(error),
        }
    }
}

/// Loads the enabled app of `kind`.
pub async fn load(state: &AppState, kind: ProviderKind) -> Result<ProviderApp, AppError> {
    if !kind.is_oauth() {
        return Err(AppError::NotOAuth(kind));
    }
    let row = state
        .store
        .run(move |c| mail_providers::get(c, kind))
        .await?
        .filter(|row| row.enabled && !row.client_id.is_empty())
        .ok_or(AppError::NotConfigured(kind))?;
    let allowed_tenants = row.allowed_tenants();
    let connect_roles = row.connect_roles();
    let sealed = row
        .client_secret_sealed
        .ok_or(AppError::NotConfigured(kind))?;
    let client_secret = state
        .vault
        .open_string(&sealed, secret_identity(kind))
        .map_err(AppError::Secret)?;
    Ok(ProviderApp {
        kind,
        allowed_tenants,
        connect_roles,
        client_id: row.client_id,
        client_secret,
        tenant: row.tenant.unwrap_or_else(|| "common".into()),
    })
}
