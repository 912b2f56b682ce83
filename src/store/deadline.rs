//! A time limit on the statements of one piece of store work (a list, a search), so one
//! request cannot hold a pooled connection and a core for as long as its filter makes the
//! database work. PostgreSQL has `statement_timeout`, set for the work's transaction.
//! SQLite has a progress handler, which diesel does not expose; instead the conditions
//! whose cost grows with the rows they read — the substring (LIKE) scans, whose number a
//! request may choose — call `em_in_time()` ([`IN_TIME`]) per row, a function this module
//! registers on each SQLite connection, which fails the statement once the thread's
//! deadline has passed. Outside [`within`] it always answers true. It is not in every
//! predicate: a Rust callback per row costs about 18 ns (measured on the 500,000-row count
//! of `list_at_scale`: 30 ms without, 39 ms with), and the other conditions are bounded
//! by the mailboxes the caller may see.

use super::{DbConnection, StoreError};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Bool;
use diesel::sqlite::{Sqlite, SqliteConnection};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The SQL of the per-row check, for SQLite predicates (PostgreSQL has no such function
/// and needs none: use [`in_time_sql`]).
pub const IN_TIME: &str = "em_in_time()";

/// The message a statement stopped by its deadline fails with (SQLite), recognized below.
const TIMED_OUT: &str = "statement stopped: it ran past the request's time limit";

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

diesel::define_sql_function! {
    /// True while the current thread's deadline (if any) has not passed; past it, an error.
    fn em_in_time() -> Bool;
}

/// What `em_in_time()` returns: true, or an error that stops the statement.
#[derive(Debug)]
struct InTime;

impl ToSql<Bool, Sqlite> for InTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        let late = DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() >= at));
        if late {
            return Err(TIMED_OUT.into());
        }
        <bool as ToSql<Bool, Sqlite>>::to_sql(&true, out)
    }
}

/// Registers `em_in_time()` on a new SQLite connection.
pub fn register(connection: &mut SqliteConnection) -> diesel::QueryResult<()> {
    em_in_time_utils::register_impl(connection, || InTime)
}

/// The per-row check as SQL for `kind`'s predicates: the function on SQLite, a constant
/// true on PostgreSQL (whose `statement_timeout` needs no help).
pub fn in_time_sql(connection_kind: crate::config::DatabaseKind) -> &'static str {
    match connection_kind {
        crate::config::DatabaseKind::Sqlite => IN_TIME,
        crate::config::DatabaseKind::Postgres => "1 = 1",
    }
}

/// Clears the thread's deadline when the work ends, however it ends.
struct Reset;

impl Drop for Reset {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
    }
}

/// Runs `work` with every statement limited to `limit`; a statement that runs past it
/// fails the work with [`StoreError::TimedOut`].
pub fn within<T>(
    connection: &mut DbConnection,
    limit: Duration,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let outcome = match connection {
        DbConnection::Postgresql(_) => connection.transaction(|c| {
            c.batch_execute(&format!(
                "SET LOCAL statement_timeout = {}",
                limit.as_millis().max(1)
            ))?;
            work(c)
        }),
        DbConnection::Sqlite(_) => {
            DEADLINE.with(|d| d.set(Some(Instant::now() + limit)));
            let _reset = Reset;
            work(connection)
        }
    };
    outcome.map_err(timed_out)
}

/// A statement stopped by either backend's limit, as [`StoreError::TimedOut`].
fn timed_out(error: StoreError) -> StoreError {
    let text = error.to_string();
    if text.contains(TIMED_OUT) || text.contains("canceling statement due to statement timeout") {
        StoreError::TimedOut
    } else {
        error
    }
}
