//! Checks the OIDC token Cloud Pub/Sub puts on a push request: signed (RS256) by one of
//! Google's published keys (`providers.google.jwks_url`), issued by Google, for the
//! audience the admin configured, not expired. The keys are cached for an hour and
//! fetched again when a token names a key not seen yet (Google rotates them).

use crate::state::AppState;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];
/// Keys are used this long before being fetched again.
const KEYS_FRESH: Duration = Duration::from_secs(3600);
/// An unknown key id fetches the keys at most this often.
const REFETCH_AT_MOST_EVERY: Duration = Duration::from_secs(30);

/// The last keys fetched, and when.
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<Option<(Instant, JwkSet)>>,
}

/// What a valid push token says about its sender.
#[derive(Debug, serde::Deserialize)]
pub struct PushClaims {
    /// The service account the push subscription authenticates as.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: Option<bool>,
}

/// Why a push token was refused (for the log; the sender only learns "refused").
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("no bearer token")]
    Missing,
    #[error("the token is not a well-formed RS256 JWT with a key id")]
    Malformed,
    #[error("Google's keys could not be fetched")]
    KeysUnavailable,
    #[error("the token names a key Google does not publish")]
    UnknownKey,
    #[error("the token failed validation: {0}")]
    Invalid(String),
    #[error("no push service account is configured (mailProviders google pushServiceAccount)")]
    NoServiceAccount,
    #[error("the token names another service account, or an unverified one")]
    WrongSender,
}

impl KeyCache {
    fn cached(&self, kid: &str, max_age: Duration) -> Option<DecodingKey> {
        let guard = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (at, set) = guard.as_ref()?;
        if at.elapsed() > max_age {
            return None;
        }
        set.find(kid)
            .and_then(|jwk| DecodingKey::from_jwk(jwk).ok())
    }

    fn fetched_recently(&self) -> bool {
        let guard = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < REFETCH_AT_MOST_EVERY)
    }

    async fn key(&self, state: &AppState, kid: &str) -> Result<DecodingKey, Refused> {
        if let Some(key) = self.cached(kid, KEYS_FRESH) {
            return Ok(key);
        }
        if !self.fetched_recently() {
            let set: JwkSet = state
                .http
                .get(&state.settings.providers.google.jwks_url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|_| Refused::KeysUnavailable)?
                .json()
                .await
                .map_err(|_| Refused::KeysUnavailable)?;
            *self
                .keys
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), set));
        }
        self.cached(kid, KEYS_FRESH).ok_or(Refused::UnknownKey)
    }
}

/// Verifies `token` for `audience`.
pub async fn verify(
    state: &AppState,
    token: Option<&str>,
    audience: &str,
) -> Result<PushClaims, Refused> {
    let token = token.ok_or(Refused::Missing)?;
    let header = jsonwebtoken::decode_header(token).map_err(|_| Refused::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(Refused::Malformed);
    }
    let kid = header.kid.ok_or(Refused::Malformed)?;
    let key = state.push_keys.key(state, &kid).await?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&ISSUERS);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.leeway = 30;
    jsonwebtoken::decode::<PushClaims>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| Refused::Invalid(kind_description(&e)))
}

/// The failure's kind only (the error's text may quote the token).
fn kind_description(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match error.kind() {
        K::ExpiredSignature => "expired",
        K::InvalidAudience => "wrong audience",
        K::InvalidIssuer => "wrong issuer",
        K::InvalidSignature => "bad signature",
        K::ImmatureSignature => "not valid yet",
        K::MissingRequiredClaim(_) => "missing claim",
        _ => "invalid",
    }
    .into()
}
