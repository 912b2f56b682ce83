//! The vault at the service level: the generated default key, and key rotation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

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
