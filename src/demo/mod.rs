//! `email-manager demo`: the whole service to try in one command, with no NocoBase, no
//! Google and no Microsoft. The provider emulator runs in the same process, two seeded
//! mailboxes (Gmail and Outlook) are connected through the real OAuth flow, tokens are
//! signed with a key made for this run, and the service prints a token, `curl` lines and
//! the address of its API page. Everything lives in a temporary folder removed at exit:
//! a demo never touches a real installation's data.

mod setup;

use crate::config::{DatabaseUrl, SecretString, Settings};
use crate::startup::{Application, BuildOptions};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use provider_emulator::Emulator;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The demo user's id (an admin of this service, as NocoBase's first user is).
const DEMO_USER: i64 = 1;

/// A folder of this run's own, removed when the demo ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free loopback port (`0` asked) or the one asked.
fn port(asked: u16) -> Result<u16, String> {
    if asked != 0 {
        return Ok(asked);
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// The settings of a demo run: `base` (the config file and environment, for logging and
/// limits) with the database, keys, listener and provider endpoints of this run.
fn settings(base: Settings, scratch: &Scratch, port: u16, emulator: &Emulator) -> Settings {
    let mut settings = base;
    let random_key = || STANDARD.encode(rand::random::<[u8; 32]>());
    let address = format!("http://127.0.0.1:{port}");
    let database = scratch.0.join("demo.sqlite3");
    settings.database.url = DatabaseUrl::new(format!("sqlite://{}", database.display()));
    settings.database.auto_migrate = true;
    // A demo syncs and sends whatever the config file says.
    settings.sync.enabled = true;
    settings.send.run_scheduled = true;
    settings.server.bind = format!("127.0.0.1:{port}");
    settings.server.public_url = address.clone();
    settings.cors.allowed_origins = vec![address];
    settings.nocobase.url = None;
    settings.nocobase.jwt_secret_file = None;
    settings.nocobase.app_key = SecretString::new(random_key());
    settings.security.encryption_key = SecretString::new(random_key());
    let google = emulator.google_url();
    let endpoints = &mut settings.providers.google;
    endpoints.auth_url = format!("{google}/o/oauth2/v2/auth");
    endpoints.token_url = format!("{google}/token");
    endpoints.revoke_url = format!("{google}/revoke");
    endpoints.userinfo_url = format!("{google}/v1/userinfo");
    endpoints.api_base_url = google;
    let microsoft = emulator.microsoft_url();
    settings.providers.microsoft.login_base_url = microsoft.clone();
    settings.providers.microsoft.authorize_base_url = None;
    settings.providers.microsoft.graph_base_url = microsoft;
    settings
}

/// A token NocoBase would issue for an API key of the demo user with the `admin` role,
/// signed with this run's key; valid for a day.
fn token(settings: &Settings) -> Result<String, String> {
    let now = chrono::Utc::now().timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"userId": DEMO_USER, "roleName": "admin", "iat": now, "exp": now + 86_400}),
        &jsonwebtoken::EncodingKey::from_secret(settings.nocobase.app_key.expose().as_bytes()),
    )
    .map_err(|e| e.to_string())
}

/// Runs the demo until Ctrl-C. `messages`: how many each seeded mailbox holds.
pub fn run(base: Settings, asked_port: u16, messages: usize) -> Result<(), String> {
    let emulator = Emulator::start().map_err(|e| format!("the provider emulator: {e}"))?;
    let scratch = Scratch(std::env::temp_dir().join(format!(
        "email-manager-demo-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )));
    std::fs::create_dir_all(&scratch.0).map_err(|e| e.to_string())?;
    let port = port(asked_port)?;
    let settings = settings(base, &scratch, port, &emulator);
    let token = token(&settings)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let app = Application::build(settings, BuildOptions { migrate: true })
            .await
            .map_err(|e| e.to_string())?;
        let service = format!("http://127.0.0.1:{}", app.port());
        let running = tokio::spawn(app.run_until_stopped());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let setup = setup::Setup {
            http: &http,
            service: &service,
            emulator: &emulator.url,
            token: &token,
        };
        setup.providers(messages).await?;
        for (provider, email, _) in setup::MAILBOXES {
            setup.connect(provider, email).await?;
        }
        // The first sync pages in the newest mail in seconds.
        let started = Instant::now();
        while setup.listed().await? == 0 && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        print!("{}", ready(&service, &token, &setup::MAILBOXES));
        let stopped = running.await.map_err(|e| e.to_string())?;
        drop(scratch);
        stopped.map_err(|e| e.to_string())
    })
}

/// What the demo prints once it is ready.
fn ready(service: &str, token: &str, mailboxes: &[(&str, &str, u64)]) -> String {
    let boxes: Vec<&str> = mailboxes.iter().map(|(_, email, _)| *email).collect();
    format!(
        "\nEmail manager demo: ready at {service}\n\
         Mailboxes connected (played by the built-in provider emulator): {}\n\n\
         API page, every action to try:\n  {service}/api-docs#token={token}\n\n\
         Token (user {DEMO_USER}, admin; valid for a day), then a few calls:\n  \
         export TOKEN={token}\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" '{service}/api/mailAccounts:list'\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" '{service}/api/mailMessages:list?pageSize=5'\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" -H 'content-type: application/json' \\\n    \
         -d '{{\"accountId\":1,\"to\":[\"someone@example.test\"],\"subject\":\"Hello\",\"text\":\"From the demo\"}}' \\\n    \
         '{service}/api/mailMessages:send'\n\n\
         Ctrl-C stops the demo and removes its data.\n",
        boxes.join(", ")
    )
}
