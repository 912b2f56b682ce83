//! Small stand-ins for upstream services, until the provider emulator covers them:
//! NocoBase's `auth:check` and `<collection>:get` (with an ACL per record), and the two
//! providers' token endpoints (client checks only).

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn serve(factory: impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = HttpServer::new(move || App::new().configure(factory.clone()))
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

/// What the stub NocoBase says about one token.
#[derive(Debug, Clone)]
pub enum CheckAnswer {
    User {
        id: serde_json::Value,
        roles: Vec<&'static str>,
        new_token: Option<String>,
    },
    Unauthorized {
        code: &'static str,
        message: &'static str,
    },
}

/// A record in the stub's one data source: its value and the tokens NocoBase's ACL
/// lets read it.
type StubRecord = (Vec<String>, serde_json::Value);

#[derive(Default)]
struct NocobaseState {
    answers: Mutex<HashMap<String, CheckAnswer>>,
    /// Tokens without an answer of their own are a user by their claims (see
    /// [`StubNocobase::answer_by_claims`]).
    by_claims: std::sync::atomic::AtomicBool,
    calls: AtomicUsize,
    headers: Mutex<Vec<HashMap<String, String>>>,
    /// By (collection, key).
    records: Mutex<HashMap<(String, String), StubRecord>>,
    /// The headers of each `<collection>:get`, lower-cased names.
    record_reads: Mutex<Vec<HashMap<String, String>>>,
}

/// A NocoBase that answers `GET /api/auth:check` from a table of tokens.
#[derive(Clone)]
pub struct StubNocobase {
    pub url: String,
    state: Arc<NocobaseState>,
}

impl StubNocobase {
    /// The nickname the stub gives user `id` in its `auth:check` answers.
    pub fn nickname(id: i64) -> String {
        format!("Person {id}")
    }

    pub fn start() -> Self {
        let state = Arc::new(NocobaseState::default());
        let shared = state.clone();
        let url = serve(move |config| {
            let state = shared.clone();
            config.route(
                "/api/auth:check",
                web::get().to(move |request: HttpRequest| {
                    let state = state.clone();
                    async move { auth_check(&state, &request) }
                }),
            );
            let state = shared.clone();
            config.route(
                "/api/{action}",
                web::get().to(move |request: HttpRequest| {
                    let state = state.clone();
                    async move { record_get(&state, &request) }
                }),
            );
        });
        Self { url, state }
    }

    /// From now on, `token` gets `answer`.
    pub fn answer(&self, token: &str, answer: CheckAnswer) {
        self.state
            .answers
            .lock()
            .unwrap()
            .insert(token.to_string(), answer);
    }

    /// From now on a token with no answer of its own is taken for the user its claims
    /// name, with the `member` role and the role it carries (as NocoBase answers for a
    /// valid token): for tests whose set-up signs tokens of its own.
    pub fn answer_by_claims(&self) {
        self.state.by_claims.store(true, Ordering::SeqCst);
    }

    /// Stores a record `readers` (tokens) may read with `<collection>:get`.
    pub fn record(&self, collection: &str, key: &str, readers: &[&str], value: serde_json::Value) {
        self.state.records.lock().unwrap().insert(
            (collection.to_string(), key.to_string()),
            (readers.iter().map(ToString::to_string).collect(), value),
        );
    }

    /// The headers of the last record read, lower-cased names.
    pub fn last_record_read(&self) -> HashMap<String, String> {
        self.state
            .record_reads
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
    }

    /// How many times `auth:check` was called.
    pub fn calls(&self) -> usize {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// The headers of the last `auth:check` call, lower-cased names.
    pub fn last_headers(&self) -> HashMap<String, String> {
        self.state
            .headers
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
    }
}

/// `GET /api/<collection>:get?filterByTk=<key>` as NocoBase answers it: the record for a
/// token its ACL lets read it, 403 "No permissions" for anyone else, `data: null` when
/// there is no such record.
fn record_get(state: &NocobaseState, request: &HttpRequest) -> HttpResponse {
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    state.record_reads.lock().unwrap().push(headers);
    let action = request.match_info().get("action").unwrap_or("");
    if let Some(collection) = action.strip_suffix(":list") {
        return record_list(state, request, collection);
    }
    let Some(collection) = action.strip_suffix(":get") else {
        return HttpResponse::NotFound().finish();
    };
    let key = request
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("filterByTk="))
        .unwrap_or("")
        .to_string();
    let token = bearer(request);
    let records = state.records.lock().unwrap();
    match records.get(&(collection.to_string(), key)) {
        None => HttpResponse::Ok().json(json!({"data": null})),
        Some((readers, value)) if readers.contains(&token) => {
            HttpResponse::Ok().json(json!({"data": value}))
        }
        Some(_) => {
            HttpResponse::Forbidden().json(json!({"errors": [{"message": "No permissions"}]}))
        }
    }
}

/// `GET /api/<collection>:list?filter=<json>&page=1&pageSize=<n>` as NocoBase answers it:
/// the records the token's ACL lets it read (the others are not listed, as NocoBase's
/// ACL filters rows), that match the filter, by key, at most `pageSize`. The filter
/// understands what the tests send: `{field: value | {"$eq": value} | {"$includes":
/// text}}` and `$and`.
fn record_list(state: &NocobaseState, request: &HttpRequest, collection: &str) -> HttpResponse {
    let query: HashMap<String, String> = form_urlencoded::parse(request.query_string().as_bytes())
        .into_owned()
        .collect();
    let filter: serde_json::Value = query
        .get("filter")
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or(json!({}));
    let size: usize = query
        .get("pageSize")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let token = bearer(request);
    let records = state.records.lock().unwrap();
    let mut rows: Vec<(&String, &serde_json::Value)> = records
        .iter()
        .filter(|((c, _), (readers, value))| {
            c == collection && readers.contains(&token) && matches(&filter, value)
        })
        .map(|((_, key), (_, value))| (key, value))
        .collect();
    rows.sort_by_key(|(key, _)| (key.len(), key.to_string()));
    let data: Vec<&serde_json::Value> = rows.into_iter().take(size).map(|(_, v)| v).collect();
    HttpResponse::Ok().json(json!({"data": data, "meta": {"page": 1, "pageSize": size}}))
}

fn matches(filter: &serde_json::Value, record: &serde_json::Value) -> bool {
    let Some(fields) = filter.as_object() else {
        return false;
    };
    fields.iter().all(|(key, wanted)| {
        if key == "$and" {
            return wanted
                .as_array()
                .is_some_and(|parts| parts.iter().all(|p| matches(p, record)));
        }
        let value = &record[key.as_str()];
        match wanted {
            serde_json::Value::Object(op) if op.contains_key("$includes") => value
                .as_str()
                .zip(op["$includes"].as_str())
                .is_some_and(|(v, w)| v.contains(w)),
            serde_json::Value::Object(op) if op.contains_key("$eq") => *value == op["$eq"],
            other => value == other,
        }
    })
}

fn auth_check(state: &NocobaseState, request: &HttpRequest) -> HttpResponse {
    state.calls.fetch_add(1, Ordering::SeqCst);
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    state.headers.lock().unwrap().push(headers);
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let mut answer = state.answers.lock().unwrap().get(token).cloned();
    if answer.is_none() && state.by_claims.load(Ordering::SeqCst) {
        answer = from_claims(token);
    }
    match answer {
        Some(CheckAnswer::User {
            id,
            roles,
            new_token,
        }) => {
            let roles: Vec<_> = roles
                .iter()
                .map(|name| json!({"name": name, "title": name, "rolesUsers": {"default": false}}))
                .collect();
            let mut response = HttpResponse::Ok();
            if let Some(new_token) = new_token {
                response.insert_header(("x-new-token", new_token));
            }
            let nickname = id
                .as_i64()
                .map_or_else(|| "Test".to_string(), StubNocobase::nickname);
            response.json(json!({"data": {"id": id, "nickname": nickname, "email": "t@example.com", "roles": roles}}))
        }
        Some(CheckAnswer::Unauthorized { code, message }) => HttpResponse::Unauthorized()
            .json(json!({"errors": [{"message": message, "code": code}]})),
        None => HttpResponse::Unauthorized().json(json!({"errors": [{
            "message": "Your session has expired. Please sign in again.",
            "code": "INVALID_TOKEN"
        }]})),
    }
}

/// One registered OAuth client at the stub provider.
#[derive(Debug, Clone)]
pub struct StubClient {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

/// Every token request the stub received: its path and form.
pub type TokenRequests = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

/// The token endpoints of Google (`/token`) and Microsoft (`/{tenant}/oauth2/v2.0/token`),
/// answering a made-up authorization code the way the real ones do (providers.md §1.4, §2.5).
#[derive(Clone)]
pub struct StubTokenEndpoints {
    pub url: String,
    pub requests: TokenRequests,
}

impl StubTokenEndpoints {
    pub fn start(clients: Vec<StubClient>) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (clients, log) = (Arc::new(clients), requests.clone());
        let url = serve(move |config| {
            let (clients, log) = (clients.clone(), log.clone());
            config.route(
                "/{path:.*}",
                web::post().to(
                    move |request: HttpRequest, form: web::Form<HashMap<String, String>>| {
                        let (clients, log) = (clients.clone(), log.clone());
                        async move { token(&clients, &log, request.path(), form.into_inner()) }
                    },
                ),
            );
        });
        Self { url, requests }
    }
}

fn token(
    clients: &[StubClient],
    log: &Mutex<Vec<(String, HashMap<String, String>)>>,
    path: &str,
    form: HashMap<String, String>,
) -> HttpResponse {
    log.lock().unwrap().push((path.to_string(), form.clone()));
    let microsoft = path.ends_with("/oauth2/v2.0/token");
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let client = clients.iter().find(|c| c.client_id == field("client_id"));
    match (client, microsoft) {
        (None, false) => HttpResponse::Unauthorized()
            .json(json!({"error": "invalid_client", "error_description": "The OAuth client was not found."})),
        (None, true) => HttpResponse::BadRequest().json(json!({
            "error": "unauthorized_client",
            "error_description": "AADSTS700016: Application not found in the directory.",
            "error_codes": [700016]
        })),
        (Some(c), false) if c.client_secret != field("client_secret") => HttpResponse::Unauthorized()
            .json(json!({"error": "invalid_client", "error_description": "Unauthorized"})),
        (Some(c), true) if c.client_secret != field("client_secret") => HttpResponse::Unauthorized().json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.",
            "error_codes": [7000215]
        })),
        (Some(c), false) if c.redirect_uri != field("redirect_uri") => HttpResponse::BadRequest()
            .json(json!({"error": "redirect_uri_mismatch", "error_description": "Bad Request"})),
        (Some(_), false) => HttpResponse::BadRequest()
            .json(json!({"error": "invalid_grant", "error_description": "Malformed auth code."})),
        (Some(_), true) => HttpResponse::BadRequest().json(json!({
            "error": "invalid_grant",
            "error_description": "AADSTS70000: The provided value for the 'code' parameter is not valid.",
            "error_codes": [70000]
        })),
    }
}

/// The user a token's claims name (its signature is the service's to check).
fn from_claims(token: &str) -> Option<CheckAnswer> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?,
    )
    .ok()?;
    let mut roles = vec!["member"];
    match claims["roleName"].as_str() {
        Some("admin") => roles.push("admin"),
        Some("root") => roles.push("root"),
        _ => {}
    }
    Some(CheckAnswer::User {
        id: claims["userId"].clone(),
        roles,
        new_token: None,
    })
}

/// The request's bearer token ("" without one).
fn bearer(request: &HttpRequest) -> String {
    request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string()
}
