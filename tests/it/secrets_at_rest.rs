//! The vault at the service level: the generated default key, and key rotation.

use crate::common;

use common::tokens::admin_key;
use common::{Backend, TestApp, TestDb, spawn_with, test_settings};
use email_manager::config::SecretString;
use serde_json::json;

const SECRET: &str = "client-secret-for-rotation-0042";

async fn store_secret(app: &common::TestApp) {
    let reply = app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=google",
            Some(json!({"clientId": "id", "clientSecret": SECRET})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn hint(app: &common::TestApp) -> String {
    app.call(
        "mailProviders:get",
        Some(&admin_key(1)),
        "filterByTk=google",
        None,
    )
    .await
    .json["data"]["clientSecretHint"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn sealed(db: &TestDb) -> String {
    db.query_texts("SELECT client_secret_sealed AS value FROM mail_providers WHERE name = 'google'")
        [0]
    .clone()
    .unwrap()
}

#[tokio::test]
async fn the_embedded_default_generates_a_private_key_file_and_reuses_it() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    settings.security.encryption_key = SecretString::default();
    let key_file = db.sqlite_file().unwrap().with_file_name("encryption.key");

    let first = spawn_with(db, settings.clone()).await;
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    store_secret(&first).await;
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(!key.is_empty());

    // A second start on the same folder uses the same key: the secret still opens.
    let TestApp { db, .. } = first;
    let second = spawn_with(db, settings).await;
    assert_eq!(hint(&second).await, "••••0042");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
}

async fn rotating_the_key_reseals_stored_secrets(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let old_key = common::random_key();
    let new_key = common::random_key();
    let mut settings = test_settings(&db);
    settings.security.encryption_key = SecretString::new(&old_key);
    let before = spawn_with(db, settings.clone()).await;
    store_secret(&before).await;
    let sealed_before = sealed(&before.db);

    // Start again with a new key, the old one listed as previous: secrets are re-sealed.
    settings.security.encryption_key = SecretString::new(&new_key);
    settings.security.previous_keys = vec![SecretString::new(&old_key)];
    let TestApp { db, .. } = before;
    let rotated = spawn_with(db, settings.clone()).await;
    let sealed_after = sealed(&rotated.db);
    assert_ne!(
        sealed_before.split('.').nth(1),
        sealed_after.split('.').nth(1)
    );
    assert_eq!(hint(&rotated).await, "••••0042");

    // Now the old key can go.
    settings.security.previous_keys = Vec::new();
    let TestApp { db, .. } = rotated;
    let without_old = spawn_with(db, settings).await;
    assert_eq!(hint(&without_old).await, "••••0042");
}
both_backends!(key_rotation, rotating_the_key_reseals_stored_secrets);

/// A rotation re-seals every kind of stored secret — mailbox tokens and scheduled messages
/// too — so after one start with the old key listed, a start without it still sends.
#[tokio::test]
async fn rotation_reseals_tokens_and_scheduled_messages() {
    use common::oauth::{param, wired_with};
    use common::process::ServiceProcess;
    use common::tokens::user_token;
    let w = wired_with(Backend::Sqlite, |settings| {
        settings.send.run_scheduled = false
    })
    .await
    .unwrap();
    let email = "rotate@gmail.test";
    w.mailbox("google", email, 0).await;
    let outcome = w.connect(&user_token(7), "google", email).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let at = (chrono::Utc::now() + chrono::Duration::seconds(8)).to_rfc3339();
    let scheduled = w
        .app
        .call(
            "mailMessages:send",
            Some(&user_token(7)),
            "",
            Some(serde_json::json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "Rotated", "text": "x", "sendAt": at})),
        )
        .await;
    assert_eq!(
        scheduled.json["data"]["status"], "scheduled",
        "{}",
        scheduled.text
    );
    let key_ids = |db: &TestDb| -> Vec<String> {
        db.query_texts(
            "SELECT access_token_sealed AS value FROM mail_account_tokens \
             UNION ALL SELECT refresh_token_sealed FROM mail_account_tokens \
             UNION ALL SELECT message FROM mail_outbox",
        )
        .into_iter()
        .flatten()
        .map(|sealed| sealed.split('.').nth(1).unwrap_or("").to_string())
        .collect()
    };
    let before = key_ids(&w.app.db);
    assert_eq!(
        before.len(),
        3,
        "two tokens and one scheduled message: {before:?}"
    );

    let old_key = w.app.settings.security.encryption_key.expose().to_string();
    let mut settings = w.app.settings.clone();
    settings.security.encryption_key = SecretString::new(common::random_key());
    settings.security.previous_keys = vec![SecretString::new(&old_key)];
    settings.send.run_scheduled = false;
    let dir = tempfile::tempdir().unwrap();
    drop(ServiceProcess::start(&settings, dir.path()).await);
    let after = key_ids(&w.app.db);
    assert!(
        after.iter().all(|id| !before.contains(id)),
        "every value sealed under the new key: {before:?} → {after:?}"
    );

    // Without the old key the tokens and the scheduled message still open: it goes out.
    settings.security.previous_keys = Vec::new();
    settings.send.run_scheduled = true;
    let _server = ServiceProcess::start(&settings, dir.path()).await;
    w.wait_sent(email).await;
}
