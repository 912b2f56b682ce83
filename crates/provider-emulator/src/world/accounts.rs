//! OAuth state: registered clients, authorization codes, access and refresh tokens.

use super::{Provider, World, now_ms};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// An OAuth app registered at a provider.
#[derive(Debug, Clone)]
pub struct Client {
    pub provider: Provider,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
}

/// What a user agreed to on the consent page.
#[derive(Debug, Clone)]
pub struct Grant {
    pub provider: Provider,
    pub client_id: String,
    pub email: String,
    pub scopes: Vec<String>,
}

/// A single-use authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: Option<(String, String)>,
    pub offline: bool,
    pub tenant: Option<String>,
    pub expires_ms: i64,
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// An issued token. Revoked and rotated tokens stay known, so they can be refused with
/// the right answer.
#[derive(Debug, Clone)]
pub struct Token {
    pub kind: TokenKind,
    pub grant: Grant,
    pub expires_ms: Option<i64>,
    pub revoked: bool,
    /// For a Microsoft refresh token: replaced by a newer one.
    pub rotated: bool,
    /// The refresh token an access token was minted from.
    pub parent: Option<String>,
}

/// Why a token did not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Revoked,
    Rotated,
    WrongClient,
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Checks a PKCE verifier against the challenge sent to the authorize endpoint.
pub fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        _ => verifier == challenge,
    }
}

impl World {
    /// Registers or replaces an OAuth client.
    pub fn add_client(&mut self, client: Client) {
        self.clients
            .insert((client.provider, client.client_id.clone()), client);
    }

    pub fn client(&self, provider: Provider, client_id: &str) -> Option<&Client> {
        self.clients.get(&(provider, client_id.to_string()))
    }

    /// Issues a code after consent (valid ten minutes).
    pub fn issue_code(&mut self, code: AuthCode) -> String {
        let value = match code.grant.provider {
            Provider::Google => random_token("4/0A"),
            Provider::Microsoft => random_token("0.AX"),
        };
        self.codes.insert(value.clone(), code);
        value
    }

    /// Mints an access token (and, when `with_refresh`, a refresh token) for a grant.
    pub fn mint(
        &mut self,
        grant: &Grant,
        parent: Option<String>,
        with_refresh: bool,
    ) -> (String, Option<String>) {
        let refresh = with_refresh.then(|| {
            let value = match grant.provider {
                Provider::Google => random_token("1//0g"),
                Provider::Microsoft => random_token("0.AXrt"),
            };
            self.tokens.insert(
                value.clone(),
                Token {
                    kind: TokenKind::Refresh,
                    grant: grant.clone(),
                    expires_ms: None,
                    revoked: false,
                    rotated: false,
                    parent: None,
                },
            );
            value
        });
        let access = match grant.provider {
            Provider::Google => random_token("ya29.a0"),
            Provider::Microsoft => random_token("EwB"),
        };
        self.tokens.insert(
            access.clone(),
            Token {
                kind: TokenKind::Access,
                grant: grant.clone(),
                expires_ms: Some(now_ms() + self.settings.access_token_ttl_secs * 1000),
                revoked: false,
                rotated: false,
                parent: refresh.clone().or(parent),
            },
        );
        (access, refresh)
    }

    /// The grant behind a usable access token.
    pub fn access(&self, provider: Provider, token: &str) -> Result<&Grant, TokenProblem> {
        let found = self.tokens.get(token).ok_or(TokenProblem::Unknown)?;
        if found.kind != TokenKind::Access || found.grant.provider != provider {
            return Err(TokenProblem::Unknown);
        }
        if found.revoked {
            return Err(TokenProblem::Revoked);
        }
        if found.expires_ms.is_some_and(|at| at <= now_ms()) {
            return Err(TokenProblem::Expired);
        }
        Ok(&found.grant)
    }

    /// A refresh token's grant, checked for the client presenting it.
    pub fn refresh_grant(
        &self,
        provider: Provider,
        token: &str,
        client_id: &str,
    ) -> Result<Grant, TokenProblem> {
        let found = self.tokens.get(token).ok_or(TokenProblem::Unknown)?;
        if found.kind != TokenKind::Refresh || found.grant.provider != provider {
            return Err(TokenProblem::Unknown);
        }
        if found.grant.client_id != client_id {
            return Err(TokenProblem::WrongClient);
        }
        if found.revoked {
            return Err(TokenProblem::Revoked);
        }
        if found.rotated {
            return Err(TokenProblem::Rotated);
        }
        Ok(found.grant.clone())
    }

    /// Retires a refresh token that was rotated away.
    pub fn retire_refresh(&mut self, token: &str) {
        if let Some(found) = self.tokens.get_mut(token) {
            found.rotated = true;
        }
    }

    /// Revokes a token as Google's revoke endpoint does: an access token takes its
    /// refresh token with it, a refresh token every access token minted from it.
    pub fn revoke_token(&mut self, token: &str) -> bool {
        let Some(found) = self.tokens.get(token).cloned() else {
            return false;
        };
        let family = match found.kind {
            TokenKind::Refresh => Some(token.to_string()),
            TokenKind::Access => found.parent.clone(),
        };
        for (value, other) in self.tokens.iter_mut() {
            if value == token
                || family
                    .as_deref()
                    .is_some_and(|f| value == f || other.parent.as_deref() == Some(f))
            {
                other.revoked = true;
            }
        }
        true
    }

    /// Every token of a user stops working (password change, "remove access").
    pub fn revoke_user(&mut self, provider: Provider, email: &str) -> usize {
        let email = email.to_lowercase();
        let mut count = 0;
        for token in self.tokens.values_mut() {
            if token.grant.provider == provider && token.grant.email == email && !token.revoked {
                token.revoked = true;
                count += 1;
            }
        }
        count
    }
}
