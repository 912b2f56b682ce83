use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use email_manager::config::DatabaseUrl;
use std::path::PathBuf;

/// The environment variable naming a PostgreSQL server for the PostgreSQL tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_URL_VAR: &str = "EMAIL_MANAGER_TEST_POSTGRES_URL";

/// The test server's URL with `sslmode=disable` unless it names a mode. libpq over TLS
/// registers OpenSSL's exit handler, which races the pool threads still alive when a test
/// binary exits and crashes it now and then with SIGSEGV after every test passed
/// (diesel-rs/diesel#3441). Tests talk to a local server; TLS adds nothing there.
fn without_tls(server: &str) -> String {
    let mut url = url::Url::parse(server).expect("a PostgreSQL URL");
    if !url.query_pairs().any(|(k, _)| k == "sslmode") {
        url.query_pairs_mut().append_pair("sslmode", "disable");
    }
    url.to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite always; PostgreSQL when its URL is set.
    pub fn available(self) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => std::env::var(POSTGRES_URL_VAR).is_ok_and(|v| !v.is_empty()),
        }
    }
}

/// A database of its own for one test, removed when dropped.
pub enum TestDb {
    Sqlite { dir: tempfile::TempDir },
    Postgres { server: String, name: String },
}

impl TestDb {
    /// A fresh, empty database; `None` if `backend` is not available here.
    pub fn create(backend: Backend) -> Option<TestDb> {
        if !backend.available() {
            return None;
        }
        Some(match backend {
            Backend::Sqlite => TestDb::Sqlite {
                dir: tempfile::tempdir().expect("a temporary folder"),
            },
            Backend::Postgres => {
                let server = without_tls(&std::env::var(POSTGRES_URL_VAR).expect("checked above"));
                let name = format!("email_manager_test_{:016x}", rand::random::<u64>());
                let mut admin = PgConnection::establish(&server).unwrap_or_else(|e| {
                    panic!("{POSTGRES_URL_VAR} is set but PostgreSQL does not answer: {e}")
                });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create the test database");
                TestDb::Postgres { server, name }
            }
        })
    }

    pub fn backend(&self) -> Backend {
        match self {
            TestDb::Sqlite { .. } => Backend::Sqlite,
            TestDb::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The SQLite database file (tests read it to prove secrets are not in plain text).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self {
            TestDb::Sqlite { dir } => Some(dir.path().join("data").join("email-manager.sqlite3")),
            TestDb::Postgres { .. } => None,
        }
    }

    /// The URL for `database.url`.
    pub fn url(&self) -> DatabaseUrl {
        match self {
            TestDb::Sqlite { .. } => DatabaseUrl::new(format!(
                "sqlite://{}",
                self.sqlite_file().expect("sqlite").display()
            )),
            TestDb::Postgres { server, name } => {
                let mut url = url::Url::parse(server).expect("a PostgreSQL URL");
                url.set_path(&format!("/{name}"));
                DatabaseUrl::new(url.to_string())
            }
        }
    }

    /// Runs one SQL query returning text rows, for looking at what was stored.
    pub fn query_texts(&self, sql: &str) -> Vec<Option<String>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            value: Option<String>,
        }
        let url = self.url();
        let rows: Vec<Row> = match self {
            TestDb::Sqlite { .. } => {
                let mut c = SqliteConnection::establish(url.connection_string()).expect("open");
                // Wait for a write in flight (a sync page's), as the service's connections do.
                diesel::connection::SimpleConnection::batch_execute(
                    &mut c,
                    "PRAGMA busy_timeout = 10000",
                )
                .expect("busy timeout");
                diesel::sql_query(sql).load(&mut c).expect("query")
            }
            TestDb::Postgres { .. } => {
                let mut c = PgConnection::establish(url.connection_string()).expect("open");
                diesel::sql_query(sql).load(&mut c).expect("query")
            }
        };
        rows.into_iter().map(|r| r.value).collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { server, name } = self
            && let Ok(mut admin) = PgConnection::establish(server)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}
