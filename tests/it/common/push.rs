//! A sidecar with push on, wired to the emulator: its public URL is where the emulator
//! posts Graph notifications and Pub/Sub pushes, and Google's keys are the emulator's.

use super::Backend;
use super::oauth::{Wired, wired_with_emulator};
use super::tokens::admin_key;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub const TOPIC: &str = "projects/acme-mail/topics/gmail-changes";
pub const AUDIENCE: &str = "email-manager-push-test";
/// The service account the admin's push subscription authenticates as.
pub const SERVICE_ACCOUNT: &str = "gmail-push@acme-mail.iam.gserviceaccount.com";

/// A free loopback port (bound, then released for the app to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A syncing app with push on, reachable by the emulator at its public URL, polling
/// only hourly; Google's push keys are the emulator's.
pub async fn push_wired(
    backend: Backend,
    tweak: impl FnOnce(&mut email_manager::config::Settings),
) -> Option<Wired> {
    let port = free_port();
    let w = wired_with_emulator(backend, |settings, emulator| {
        settings.server.bind = format!("127.0.0.1:{port}");
        settings.server.public_url = format!("http://127.0.0.1:{port}");
        settings.sync.enabled = true;
        settings.sync.interval_secs = 3600;
        settings.push.enabled = true;
        settings.push.poll_interval_secs = 3600;
        settings.providers.google.jwks_url = format!("{emulator}/google/oauth2/v3/certs");
        tweak(settings);
    })
    .await?;
    // The admin's Pub/Sub set-up: the topic's push subscription posts to our webhook.
    w.control(
        "/pubsub/subscriptions",
        json!({"topic": TOPIC, "pushEndpoint": format!("{}/api/mailWebhooks:google", w.app.address), "audience": AUDIENCE, "serviceAccountEmail": SERVICE_ACCOUNT}),
    )
    .await;
    let reply = w
        .app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=google",
            Some(json!({"pubsubTopic": TOPIC, "pushAudience": AUDIENCE, "pushServiceAccount": SERVICE_ACCOUNT})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    Some(w)
}

pub async fn push_state(w: &Wired) -> Value {
    w.http
        .get(format!("{}/_emulator/push", w.emulator.url))
        .send()
        .await
        .expect("emulator")
        .json()
        .await
        .expect("json")
}

/// Waits (up to `secs`) until `check` holds for the emulator's push state.
pub async fn wait_push(w: &Wired, secs: u64, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let state = push_state(w).await;
        if check(&state) {
            return state;
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "waiting for {what}: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn subscriptions_of<'a>(state: &'a Value, email: &str) -> Vec<&'a Value> {
    state["graphSubscriptions"]
        .as_array()
        .map(|all| all.iter().filter(|s| s["email"] == email).collect())
        .unwrap_or_default()
}

pub fn watch_of<'a>(state: &'a Value, email: &str) -> Option<&'a Value> {
    state["gmailWatches"]
        .as_array()
        .and_then(|all| all.iter().find(|w| w["email"] == email))
}
