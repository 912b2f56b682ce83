use super::authorize::state_hash;
use super::other_browser;
use crate::crypto::RowIdentity;
use crate::http::QueryParams;
use crate::oauth::browser_binding::{self, CookieScope};
use crate::oauth::flow::{self, TokenError};
use crate::oauth::{ProviderApp, identity, load_app, tokens};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::mail_accounts::{self, Connected, NewMailbox};
use crate::store::oauth_states::StateRow;
use crate::store::{account_tokens, oauth_states};
use actix_web::{HttpRequest, HttpResponse, web};

/// How a callback ended, for the browser that started the connect.
enum Outcome {
    Connected(i64),
    Failed(&'static str),
}

/// Sends the browser back to NocoBase with the outcome in the query string, deleting
/// the used binding cookie.
fn back(return_url: &str, outcome: &[(&str, &str)], clear_cookie: Option<String>) -> HttpResponse {
    let location = match url::Url::parse(return_url) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(outcome);
            url.to_string()
        }
        Err(_) => "/".to_string(),
    };
    let mut answer = HttpResponse::Found();
    answer
        .insert_header(("location", location))
        .insert_header(("cache-control", "no-store"));
    if let Some(cookie) = clear_cookie {
        answer.insert_header(("set-cookie", cookie));
    }
    answer.finish()
}

fn failed(return_url: &str, code: &str) -> HttpResponse {
    back(return_url, &[("status", "error"), ("code", code)], None)
}

/// Where to go when the state is unusable (so there is no return URL of its own).
pub(super) fn fallback(state: &AppState) -> String {
    super::authorize::nocobase_address(&state.settings)
        .unwrap_or_else(|| state.settings.server.public_url.clone())
}

/// `GET /api/mailOAuth:callback?code=..&state=..` (or `?error=..&state=..`). Public: the
/// single-use state authenticates it, and the binding cookie proves it is the browser
/// that started the connect. Every failure redirects with a code, except a callback
/// finished in another browser, which links nothing and says so on a page of its own.
#[utoipa::path(
    get,
    path = "/api/mailOAuth:callback",
    tag = "mailAccounts",
    params(("code" = Option<String>, Query, description = "The authorization code"), ("state" = String, Query, description = "The state `mailAccounts:authorize` issued; it authenticates this request"), ("error" = Option<String>, Query, description = "The provider's error, e.g. `access_denied`")),
    security(()),
    responses(
        (status = 302, description = "Back to the return URL with `mailAccountId` and `status=connected`, or `status=error&code=…`", headers(("Location" = String, description = "The return URL"))),
        (status = 403, description = "Finished in another browser than the one that started the connect (no binding cookie): nothing was linked, Google's grant was revoked; an HTML page explains", content_type = "text/html"),
        (status = 400, description = "A request no browser could have made (no state, no return address)", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn oauth_callback(
    request: HttpRequest,
    params: QueryParams,
    state: web::Data<AppState>,
) -> HttpResponse {
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
    let Ok(kind) = pending.provider.parse::<ProviderKind>() else {
        return failed(&pending.return_url, "INVALID_STATE");
    };
    let scope = CookieScope::of(&state.redirect_uri());
    let cookies = request
        .headers()
        .get("cookie")
        .and_then(|v| v.to_str().ok());
    let bound = pending
        .browser_hash
        .as_deref()
        .and_then(|expected| browser_binding::find(cookies, expected));
    let Some(cookie_name) = bound else {
        tracing::warn!(provider = %kind, user = pending.user_id, "a connect was finished in another browser than the one that started it; nothing linked");
        return other_browser::refuse(&state, kind, &pending, &hash, one("code").as_deref()).await;
    };
    let return_url = pending.return_url.clone();
    let outcome = finish(&state, kind, pending, &hash, one).await;
    let clear = Some(browser_binding::clear(&cookie_name, &scope));
    match outcome {
        Outcome::Connected(account_id) => back(
            &return_url,
            &[
                ("mailAccountId", &account_id.to_string()),
                ("status", "connected"),
            ],
            clear,
        ),
        Outcome::Failed(code) => back(&return_url, &[("status", "error"), ("code", code)], clear),
    }
}

/// The rest of a callback from the right browser: the provider's answer, the code
/// exchange, whose mailbox it is, the account and its tokens, the first sync.
async fn finish(
    state: &AppState,
    kind: ProviderKind,
    pending: StateRow,
    hash: &str,
    one: impl Fn(&str) -> Option<String>,
) -> Outcome {
    if let Some(error) = one("error") {
        tracing::info!(provider = %kind, user = pending.user_id, error = %crate::telemetry::loggable_word(&error), "the user or provider declined the authorization");
        return Outcome::Failed(if error == "access_denied" {
            "ACCESS_DENIED"
        } else {
            "PROVIDER_ERROR"
        });
    }
    let Some(code) = one("code").filter(|c| !c.is_empty()) else {
        return Outcome::Failed("INVALID_REQUEST");
    };
    let verifier = match pkce_verifier(state, &pending, hash) {
        Ok(verifier) => verifier,
        Err(error) => {
            tracing::error!(%error, "PKCE verifier does not open");
            return Outcome::Failed("SERVER_ERROR");
        }
    };
    let app = match load_app(state, kind).await {
        Ok(app) => app,
        Err(error) => {
            tracing::warn!(provider = %kind, %error, "callback for a provider that cannot be used");
            return Outcome::Failed("PROVIDER_NOT_CONFIGURED");
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
                return Outcome::Failed("EXCHANGE_FAILED");
            }
        };
    let forget = || flow::revoke(&state.http, kind, endpoints, &tokens_set.access_token);
    if !granted_enough(kind, &tokens_set.scopes) {
        tracing::info!(provider = %kind, "the grant lacks the mail scope");
        forget().await;
        return Outcome::Failed("INSUFFICIENT_SCOPE");
    }
    if tokens_set.refresh_token.is_none() {
        tracing::warn!(provider = %kind, "no refresh token in the grant");
        return Outcome::Failed("NO_REFRESH_TOKEN");
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
            return Outcome::Failed("IDENTITY_FAILED");
        }
    };
    if !tenant_allowed(&app, mailbox.tenant_id.as_deref()) {
        tracing::warn!(provider = %kind, user = pending.user_id, "a mailbox from a tenant the admin did not allow");
        forget().await;
        return Outcome::Failed("TENANT_NOT_ALLOWED");
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
            return Outcome::Failed("ACCOUNT_OWNED_BY_OTHER_USER");
        }
        Err(error) => {
            tracing::error!(%error, "storing the account failed");
            return Outcome::Failed("SERVER_ERROR");
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
        return Outcome::Failed("SERVER_ERROR");
    }
    // Graph counts the `/me` that found the mailbox against its 10,000 requests per 10
    // minutes; the first sync, about to spend the window, must count it too.
    if kind == ProviderKind::Microsoft {
        drop(state.budgets.spend(account_id, kind, 1).await);
    }
    tracing::info!(provider = %kind, user = user_id, account = account_id, "mailbox connected");
    crate::push::on_connect(state, account_id, kind).await;
    // The first sync starts now, not at the scheduler's next look.
    crate::sync::start_soon(state).await;
    Outcome::Connected(account_id)
}

/// The PKCE verifier kept (sealed) with a state.
pub(super) fn pkce_verifier(
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

/// Whether the admin's allowed-tenants list (Microsoft) lets this mailbox's home tenant in.
fn tenant_allowed(app: &ProviderApp, tenant: Option<&str>) -> bool {
    app.allowed_tenants.is_empty()
        || tenant.is_some_and(|t| {
            app.allowed_tenants
                .iter()
                .any(|a| a.eq_ignore_ascii_case(t))
        })
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
