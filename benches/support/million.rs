//! A million synthetic messages for the listing benchmarks, made by the database itself
//! after the real migrations: 50 accounts (user n owns account n), one of them holding
//! half the messages (the "big" mailbox), the rest spread evenly; 80% in the inbox, 10%
//! sent, 10% under a label; 30% unread; dates scattered over six years; From one of 5,000
//! people at 500 domains; every message in the full-text index.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use email_manager::config::{DatabaseKind, DatabaseSettings, DatabaseUrl};
use email_manager::store::{DbConnection, Store, run_pending_migrations};
use std::time::{Duration, Instant};

pub const ACCOUNTS: i64 = 50;

/// `{n}` becomes the message count. Every row is made by the database itself.
const SQLITE_DATA: &str = "
INSERT INTO mail_accounts (user_id, provider, email, created_at, updated_at)
 WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a WHERE n < 50)
 SELECT n, 'google', 'user' || n || '@x.test', '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM a;
INSERT INTO mail_folders (account_id, provider_id, name, role)
 SELECT id, 'INBOX', 'Inbox', 'inbox' FROM mail_accounts UNION ALL
 SELECT id, 'SENT', 'Sent', 'sent' FROM mail_accounts UNION ALL
 SELECT id, 'Label_1', 'Projects', NULL FROM mail_accounts;
BEGIN;
INSERT INTO mail_messages (account_id, provider_message_id, subject, snippet, from_name,
  from_address, received_at, is_read, size, body_text, search_addresses, created_at, updated_at)
 WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n})
 SELECT CASE WHEN n % 2 = 0 THEN 1 ELSE 2 + (n % 49) END, printf('%x', n),
   'Quarterly report ' || (n % 1000), 'A short snippet of the message', 'Person ' || (n % 5000),
   'person' || (n % 5000) || '@domain' || (n % 500) || '.test',
   datetime('2020-01-01', '+' || ((n * 7919) % 189216000) || ' seconds'), (n % 10) >= 3, 4096,
   'Hello, here are the notes for project' || (n % 1000) || ' as discussed in the meeting.',
   'person' || (n % 5000) || '@domain' || (n % 500) || '.test',
   '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM s;
INSERT INTO mail_message_folders (message_id, folder_id, received_at, is_read)
 SELECT m.id, f.id, m.received_at, m.is_read FROM mail_messages m JOIN mail_folders f ON f.account_id = m.account_id
 WHERE (f.role = 'inbox' AND m.id % 10 < 8) OR (f.role = 'sent' AND m.id % 10 = 8)
    OR (f.role IS NULL AND m.id % 10 = 9);
INSERT INTO mail_participants (message_id, role, address, domain)
 SELECT id, 'from', from_address, substr(from_address, instr(from_address, '@') + 1) FROM mail_messages;
INSERT INTO mail_participants (message_id, role, address, domain)
 SELECT m.id, 'to', a.email, 'x.test' FROM mail_messages m JOIN mail_accounts a ON a.id = m.account_id;
INSERT INTO mail_messages_fts (rowid, subject, body, addresses)
 SELECT id, subject, body_text, search_addresses FROM mail_messages;
COMMIT;
ANALYZE;
";

const POSTGRES_DATA: &str = "
-- Row triggers off for the load (one transaction updating the same folder row a million
-- times crawls); the folder counts they keep are set once at the end instead.
SET session_replication_role = replica;
INSERT INTO mail_accounts (user_id, provider, email, created_at, updated_at)
 SELECT n, 'google', 'user' || n || '@x.test', '2026-01-01', '2026-01-01' FROM generate_series(1, 50) n;
INSERT INTO mail_folders (account_id, provider_id, name, role)
 SELECT id, 'INBOX', 'Inbox', 'inbox' FROM mail_accounts UNION ALL
 SELECT id, 'SENT', 'Sent', 'sent' FROM mail_accounts UNION ALL
 SELECT id, 'Label_1', 'Projects', NULL FROM mail_accounts;
INSERT INTO mail_messages (account_id, provider_message_id, subject, snippet, from_name,
  from_address, received_at, is_read, size, body_text, search_addresses, created_at, updated_at)
 SELECT CASE WHEN n % 2 = 0 THEN 1 ELSE 2 + (n % 49) END, to_hex(n),
   'Quarterly report ' || (n % 1000), 'A short snippet of the message', 'Person ' || (n % 5000),
   'person' || (n % 5000) || '@domain' || (n % 500) || '.test',
   timestamp '2020-01-01' + ((n::bigint * 7919) % 189216000) * interval '1 second', (n % 10) >= 3, 4096,
   'Hello, here are the notes for project' || (n % 1000) || ' as discussed in the meeting.',
   'person' || (n % 5000) || '@domain' || (n % 500) || '.test',
   '2026-01-01', '2026-01-01' FROM generate_series(1, {n}) n;
INSERT INTO mail_message_folders (message_id, folder_id, received_at, is_read)
 SELECT m.id, f.id, m.received_at, m.is_read FROM mail_messages m JOIN mail_folders f ON f.account_id = m.account_id
 WHERE (f.role = 'inbox' AND m.id % 10 < 8) OR (f.role = 'sent' AND m.id % 10 = 8)
    OR (f.role IS NULL AND m.id % 10 = 9);
INSERT INTO mail_participants (message_id, role, address, domain)
 SELECT id, 'from', from_address, split_part(from_address, '@', 2) FROM mail_messages;
INSERT INTO mail_participants (message_id, role, address, domain)
 SELECT m.id, 'to', a.email, 'x.test' FROM mail_messages m JOIN mail_accounts a ON a.id = m.account_id;
UPDATE mail_folders SET
  total_count = (SELECT count(*) FROM mail_message_folders l WHERE l.folder_id = mail_folders.id),
  unread_count = (SELECT count(*) FROM mail_message_folders l WHERE l.folder_id = mail_folders.id AND NOT l.is_read);
SET session_replication_role = DEFAULT;
ANALYZE;
";

/// A database for the run, dropped (PostgreSQL) or deleted with its folder (SQLite).
pub enum Scratch {
    /// Kept for its `Drop`, which deletes the folder.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server: String,
        name: String,
    },
}

impl Scratch {
    pub fn create(kind: DatabaseKind) -> (Scratch, DatabaseUrl) {
        match kind {
            DatabaseKind::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}/bench.sqlite3", dir.path().display());
                (Scratch::Sqlite(dir), DatabaseUrl::new(url))
            }
            DatabaseKind::Postgres => {
                let server = std::env::var("EMAIL_MANAGER_BENCH_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("email_manager_bench_{}", std::process::id());
                let mut admin = PgConnection::establish(&server).expect("PostgreSQL answers");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create the database");
                let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
                let url = DatabaseUrl::new(format!("{base}/{name}?sslmode=disable"));
                (Scratch::Postgres { server, name }, url)
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Scratch::Postgres { server, name } = self
            && let Ok(mut admin) = PgConnection::establish(server)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A fresh database of `kind` holding `messages` messages; how long loading took.
pub fn load(kind: DatabaseKind, messages: u64) -> (Scratch, DatabaseUrl, Duration) {
    let (scratch, url) = Scratch::create(kind);
    let store = Store::connect(&DatabaseSettings {
        url: url.clone(),
        pool_size: 1,
        auto_migrate: true,
    })
    .expect("the store opens");
    let mut connection = store.blocking_connection().expect("a connection");
    run_pending_migrations(&mut connection).expect("migrations");
    let started = Instant::now();
    let n = messages.to_string();
    match &mut *connection {
        DbConnection::Sqlite(c) => c.batch_execute(&SQLITE_DATA.replace("{n}", &n)),
        DbConnection::Postgresql(c) => c.batch_execute(&POSTGRES_DATA.replace("{n}", &n)),
    }
    .expect("the data loads");
    if let DbConnection::Postgresql(c) = &mut *connection {
        // What autovacuum would have done by now: the visibility map index-only scans need.
        c.batch_execute("VACUUM ANALYZE").expect("vacuum");
    }
    (scratch, url, started.elapsed())
}
