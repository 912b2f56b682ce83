use crate::http::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

/// What this service reads from a NocoBase token. NocoBase's tokens carry no `sub`,
/// `iss` or `aud`; a sign-in token has `temp: true` and a `jti`, an API key has neither
/// and may name a `roleName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub user_id: i64,
    pub temp: bool,
    pub jti: Option<String>,
    pub role_name: Option<String>,
    pub exp: Option<i64>,
}

#[derive(Deserialize)]
struct RawClaims {
    #[serde(rename = "userId")]
    user_id: Option<Value>,
    temp: Option<bool>,
    jti: Option<String>,
    #[serde(rename = "roleName")]
    role_name: Option<String>,
    exp: Option<i64>,
}

/// The 401 NocoBase gives for a token that does not verify.
pub(super) fn invalid_token() -> ApiError {
    ApiError::unauthorized(
        "INVALID_TOKEN",
        "Your session has expired. Please sign in again.",
    )
}

impl TokenClaims {
    /// Reads claims from a decoded payload and applies NocoBase's shape rules:
    /// `userId` is a number (or a numeric string, as MariaDB gives it), and a sign-in
    /// token (`temp: true`) must carry a `jti`.
    pub(super) fn from_json(payload: Value) -> Result<Self, ApiError> {
        let raw: RawClaims = serde_json::from_value(payload).map_err(|_| invalid_token())?;
        let user_id = match raw.user_id {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(invalid_token)?;
        let temp = raw.temp.unwrap_or(false);
        if temp && raw.jti.as_deref().is_none_or(str::is_empty) {
            return Err(invalid_token());
        }
        Ok(Self {
            user_id,
            temp,
            jti: raw.jti,
            role_name: raw.role_name.filter(|r| !r.is_empty()),
            exp: raw.exp,
        })
    }

    /// Reads the payload of a token without verifying it. Used only when NocoBase itself
    /// verifies the token (no local key configured).
    pub(crate) fn peek(token: &str) -> Result<Self, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid_token())?;
        if header.alg != jsonwebtoken::Algorithm::HS256 {
            return Err(invalid_token());
        }
        let payload = token.split('.').nth(1).ok_or_else(invalid_token)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| invalid_token())?;
        Self::from_json(serde_json::from_slice(&bytes).map_err(|_| invalid_token())?)
    }

    /// True when `exp` has passed at `now` (seconds): NocoBase counts a token as expired
    /// from the second its `exp` names, with no leeway.
    pub fn expired_at(&self, now: i64) -> bool {
        self.exp.is_some_and(|exp| now >= exp)
    }
}
