//! Test support: the real app on port 0 over a fresh database (SQLite file or a new
//! PostgreSQL database), NocoBase tokens, a captured log, and small stand-ins for
//! NocoBase's `auth:check` and the providers' token endpoints.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod big;
pub mod database;
pub mod dovecot;
pub mod imap;
pub mod logs;
pub mod oauth;
pub mod postfix;
pub mod process;
pub mod push;
pub mod stubs;
pub mod tokens;
pub mod truth;

pub use database::{Backend, TestDb};

use email_manager::config::{SecretString, Settings};
use email_manager::startup::{Application, BuildOptions};
use serde_json::Value;

/// The APP_KEY tests sign user tokens with.
/// `text` as one query-string value (a filter's JSON, an address).
pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub const APP_KEY: &str = "test-app-key-0123456789abcdef0123456789abcdef";

/// A running app and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub settings: Settings,
    pub http: reqwest::Client,
    /// The running service's state, for tests that call internal services directly.
    pub state: Option<actix_web::web::Data<email_manager::state::AppState>>,
}

/// A response read whole: status, headers and JSON body (`Value::Null` if not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// The first error's code, from `{"errors":[{"code":…}]}`.
    pub fn error_code(&self) -> &str {
        self.json["errors"][0]["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Settings for a test app on `db`: port 0, the test APP_KEY, a fresh encryption key.
pub fn test_settings(db: &TestDb) -> Settings {
    logs::capture();
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = db.url();
    settings.database.pool_size = 4;
    settings.nocobase.app_key = SecretString::new(APP_KEY);
    settings.security.encryption_key = SecretString::new(random_key());
    // Tests that sync turn it on; the others must not see background provider calls.
    settings.sync.enabled = false;
    // Push needs a public URL the emulator can reach; the push tests set one up.
    settings.push.enabled = false;
    // The emulator's quotas are switched off or set by each test.
    settings.sync.gmail_units_per_minute = 0;
    settings
}

/// A random base64 encryption key.
pub fn random_key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
}

/// Starts the app with `settings` (migrating first) and waits until it answers.
pub async fn spawn_with(db: TestDb, settings: Settings) -> TestApp {
    let app = Application::build(settings.clone(), BuildOptions { migrate: true })
        .await
        .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = Some(app.state());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        db,
        settings,
        http: reqwest::Client::new(),
        state,
    }
}

/// Starts the app on a fresh database of `backend` with the default test settings;
/// `None` when that backend is not available (PostgreSQL without its URL).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let db = TestDb::create(backend)?;
    let settings = test_settings(&db);
    Some(spawn_with(db, settings).await)
}

impl TestApp {
    /// Calls `/api/<action>?<query>` with GET (no body) or POST (JSON body).
    pub async fn call(
        &self,
        action: &str,
        token: Option<&str>,
        query: &str,
        body: Option<Value>,
    ) -> Reply {
        let url = if query.is_empty() {
            format!("{}/api/{action}", self.address)
        } else {
            format!("{}/api/{action}?{query}", self.address)
        };
        let mut request = match &body {
            Some(body) => self.http.post(url).json(body),
            None => self.http.get(url),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.expect("the app answers")).await
    }

    /// `mailMessages:get` of message `id`, as `token` sees it.
    pub async fn get_message(&self, token: &str, id: i64) -> Reply {
        self.call(
            "mailMessages:get",
            Some(token),
            &format!("filterByTk={id}"),
            None,
        )
        .await
    }

    /// `mailMessages:list` with a NocoBase `filter` (and the other `query` parameters).
    pub async fn list_filtered(&self, token: &str, filter: &Value, query: &str) -> Reply {
        let filter = urlencode(&filter.to_string());
        let query = if query.is_empty() {
            format!("filter={filter}")
        } else {
            format!("filter={filter}&{query}")
        };
        self.call("mailMessages:list", Some(token), &query, None)
            .await
    }

    /// The owner shares an account's mail at `level` with NocoBase's `member` role
    /// (`mailAccounts:update` visibility and sharedWithRoles).
    pub async fn share(&self, owner_token: &str, account: i64, level: &str) {
        let reply = self
            .call(
                "mailAccounts:update",
                Some(owner_token),
                &format!("filterByTk={account}"),
                Some(serde_json::json!({"visibility": level, "sharedWithRoles": ["member"]})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    /// GET any path.
    pub async fn get(&self, path: &str) -> Reply {
        read(
            self.http
                .get(format!("{}{path}", self.address))
                .send()
                .await
                .expect("the app answers"),
        )
        .await
    }
}

/// Reads a response whole.
pub async fn read(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

/// Runs a test body on SQLite and, when `EMAIL_MANAGER_TEST_POSTGRES_URL` is set, on
/// PostgreSQL: `both_backends!(name, async_fn)` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$body($crate::common::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::common::Backend::Postgres.available() {
                    super::$body($crate::common::Backend::Postgres).await;
                } else {
                    eprintln!("skipped: EMAIL_MANAGER_TEST_POSTGRES_URL is not set");
                }
            }
        }
    };
}

/// Connects a Gmail mailbox straight in the store (no OAuth), as the callback would.
pub fn connect_google(
    connection: &mut email_manager::store::DbConnection,
    user: i64,
    email: &str,
    now: chrono::NaiveDateTime,
) -> Result<email_manager::store::mail_accounts::Connected, email_manager::store::StoreError> {
    let id = format!("sub-{email}");
    let mailbox = email_manager::store::mail_accounts::NewMailbox {
        provider: "google",
        provider_user_id: &id,
        email,
        display_name: None,
        address_verified: true,
    };
    email_manager::store::mail_accounts::connect(connection, user, &mailbox, now)
}
