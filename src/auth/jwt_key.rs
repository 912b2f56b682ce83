use super::TokenClaims;
use super::claims::invalid_token;
use crate::config::{NocobaseSettings, SecretString};
use crate::http::ApiError;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `APP_KEY` values NocoBase refuses to sign with: it generates `jwt_secret.dat` instead.
const NOCOBASE_DEFAULT_APP_KEYS: [&str; 2] = ["your-secret-key", "test-key"];
/// NocoBase's `jwt_secret.dat` is exactly this long; anything else makes NocoBase fail.
const JWT_SECRET_FILE_LEN: usize = 32;
/// How often a missing `jwt_secret.dat` is looked for again (NocoBase writes it on its
/// first start, which may come after ours).
const FILE_RETRY: Duration = Duration::from_secs(5);

/// NocoBase's HS256 signing key, chosen as NocoBase chooses it: the raw bytes of
/// `jwt_secret.dat` when that file exists, else `APP_KEY` as UTF-8.
pub(super) struct JwtKey {
    file: Option<PathBuf>,
    app_key: Option<SecretString>,
    loaded_file: Mutex<FileState>,
}

#[derive(Default)]
struct FileState {
    bytes: Option<Vec<u8>>,
    last_attempt: Option<Instant>,
}

impl JwtKey {
    /// `None` when no key is configured at all.
    pub(super) fn from_settings(settings: &NocobaseSettings) -> Option<Self> {
        let app_key = Some(settings.app_key.clone())
            .filter(|key| !key.is_empty() && !NOCOBASE_DEFAULT_APP_KEYS.contains(&key.expose()));
        if app_key.is_none() && settings.jwt_secret_file.is_none() {
            return None;
        }
        Some(Self {
            file: settings.jwt_secret_file.clone(),
            app_key,
            loaded_file: Mutex::new(FileState::default()),
        })
    }

    fn file_bytes(&self) -> Option<Vec<u8>> {
        let path = self.file.as_ref()?;
        let mut state = self
            .loaded_file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.bytes.is_some() {
            return state.bytes.clone();
        }
        if state
            .last_attempt
            .is_some_and(|at| at.elapsed() < FILE_RETRY)
        {
            return None;
        }
        state.last_attempt = Some(Instant::now());
        match std::fs::read(path) {
            Ok(bytes) if bytes.len() == JWT_SECRET_FILE_LEN => {
                tracing::info!(path = %path.display(), "using NocoBase's jwt_secret.dat");
                state.bytes = Some(bytes);
                state.bytes.clone()
            }
            Ok(bytes) => {
                tracing::error!(
                    path = %path.display(),
                    length = bytes.len(),
                    "jwt_secret.dat is not 32 bytes long; NocoBase would refuse it too"
                );
                None
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => {
                tracing::error!(path = %path.display(), %error, "cannot read jwt_secret.dat");
                None
            }
        }
    }

    fn key_bytes(&self) -> Option<Vec<u8>> {
        self.file_bytes().or_else(|| {
            self.app_key
                .as_ref()
                .map(|key| key.expose().as_bytes().to_vec())
        })
    }

    /// Verifies an HS256 token's signature and shape. Expiry is checked only when
    /// `check_expiry` is set: when NocoBase is asked too, it decides about expired tokens
    /// (it may renew them).
    pub(super) fn verify(&self, token: &str, check_expiry: bool) -> Result<TokenClaims, ApiError> {
        let Some(key) = self.key_bytes() else {
            return Err(ApiError::unavailable(
                "AUTH_NOT_CONFIGURED",
                "NocoBase's signing key is not available to the email service yet.",
            ));
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid_token())?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid_token());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims = HashSet::new();
        let data = jsonwebtoken::decode::<serde_json::Value>(
            token,
            &DecodingKey::from_secret(&key),
            &validation,
        )
        .map_err(|_| invalid_token())?;
        let claims = TokenClaims::from_json(data.claims)?;
        if check_expiry && claims.expired_at(chrono::Utc::now().timestamp()) {
            // This service cannot renew a token; NocoBase's own words for a token that
            // can no longer be used are these.
            return Err(if claims.temp {
                ApiError::unauthorized(
                    "EXPIRED_SESSION",
                    "Your session has expired. Please sign in again.",
                )
            } else {
                invalid_token()
            });
        }
        Ok(claims)
    }
}
