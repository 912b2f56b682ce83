//! Migrations: the two folders stay in step, and apply cleanly (twice) on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{Backend, TestDb};
use email_manager::config::DatabaseSettings;
use email_manager::store::{MIGRATION_FOLDERS, Store, pending_migrations, run_pending_migrations};
use std::collections::BTreeSet;
use std::path::Path;

fn folder_names(folder: &str) -> BTreeSet<String> {
    std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(folder))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    entry.path().join(file).is_file(),
                    "{:?} lacks {file}",
                    entry.path()
                );
            }
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_folders() {
    let [sqlite, postgres] = MIGRATION_FOLDERS.map(folder_names);
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres differ"
    );
}

async fn migrations_apply_once_and_then_nothing_is_pending(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let store = Store::connect(&DatabaseSettings {
        url: db.url(),
        ..DatabaseSettings::default()
    })
    .unwrap();
    assert!(!store.run(pending_migrations).await.unwrap().is_empty());
    let applied = store.run(run_pending_migrations).await.unwrap();
    assert_eq!(applied.len(), folder_names(MIGRATION_FOLDERS[0]).len());
    assert!(store.run(run_pending_migrations).await.unwrap().is_empty());
    assert!(store.run(pending_migrations).await.unwrap().is_empty());
    let providers = db.query_texts("SELECT name AS value FROM mail_providers ORDER BY name");
    assert_eq!(providers, [Some("google".into()), Some("microsoft".into())]);
}
both_backends!(
    migrations_apply,
    migrations_apply_once_and_then_nothing_is_pending
);
