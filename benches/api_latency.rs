//! API latency over HTTP: the release binary serving a million synthetic messages (the
//! data of `list_at_scale`, in 50 mailboxes shared with each other), loaded by `wrk` at 1,
//! 16 and 64 connections for `mailMessages:list` (inbox page, a `participants.domain`
//! filter, a `q` search) and `mailMessages:get`. The whole path: HTTP, the token check
//! (locally, with NocoBase's key), the query, JSON.
//!
//! With `--nocobase <installed NocoBase app>` (SQLite only), the same rows are then served
//! by a real NocoBase as collections of its own, the same requests go through its `:list`
//! and `:get`, first as NocoBase makes the collections and then with the indexes an admin
//! can add in its field settings; the last table gives our figures over NocoBase's.
//!
//! ```text
//! cargo bench --bench api_latency -- [--backend sqlite|postgres] [--messages N] [--secs N]
//!     [--nocobase ~/.cache/email-manager-ci/nocobase/app-2.2.15] [--nocobase-secs N]
//!     [--nocobase-conns 1,16]
//! ```
//! Needs `wrk` (Debian's package). The service and wrk share the machine's cores.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a benchmark stops loudly

#[path = "support/args.rs"]
mod args;
#[path = "../tests/it/common/mod.rs"]
mod common;
#[path = "support/million.rs"]
mod million;
#[path = "support/nocobase.rs"]
mod nocobase;
#[path = "support/wrk.rs"]
mod wrk;

use args::arg;
use common::process::ServiceProcess;
use common::tokens::user_token;
use email_manager::config::{DatabaseKind, Settings};
use std::path::PathBuf;
use wrk::Load;

const CONNECTIONS: [u32; 3] = [1, 16, 64];

#[tokio::main]
async fn main() {
    let kind = match arg("--backend").as_deref() {
        Some("postgres") => DatabaseKind::Postgres,
        _ => DatabaseKind::Sqlite,
    };
    let messages: u64 = arg("--messages")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let secs: u32 = arg("--secs").and_then(|v| v.parse().ok()).unwrap_or(10);
    let (scratch, url, took) = million::load(kind, messages);
    println!(
        "{kind:?}: {messages} messages loaded in {:.1} s",
        took.as_secs_f64()
    );
    // The 50 mailboxes are shared with each other (visibility full), so user 1 lists
    // across all of them, as a team that shares its mailboxes does.
    {
        use diesel::connection::SimpleConnection;
        let store =
            email_manager::store::Store::connect(&email_manager::config::DatabaseSettings {
                url: url.clone(),
                pool_size: 1,
                auto_migrate: false,
            })
            .unwrap();
        let mut c = store.blocking_connection().unwrap();
        match &mut *c {
            email_manager::store::DbConnection::Sqlite(c) => {
                c.batch_execute("UPDATE mail_accounts SET visibility = 'full'")
            }
            email_manager::store::DbConnection::Postgresql(c) => {
                c.batch_execute("UPDATE mail_accounts SET visibility = 'full'")
            }
        }
        .unwrap();
    }
    let mut settings = Settings::default();
    settings.database.url = url.clone();
    settings.database.pool_size = 8;
    settings.nocobase.app_key = email_manager::config::SecretString::new(common::APP_KEY);
    settings.security.encryption_key =
        email_manager::config::SecretString::new(common::random_key());
    settings.sync.enabled = false;
    settings.push.enabled = false;
    settings.send.run_scheduled = false;
    let dir = tempfile::tempdir().unwrap();
    let service = ServiceProcess::start(&settings, dir.path()).await;
    let token = user_token(1);
    let base = format!("{}/api", service.address);
    let ours = scenarios()
        .iter()
        .map(|s| format!("{base}/{}", s.ours))
        .collect::<Vec<_>>();
    println!("\nthis service ({kind:?})");
    let our_loads = measure(&ours, &token, secs, 10, &CONNECTIONS).await;
    drop(service);
    let Some(app) = arg("--nocobase").map(PathBuf::from) else {
        drop(scratch);
        return;
    };
    let source = url
        .sqlite_path()
        .expect("--nocobase copies the rows of the SQLite run (--backend sqlite)");
    let nocobase_secs: u32 = arg("--nocobase-secs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    // NocoBase answers one list at a time, each in 0.5 to several seconds: at 64 clients
    // a run leaves minutes of queued requests behind (drained before the next run), and
    // hardly any request finishes inside it. 1 and 16 by default.
    let nocobase_conns: Vec<u32> = args::counts("--nocobase-conns", "1,16");
    let mut nb = nocobase::NocoBaseServer::start(&app, &source);
    println!("\nNocoBase, rows copied in {:.1} s", nb.load_secs);
    let theirs = scenarios()
        .iter()
        .map(|s| format!("{}/api/{}", nb.url, s.nocobase))
        .collect::<Vec<_>>();
    // NocoBase answers in hundreds of milliseconds to seconds: longer runs, and a request
    // counts until two minutes have passed.
    let plain = measure(&theirs, &nb.token, nocobase_secs, 120, &nocobase_conns).await;
    let indexes = nb.add_indexes();
    println!("\nNocoBase with indexes on {}", indexes.join(", "));
    let indexed = measure(&theirs, &nb.token, nocobase_secs, 120, &nocobase_conns).await;
    drop(nb);
    drop(scratch);
    println!(
        "\nthis service over NocoBase (p50 and p99: NocoBase's / ours; req/s: ours / NocoBase's)"
    );
    println!(
        "{:<38} {:>6} {:>22} {:>22}",
        "request", "conns", "as created p50/p99/rps", "indexed p50/p99/rps"
    );
    let ratio = |ours: &Load, theirs: &Load| {
        if theirs.per_sec == 0.0 || theirs.p50_ms.is_nan() {
            // Not one NocoBase answer finished within the run.
            return "no answer in the run".to_string();
        }
        format!(
            "{:.0}x/{:.0}x/{:.0}x",
            theirs.p50_ms / ours.p50_ms,
            theirs.p99_ms / ours.p99_ms,
            ours.per_sec / theirs.per_sec
        )
    };
    for (i, scenario) in scenarios().iter().enumerate() {
        for (j, connections) in nocobase_conns.iter().enumerate() {
            let ours = CONNECTIONS
                .iter()
                .position(|c| c == connections)
                .map(|at| &our_loads[i * CONNECTIONS.len() + at]);
            let Some(ours) = ours else { continue };
            let k = i * nocobase_conns.len() + j;
            println!(
                "{:<38} {connections:>6} {:>22} {:>22}",
                scenario.name,
                ratio(ours, &plain[k]),
                ratio(ours, &indexed[k])
            );
        }
    }
}

/// One request, as this service's API and as NocoBase's on its copy of the rows.
struct Scenario {
    name: &'static str,
    ours: String,
    nocobase: String,
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The four requests. NocoBase has the message's folder as a number field and its
/// participants as a one-to-many field; it has no full-text search, so `q` becomes the
/// substring filter its UI offers (`$includes`, a LIKE scan), on the same word.
fn scenarios() -> [Scenario; 4] {
    let list = |filter: &str| format!("filter={}&sort=-date&pageSize=20", encode(filter));
    let nb_list = |filter: &str| format!("filter={}&sort=-receivedAt&pageSize=20", encode(filter));
    [
        // Inboxes were created first, one per account in order: account 1's inbox is folder 1.
        Scenario {
            name: "inbox page (big mailbox, date sort)",
            ours: format!("mailMessages:list?{}", list(r#"{"folderId":1}"#)),
            nocobase: format!("benchMessages:list?{}", nb_list(r#"{"folderId":1}"#)),
        },
        Scenario {
            name: "participants.domain, 50 mailboxes",
            ours: format!(
                "mailMessages:list?{}",
                list(r#"{"participants.domain":"domain7.test"}"#)
            ),
            nocobase: format!(
                "benchMessages:list?{}",
                nb_list(r#"{"participants.domain":{"$eq":"domain7.test"}}"#)
            ),
        },
        Scenario {
            name: "q one word, 50 mailboxes",
            ours: "mailMessages:list?q=project7&sort=-date&pageSize=20".into(),
            // "project7 " (with its space) is the same 1,000 messages as the word.
            nocobase: format!(
                "benchMessages:list?{}",
                nb_list(
                    r#"{"$or":[{"subject":{"$includes":"project7 "}},{"bodyText":{"$includes":"project7 "}}]}"#
                )
            ),
        },
        Scenario {
            name: "get one message",
            ours: "mailMessages:get?filterByTk=2".into(),
            nocobase: "benchMessages:get?filterByTk=2".into(),
        },
    ]
}

/// Each URL at each connection count. Before each run one request must succeed: it also
/// waits (up to half an hour) until the server has worked off what the last run queued.
async fn measure(
    urls: &[String],
    token: &str,
    secs: u32,
    timeout_secs: u32,
    connections: &[u32],
) -> Vec<Load> {
    println!(
        "{:<38} {:>6} {:>9} {:>9} {:>10} {:>7} {:>8}",
        "request", "conns", "p50 ms", "p99 ms", "req/s", "non-2xx", "timeouts"
    );
    let mut loads = Vec::new();
    for (scenario, url) in scenarios().iter().zip(urls) {
        for &connections in connections {
            let check = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .timeout(std::time::Duration::from_secs(1800))
                .send()
                .await
                .unwrap();
            let status = check.status();
            let body = check.text().await.unwrap_or_default();
            assert!(
                status.is_success() && body.contains("\"data\""),
                "{}: {status} {body}",
                scenario.name
            );
            let load = wrk::run(url, token, connections, secs, timeout_secs);
            println!(
                "{:<38} {connections:>6} {:>9.2} {:>9.2} {:>10.1} {:>7} {:>8}",
                scenario.name, load.p50_ms, load.p99_ms, load.per_sec, load.failed, load.timeouts
            );
            loads.push(load);
        }
    }
    loads
}
