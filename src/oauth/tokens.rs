//! Access tokens for a connected mailbox: sealed at rest, refreshed shortly before they
//! expire (or when a provider says 401), one refresh at a time per account — in this
//! process by a lock, across replicas by a lease row in the database — with Microsoft's
//! rotated refresh token stored in the same write. A refused grant marks the account
//! `needs_reauth`; a transient failure is retried and never marks it broken.

use super::flow::{self, TokenError, TokenSet};
use super::{AppError, load_app};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::account_tokens::{self, SealedTokens, TokenRow, identity};
use crate::store::{StoreError, mail_accounts};
use chrono::{Duration as Span, NaiveDateTime, Utc};
use std::time::Duration;

/// Refresh when less than this is left of an access token's life (or less than half of
/// its life, for tokens that live under two minutes).
const REFRESH_MARGIN_SECS: i64 = 60;
/// How long one refresh may hold the account's lease.
const LEASE_SECS: i64 = 30;
/// How long a caller waits for another replica's refresh before giving up for now.
const WAIT_FOR_OTHERS: Duration = Duration::from_secs(15);
/// Attempts at the token endpoint for a transient failure.
const ATTEMPTS: u32 = 3;

/// Why no access token could be had.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("the account has no tokens")]
    NoTokens,
    #[error("the user must reconnect the mailbox")]
    ReauthRequired,
    #[error("the provider app cannot be used: {0}")]
    App(#[from] AppError),
    #[error("token refresh failed for now: {0}")]
    Transient(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored token does not open: {0}")]
    Sealed(crate::crypto::CryptoError),
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Seals a token set for `account_id`'s row.
pub fn seal(state: &AppState, account_id: i64, tokens: &TokenSet) -> SealedTokens {
    let row = account_id.to_string();
    SealedTokens {
        access_token_sealed: state.vault.seal(
            tokens.access_token.as_bytes(),
            identity(&row, "access_token"),
        ),
        access_expires_at: now()
            + Span::seconds(tokens.expires_in.as_secs().min(86_400 * 365) as i64),
        refresh_token_sealed: tokens.refresh_token.as_ref().map(|t| {
            state
                .vault
                .seal(t.as_bytes(), identity(&row, "refresh_token"))
        }),
        scopes: tokens.scopes.join(" "),
    }
}

fn open(
    state: &AppState,
    row: &TokenRow,
    column: &'static str,
    sealed: &str,
) -> Result<String, AccessError> {
    state
        .vault
        .open_string(sealed, identity(&row.account_id.to_string(), column))
        .map_err(AccessError::Sealed)
}

fn fresh(row: &TokenRow) -> bool {
    let lifetime = (row.access_expires_at - row.updated_at)
        .num_seconds()
        .max(0);
    let margin = REFRESH_MARGIN_SECS.min(lifetime / 2);
    row.access_expires_at > now() + Span::seconds(margin)
}

fn usable(row: &TokenRow) -> bool {
    row.access_expires_at > now() + Span::seconds(5)
}

async fn load(state: &AppState, account_id: i64) -> Result<TokenRow, AccessError> {
    state
        .store
        .run(move |c| account_tokens::get(c, account_id))
        .await?
        .ok_or(AccessError::NoTokens)
}

/// A usable access token for the account, refreshed first if it is about to expire.
pub async fn access_token(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
) -> Result<String, AccessError> {
    let first = load(state, account_id).await?;
    if fresh(&first) {
        return open(state, &first, "access_token", &first.access_token_sealed);
    }
    refresh_after(state, account_id, kind, first.revision).await
}

/// Refreshes because the provider said 401 to the token of `seen_revision`: unless
/// someone refreshed since, a new one is fetched even if the old one looks unexpired.
pub async fn after_unauthorized(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
    seen_revision: i64,
) -> Result<String, AccessError> {
    refresh_after(state, account_id, kind, seen_revision).await
}

/// The token's current revision (for [`after_unauthorized`]).
pub async fn revision(state: &AppState, account_id: i64) -> Result<i64, AccessError> {
    Ok(load(state, account_id).await?.revision)
}

async fn refresh_after(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
    seen_revision: i64,
) -> Result<String, AccessError> {
    let lock = state.refresh_lock(account_id);
    let _in_process = lock.lock().await;
    let owner = state.instance_id.clone();
    let started = std::time::Instant::now();
    loop {
        let row = load(state, account_id).await?;
        // Someone (here or in another replica) refreshed while this caller waited.
        if row.revision != seen_revision && usable(&row) {
            return open(state, &row, "access_token", &row.access_token_sealed);
        }
        let (lease_owner, until, at) = (owner.clone(), now() + Span::seconds(LEASE_SECS), now());
        if state
            .store
            .run(move |c| account_tokens::try_lease(c, account_id, &lease_owner, until, at))
            .await?
        {
            let refreshed = refresh_holding_lease(state, account_id, kind, row).await;
            let outcome = match &refreshed {
                Ok(_) => "ok",
                Err(AccessError::ReauthRequired) => "reauth",
                Err(_) => "failed",
            };
            crate::metrics::token_refresh(kind.as_str(), outcome);
            return refreshed;
        }
        if started.elapsed() > WAIT_FOR_OTHERS {
            return Err(AccessError::Transient(
                "another replica is refreshing this account's token".into(),
            ));
        }
        // Another replica holds the lease: its write will show as a new revision.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn refresh_holding_lease(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
    row: TokenRow,
) -> Result<String, AccessError> {
    let owner = state.instance_id.clone();
    let release = |state: &AppState| {
        let owner = owner.clone();
        let store = state.store.clone();
        async move {
            if let Err(error) = store
                .run(move |c| account_tokens::release_lease(c, account_id, &owner))
                .await
            {
                tracing::warn!(account = account_id, %error, "could not release the refresh lease");
            }
        }
    };
    let Some(sealed_refresh) = row.refresh_token_sealed.clone() else {
        release(state).await;
        mark_reauth(
            state,
            account_id,
            "There is no saved sign-in to renew. Reconnect the mailbox.",
        )
        .await?;
        return Err(AccessError::ReauthRequired);
    };
    let refresh_token = open(state, &row, "refresh_token", &sealed_refresh)?;
    let app = match load_app(state, kind).await {
        Ok(app) => app,
        Err(error) => {
            release(state).await;
            return Err(error.into());
        }
    };
    let redirect_uri = state.redirect_uri();
    let mut attempt = 0;
    let outcome = loop {
        attempt += 1;
        match flow::refresh(
            &state.http,
            &app,
            &state.settings.providers,
            &redirect_uri,
            &refresh_token,
        )
        .await
        {
            Err(TokenError::Transient(reason)) if attempt < ATTEMPTS => {
                tracing::info!(account = account_id, attempt, %reason, "token refresh failed; retrying");
                let backoff = 200 * 2u64.pow(attempt - 1) + rand::random::<u64>() % 100;
                tokio::time::sleep(Duration::from_millis(backoff)).await;
            }
            other => break other,
        }
    };
    match outcome {
        Ok(tokens) => {
            let mut sealed = seal(state, account_id, &tokens);
            if sealed.scopes.is_empty() {
                sealed.scopes = row.scopes.clone();
            }
            let (owner, at) = (owner.clone(), now());
            let stored = state
                .store
                .run(move |c| account_tokens::store_refreshed(c, account_id, &owner, &sealed, at))
                .await?;
            if !stored {
                // The lease expired and another refresher took over: its token wins.
                tracing::warn!(
                    account = account_id,
                    "refresh lease was lost; using the newer token"
                );
                let current = load(state, account_id).await?;
                return open(
                    state,
                    &current,
                    "access_token",
                    &current.access_token_sealed,
                );
            }
            tracing::info!(account = account_id, "access token refreshed");
            remember_mailbox_id(state, account_id, kind, tokens.id_token.as_deref()).await;
            Ok(tokens.access_token)
        }
        Err(TokenError::ReauthRequired(code)) => {
            release(state).await;
            tracing::warn!(account = account_id, provider_error = %code, "refresh token refused; the user must reconnect");
            mark_reauth(
                state,
                account_id,
                &format!("{} refused the saved sign-in ({code}): access was revoked, the password changed, or the grant expired. Reconnect the mailbox.", kind.title()),
            )
            .await?;
            Err(AccessError::ReauthRequired)
        }
        Err(TokenError::ClientRejected(code)) => {
            release(state).await;
            let message = format!(
                "{} does not accept this service's Client ID or Secret ({code}). An administrator must check the provider settings.",
                kind.title()
            );
            let at = now();
            state
                .store
                .run(move |c| {
                    mail_accounts::set_status(
                        c,
                        account_id,
                        mail_accounts::Status::Error,
                        Some(("PROVIDER_CLIENT_REJECTED", &message)),
                        at,
                    )
                })
                .await?;
            Err(AccessError::Transient(format!("client rejected ({code})")))
        }
        Err(TokenError::Transient(reason)) => {
            release(state).await;
            Err(AccessError::Transient(reason))
        }
    }
}

/// Accounts connected before mailboxes were identified by the provider's immutable
/// user id get it from the id token of their next refresh (both providers send one for
/// the `openid` scope every connect asked for). Best effort: the next refresh tries again.
async fn remember_mailbox_id(
    state: &AppState,
    account_id: i64,
    kind: ProviderKind,
    id_token: Option<&str>,
) {
    let Some(id) = id_token.and_then(|token| super::identity::from_id_token(kind, token)) else {
        return;
    };
    match state
        .store
        .run(move |c| mail_accounts::backfill_provider_user_id(c, account_id, &id))
        .await
    {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            account = account_id,
            "another account already holds this mailbox's provider id (it was connected twice before ids were kept)"
        ),
        Err(error) => {
            tracing::warn!(account = account_id, %error, "could not store the mailbox's provider id")
        }
    }
}

async fn mark_reauth(state: &AppState, account_id: i64, message: &str) -> Result<(), AccessError> {
    let (message, at) = (message.to_string(), now());
    state
        .store
        .run(move |c| mail_accounts::mark_needs_reauth(c, account_id, &message, at))
        .await?;
    Ok(())
}
