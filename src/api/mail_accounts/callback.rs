use super::authorize::state_hash;
use crate::crypto::RowIdentity;
use crate::http::QueryParams;
use crate::oauth::flow::{self, TokenError};
use crate::oauth::{identity, load_app, tokens};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::mail_accounts::{self, Connected};
use crate::store::{account_tokens, oauth_states};
use actix_web::{HttpResponse, web};

/// Sends the browser back to NocoBase with the outcome in the query string.
fn back(return_url: &str, outcome: &[(&str, &str)]) -> HttpResponse {
    let location = match url::Url::parse(return_url) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(outcome);
            url.to_string()
        }
        Err(_) => "/".to_string(),
    };
    HttpResponse::Found()
        .insert_header(("location", location))
        .insert_header(("cache-control", "no-store"))
        .finish()
}

fn failed(return_url: &str, code: &str) -> HttpResponse {
    back(return_url, &[("status", "error"), ("code", code)])
}

/// Where to go when the state is unusable (so there is no return URL of its own).
fn fallback(state: &AppState) -> String {
    state
        .settings
        .nocobase
        .url
        .clone()
        .unwrap_or_else(|| state.settings.server.public_url.clone())
}

/// `GET /api/mailOAuth:callback?code=..&state=..` (or `?error=..&state=..`). Public: the
/// single-use state authenticates it. Every failure redirects with a code.
#[utoipa::path(
    get,
    path = "/api/mailOAuth:callback",
    tag = "mailAccounts",
    params(("code" = Option<String>, Query, description = "The authorization code"), ("state" = String, Query, description = "The state `mailAccounts:authorize` issued; it authenticates this request"), ("error" = Option<String>, Query, description = "The provider's error, e.g. `access_denied`")),
    security(()),
    responses(
        (status = 302, description = "Back to the return URL with `mailAccountId` and `status=connected`, or `status=error&code=…`", headers(("Location" = String, description = "The return URL"))),
        (status = 400, description = "A request no browser could have made (no state, no return address)", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn oauth_callback(params: QueryParams, state: web::Data<AppState>) -> HttpResponse {
    let one = |key: &str| params.one(key).ok().flatten().map(ToString::to_string);
    let Some(raw_state) = one("state").filter(|s| !s.is_empty() && s.len() <= 200) else {
        return failed(&fallback(&state), "INVALID_STATE");
    };
    let hash = state_hash(&raw_state);
    let now = chrono::Utc::now().naive_utc();
    let taken = {
        let hash = hash.clone();
        state
            .store
            .run(move |c| oauth_states::take(c, &hash, now))
            .await
    };
    let pending = match taken {
        Ok(Some(pending)) => pending,
        Ok(None) => return failed(&fallback(&state), "INVALID_STATE"),
        Err(error) => {
            tracing::error!(%error, "OAuth state lookup failed");
            return failed(&fallback(&state), "SERVER_ERROR");
        }
    };
    let return_url = pending.return_url.clone();
    let Ok(kind) = pending.provider.parse::<ProviderKind>() else {
        return failed(&return_url, "INVALID_STATE");
    };
    if let Some(error) = one("error") {
        tracing::info!(provider = %kind, user = pending.user_id, error = %error, "the user or provider declined the authorization");
        return failed(
            &return_url,
            if error == "access_denied" {
                "ACCESS_DENIED"
            } else {
                "PROVIDER_ERROR"
            },
        );
    }
    let Some(code) = one("code").filter(|c| !c.is_empty()) else {
        return failed(&return_url, "INVALID_REQUEST");
    };
    let verifier = match state.vault.open_string(
        &pending.pkce_verifier_sealed,
        RowIdentity {
            table: "oauth_states",
            row: &hash,
            column: "pkce_verifier",
        },
    ) {
        Ok(verifier) => verifier,
        Err(error) => {
            tracing::error!(%error, "PKCE verifier does not open");
            return failed(&return_url, "SERVER_ERROR");
        }
    };
    let app = match load_app(&state, kind).await {
        Ok(app) => app,
        Err(error) => {
            tracing::warn!(provider = %kind, %error, "callback for a provider that cannot be used");
            return failed(&return_url, "PROVIDER_NOT_CONFIGURED");
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
                return failed(&return_url, "EXCHANGE_FAILED");
            }
        };
    if !granted_enough(kind, &tokens_set.scopes) {
        tracing::info!(provider = %kind, "the grant lacks the mail scope");
        flow::revoke(&state.http, kind, endpoints, &tokens_set.access_token).await;
        return failed(&return_url, "INSUFFICIENT_SCOPE");
    }
    if tokens_set.refresh_token.is_none() {
        tracing::warn!(provider = %kind, "no refresh token in the grant");
        return failed(&return_url, "NO_REFRESH_TOKEN");
    }
    let mailbox =
        match identity::fetch(&state.http, kind, endpoints, &tokens_set.access_token).await {
            Ok(mailbox) => mailbox,
            Err(reason) => {
                tracing::warn!(provider = %kind, %reason, "could not read the mailbox address");
                return failed(&return_url, "IDENTITY_FAILED");
            }
        };
    let (user_id, provider, email, name) = (
        pending.user_id,
        kind.as_str(),
        mailbox.email.clone(),
        mailbox.name.clone(),
    );
    let connected = state
        .store
        .run(move |c| mail_accounts::connect(c, user_id, provider, &email, name.as_deref(), now))
        .await;
    let account = match connected {
        Ok(Connected::Created(account)) | Ok(Connected::Reconnected(account)) => account,
        Ok(Connected::OwnedByOtherUser) => {
            tracing::warn!(provider = %kind, user = user_id, "mailbox already connected by another user");
            return failed(&return_url, "ACCOUNT_OWNED_BY_OTHER_USER");
        }
        Err(error) => {
            tracing::error!(%error, "storing the account failed");
            return failed(&return_url, "SERVER_ERROR");
        }
    };
    let sealed = tokens::seal(&state, account.id, &tokens_set);
    let account_id = account.id;
    if let Err(error) = state
        .store
        .run(move |c| account_tokens::put(c, account_id, &sealed, now))
        .await
    {
        tracing::error!(%error, account = account_id, "storing the tokens failed");
        return failed(&return_url, "SERVER_ERROR");
    }
    // Graph counts the `/me` that found the mailbox against its 10,000 requests per 10
    // minutes; the first sync, about to spend the window, must count it too.
    if kind == ProviderKind::Microsoft {
        drop(state.budgets.spend(account_id, kind, 1).await);
    }
    tracing::info!(provider = %kind, user = user_id, account = account_id, "mailbox connected");
    crate::push::on_connect(&state, account_id, kind).await;
    // The first sync starts now, not at the scheduler's next look.
    crate::sync::start_soon(&state).await;
    back(
        &return_url,
        &[
            ("mailAccountId", &account_id.to_string()),
            ("status", "connected"),
        ],
    )
}

/// Google's granular consent lets a user untick the Gmail scope; Microsoft's admins can
/// consent to less. Without read/write and send, the mailbox is no use.
fn granted_enough(kind: ProviderKind, scopes: &[String]) -> bool {
    if scopes.is_empty() {
        // The provider did not echo scopes: it granted what was asked.
        return true;
    }
    let has = |wanted: &str| {
        scopes.iter().any(|s| {
            s.eq_ignore_ascii_case(wanted)
                || s.rsplit('/')
                    .next()
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(wanted))
        })
    };
    match kind {
        ProviderKind::Google => {
            has("https://www.googleapis.com/auth/gmail.modify") || has("https://mail.google.com/")
        }
        ProviderKind::Microsoft => has("Mail.ReadWrite") && has("Mail.Send"),
    }
}
