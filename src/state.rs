//! What every handler may use, built once at start and shared through `web::Data`.

use crate::config::Settings;
use crate::crypto::Vault;
use crate::store::Store;

/// The shared parts of the running service.
pub struct AppState {
    pub settings: Settings,
    pub store: Store,
    pub vault: Vault,
    /// For calls to Google and Microsoft: short timeouts, no redirects followed.
    pub http: reqwest::Client,
}

impl AppState {
    /// The OAuth redirect URI the admin registers at both providers.
    pub fn redirect_uri(&self) -> String {
        format!(
            "{}/api/mailOAuth:callback",
            self.settings.server.public_url.trim_end_matches('/')
        )
    }
}
