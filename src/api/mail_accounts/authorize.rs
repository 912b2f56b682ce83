use crate::auth::Caller;
use crate::http::{ApiError, Values};
use crate::oauth::{browser_binding, flow, load_app};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::oauth_states::{self, StateRow};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// How long a user has to finish the provider's consent.
const STATE_TTL_MINUTES: i64 = 10;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthorizeReply {
    pub url: String,
}

/// The hash under which a state is stored (SHA-256, as a binding cookie's value).
pub fn state_hash(state: &str) -> String {
    browser_binding::hash(state)
}

/// Where browsers reach NocoBase: the first CORS origin, else `nocobase.url` (beside
/// docker-compose the latter is an internal host name no browser resolves).
pub(super) fn nocobase_address(settings: &crate::config::Settings) -> Option<String> {
    settings
        .cors
        .allowed_origins
        .first()
        .cloned()
        .or_else(|| settings.nocobase.url.clone())
}

fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.origin().ascii_serialization())
}

/// Where the callback may send the browser: NocoBase's origin and the configured CORS
/// origins. Anything else would be an open redirect. Without one asked for, the first
/// CORS origin (the address browsers reach NocoBase at), else `nocobase.url`: beside
/// docker-compose the latter is an internal host name no browser resolves.
fn return_url(state: &AppState, requested: Option<&str>) -> Result<String, ApiError> {
    let settings = &state.settings;
    let Some(url) = requested
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(ToString::to_string)
        .or_else(|| nocobase_address(settings))
    else {
        return Err(ApiError::invalid_field(
            "returnUrl",
            "required when nocobase.url is not configured",
        ));
    };
    let mut allowed: Vec<String> = settings
        .cors
        .allowed_origins
        .iter()
        .filter_map(|o| origin(o))
        .collect();
    allowed.extend(settings.nocobase.url.as_deref().and_then(origin));
    match origin(&url) {
        Some(o) if allowed.contains(&o) => Ok(url),
        _ => Err(ApiError::invalid_field(
            "returnUrl",
            "must be on NocoBase's origin or an allowed origin",
        )),
    }
}

/// `mailAccounts:authorize` values `{provider, returnUrl?, loginHint?}` → `{url}`, and a
/// cookie that binds the connect to this browser: the callback links a mailbox only when
/// the same browser brings it back (a consent link sent to someone else links nothing).
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:authorize",
    tag = "mailAccounts",
    request_body = crate::api::openapi::AuthorizeValues,
    responses(
        (status = 200, description = "The provider's consent page URL, with a single-use state and PKCE; `Set-Cookie` binds the connect to this browser", body = crate::api::openapi::DataEnvelope<AuthorizeReply>, headers(("Set-Cookie" = String, description = "`em_connect_…`: HttpOnly, SameSite=Lax, the callback's path only, 10 minutes"))),
        (status = 403, description = "`CONNECT_NOT_ALLOWED`: the caller's roles may not connect mailboxes of this provider (`connectRoles`)", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn authorize_mail_account(
    caller: Caller,
    request: HttpRequest,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let provider = values
        .get("provider")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let kind: ProviderKind = provider
        .parse()
        .map_err(|_| ApiError::invalid_field("provider", "expected google or microsoft"))?;
    if !kind.is_oauth() {
        return Err(crate::oauth::AppError::NotOAuth(kind).into());
    }
    let return_to = return_url(&state, values.get("returnUrl").and_then(|v| v.as_str()))?;
    let login_hint = match values.get("loginHint") {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => match value.as_str().map(str::trim) {
            Some(hint)
                if hint.contains('@')
                    && hint.len() <= 320
                    && !hint.chars().any(char::is_whitespace) =>
            {
                Some(hint.to_string())
            }
            Some("") => None,
            _ => {
                return Err(ApiError::invalid_field(
                    "loginHint",
                    "expected an email address",
                ));
            }
        },
    };
    let app = load_app(&state, kind).await?;
    if !app.connect_roles.is_empty() && !caller.roles.iter().any(|r| app.connect_roles.contains(r))
    {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "CONNECT_NOT_ALLOWED",
            format!(
                "Your NocoBase roles may not connect {} mailboxes here. Ask your administrator.",
                kind.title()
            ),
        ));
    }

    let mut random = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut random);
    let oauth_state = URL_SAFE_NO_PAD.encode(random);
    let hash = state_hash(&oauth_state);
    let (challenge, verifier) = flow::pkce();
    let now = chrono::Utc::now().naive_utc();
    let redirect_uri = state.redirect_uri();
    warn_if_cookie_cannot_return(&request, &redirect_uri);
    let binding = browser_binding::issue(&browser_binding::CookieScope::of(&redirect_uri));
    let row = StateRow {
        browser_hash: Some(binding.hash),
        pkce_verifier_sealed: state.vault.seal(
            verifier.secret().as_bytes(),
            crate::crypto::RowIdentity {
                table: "oauth_states",
                row: &hash,
                column: "pkce_verifier",
            },
        ),
        state_hash: hash,
        user_id: caller.user_id.0,
        provider: kind.as_str().to_string(),
        return_url: return_to,
        expires_at: now + chrono::Duration::minutes(STATE_TTL_MINUTES),
        created_at: now,
    };
    let url = flow::authorize_url(
        &app,
        &state.settings.providers,
        &redirect_uri,
        &oauth_state,
        challenge,
        login_hint.as_deref(),
    )
    .map_err(ApiError::internal)?;
    state
        .store
        .run(move |c| {
            oauth_states::purge_expired(c, now)?;
            oauth_states::insert(c, &row)
        })
        .await?;
    tracing::info!(user = %caller.user_id, provider = %kind, "authorization started");
    Ok(HttpResponse::Ok()
        .insert_header(("set-cookie", binding.set_cookie))
        .insert_header(("cache-control", "no-store"))
        .json(serde_json::json!({ "data": AuthorizeReply { url } })))
}

/// Browsers send a cookie back to the host that set it. When the page asking to connect
/// is on another host than the callback (`server.public_url`), the callback will not see
/// the binding cookie and every connect fails: say so to whoever reads the log.
fn warn_if_cookie_cannot_return(request: &HttpRequest, redirect_uri: &str) {
    let host = |url: &str| url::Url::parse(url).ok()?.host_str().map(str::to_lowercase);
    let Some(origin) = request
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    if let (Some(asked_from), Some(callback)) = (host(origin), host(redirect_uri))
        && asked_from != callback
    {
        tracing::warn!(
            page_host = %asked_from,
            callback_host = %callback,
            "a connect was started from another host than server.public_url: the browser will not bring the binding cookie back and the connect will be refused; serve NocoBase and the callback on one host"
        );
    }
}
