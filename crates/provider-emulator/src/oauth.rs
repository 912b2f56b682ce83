//! Both providers' authorization servers: the authorize endpoint with its consent page,
//! the token endpoint (authorization code with PKCE, refresh with Google's no-rotation
//! and Microsoft's rotation), Google's revoke and userinfo. Error bodies are each
//! provider's own (providers.md §1.4, §2.5).

use crate::consent;
use crate::world::directory::DirectoryEntry;
use crate::world::{AuthCode, Grant, Provider, Shared, TokenProblem, World, now_ms, pkce_matches};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Request parameters as pairs, so repeated keys (`granted`) survive.
pub type Pairs = Vec<(String, String)>;

pub fn pairs(text: &[u8]) -> Pairs {
    form_urlencoded::parse(text).into_owned().collect()
}

fn first<'a>(pairs: &'a Pairs, key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn redirect(location: String) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("location", location))
        .finish()
}

fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!(
        "{base}{}{query}",
        if base.contains('?') { '&' } else { '?' }
    )
}

/// `GET` shows the consent page; `POST` (the form) answers it.
pub async fn authorize(
    world: web::Data<Shared>,
    provider: Provider,
    tenant: Option<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let query = pairs(request.query_string().as_bytes());
    let client_id = first(&query, "client_id").unwrap_or("");
    let redirect_uri = first(&query, "redirect_uri").unwrap_or("");
    let title = match provider {
        Provider::Google => "Google",
        Provider::Microsoft => "Microsoft",
    };
    let known_redirect = {
        let world = world.lock();
        world
            .client(provider, client_id)
            .map(|client| client.redirect_uris.iter().any(|r| r == redirect_uri))
    };
    match known_redirect {
        None => {
            let message = match provider {
                Provider::Google => "Error 401: invalid_client. The OAuth client was not found.",
                Provider::Microsoft => {
                    "AADSTS700016: Application with identifier was not found in the directory."
                }
            };
            return HttpResponse::BadRequest()
                .content_type("text/html; charset=utf-8")
                .body(consent::error_page("Sign-in error", message));
        }
        Some(false) => {
            let message = match provider {
                Provider::Google => "Error 400: redirect_uri_mismatch",
                Provider::Microsoft => {
                    "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application."
                }
            };
            return HttpResponse::BadRequest()
                .content_type("text/html; charset=utf-8")
                .body(consent::error_page("Sign-in error", message));
        }
        Some(true) => {}
    }
    let state = first(&query, "state").unwrap_or("");
    if first(&query, "response_type") != Some("code") {
        return redirect(with_query(
            redirect_uri,
            &[("error", "unsupported_response_type"), ("state", state)],
        ));
    }
    let requested: Vec<&str> = first(&query, "scope")
        .unwrap_or("")
        .split_whitespace()
        .collect();
    if request.method() == actix_web::http::Method::GET {
        let action = format!("{}?{}", request.path(), request.query_string());
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(consent::page(
                title,
                client_id,
                &action,
                first(&query, "login_hint").unwrap_or(""),
                &requested,
            ));
    }

    let form = pairs(&body);
    if first(&form, "action") != Some("allow") {
        let mut params = vec![("error", "access_denied")];
        if provider == Provider::Microsoft {
            params.push((
                "error_description",
                "AADSTS65004: User declined to consent to access the app.",
            ));
        }
        params.push(("state", state));
        return redirect(with_query(redirect_uri, &params));
    }
    let email = first(&form, "email").unwrap_or("").trim().to_lowercase();
    if !email.contains('@') {
        return HttpResponse::BadRequest()
            .content_type("text/html; charset=utf-8")
            .body(consent::error_page(
                "Sign-in error",
                "Enter an email address.",
            ));
    }
    let granted: Vec<String> = if first(&form, "granular").is_some() {
        let ticked: Vec<&str> = form
            .iter()
            .filter(|(k, _)| k == "granted")
            .map(|(_, v)| v.as_str())
            .collect();
        requested
            .iter()
            .filter(|s| ticked.contains(s))
            .map(ToString::to_string)
            .collect()
    } else {
        requested.iter().map(ToString::to_string).collect()
    };
    let challenge = first(&query, "code_challenge").map(|c| {
        let method = first(&query, "code_challenge_method")
            .unwrap_or("plain")
            .to_string();
        (c.to_string(), method)
    });
    let offline = match provider {
        Provider::Google => first(&query, "access_type") == Some("offline"),
        Provider::Microsoft => granted.iter().any(|s| s == "offline_access"),
    };
    let code = {
        let mut world = world.lock();
        if world.user(provider, &email).is_none() {
            // A sign-in with a new address makes an empty mailbox, so demos need no setup.
            world.add_user(provider, &email, None, 0, 0);
        }
        world.issue_code(AuthCode {
            grant: Grant {
                provider,
                client_id: client_id.to_string(),
                email,
                scopes: granted.clone(),
            },
            redirect_uri: redirect_uri.to_string(),
            code_challenge: challenge,
            offline,
            tenant,
            expires_ms: now_ms() + 600_000,
            used: false,
        })
    };
    let scope = granted.join(" ");
    let mut params = vec![("code", code.as_str()), ("state", state)];
    if provider == Provider::Google {
        params.push(("scope", scope.as_str()));
    }
    redirect(with_query(redirect_uri, &params))
}

/// A token-endpoint error in the provider's shape.
fn token_error(
    provider: Provider,
    status: u16,
    error: &str,
    google_text: &str,
    aadsts: u32,
    ms_text: &str,
) -> HttpResponse {
    let body = match provider {
        Provider::Google => json!({"error": error, "error_description": google_text}),
        Provider::Microsoft => {
            let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
            json!({
                "error": error,
                "error_description": format!("AADSTS{aadsts}: {ms_text}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: {now}"),
                "error_codes": [aadsts],
                "timestamp": now,
                "trace_id": "00000000-0000-0000-0000-000000000000",
                "correlation_id": "00000000-0000-0000-0000-000000000000",
                "error_uri": format!("https://login.microsoftonline.com/error?code={aadsts}"),
            })
        }
    };
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
    )
    .insert_header(("cache-control", "no-store"))
    .json(body)
}

/// Client id and secret from the form or HTTP Basic.
fn client_credentials(request: &HttpRequest, form: &Pairs) -> (String, String) {
    let basic = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|b| b.split_once(':')) {
        let decode = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return (decode(id), decode(secret));
    }
    (
        first(form, "client_id").unwrap_or("").to_string(),
        first(form, "client_secret").unwrap_or("").to_string(),
    )
}

/// The scopes echoed in a token answer, as each provider writes them.
fn echoed_scopes(provider: Provider, scopes: &[String]) -> String {
    scopes
        .iter()
        .filter_map(|s| match (provider, s.as_str()) {
            (Provider::Google, "email") => {
                Some("https://www.googleapis.com/auth/userinfo.email".to_string())
            }
            (Provider::Google, "profile") => {
                Some("https://www.googleapis.com/auth/userinfo.profile".to_string())
            }
            (Provider::Microsoft, "offline_access") => None,
            (Provider::Microsoft, "openid" | "profile" | "email") => Some(s.clone()),
            (Provider::Microsoft, other) if !other.contains("://") => {
                Some(format!("https://graph.microsoft.com/{other}"))
            }
            _ => Some(s.clone()),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn id_token(provider: Provider, grant: &Grant, name: &str, directory: &DirectoryEntry) -> String {
    let now = now_ms() / 1000;
    let sub = URL_SAFE_NO_PAD.encode(sha256(&grant.email));
    let claims = match provider {
        Provider::Google => {
            json!({"iss": "https://accounts.google.com", "aud": grant.client_id, "azp": grant.client_id,
            "sub": sub, "email": grant.email, "email_verified": true, "name": name, "iat": now, "exp": now + 3600})
        }
        Provider::Microsoft => {
            // `tid` is the user's home tenant whatever tenant path the app signed in on.
            let tid = &directory.tenant_id;
            json!({"iss": format!("https://login.microsoftonline.com/{tid}/v2.0"), "aud": grant.client_id,
            "sub": sub, "oid": directory.object_id, "tid": tid, "preferred_username": grant.email, "name": name,
            "email": directory.mail.as_deref().unwrap_or(&grant.email),
            "ver": "2.0", "iat": now, "nbf": now, "exp": now + 3600})
        }
    };
    let header =
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"provider-emulator"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = URL_SAFE_NO_PAD.encode(sha256(&format!("{header}.{payload}")));
    format!("{header}.{payload}.{signature}")
}

fn sha256(text: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).to_vec()
}

/// `POST /token`: authorization_code and refresh_token grants.
pub async fn token(
    world: web::Data<Shared>,
    provider: Provider,
    tenant: Option<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    // Token endpoints fail too: injected faults apply here as on the APIs.
    if let crate::gate::Faulted::Answer(answer) =
        crate::gate::fault(&world, provider, request.path())
    {
        return answer;
    }
    let form = pairs(&body);
    let (client_id, client_secret) = client_credentials(&request, &form);
    let mut world = world.lock();
    let client = world.client(provider, &client_id).cloned();
    let Some(client) = client else {
        return match provider {
            Provider::Google => token_error(
                provider,
                401,
                "invalid_client",
                "The OAuth client was not found.",
                0,
                "",
            ),
            Provider::Microsoft => token_error(
                provider,
                400,
                "unauthorized_client",
                "",
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{}'.",
                    tenant.as_deref().unwrap_or("common")
                ),
            ),
        };
    };
    if client.client_secret != client_secret {
        return token_error(
            provider,
            401,
            "invalid_client",
            "Unauthorized",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    match first(&form, "grant_type") {
        Some("authorization_code") => redeem_code(&mut world, provider, tenant, &form, &client_id),
        Some("refresh_token") => refresh(&mut world, provider, &form, &client_id),
        _ => token_error(
            provider,
            400,
            "unsupported_grant_type",
            "Invalid grant_type: ",
            70003,
            "The app requested an unsupported grant type.",
        ),
    }
}

fn token_answer(
    world: &mut World,
    provider: Provider,
    grant: &Grant,
    parent: Option<String>,
    with_refresh: bool,
) -> HttpResponse {
    let (access, refresh) = world.mint(grant, parent, with_refresh);
    let ttl = world.settings.access_token_ttl_secs;
    let name = world
        .user(provider, &grant.email)
        .map(|u| u.person.name.clone())
        .unwrap_or_default();
    let mut body = json!({
        "access_token": access,
        "expires_in": ttl,
        "scope": echoed_scopes(provider, &grant.scopes),
        "token_type": "Bearer",
    });
    if provider == Provider::Microsoft {
        body["ext_expires_in"] = json!(ttl);
    }
    if let Some(refresh) = refresh {
        body["refresh_token"] = Value::String(refresh);
    }
    if grant.scopes.iter().any(|s| s == "openid") {
        let directory = world.directory(&grant.email);
        body["id_token"] = Value::String(id_token(provider, grant, &name, &directory));
    }
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(body)
}

fn redeem_code(
    world: &mut World,
    provider: Provider,
    tenant: Option<String>,
    form: &Pairs,
    client_id: &str,
) -> HttpResponse {
    let code_value = first(form, "code").unwrap_or("");
    let bad_code = || {
        token_error(
            provider,
            400,
            "invalid_grant",
            "Bad Request",
            70000,
            "The provided value for the 'code' parameter is not valid.",
        )
    };
    let Some(code) = world.codes.get(code_value).cloned() else {
        return bad_code();
    };
    if code.used {
        return token_error(
            provider,
            400,
            "invalid_grant",
            "Bad Request",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        );
    }
    if code.expires_ms <= now_ms() {
        return token_error(
            provider,
            400,
            "invalid_grant",
            "Bad Request",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity.",
        );
    }
    if code.grant.client_id != client_id {
        return bad_code();
    }
    if first(form, "redirect_uri").unwrap_or("") != code.redirect_uri {
        return token_error(
            provider,
            400,
            "redirect_uri_mismatch",
            "Bad Request",
            50011,
            "The redirect URI specified in the request does not match the redirect URI used to obtain the authorization code.",
        );
    }
    if provider == Provider::Microsoft && code.tenant != tenant {
        return token_error(
            provider,
            400,
            "invalid_grant",
            "",
            700005,
            "Provided Authorization Code is intended to use against other tenant, thus rejected.",
        );
    }
    if let Some((challenge, method)) = &code.code_challenge {
        let verifier = first(form, "code_verifier").unwrap_or("");
        if !pkce_matches(challenge, method, verifier) {
            return match provider {
                Provider::Google => token_error(
                    provider,
                    400,
                    "invalid_grant",
                    "Invalid code verifier.",
                    0,
                    "",
                ),
                Provider::Microsoft => token_error(
                    provider,
                    400,
                    "invalid_grant",
                    "",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                ),
            };
        }
    }
    if let Some(stored) = world.codes.get_mut(code_value) {
        stored.used = true;
    }
    token_answer(world, provider, &code.grant, None, code.offline)
}

fn refresh(world: &mut World, provider: Provider, form: &Pairs, client_id: &str) -> HttpResponse {
    let refresh_token = first(form, "refresh_token").unwrap_or("");
    match world.refresh_grant(provider, refresh_token, client_id) {
        Ok(grant) => {
            // Microsoft rotates: a new refresh token every time, the old one retired.
            let rotate = provider == Provider::Microsoft;
            if rotate {
                world.retire_refresh(refresh_token);
            }
            token_answer(
                world,
                provider,
                &grant,
                Some(refresh_token.to_string()),
                rotate,
            )
        }
        Err(TokenProblem::Revoked) => token_error(
            provider,
            400,
            "invalid_grant",
            "Token has been expired or revoked.",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
        ),
        Err(TokenProblem::WrongClient) => token_error(
            provider,
            400,
            "unauthorized_client",
            "Unauthorized",
            70000,
            "The provided value for the 'refresh_token' is not valid: it was issued to another client.",
        ),
        Err(_) => token_error(
            provider,
            400,
            "invalid_grant",
            "Token has been expired or revoked.",
            70000,
            "The provided value for the 'refresh_token' is not valid.",
        ),
    }
}

/// Google's `POST /revoke` (form `token=…`).
pub async fn revoke(
    world: web::Data<Shared>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let mut params = pairs(&body);
    params.extend(pairs(request.query_string().as_bytes()));
    let token = first(&params, "token").unwrap_or("").to_string();
    if request.method() != actix_web::http::Method::POST {
        return HttpResponse::NotFound().finish();
    }
    if world.lock().revoke_token(&token) {
        HttpResponse::Ok().json(json!({}))
    } else {
        HttpResponse::BadRequest().json(
            json!({"error": "invalid_token", "error_description": "Token expired or revoked"}),
        )
    }
}

/// The bearer token of a request (header, or Google's `access_token` parameter).
pub fn bearer(request: &HttpRequest) -> Option<String> {
    request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|v| v.trim().to_string())
        .or_else(|| {
            let query: HashMap<String, String> = pairs(request.query_string().as_bytes())
                .into_iter()
                .collect();
            query
                .get("access_token")
                .or_else(|| query.get("oauth_token"))
                .cloned()
        })
        .filter(|t| !t.is_empty())
}

/// Google's OIDC userinfo.
pub async fn userinfo(world: web::Data<Shared>, request: HttpRequest) -> HttpResponse {
    let world = world.lock();
    let grant = bearer(&request).and_then(|t| world.access(Provider::Google, &t).ok().cloned());
    let Some(grant) = grant else {
        return HttpResponse::Unauthorized()
            .insert_header((
                "www-authenticate",
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
            ))
            .json(json!({"error": "invalid_request", "error_description": "Invalid Credentials"}));
    };
    let name = world
        .user(Provider::Google, &grant.email)
        .map(|u| u.person.name.clone())
        .unwrap_or_default();
    let (given, family) = name.split_once(' ').unwrap_or((name.as_str(), ""));
    HttpResponse::Ok().json(json!({
        "sub": URL_SAFE_NO_PAD.encode(sha256(&grant.email)),
        "email": grant.email,
        "email_verified": true,
        "name": name,
        "given_name": given,
        "family_name": family,
        "picture": "https://lh3.googleusercontent.com/a/default-user",
    }))
}
