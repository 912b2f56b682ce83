use super::claims::invalid_token;
use super::jwt_key::JwtKey;
use super::nocobase_check::NocobaseCheck;
use super::{Caller, TokenClaims, UserId};
use crate::config::NocobaseSettings;
use crate::http::ApiError;
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use std::time::Duration;

/// A verified caller and, when NocoBase renewed the token, the new one.
#[derive(Debug)]
pub struct Authenticated {
    pub caller: Caller,
    pub new_token: Option<String>,
}

/// Verifies NocoBase tokens: locally with NocoBase's key, and with NocoBase's
/// `auth:check` when `nocobase.url` is set.
pub struct AuthService {
    key: Option<JwtKey>,
    nocobase: Option<NocobaseCheck>,
    admin_roles: Vec<String>,
}

impl AuthService {
    /// Builds the service from `nocobase.*` settings.
    pub fn new(settings: &NocobaseSettings) -> Result<Self, String> {
        let nocobase = settings
            .url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(|url| NocobaseCheck::new(url, Duration::from_secs(settings.check_cache_secs)))
            .transpose()?;
        let key = JwtKey::from_settings(settings);
        match (&key, &nocobase) {
            (None, None) => tracing::warn!(
                "no NocoBase URL and no NocoBase key configured: every API call will be refused \
                 until nocobase.url or nocobase.app_key / nocobase.jwt_secret_file is set"
            ),
            (None, Some(_)) => tracing::info!("tokens are checked by NocoBase's auth:check only"),
            (Some(_), None) => tracing::info!(
                "tokens are checked locally; sign-outs are not seen (set nocobase.url for that)"
            ),
            (Some(_), Some(_)) => {
                tracing::info!("tokens are checked locally and by NocoBase's auth:check")
            }
        }
        Ok(Self {
            key,
            nocobase,
            admin_roles: settings.admin_roles.clone(),
        })
    }

    /// Authenticates a request from its headers.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
        let token = bearer_token(headers)?;
        let Some(nocobase) = &self.nocobase else {
            let Some(key) = &self.key else {
                return Err(ApiError::unavailable(
                    "AUTH_NOT_CONFIGURED",
                    "The email service is not connected to NocoBase yet (set nocobase.url or nocobase.app_key).",
                ));
            };
            let claims = key.verify(token, true)?;
            // Without NocoBase to ask, only an API key's own role is known.
            let roles = claims.role_name.clone().into_iter().collect();
            return Ok(self.authenticated(claims.user_id, roles, None, None));
        };
        let claims = match &self.key {
            Some(key) => key.verify(token, false)?,
            None => TokenClaims::peek(token)?,
        };
        let checked = nocobase.check(headers, claims.exp).await?;
        let roles = match (&claims.role_name, claims.temp) {
            // An API key acts with its own role only, and only if the user still has it.
            (Some(role), false) => checked
                .roles
                .iter()
                .filter(|r| *r == role)
                .cloned()
                .collect(),
            _ => checked.roles,
        };
        Ok(self.authenticated(checked.user_id, roles, checked.name, checked.new_token))
    }

    fn authenticated(
        &self,
        user_id: i64,
        roles: Vec<String>,
        name: Option<String>,
        new_token: Option<String>,
    ) -> Authenticated {
        let is_admin = roles.iter().any(|role| self.admin_roles.contains(role));
        Authenticated {
            caller: Caller {
                user_id: UserId(user_id),
                roles,
                is_admin,
                name,
            },
            new_token,
        }
    }
}

/// `Authorization: Bearer <token>`; anything else is NocoBase's `EMPTY_TOKEN`.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or("");
    if token.is_empty() {
        return Err(ApiError::unauthorized(
            "EMPTY_TOKEN",
            "Unauthenticated. Please sign in to continue.",
        ));
    }
    if token.split('.').count() != 3 {
        return Err(invalid_token());
    }
    Ok(token)
}
