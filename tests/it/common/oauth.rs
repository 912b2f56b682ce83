//! A sidecar wired to the provider emulator, and the connect flow driven the way a
//! browser would: authorize → consent form → callback → back to NocoBase.

use super::tokens::admin_key;
use super::{Backend, TestApp, TestDb, spawn_with, test_settings};
use provider_emulator::Emulator;
use serde_json::json;

/// The NocoBase origin the tests return to.
pub const NOCOBASE: &str = "http://nocobase.test";

pub struct Wired {
    pub app: TestApp,
    pub emulator: Emulator,
    pub http: reqwest::Client,
    /// The OAuth redirect URI registered at the emulator (from the app's public URL).
    pub redirect: String,
    /// The cookies of the browser the user connects mailboxes from.
    pub browser: Browser,
}

/// A browser's cookie jar, as far as the connect flow needs one: cookies the service set
/// (by name), sent back with every later request. A second `Browser` is someone else's.
#[derive(Default)]
pub struct Browser {
    cookies: std::sync::Mutex<Vec<(String, String)>>,
}

impl Browser {
    /// Keeps the cookies an answer sets (one with `Max-Age=0` is deleted).
    pub fn store(&self, headers: &reqwest::header::HeaderMap) {
        let mut jar = self.cookies.lock().unwrap();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap_or("");
            let first = text.split(';').next().unwrap_or("");
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim().to_string(), value.trim().to_string());
            jar.retain(|(n, _)| *n != name);
            if !text.to_ascii_lowercase().contains("max-age=0") {
                jar.push((name, value));
            }
        }
    }

    /// The `Cookie` header this browser sends, if it holds any.
    pub fn cookie_header(&self) -> Option<String> {
        let jar = self.cookies.lock().unwrap();
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    pub fn is_empty(&self) -> bool {
        self.cookies.lock().unwrap().is_empty()
    }
}

/// An app on `backend` whose providers point at a fresh emulator, with both providers
/// registered there and configured here.
pub async fn wired(backend: Backend) -> Option<Wired> {
    wired_with(backend, |_| {}).await
}

/// Like [`wired`], with the background sync running.
pub async fn wired_syncing(backend: Backend) -> Option<Wired> {
    wired_with(backend, |settings| {
        settings.sync.enabled = true;
        settings.sync.interval_secs = 3600;
    })
    .await
}

/// Like [`wired`], with settings changed by `tweak` before the app starts.
pub async fn wired_with(
    backend: Backend,
    tweak: impl FnOnce(&mut email_manager::config::Settings),
) -> Option<Wired> {
    wired_with_emulator(backend, |settings, _| tweak(settings)).await
}

/// Like [`wired_with`]; `tweak` also gets the emulator's URL.
pub async fn wired_with_emulator(
    backend: Backend,
    tweak: impl FnOnce(&mut email_manager::config::Settings, &str),
) -> Option<Wired> {
    let db = TestDb::create(backend)?;
    let emulator = Emulator::start().expect("emulator");
    let mut settings = test_settings(&db);
    let google = emulator.google_url();
    settings.providers.google.auth_url = format!("{google}/o/oauth2/v2/auth");
    settings.providers.google.token_url = format!("{google}/token");
    settings.providers.google.revoke_url = format!("{google}/revoke");
    settings.providers.google.userinfo_url = format!("{google}/v1/userinfo");
    settings.providers.google.api_base_url = google;
    settings.providers.microsoft.login_base_url = emulator.microsoft_url();
    settings.providers.microsoft.graph_base_url = emulator.microsoft_url();
    settings.cors.allowed_origins = vec![NOCOBASE.into()];
    tweak(&mut settings, &emulator.url);
    let redirect = format!(
        "{}/api/mailOAuth:callback",
        settings.server.public_url.trim_end_matches('/')
    );
    let app = spawn_with(db, settings).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // Google's real per-user quota would make a test sync take minutes; tests that want
    // quota pressure set their own.
    http.post(format!("{}/_emulator/quota", emulator.url))
        .json(&json!({"provider": "google", "unitsPerMinute": 0}))
        .send()
        .await
        .expect("emulator");
    for provider in ["google", "microsoft"] {
        http.post(format!("{}/_emulator/clients", emulator.url))
            .json(&json!({"provider": provider, "clientId": format!("{provider}-app"), "clientSecret": "app-secret-value-123", "redirectUris": [redirect]}))
            .send()
            .await
            .expect("emulator");
        let reply = app
            .call(
                "mailProviders:update",
                Some(&admin_key(1)),
                &format!("filterByTk={provider}"),
                Some(json!({"clientId": format!("{provider}-app"), "clientSecret": "app-secret-value-123", "enabled": true})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    Some(Wired {
        app,
        emulator,
        http,
        redirect,
        browser: Browser::default(),
    })
}

/// The query parameters of a redirect's Location.
pub fn location_params(response: &reqwest::Response) -> Vec<(String, String)> {
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

pub fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl Wired {
    /// `mailAccounts:authorize` for `provider` from the user's own browser; the provider URL.
    pub async fn authorize(&self, token: &str, provider: &str) -> String {
        self.authorize_in(&self.browser, token, provider, json!({}))
            .await
    }

    /// `mailAccounts:authorize` from `browser`, with `extra` values (a `loginHint`, say).
    pub async fn authorize_in(
        &self,
        browser: &Browser,
        token: &str,
        provider: &str,
        extra: serde_json::Value,
    ) -> String {
        let mut values =
            json!({"provider": provider, "returnUrl": format!("{NOCOBASE}/admin/mail")});
        if let (Some(values), Some(extra)) = (values.as_object_mut(), extra.as_object()) {
            values.extend(extra.clone());
        }
        let reply = self
            .app
            .call("mailAccounts:authorize", Some(token), "", Some(values))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        browser.store(&reply.headers);
        reply.json["data"]["url"].as_str().expect("url").to_string()
    }

    /// The callback as `browser` reaches it (with its cookies), at the service at `address`.
    pub async fn callback_in(
        &self,
        browser: &Browser,
        address: &str,
        query: &str,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .get(format!("{address}/api/mailOAuth:callback?{query}"));
        if let Some(cookies) = browser.cookie_header() {
            request = request.header("cookie", cookies);
        }
        let response = request.send().await.expect("callback");
        browser.store(response.headers());
        response
    }

    /// Answers the consent page at `url`; returns the provider's redirect query string.
    pub async fn consent(&self, url: &str, email: &str, form: &[(&str, &str)]) -> String {
        let mut fields = vec![("email", email)];
        fields.extend_from_slice(form);
        let response = self
            .http
            .post(url)
            .form(&fields)
            .send()
            .await
            .expect("consent");
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        assert!(location.starts_with(&self.redirect), "{location}");
        location
            .split_once('?')
            .map(|(_, q)| q.to_string())
            .unwrap_or_default()
    }

    /// Calls the sidecar's callback with a provider redirect query; returns NocoBase's
    /// redirect parameters.
    pub async fn callback(&self, query: &str) -> Vec<(String, String)> {
        location_params(&self.callback_response(query).await)
    }

    async fn callback_response(&self, query: &str) -> reqwest::Response {
        let response = self
            .callback_in(&self.browser, &self.app.address, query)
            .await;
        assert_eq!(
            response.status(),
            302,
            "the callback redirects the browser that started the connect"
        );
        response
    }

    /// The whole connect flow; NocoBase's redirect parameters.
    pub async fn connect(&self, token: &str, provider: &str, email: &str) -> Vec<(String, String)> {
        self.connect_at(&self.app.address, token, provider, email)
            .await
    }

    /// The connect flow with the callback taken by the service at `address` (another
    /// process on the same database, say).
    pub async fn connect_at(
        &self,
        address: &str,
        token: &str,
        provider: &str,
        email: &str,
    ) -> Vec<(String, String)> {
        let url = self.authorize(token, provider).await;
        let query = self.consent(&url, email, &[("action", "allow")]).await;
        let response = self.callback_in(&self.browser, address, &query).await;
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        assert!(
            location.starts_with(&format!("{NOCOBASE}/admin/mail?")),
            "back to the return URL: {location}"
        );
        location_params(&response)
    }

    /// User 7's view of one of its accounts (`mailAccounts:get`'s `data`).
    pub async fn account(&self, id: &str) -> serde_json::Value {
        self.app
            .call(
                "mailAccounts:get",
                Some(&super::tokens::user_token(7)),
                &format!("filterByTk={id}"),
                None,
            )
            .await
            .json["data"]
            .clone()
    }

    /// Waits until a sync of user 7's account `id` finished after `since` (its
    /// lastSyncAt moved; `None`: the first one) and the account is active; its row.
    pub async fn synced_after(
        &self,
        id: i64,
        since: Option<&str>,
        limit: std::time::Duration,
    ) -> serde_json::Value {
        let started = std::time::Instant::now();
        loop {
            let row = self.account(&id.to_string()).await;
            let last = row["lastSyncAt"].as_str();
            if last.is_some() && last != since && row["status"] == "active" {
                return row;
            }
            assert!(
                started.elapsed() < limit,
                "no finished sync within {limit:?}: {row}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Asks for a sync of user 7's account `id` now (`mailAccounts:sync`).
    pub async fn sync_now(&self, id: i64) {
        let reply = self
            .app
            .call(
                "mailAccounts:sync",
                Some(&super::tokens::user_token(7)),
                &format!("filterByTk={id}"),
                Some(serde_json::json!({})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    /// Takes the emulator's injected faults away.
    pub async fn clear_faults(&self) {
        self.http
            .delete(format!("{}/_emulator/faults", self.emulator.url))
            .send()
            .await
            .expect("emulator");
    }

    /// `mailMessages:send` with `values`, as user 7.
    pub async fn send_mail(&self, values: serde_json::Value) -> super::Reply {
        let request = self
            .http
            .post(format!("{}/api/mailMessages:send", self.app.address))
            .bearer_auth(super::tokens::user_token(7))
            .json(&values);
        super::read(request.send().await.expect("send")).await
    }

    /// Adds a mailbox at the emulator.
    pub async fn mailbox(&self, provider: &str, email: &str, messages: usize) {
        self.http
            .post(format!("{}/_emulator/users", self.emulator.url))
            .json(&json!({"provider": provider, "email": email, "messages": messages}))
            .send()
            .await
            .expect("emulator");
    }

    /// The emulator's own view of a mailbox's messages, newest first.
    pub async fn truth(&self, email: &str) -> Vec<serde_json::Value> {
        self.http
            .get(format!(
                "{}/_emulator/users/{email}/messages",
                self.emulator.url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The raw messages the provider was handed by `email`, oldest first.
    pub async fn sent(&self, email: &str) -> Vec<Vec<u8>> {
        use base64::Engine;
        let list: Vec<serde_json::Value> = self
            .http
            .get(format!(
                "{}/_emulator/users/{email}/sent",
                self.emulator.url
            ))
            .send()
            .await
            .expect("emulator")
            .json()
            .await
            .expect("emulator");
        list.iter()
            .map(|m| {
                base64::engine::general_purpose::STANDARD
                    .decode(m["raw"].as_str().unwrap_or(""))
                    .expect("base64")
            })
            .collect()
    }

    /// Waits (up to 30 s) until the provider was handed a message by `email`.
    pub async fn wait_sent(&self, email: &str) {
        let started = std::time::Instant::now();
        while self.sent(email).await.is_empty() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "nothing was sent by {email}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Waits (up to 30 s) until user 7's outbox holds nothing pending: every send has
    /// reached a final state, so none can go (again) on its own.
    pub async fn wait_outbox_settled(&self) {
        let started = std::time::Instant::now();
        loop {
            let pending = self
                .app
                .call(
                    "mailOutbox:list",
                    Some(&super::tokens::user_token(7)),
                    "",
                    None,
                )
                .await;
            if pending.json["meta"]["count"] == 0 {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the outbox did not settle: {}",
                pending.text
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Waits (up to a minute) until user 7 lists `count` messages for `query`; the rows.
    pub async fn wait_listed(&self, count: usize, query: &str) -> Vec<serde_json::Value> {
        let started = std::time::Instant::now();
        loop {
            let list = self
                .app
                .call(
                    "mailMessages:list",
                    Some(&super::tokens::user_token(7)),
                    query,
                    None,
                )
                .await;
            if list.json["meta"]["count"] == count {
                return list.json["data"].as_array().cloned().unwrap_or_default();
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "waiting for {count} messages ({query}): {}",
                list.text
            );
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        }
    }

    /// What a mailbox has spent at the emulator since its quota was last set: admitted
    /// requests, units, refusals and the bytes of the answers.
    pub async fn quota_usage(&self, provider: &str, email: &str) -> serde_json::Value {
        self.http
            .get(format!("{}/_emulator/quota/usage", self.emulator.url))
            .query(&[("provider", provider), ("email", email)])
            .send()
            .await
            .expect("emulator")
            .json()
            .await
            .expect("usage")
    }

    pub async fn control(&self, path: &str, body: serde_json::Value) {
        self.http
            .post(format!("{}/_emulator{path}", self.emulator.url))
            .json(&body)
            .send()
            .await
            .expect("emulator");
    }
}
