//! Connecting a mailbox: what follows the provider's redirect back to the callback once
//! it is known to come from the browser that started the connect — the provider's answer,
//! the code exchange, the grant's scopes, whose mailbox it is (and whether its tenant is
//! allowed), the account and its sealed tokens, push, and the first sync. The handler
//! (`api/mail_accounts/callback.rs`) checks the state and the browser, calls [`finish`],
//! and redirects with its outcome.

mod grant;

use crate::crypto::RowIdentity;
use crate::gateway::{Mailbox, Urgency};
use crate::oauth::flow::{self, TokenError};
use crate::oauth::{identity, load_app, tokens};
use crate::providers::{ProviderKind, operation};
use crate::state::AppState;
use crate::store::account_tokens;
use crate::store::mail_accounts::{self, Connected, NewMailbox};
use crate::store::oauth_states::StateRow;
use grant::{granted_enough, tenant_allowed};

/// What the provider's redirect carried.
pub struct Answer {
    /// The provider's `error` (the user declined, or the provider failed).
    pub error: Option<String>,
    /// The authorization `code`.
    pub code: Option<String>,
}

/// How a connect ended.
pub enum Outcome {
    Connected(i64),
    Failed(Failure),
}

/// Why a connect failed; its code is what the browser is sent back with (API.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    AccessDenied,
    ProviderError,
    InvalidRequest,
    ServerError,
    ProviderNotConfigured,
    ExchangeFailed,
    InsufficientScope,
    NoRefreshToken,
    IdentityFailed,
    TenantNotAllowed,
    AccountOwnedByOtherUser,
}

impl Failure {
    pub fn code(self) -> &'static str {
        match self {
            Failure::AccessDenied => "ACCESS_DENIED",
            Failure::ProviderError => "PROVIDER_ERROR",
            Failure::InvalidRequest => "INVALID_REQUEST",
            Failure::ServerError => "SERVER_ERROR",
            Failure::ProviderNotConfigured => "PROVIDER_NOT_CONFIGURED",
            Failure::ExchangeFailed => "EXCHANGE_FAILED",
            Failure::InsufficientScope => "INSUFFICIENT_SCOPE",
            Failure::NoRefreshToken => "NO_REFRESH_TOKEN",
            Failure::IdentityFailed => "IDENTITY_FAILED",
            Failure::TenantNotAllowed => "TENANT_NOT_ALLOWED",
            Failure::AccountOwnedByOtherUser => "ACCOUNT_OWNED_BY_OTHER_USER",
        }
    }
}

/// A callback from the right browser, after its state was taken: the provider's answer, the code
/// exchange, whose mailbox it is, the account and its tokens, the first sync.
pub async fn finish(
    state: &AppState,
    kind: ProviderKind,
    pending: StateRow,
    hash: &str,
    answer: Answer,
) -> Outcome {
    if let Some(error) = answer.error {
        tracing::info!(provider = %kind, user = pending.user_id, error = %crate::telemetry::loggable_word(&error), "the user or provider declined the authorization");
        return Outcome::Failed(if error == "access_denied" {
            Failure::AccessDenied
        } else {
            Failure::ProviderError
        });
    }
    let Some(code) = answer.code.filter(|c| !c.is_empty()) else {
        return Outcome::Failed(Failure::InvalidRequest);
    };
    let verifier = match pkce_verifier(state, &pending, hash) {
        Ok(verifier) => verifier,
        Err(error) => {
            tracing::error!(%error, "PKCE verifier does not open");
            return Outcome::Failed(Failure::ServerError);
        }
    };
    let app = match load_app(state, kind).await {
        Ok(app) => app,
        Err(error) => {
            tracing::warn!(provider = %kind, %error, "callback for a provider that cannot be used");
            return Outcome::Failed(Failure::ProviderNotConfigured);
        }
    };
    let endpoints = &state.settings.providers;
    let redirect_uri = state.redirect_uri();
    let tokens_set =
        match flow::exchange_code(&state.http, &app, endpoints, &redirect_uri, &code, verifier)
            .await
        {
            Ok(tokens) => tokens,
            Err(error) => {
                let reason = match &error {
                    TokenError::ReauthRequired(code)
                    | TokenError::ClientRejected(code)
                    | TokenError::Transient(code) => code.clone(),
                };
                tracing::warn!(provider = %kind, %reason, "code exchange failed");
                return Outcome::Failed(Failure::ExchangeFailed);
            }
        };
    let forget = || flow::revoke(&state.http, kind, endpoints, &tokens_set.access_token);
    if !granted_enough(kind, &tokens_set.scopes) {
        tracing::info!(provider = %kind, "the grant lacks the mail scope");
        forget().await;
        return Outcome::Failed(Failure::InsufficientScope);
    }
    if tokens_set.refresh_token.is_none() {
        tracing::warn!(provider = %kind, "no refresh token in the grant");
        return Outcome::Failed(Failure::NoRefreshToken);
    }
    let mailbox = match identity::fetch(
        &state.http,
        kind,
        endpoints,
        &tokens_set.access_token,
        tokens_set.id_token.as_deref(),
        &app.client_id,
    )
    .await
    {
        Ok(mailbox) => mailbox,
        Err(reason) => {
            tracing::warn!(provider = %kind, %reason, "could not tell whose mailbox this is");
            forget().await;
            return Outcome::Failed(Failure::IdentityFailed);
        }
    };
    if !tenant_allowed(&app, mailbox.tenant_id.as_deref()) {
        tracing::warn!(provider = %kind, user = pending.user_id, "a mailbox from a tenant the admin did not allow");
        forget().await;
        return Outcome::Failed(Failure::TenantNotAllowed);
    }
    let user_id = pending.user_id;
    let now = chrono::Utc::now().naive_utc();
    let connected = state
        .store
        .run(move |c| {
            let new = NewMailbox {
                provider: kind.as_str(),
                provider_user_id: &mailbox.provider_user_id,
                email: &mailbox.email,
                display_name: mailbox.name.as_deref(),
                address_verified: kind == ProviderKind::Google,
            };
            mail_accounts::connect(c, user_id, &new, now)
        })
        .await;
    let account = match connected {
        Ok(Connected::Created(account)) | Ok(Connected::Reconnected(account)) => account,
        Ok(Connected::OwnedByOtherUser) => {
            tracing::warn!(provider = %kind, user = user_id, "mailbox already connected by another user");
            return Outcome::Failed(Failure::AccountOwnedByOtherUser);
        }
        Err(error) => {
            tracing::error!(%error, "storing the account failed");
            return Outcome::Failed(Failure::ServerError);
        }
    };
    let sealed = tokens::seal(state, account.id, &tokens_set);
    let account_id = account.id;
    if let Err(error) = state
        .store
        .run(move |c| account_tokens::put(c, account_id, &sealed, now))
        .await
    {
        tracing::error!(%error, account = account_id, "storing the tokens failed");
        return Outcome::Failed(Failure::ServerError);
    }
    // Graph counts the `/me` that found the mailbox against its 10,000 requests per 10
    // minutes; the first sync, about to spend the window, must count it too.
    if kind == ProviderKind::Microsoft {
        let mailbox = Mailbox::new(state, account_id, kind, Urgency::Now);
        mailbox.counted(operation::graph::ME).await;
    }
    tracing::info!(provider = %kind, user = user_id, account = account_id, "mailbox connected");
    crate::push::on_connect(state, account_id, kind).await;
    // The first sync starts now, not at the scheduler's next look.
    crate::sync::start_soon(state).await;
    Outcome::Connected(account_id)
}

/// The PKCE verifier kept (sealed) with a state.
fn pkce_verifier(
    state: &AppState,
    pending: &StateRow,
    hash: &str,
) -> Result<String, crate::crypto::CryptoError> {
    state.vault.open_string(
        &pending.pkce_verifier_sealed,
        RowIdentity {
            table: "oauth_states",
            row: hash,
            column: "pkce_verifier",
        },
    )
}

/// A Google consent given in another browser than the one that asked: its code is
/// redeemed only to revoke the grant at once, so nothing it allowed lives on. (Microsoft
/// has no revocation endpoint: its code is never redeemed and no token exists.)
pub async fn undo_google_grant(state: &AppState, pending: &StateRow, hash: &str, code: &str) {
    let Ok(verifier) = pkce_verifier(state, pending, hash) else {
        return;
    };
    let Ok(app) = load_app(state, ProviderKind::Google).await else {
        return;
    };
    let endpoints = &state.settings.providers;
    match flow::exchange_code(
        &state.http,
        &app,
        endpoints,
        &state.redirect_uri(),
        code,
        verifier,
    )
    .await
    {
        Ok(tokens) => {
            flow::revoke(
                &state.http,
                ProviderKind::Google,
                endpoints,
                &tokens.access_token,
            )
            .await;
            tracing::info!("the grant given in another browser was revoked at Google");
        }
        Err(error) => {
            tracing::warn!(%error, "the grant given in another browser could not be redeemed to revoke it")
        }
    }
}
