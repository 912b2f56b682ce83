use super::{DbConnection, StoreError};
use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The two migration folders; each change has a folder of the same name in both.
pub const MIGRATION_FOLDERS: [&str; 2] = ["migrations/sqlite", "migrations/postgres"];

/// Any number. Replicas starting together take this PostgreSQL advisory lock so that
/// only one of them migrates at a time.
const MIGRATION_LOCK: i64 = 0x656d_6169_6c6d_6772;

/// Applies every pending migration; returns the versions applied.
pub fn run_pending_migrations(connection: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let applied = match connection {
        DbConnection::Postgresql(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let result = pg
                .run_pending_migrations(POSTGRES)
                .map(|versions| versions.iter().map(ToString::to_string).collect());
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            result
        }
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(SQLITE)
            .map(|versions| versions.iter().map(ToString::to_string).collect()),
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

/// The versions of migrations not yet applied (empty when the schema is current).
pub fn pending_migrations(connection: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let pending = match connection {
        DbConnection::Postgresql(pg) => pg
            .pending_migrations(POSTGRES)
            .map(|list| list.iter().map(|m| m.name().to_string()).collect()),
        DbConnection::Sqlite(sqlite) => sqlite
            .pending_migrations(SQLITE)
            .map(|list| list.iter().map(|m| m.name().to_string()).collect()),
    };
    pending.map_err(|e| StoreError::Migration(e.to_string()))
}
