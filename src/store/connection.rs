use super::StoreError;
use crate::config::{DatabaseKind, DatabaseUrl};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::ManageConnection;

/// A connection to either backend. Repositories write their queries once against it;
/// the few backend-specific statements match on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    // PostgreSQL first: SQLite would accept any string as a file name.
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Opens connections for the pool, choosing the backend from the URL rather than by
/// trying each one in turn.
#[derive(Debug)]
pub struct Manager {
    kind: DatabaseKind,
    target: String,
}

/// Per-connection SQLite settings: wait for a busy writer instead of failing at once,
/// enforce foreign keys, and fsync at checkpoints only (safe in WAL mode).
const SQLITE_CONNECTION_PRAGMAS: &str =
    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

impl Manager {
    pub(super) fn new(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let manager = Self {
            kind: url.kind(),
            target: url.connection_string().to_string(),
        };
        if manager.kind == DatabaseKind::Sqlite {
            let path = url.sqlite_path();
            if let Some(folder) = path
                .as_deref()
                .and_then(|p| p.parent())
                .filter(|folder| !folder.as_os_str().is_empty())
            {
                std::fs::create_dir_all(folder)
                    .map_err(|e| StoreError::Unavailable(format!("{}: {e}", folder.display())))?;
            }
            // WAL is a property of the file: set it once, on a connection of its own.
            let mut first = SqliteConnection::establish(&manager.target)
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            first
                .batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
                .map_err(StoreError::Query)?;
        }
        Ok(manager)
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let connection = match self.kind {
            DatabaseKind::Postgres => DbConnection::Postgresql(
                PgConnection::establish(&self.target)
                    .map_err(diesel::r2d2::Error::ConnectionError)?,
            ),
            DatabaseKind::Sqlite => {
                let mut connection = SqliteConnection::establish(&self.target)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                connection
                    .batch_execute(SQLITE_CONNECTION_PRAGMAS)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                DbConnection::Sqlite(connection)
            }
        };
        Ok(connection)
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), Self::Error> {
        connection
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _connection: &mut DbConnection) -> bool {
        false
    }
}
