use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::path::PathBuf;

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// One SQLite file: the embedded default.
    Sqlite,
    /// A PostgreSQL server, for several replicas.
    Postgres,
}

/// `database.url`: `postgres://…` (or `postgresql://…`) selects PostgreSQL; anything else
/// is a SQLite file path, with or without a `sqlite://` prefix.
///
/// The URL may hold a password, so printing it masks the password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL as given in configuration.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The backend this URL selects.
    pub fn kind(&self) -> DatabaseKind {
        if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            DatabaseKind::Postgres
        } else {
            DatabaseKind::Sqlite
        }
    }

    /// The string handed to the database driver: the PostgreSQL URL as is, or the SQLite
    /// file path without its scheme.
    pub fn connection_string(&self) -> &str {
        match self.kind() {
            DatabaseKind::Postgres => &self.0,
            DatabaseKind::Sqlite => self
                .0
                .strip_prefix("sqlite://")
                .or_else(|| self.0.strip_prefix("sqlite:"))
                .unwrap_or(&self.0),
        }
    }

    /// For SQLite, the database file; `None` for PostgreSQL or an in-memory database.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let path = self.connection_string();
        (self.kind() == DatabaseKind::Sqlite && !path.is_empty() && !path.starts_with(":memory:"))
            .then(|| PathBuf::from(path))
    }

    /// The URL with any password replaced by `****`.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut parsed) if parsed.password().is_some() => {
                // set_password only fails for URLs that cannot carry one, and this one does.
                let _ = parsed.set_password(Some("****"));
                parsed.to_string()
            }
            _ => self.0.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}
