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

#[path = "support/million.rs"]
mod million;

use email_manager::config::{DatabaseKind, DatabaseSettings};
use email_manager::http::filter::parse_filter;
use email_manager::query::{MESSAGE_FIELDS, Page, SortField, SortKey};
use email_manager::store::Store;
use email_manager::store::message_query::{self, MessageQuery};
use million::{ACCOUNTS, Scratch};
use std::time::{Duration, Instant};

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
        field: SortField::Date,
        descending: true,
    }]
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

fn main() {
    let options = options();
    let (scratch, url, took) = million::load(options.kind, options.messages);
    let store = Store::connect(&DatabaseSettings {
        url,
        pool_size: 2,
        auto_migrate: true,
    })
    .expect("the store opens");
    let mut connection = store.blocking_connection().expect("a connection");
    println!(
        "{:?}: {} messages in {ACCOUNTS} accounts loaded in {:.1} s",
        options.kind,
        options.messages,
        took.as_secs_f64()
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
