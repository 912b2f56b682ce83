use super::authorize::state_hash;
use super::other_browser;
use crate::connect;
use crate::http::QueryParams;
use crate::oauth::browser_binding::{self, CookieScope};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::oauth_states;
use actix_web::{HttpRequest, HttpResponse, web};

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
    let answer = connect::Answer {
        error: one("error"),
        code: one("code"),
    };
    let outcome = connect::finish(&state, kind, pending, &hash, answer).await;
    let clear = Some(browser_binding::clear(&cookie_name, &scope));
    match outcome {
        connect::Outcome::Connected(account_id) => back(
            &return_url,
            &[
                ("mailAccountId", &account_id.to_string()),
                ("status", "connected"),
            ],
            clear,
        ),
        connect::Outcome::Failed(failure) => back(
            &return_url,
            &[("status", "error"), ("code", failure.code())],
            clear,
        ),
    }
}
