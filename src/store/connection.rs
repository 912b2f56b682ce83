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

impl DbConnection {
    /// A transaction that writes. On SQLite it begins IMMEDIATE: a deferred transaction
    /// that reads first and writes later fails at once with "database is locked" when
    /// another connection wrote in between (WAL cannot upgrade a stale snapshot, and
    /// busy_timeout does not apply), which sync workers, the scheduler and API writes
    /// meeting on one file made happen mid-sync. IMMEDIATE takes the write lock up front
    /// and waits for it per busy_timeout. Nested transactions inside stay savepoints.
    pub fn write_transaction<T, E, F>(&mut self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        // PostgreSQL, or already inside a transaction (which then holds the lock): an
        // ordinary transaction, a savepoint when nested.
        let outermost_sqlite = match self {
            DbConnection::Sqlite(sqlite) => {
                AnsiTransactionManager::transaction_manager_status_mut(sqlite)
                    .transaction_depth()?
                    .is_none()
            }
            DbConnection::Postgresql(_) => false,
        };
        if !outermost_sqlite {
            return self.transaction(body);
        }
        if let DbConnection::Sqlite(sqlite) = self {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
        }
        let outcome = body(self);
        match (self, outcome) {
            (DbConnection::Sqlite(sqlite), Ok(value)) => {
                AnsiTransactionManager::commit_transaction(sqlite)?;
                Ok(value)
            }
            (DbConnection::Sqlite(sqlite), Err(error)) => {
                AnsiTransactionManager::rollback_transaction(sqlite)?;
                Err(error)
            }
            (_, outcome) => outcome,
        }
    }
}

/// Opens connections for the pool, choosing the backend from the URL rather than by
/// trying each one in turn.
#[derive(Debug)]
pub struct Manager {
    kind: DatabaseKind,
    target: String,
}

/// Per-session PostgreSQL settings: plan every statement for its parameters and the
/// tables as they are now. A prepared statement's cached generic plan is made once, on
/// the first sync's empty tables (a sequential scan is the cheapest plan for an empty
/// table), and kept until the table is next analyzed: with autovacuum late or off,
/// every "is this message stored" lookup of a 100,000-message first sync scanned the
/// whole table (measured: hours instead of a minute). Planning these statements anew
/// costs tens of microseconds.
const POSTGRES_SESSION_SETTINGS: &str = "SET plan_cache_mode = force_custom_plan;";

/// Per-connection SQLite settings: wait for a busy writer instead of failing at once,
/// enforce foreign keys, fsync at checkpoints only (safe in WAL mode), and read the first
/// 256 MiB of the file through a memory map, so the pool's connections share the OS page
/// cache instead of each copying pages into its own small cache (on a million messages
/// this tripled search and participant-filter throughput at 16 concurrent clients;
/// benchmarks.md, API latency). Mapped pages show in the process's RSS as file pages.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 268435456;";

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
        use diesel::r2d2::Error;
        let (mut connection, settings) = match self.kind {
            DatabaseKind::Postgres => (
                DbConnection::Postgresql(
                    PgConnection::establish(&self.target).map_err(Error::ConnectionError)?,
                ),
                POSTGRES_SESSION_SETTINGS,
            ),
            DatabaseKind::Sqlite => (
                DbConnection::Sqlite(
                    SqliteConnection::establish(&self.target).map_err(Error::ConnectionError)?,
                ),
                SQLITE_CONNECTION_PRAGMAS,
            ),
        };
        connection
            .batch_execute(settings)
            .map_err(Error::QueryError)?;
        if let DbConnection::Sqlite(sqlite) = &mut connection {
            super::deadline::register(sqlite).map_err(Error::QueryError)?;
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use diesel::sql_query;

    fn open(path: &str, busy_ms: u32) -> DbConnection {
        let mut connection = Manager::new(&DatabaseUrl::new(path))
            .unwrap()
            .connect()
            .unwrap();
        connection
            .batch_execute(&format!("PRAGMA busy_timeout = {busy_ms};"))
            .unwrap();
        connection
    }

    #[test]
    fn a_write_transaction_holds_the_sqlite_write_lock_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.sqlite3");
        let path = path.to_str().unwrap();
        let mut first = open(path, 10_000);
        first
            .batch_execute("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
        // Another writer that does not wait.
        let mut other = open(path, 0);
        let outcome: Result<(), diesel::result::Error> = first.write_transaction(|c| {
            // Read first, as the sync's page commits do...
            sql_query("SELECT v FROM t").execute(c)?;
            // ...while another connection tries to write: it must find the lock taken
            // (a deferred transaction would let it commit, then fail its own write).
            let intruder = other.batch_execute("INSERT INTO t VALUES (2)");
            assert!(
                intruder.is_err(),
                "another connection wrote inside the transaction"
            );
            sql_query("INSERT INTO t VALUES (3)").execute(c)?;
            Ok(())
        });
        outcome.unwrap();
        other.batch_execute("INSERT INTO t VALUES (4)").unwrap();
    }

    #[test]
    fn write_transactions_nest_as_savepoints_and_roll_back_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nest.sqlite3");
        let mut connection = open(path.to_str().unwrap(), 10_000);
        connection
            .batch_execute("CREATE TABLE t (v INTEGER);")
            .unwrap();
        let outcome: Result<(), diesel::result::Error> = connection.write_transaction(|c| {
            sql_query("INSERT INTO t VALUES (1)").execute(c)?;
            c.write_transaction(|c| sql_query("INSERT INTO t VALUES (2)").execute(c))?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(outcome.is_err());
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count: Count = sql_query("SELECT COUNT(*) AS n FROM t")
            .get_result(&mut connection)
            .unwrap();
        assert_eq!(count.n, 0, "the outer rollback undid both writes");
    }
}
