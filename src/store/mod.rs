//! Store: the database behind the service, SQLite (embedded default) or PostgreSQL.
//!
//! One [`DbConnection`] type covers both backends; the repositories in this folder hold
//! all the SQL and take a connection. Handlers reach the database only through
//! [`Store::run`], which runs diesel on the blocking pool, never on the async executor.

pub mod account_servers;
pub mod account_tokens;
pub mod activity;
pub mod attachments;
pub mod campaigns;
mod connection;
pub mod deadline;
pub mod folder_fill;
pub mod labels;
pub mod mail_accounts;
pub mod mail_events;
pub mod mail_providers;
pub mod mail_push;
pub mod message_query;
mod message_rows;
pub mod message_targets;
pub mod messages;
mod migrate;
pub mod notes;
pub mod oauth_states;
pub mod opt_outs;
pub mod outbox;
pub mod schema;
pub mod signatures;
pub mod sync_jobs;
pub mod templates;
mod text_column;
pub mod thread_query;
pub mod trusted_senders;

pub use connection::DbConnection;

/// The backend of [`DbConnection`]: either database, as diesel's types see it.
pub type Backend = <DbConnection as diesel::Connection>::Backend;
pub use migrate::{MIGRATION_FOLDERS, pending_migrations, run_pending_migrations};

use crate::config::{DatabaseKind, DatabaseSettings};
use diesel::r2d2::{self, Pool};
use std::time::Duration;

/// What can go wrong in the store. Callers map these to a 503 or a 500 with the cause
/// in the log; the text never reaches a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("background task failed: {0}")]
    Task(String),
    /// A sync worker's lease was taken over by another; its writes are refused.
    #[error("the sync job's lease was taken over")]
    Fenced,
    /// A statement ran past its time limit ([`deadline::within`]) and was stopped.
    #[error("a statement ran past its time limit")]
    TimedOut,
}

/// The connection pool and the backend it talks to. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool<connection::Manager>,
    kind: DatabaseKind,
}

impl Store {
    /// Opens the pool. For SQLite it creates the data folder and switches the file to WAL
    /// once, before the pool exists (setting WAL on every pooled connection races).
    pub fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let manager = connection::Manager::new(&settings.url)?;
        let pool = Pool::builder()
            .max_size(settings.pool_size)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            kind: settings.url.kind(),
        })
    }

    /// Which backend this store uses.
    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// Runs `work` with a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = pool.get().map_err(pool_error)?;
            work(&mut connection)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// A pooled connection for synchronous callers (the CLI's `migrate`).
    pub fn blocking_connection(
        &self,
    ) -> Result<r2d2::PooledConnection<connection::Manager>, StoreError> {
        self.pool.get().map_err(pool_error)
    }
}

fn pool_error(error: r2d2::PoolError) -> StoreError {
    StoreError::Unavailable(error.to_string())
}
