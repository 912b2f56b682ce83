//! An IMAP mailbox as the service reaches it (#26): the servers its user gave, its
//! password opened from the vault, and the admin's rules for user-named servers (the
//! `imap` row of `mailProviders`) turned into the SSRF boundary every connection goes
//! through. `providers::imap` knows the wire; this part knows the account.

use crate::providers::ProviderError;
use crate::providers::ProviderKind;
use crate::providers::imap::{Endpoint, Failure, Reach, Stage, TlsMode, stream::Stream};
use crate::state::AppState;
use crate::store::account_servers::{self, ServerRow, password_identity};
use crate::store::mail_providers::ImapRules;
use crate::store::{StoreError, mail_accounts, mail_providers};
use async_imap::Session;

pub mod drafts;
pub mod read;
mod send;
pub mod write;
pub use send::{hello_name, send};

/// Where an account's mail is and how to sign in.
#[derive(Clone)]
pub struct Login {
    pub imap: Endpoint,
    pub smtp: Endpoint,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("imap", &self.imap)
            .field("smtp", &self.smtp)
            .finish_non_exhaustive()
    }
}

/// The admin's rules as saved (defaults when none were).
pub async fn rules(state: &AppState) -> Result<(bool, ImapRules), StoreError> {
    let row = state
        .store
        .run(|c| mail_providers::get(c, ProviderKind::Imap))
        .await?;
    Ok(row.map_or((false, ImapRules::default()), |row| {
        (row.enabled, row.imap_rules())
    }))
}

/// How the admin's rules let servers be reached.
pub fn reach_with(state: &AppState, rules: &ImapRules) -> Reach {
    Reach {
        policy: crate::net::guard::HostPolicy {
            allowed_hosts: rules.allowed_hosts.clone(),
            allow_private_networks: rules.allow_private_networks,
        },
        tls: state.imap_tls.clone(),
        allow_plaintext: rules.allow_plaintext,
    }
}

/// The rules as they stand now: every connection checks them afresh, so an admin who
/// narrows them cuts off servers they no longer allow at the next connection.
pub async fn reach(state: &AppState) -> Result<Reach, StoreError> {
    let (_, rules) = rules(state).await?;
    Ok(reach_with(state, &rules))
}

fn endpoint(host: &str, port: i32, tls: &str) -> Endpoint {
    Endpoint {
        host: host.to_string(),
        port: u16::try_from(port).unwrap_or(0),
        tls: match tls {
            "implicit" => TlsMode::Implicit,
            "starttls" => TlsMode::Starttls,
            _ => TlsMode::None,
        },
    }
}

/// How a TLS mode is stored.
pub fn tls_name(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::Implicit => "implicit",
        TlsMode::Starttls => "starttls",
        TlsMode::None => "none",
    }
}

/// The account's servers and password; `None` when it has none stored (not an IMAP
/// mailbox, or its row was lost: it must be connected again).
pub async fn login(state: &AppState, account_id: i64) -> Result<Option<Login>, ProviderError> {
    let row: Option<ServerRow> = state
        .store
        .run(move |c| account_servers::get(c, account_id))
        .await
        .map_err(|e| ProviderError::Transient(e.to_string()))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id = account_id.to_string();
    let password = state
        .vault
        .open_string(&row.password_sealed, password_identity(&id))
        .map_err(|error| {
            tracing::error!(account = account_id, %error, "a stored IMAP password does not open");
            ProviderError::ReauthRequired
        })?;
    Ok(Some(Login {
        imap: endpoint(&row.imap_host, row.imap_port, &row.imap_tls),
        smtp: endpoint(&row.smtp_host, row.smtp_port, &row.smtp_tls),
        username: row.username,
        password,
    }))
}

/// What a failed connection means for a sync or a write: a refused password needs
/// the user (reconnect); anything else may pass.
pub fn provider_error(failure: Failure) -> ProviderError {
    match failure.stage {
        Stage::Auth => ProviderError::ReauthRequired,
        _ => ProviderError::Transient(failure.message),
    }
}

/// A logged-in IMAP session for the account. A refused password marks the mailbox for
/// reconnecting, as a revoked grant does.
pub async fn session(state: &AppState, account_id: i64) -> Result<Session<Stream>, ProviderError> {
    let login = login(state, account_id)
        .await?
        .ok_or(ProviderError::ReauthRequired)?;
    let reach = reach(state)
        .await
        .map_err(|e| ProviderError::Transient(e.to_string()))?;
    match crate::providers::imap::connect::open(
        &reach,
        &login.imap,
        &login.username,
        &login.password,
    )
    .await
    {
        Ok(session) => Ok(session),
        Err(failure) => {
            let error = provider_error(failure.clone());
            if error == ProviderError::ReauthRequired {
                mark_reauth(state, account_id, &failure.message).await;
            }
            Err(error)
        }
    }
}

/// Runs `work` on a session of the account, logged out after whatever it returns.
pub async fn with_session<T>(
    state: &AppState,
    account_id: i64,
    work: impl AsyncFnOnce(&mut Session<Stream>) -> Result<T, ProviderError>,
) -> Result<T, ProviderError> {
    let mut session = session(state, account_id).await?;
    let result = work(&mut session).await;
    crate::providers::imap::mailbox::close(session).await;
    result
}

async fn mark_reauth(state: &AppState, account_id: i64, message: &str) {
    let (message, at) = (message.to_string(), chrono::Utc::now().naive_utc());
    let marked = state
        .store
        .run(move |c| mail_accounts::mark_needs_reauth(c, account_id, &message, at))
        .await;
    if let Err(error) = marked {
        tracing::warn!(account = account_id, %error, "marking the mailbox for reconnecting failed");
    }
}
