//! Listing at scale: the store's `mailMessages:list` and `mailMessages:get` queries over
//! a million synthetic messages, on SQLite or PostgreSQL, timed in process (no HTTP), one
//! query at a time. Prints a table; docs/benchmarks.md records the method and the numbers.
//!
//! ```text
//! cargo bench --bench list_at_scale -- [--backend sqlite|postgres] [--messages N] [--runs N]
//! ```
//!
//! PostgreSQL comes from `EMAIL_MANAGER_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a database of its own is created and
//! dropped. The data: 50 accounts, one of them holding half the messages (the "big"
//! mailbox), the rest spread evenly; 80% in the inbox, 10% sent, 10% under a label; 30%
//! unread; dates scattered over six years; From one of 5,000 people at 500 domains.

#![allow(clippy::expect_used)] // a benchmark stops loudly at the first failure

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use email_manager::config::{DatabaseKind, DatabaseSettings, DatabaseUrl};
use email_manager::http::filter::{MESSAGE_FIELDS, parse_filter};
use email_manager::http::{Page, SortKey};
use email_manager::store::message_query::{self, MessageQuery};
use email_manager::store::{DbConnection, Store, run_pending_migrations};
use std::time::{Duration, Instant};

const ACCOUNTS: i64 = 50;

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

struct Options {
    kind: DatabaseKind,
    messages: u64,
    runs: usize,
}

fn options() -> Options {
    let mut options = Options {
        kind: DatabaseKind::Sqlite,
        messages: 1_000_000,
        runs: 200,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut at = 0;
    while at < args.len() {
        let value = args.get(at + 1).cloned().unwrap_or_default();
        match args[at].as_str() {
            "--backend" if value == "postgres" => options.kind = DatabaseKind::Postgres,
            "--backend" => options.kind = DatabaseKind::Sqlite,
            "--messages" => options.messages = value.parse().unwrap_or(options.messages),
            "--runs" => options.runs = value.parse().unwrap_or(options.runs),
            // `cargo bench` passes `--bench`; anything else unknown is ignored likewise.
            _ => {
                at += 1;
                continue;
            }
        }
        at += 2;
    }
    options
}

/// A database for the run, dropped (PostgreSQL) or deleted with its folder (SQLite).
enum Scratch {
    /// Kept for its `Drop`, which deletes the folder.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server: String,
        name: String,
    },
}

impl Scratch {
    fn create(kind: DatabaseKind) -> (Scratch, DatabaseUrl) {
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

struct Scenario {
    name: &'static str,
    accounts: Vec<i64>,
    filter: &'static str,
    q: Option<&'static str>,
    sort: Vec<SortKey>,
    page: u32,
}

fn by_date() -> Vec<SortKey> {
    vec![SortKey {
        field: "date",
        descending: true,
    }]
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

fn main() {
    let options = options();
    let (scratch, url) = Scratch::create(options.kind);
    let store = Store::connect(&DatabaseSettings {
        url,
        pool_size: 2,
        auto_migrate: true,
    })
    .expect("the store opens");
    let mut connection = store.blocking_connection().expect("a connection");
    run_pending_migrations(&mut connection).expect("migrations");
    let started = Instant::now();
    let n = options.messages.to_string();
    match &mut *connection {
        DbConnection::Sqlite(c) => c.batch_execute(&SQLITE_DATA.replace("{n}", &n)),
        DbConnection::Postgresql(c) => c.batch_execute(&POSTGRES_DATA.replace("{n}", &n)),
    }
    .expect("the data loads");
    if let DbConnection::Postgresql(c) = &mut *connection {
        // What autovacuum would have done by now: the visibility map index-only scans need.
        c.batch_execute("VACUUM ANALYZE").expect("vacuum");
    }
    println!(
        "{:?}: {} messages in {ACCOUNTS} accounts loaded in {:.1} s",
        options.kind,
        options.messages,
        started.elapsed().as_secs_f64()
    );

    // Inboxes were created first, one per account in order: account n's inbox is folder n.
    let inbox = |account: i64| format!(r#"{{"folderId": {account}}}"#);
    let big_inbox: &'static str = Box::leak(inbox(1).into_boxed_str());
    let small_inbox: &'static str = Box::leak(inbox(7).into_boxed_str());
    let unread: &'static str =
        Box::leak(format!(r#"{{"$and": [{big_inbox}, {{"isRead": false}}]}}"#).into_boxed_str());
    let everyone: Vec<i64> = (1..=ACCOUNTS).collect();
    let scenarios = [
        Scenario {
            name: "inbox page 1, big mailbox",
            accounts: vec![1],
            filter: big_inbox,
            q: None,
            sort: by_date(),
            page: 1,
        },
        Scenario {
            name: "inbox page 1, typical mailbox",
            accounts: vec![7],
            filter: small_inbox,
            q: None,
            sort: by_date(),
            page: 1,
        },
        Scenario {
            name: "inbox page 50, big mailbox",
            accounts: vec![1],
            filter: big_inbox,
            q: None,
            sort: by_date(),
            page: 50,
        },
        Scenario {
            name: "inbox unread page 1, big mailbox",
            accounts: vec![1],
            filter: unread,
            q: None,
            sort: by_date(),
            page: 1,
        },
        Scenario {
            name: "all mail page 1, big mailbox",
            accounts: vec![1],
            filter: "{}",
            q: None,
            sort: by_date(),
            page: 1,
        },
        Scenario {
            name: "participants.domain, 50 mailboxes",
            accounts: everyone.clone(),
            filter: r#"{"participants.domain": "domain7.test"}"#,
            q: None,
            sort: by_date(),
            page: 1,
        },
        Scenario {
            name: "q one word, big mailbox",
            accounts: vec![1],
            filter: "{}",
            q: Some("project18"),
            sort: by_date(),
            page: 1,
        },
    ];
    println!(
        "{:<38} {:>9} {:>9} {:>9} {:>9}",
        "query (page of 20, newest first)", "rows", "p50 ms", "p99 ms", "max ms"
    );
    for scenario in scenarios {
        let query = MessageQuery {
            accounts: scenario.accounts.clone(),
            owned: scenario.accounts.clone(),
            filter: parse_filter(scenario.filter, MESSAGE_FIELDS).expect("a filter"),
            q: scenario.q.map(ToString::to_string),
            sort: scenario.sort,
            page: Page {
                number: scenario.page,
                size: 20,
            },
            utc_offset_minutes: 0,
            kind: options.kind,
        };
        let mut times = Vec::with_capacity(options.runs);
        let mut count = 0;
        for run in 0..options.runs + 5 {
            let started = Instant::now();
            let (rows, total) = message_query::list(&mut connection, &query).expect("a page");
            let took = started.elapsed();
            assert!(rows.len() <= 20);
            count = total;
            if run >= 5 {
                times.push(took);
            }
        }
        times.sort();
        println!(
            "{:<38} {:>9} {:>9.2} {:>9.2} {:>9.2}",
            scenario.name,
            count,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }
    let mut times = Vec::with_capacity(options.runs);
    for run in 0..options.runs {
        let id = (run as i64 * 4_999 + 17) % options.messages as i64 + 1;
        let started = Instant::now();
        let found = message_query::detail(&mut connection, id).expect("a message");
        times.push(started.elapsed());
        assert!(found.is_some());
    }
    times.sort();
    println!(
        "{:<38} {:>9} {:>9.2} {:>9.2} {:>9.2}",
        "get one message (bodies, participants)",
        1,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
    drop(connection);
    drop(store);
    if std::env::args().any(|a| a == "--keep") {
        if let Scratch::Postgres { name, .. } = &scratch {
            println!("kept database {name}");
        }
        std::mem::forget(scratch);
    } else {
        drop(scratch);
    }
}
