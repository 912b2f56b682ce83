//! The conversations with Google's and Microsoft's authorization servers (through the
//! `oauth2` crate): the authorize URL with PKCE, code exchange, refresh, revocation.

use super::ProviderApp;
use crate::config::ProviderEndpoints;
use crate::providers::ProviderKind;
use oauth2::basic::BasicErrorResponseType;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use std::time::Duration;

/// Tokens from the token endpoint.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Duration,
    /// Granted scopes as the provider echoed them (empty when it did not).
    pub scopes: Vec<String>,
    /// The OpenID Connect id token (with the `openid` scope): who the grant belongs to.
    pub id_token: Option<String>,
}

/// The id token, which both providers add to a token answer for the `openid` scope.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for IdTokenField {}

type TokenAnswer = oauth2::StandardTokenResponse<IdTokenField, oauth2::basic::BasicTokenType>;

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// How a token request failed, classified once here.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The grant is gone (revoked, expired, password changed): the user must reconnect.
    #[error("the provider refused the grant ({0})")]
    ReauthRequired(String),
    /// The provider does not accept the app's client ID or secret.
    #[error("the provider refused the client ({0})")]
    ClientRejected(String),
    /// Worth retrying: network trouble, 5xx, an answer that did not parse.
    #[error("the token endpoint failed: {0}")]
    Transient(String),
}

/// The token endpoint (none for IMAP, which has no OAuth app).
pub(crate) fn token_url(
    kind: ProviderKind,
    endpoints: &ProviderEndpoints,
    tenant: &str,
) -> Option<String> {
    match kind {
        ProviderKind::Google => Some(endpoints.google.token_url.clone()),
        ProviderKind::Microsoft => Some(format!(
            "{}/{tenant}/oauth2/v2.0/token",
            endpoints.microsoft.login_base_url.trim_end_matches('/')
        )),
        ProviderKind::Imap => None,
    }
}

fn auth_url(kind: ProviderKind, endpoints: &ProviderEndpoints, tenant: &str) -> Option<String> {
    match kind {
        ProviderKind::Google => Some(endpoints.google.auth_url.clone()),
        ProviderKind::Microsoft => Some(format!(
            "{}/{tenant}/oauth2/v2.0/authorize",
            endpoints
                .microsoft
                .authorize_base_url
                .as_deref()
                .unwrap_or(&endpoints.microsoft.login_base_url)
                .trim_end_matches('/')
        )),
        ProviderKind::Imap => None,
    }
}

type Client = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    TokenAnswer,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(
    app: &ProviderApp,
    endpoints: &ProviderEndpoints,
    redirect_uri: &str,
) -> Result<Client, TokenError> {
    let invalid =
        |e: oauth2::url::ParseError| TokenError::Transient(format!("bad endpoint URL: {e}"));
    let (Some(auth), Some(token)) = (
        auth_url(app.kind, endpoints, &app.tenant),
        token_url(app.kind, endpoints, &app.tenant),
    ) else {
        return Err(TokenError::Transient(format!(
            "{} has no OAuth endpoints",
            app.kind.title()
        )));
    };
    Ok(oauth2::Client::new(ClientId::new(app.client_id.clone()))
        .set_client_secret(ClientSecret::new(app.client_secret.clone()))
        .set_auth_uri(AuthUrl::new(auth).map_err(invalid)?)
        .set_token_uri(TokenUrl::new(token).map_err(invalid)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(invalid)?)
        // Both providers take the secret as a form field; Microsoft's docs lead with it.
        .set_auth_type(AuthType::RequestBody))
}

/// A PKCE pair: the challenge for the URL, the verifier kept server side.
pub fn pkce() -> (PkceCodeChallenge, PkceCodeVerifier) {
    PkceCodeChallenge::new_random_sha256()
}

/// The provider's authorize URL for `state`, with PKCE S256, offline access and consent.
pub fn authorize_url(
    app: &ProviderApp,
    endpoints: &ProviderEndpoints,
    redirect_uri: &str,
    state: &str,
    challenge: PkceCodeChallenge,
    login_hint: Option<&str>,
) -> Result<String, TokenError> {
    let client = client(app, endpoints, redirect_uri)?;
    let state = state.to_string();
    let mut request = client
        .authorize_url(move || CsrfToken::new(state))
        .add_scopes(
            app.kind
                .scopes()
                .iter()
                .map(|s| Scope::new((*s).to_string())),
        )
        .set_pkce_challenge(challenge);
    request = match app.kind {
        // A refresh token comes only with offline access, and again only with consent.
        ProviderKind::Google => request
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent"),
        ProviderKind::Microsoft => request.add_extra_param("prompt", "select_account"),
        ProviderKind::Imap => request,
    };
    if let Some(hint) = login_hint {
        request = request.add_extra_param("login_hint", hint.to_string());
    }
    Ok(request.url().0.to_string())
}

fn classify<RE: std::error::Error + 'static>(
    error: RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
) -> TokenError {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let code = crate::telemetry::loggable_word(response.error().as_ref()).to_string();
            match response.error() {
                BasicErrorResponseType::InvalidGrant => TokenError::ReauthRequired(code),
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => TokenError::ClientRejected(code),
                _ => TokenError::Transient(code),
            }
        }
        RequestTokenError::Request(error) => {
            TokenError::Transient(format!("request failed: {error}"))
        }
        RequestTokenError::Parse(_, _) => TokenError::Transient("the answer did not parse".into()),
        RequestTokenError::Other(other) => TokenError::Transient(other),
    }
}

fn token_set(response: &TokenAnswer) -> TokenSet {
    TokenSet {
        access_token: response.access_token().secret().clone(),
        refresh_token: response.refresh_token().map(|t| t.secret().clone()),
        expires_in: response.expires_in().unwrap_or(Duration::from_secs(3600)),
        scopes: response
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        id_token: response.extra_fields().id_token.clone(),
    }
}

/// Redeems an authorization code with its PKCE verifier.
pub async fn exchange_code(
    http: &reqwest::Client,
    app: &ProviderApp,
    endpoints: &ProviderEndpoints,
    redirect_uri: &str,
    code: &str,
    verifier: String,
) -> Result<TokenSet, TokenError> {
    let client = client(app, endpoints, redirect_uri)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(http)
        .await
        .map_err(classify)?;
    Ok(token_set(&response))
}

/// Uses a refresh token. Microsoft answers with a new refresh token every time.
pub async fn refresh(
    http: &reqwest::Client,
    app: &ProviderApp,
    endpoints: &ProviderEndpoints,
    redirect_uri: &str,
    refresh_token: &str,
) -> Result<TokenSet, TokenError> {
    let client = client(app, endpoints, redirect_uri)?;
    let refresh_token = RefreshToken::new(refresh_token.to_string());
    let response = client
        .exchange_refresh_token(&refresh_token)
        .request_async(http)
        .await
        .map_err(classify)?;
    Ok(token_set(&response))
}

/// Revokes a grant at the provider, best effort: Google has a revoke endpoint, Microsoft
/// none (forgetting the tokens is all there is).
pub async fn revoke(
    http: &reqwest::Client,
    kind: ProviderKind,
    endpoints: &ProviderEndpoints,
    token: &str,
) {
    if kind != ProviderKind::Google {
        return;
    }
    match http
        .post(&endpoints.google.revoke_url)
        .form(&[("token", token)])
        .send()
        .await
    {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => tracing::warn!(
            status = response.status().as_u16(),
            "Google did not revoke the grant"
        ),
        Err(error) => {
            tracing::warn!(error = %error.without_url(), "Google's revoke endpoint did not answer")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_authorize_url_may_have_its_own_base_and_the_token_url_never_does() {
        let mut endpoints = ProviderEndpoints::default();
        endpoints.microsoft.login_base_url = "http://emulator:9900/microsoft/".into();
        assert_eq!(
            auth_url(ProviderKind::Microsoft, &endpoints, "common"),
            Some("http://emulator:9900/microsoft/common/oauth2/v2.0/authorize".into())
        );
        endpoints.microsoft.authorize_base_url = Some("http://localhost:9900/microsoft".into());
        assert_eq!(
            auth_url(ProviderKind::Microsoft, &endpoints, "common"),
            Some("http://localhost:9900/microsoft/common/oauth2/v2.0/authorize".into())
        );
        assert_eq!(
            token_url(ProviderKind::Microsoft, &endpoints, "common"),
            Some("http://emulator:9900/microsoft/common/oauth2/v2.0/token".into())
        );
        assert_eq!(token_url(ProviderKind::Imap, &endpoints, "common"), None);
    }
}
