//! Migrations: the two folders stay in step, and apply cleanly (twice) on both backends.

use crate::common;

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
    assert_eq!(
        providers,
        [
            Some("google".into()),
            Some("imap".into()),
            Some("microsoft".into())
        ]
    );
}
both_backends!(
    migrations_apply,
    migrations_apply_once_and_then_nothing_is_pending
);

/// An installation upgraded across the migration that rebuilt `mail_accounts` (SQLite
/// cannot drop a UNIQUE constraint in place) keeps its accounts and their mail, and the
/// mail still goes with its account.
async fn upgrading_keeps_accounts_and_their_mail(backend: Backend) {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel_migrations::{FileBasedMigrations, MigrationHarness};
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    const BEFORE: usize = 8;
    let before = |folder: &str| {
        FileBasedMigrations::from_path(Path::new(env!("CARGO_MANIFEST_DIR")).join(folder)).unwrap()
    };
    let old_data = "INSERT INTO mail_accounts (id, user_id, provider, email, created_at, updated_at) \
         VALUES (41, 7, 'microsoft', 'ann@contoso.test', '2026-11-01 00:00:00', '2026-11-01 00:00:00'); \
         INSERT INTO mail_folders (account_id, provider_id, name) VALUES (41, 'inbox', 'Inbox'); \
         INSERT INTO mail_messages (account_id, provider_message_id, subject, received_at, created_at, updated_at) \
         VALUES (41, 'm1', 'Kept', '2026-11-01 00:00:00', '2026-11-01 00:00:00', '2026-11-01 00:00:00');";
    match backend {
        Backend::Sqlite => {
            std::fs::create_dir_all(db.sqlite_file().unwrap().parent().unwrap()).unwrap();
            let mut c = diesel::SqliteConnection::establish(db.url().connection_string()).unwrap();
            for _ in 0..BEFORE {
                c.run_next_migration(before(MIGRATION_FOLDERS[0])).unwrap();
            }
            c.batch_execute(old_data).unwrap();
        }
        Backend::Postgres => {
            let mut c = diesel::PgConnection::establish(db.url().connection_string()).unwrap();
            for _ in 0..BEFORE {
                c.run_next_migration(before(MIGRATION_FOLDERS[1])).unwrap();
            }
            c.batch_execute(old_data).unwrap();
        }
    }
    let store = Store::connect(&DatabaseSettings {
        url: db.url(),
        ..DatabaseSettings::default()
    })
    .unwrap();
    store.run(run_pending_migrations).await.unwrap();
    let subject = db.query_texts(
        "SELECT m.subject AS value FROM mail_messages m JOIN mail_accounts a ON a.id = m.account_id \
         WHERE a.email = 'ann@contoso.test' AND a.provider_user_id IS NULL",
    );
    assert_eq!(subject, [Some("Kept".to_string())]);
    // The upgraded table still cascades: the store's connections enforce foreign keys.
    store
        .run(|c| email_manager::store::mail_accounts::delete(c, 41))
        .await
        .unwrap();
    assert!(
        db.query_texts("SELECT subject AS value FROM mail_messages")
            .is_empty()
    );
    assert!(
        db.query_texts("SELECT name AS value FROM mail_folders")
            .is_empty()
    );
}
both_backends!(upgrade_keeps_mail, upgrading_keeps_accounts_and_their_mail);
