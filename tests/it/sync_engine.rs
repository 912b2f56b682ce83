//! The sync engine against the emulator: a mailbox syncs completely and equals the
//! provider's truth; changes made at the provider converge; a forgotten cursor rescans
//! without duplicates; a worker stopped mid-sync is resumed by another without loss or
//! duplication; faults and throttles are ridden out; a revoked grant stops the account.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_syncing, wired_with};
use common::tokens::user_token;
use common::truth::{assert_equals_truth, stored, truth};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Connects a mailbox of `messages` at `provider`; returns the account id.
async fn connect(w: &Wired, provider: &str, email: &str, messages: usize) -> i64 {
    w.mailbox(provider, email, messages).await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    param(&outcome, "mailAccountId").unwrap().parse().unwrap()
}

async fn account(w: &Wired, id: i64) -> Value {
    w.account(&id.to_string()).await
}

async fn a_mailbox_syncs_completely_and_changes_converge(
    backend: Backend,
    provider: &str,
    email: &str,
) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let id = connect(&w, provider, email, 400).await;
    let first = w.synced_after(id, None, Duration::from_secs(120)).await;
    assert_equals_truth(&w, id, provider, email).await;
    assert_eq!(first["messageCount"], 400);
    let participants = w
        .app
        .db
        .query_texts("SELECT domain AS value FROM mail_participants WHERE role = 'from'");
    assert!(participants.len() >= 400);
    let attachments = w
        .app
        .db
        .query_texts("SELECT filename AS value FROM mail_attachments WHERE NOT inline");
    assert!(!attachments.is_empty(), "attachment metadata is stored");

    // Changes made at the provider.
    let entries = truth(&w, email).await;
    for path_body in [
        (
            entries[0]["id"].as_str().unwrap(),
            json!({"isRead": !entries[0]["isRead"].as_bool().unwrap()}),
        ),
        (
            entries[1]["id"].as_str().unwrap(),
            json!({"isStarred": !entries[1]["isStarred"].as_bool().unwrap()}),
        ),
        (entries[2]["id"].as_str().unwrap(), json!({"deleted": true})),
    ] {
        w.control(
            &format!("/users/{email}/messages/{}/change", path_body.0),
            path_body.1,
        )
        .await;
    }
    if provider == "microsoft" {
        w.control(
            &format!(
                "/users/{email}/messages/{}/change",
                entries[3]["id"].as_str().unwrap()
            ),
            json!({"folder": "archive"}),
        )
        .await;
    } else {
        w.control(
            &format!(
                "/users/{email}/messages/{}/change",
                entries[3]["id"].as_str().unwrap()
            ),
            json!({"addLabels": ["Label_2"], "removeLabels": ["INBOX"]}),
        )
        .await;
    }
    for k in 0..3 {
        w.control(
            &format!("/users/{email}/deliver"),
            json!({"subject": format!("Fresh {k}")}),
        )
        .await;
    }
    let since = first["lastSyncAt"].as_str().unwrap().to_string();
    // lastSyncAt has one-second precision: make sure the next one differs.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    w.sync_now(id).await;
    w.synced_after(id, Some(&since), Duration::from_secs(60))
        .await;
    assert_equals_truth(&w, id, provider, email).await;
}

#[tokio::test]
async fn gmail_syncs_and_converges_on_sqlite() {
    a_mailbox_syncs_completely_and_changes_converge(Backend::Sqlite, "google", "sync@gmail.test")
        .await;
}

#[tokio::test]
async fn gmail_syncs_and_converges_on_postgres() {
    if Backend::Postgres.available() {
        a_mailbox_syncs_completely_and_changes_converge(
            Backend::Postgres,
            "google",
            "sync@gmail.test",
        )
        .await;
    }
}

#[tokio::test]
async fn graph_syncs_and_converges_on_sqlite() {
    a_mailbox_syncs_completely_and_changes_converge(
        Backend::Sqlite,
        "microsoft",
        "sync@contoso.test",
    )
    .await;
}

#[tokio::test]
async fn graph_syncs_and_converges_on_postgres() {
    if Backend::Postgres.available() {
        a_mailbox_syncs_completely_and_changes_converge(
            Backend::Postgres,
            "microsoft",
            "sync@contoso.test",
        )
        .await;
    }
}

/// Sync v2 on Graph: new messages are read from the delta pages themselves (headers,
/// threading headers, body) and their files from attachment lists, so a mailbox costs a
/// fraction of a request per message where it cost one `$value` each. Every `$value` is
/// made to fail here: the mailbox must still sync completely and equal the truth.
#[tokio::test]
async fn graph_syncs_from_delta_pages_without_reading_any_mime() {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let email = "pages@outlook.test";
    w.control(
        "/faults",
        json!({"provider": "microsoft", "path": "/$value", "rate": 1.0, "kinds": ["500"], "seed": 3}),
    )
    .await;
    let id = connect(&w, "microsoft", email, 300).await;
    let synced = w.synced_after(id, None, Duration::from_secs(120)).await;
    assert_eq!(synced["messageCount"], 300, "{synced}");
    assert_equals_truth(&w, id, "microsoft", email).await;
    let files = w
        .app
        .db
        .query_texts("SELECT filename AS value FROM mail_attachments");
    assert!(
        !files.is_empty(),
        "files are listed from the attachment lists"
    );
    let usage = w.quota_usage("microsoft", email).await;
    let requests = usage["requests"].as_f64().unwrap();
    assert!(
        requests / 300.0 < 0.3,
        "{requests} requests for 300 messages: {usage}"
    );
}

async fn a_forgotten_cursor_rescans_without_duplicates(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    for (provider, email) in [
        ("google", "re@gmail.test"),
        ("microsoft", "re@contoso.test"),
    ] {
        let id = connect(&w, provider, email, 60).await;
        let first = w.synced_after(id, None, Duration::from_secs(60)).await;
        let entries = truth(&w, email).await;
        w.control(&format!("/users/{email}/expire-cursors"), json!({}))
            .await;
        w.control(
            &format!(
                "/users/{email}/messages/{}/change",
                entries[5]["id"].as_str().unwrap()
            ),
            json!({"deleted": true}),
        )
        .await;
        w.control(
            &format!("/users/{email}/deliver"),
            json!({"subject": "After the cursor was lost"}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        w.app
            .call(
                "mailAccounts:sync",
                Some(&user_token(7)),
                &format!("filterByTk={id}"),
                Some(json!({})),
            )
            .await;
        w.synced_after(id, first["lastSyncAt"].as_str(), Duration::from_secs(60))
            .await;
        assert_equals_truth(&w, id, provider, email).await;
    }
}
both_backends!(rescan, a_forgotten_cursor_rescans_without_duplicates);

async fn a_stopped_worker_is_resumed_by_another_without_loss(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.page_size = 20;
    })
    .await
    else {
        return;
    };
    let id = connect(&w, "google", "crash@gmail.test", 200).await;
    let state = w.app.state.clone().unwrap();
    email_manager::sync::schedule_due(&state).await.unwrap();
    // A worker runs until it has committed some pages, then is dropped mid-sync.
    let worker = {
        let state = state.clone();
        tokio::spawn(async move { email_manager::sync::run_one(&state).await })
    };
    let started = Instant::now();
    loop {
        let done = account(&w, id).await["sync"]["done"].as_i64().unwrap_or(0);
        if done >= 60 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first pages never came"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.abort();
    let _ = worker.await;
    // A page write already handed to the database finishes on its own (as a crashed
    // process's transaction commits or rolls back whole): let it land before reading.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let partial = stored(&w, id).len();
    assert!(
        partial > 0 && partial < 200,
        "stopped mid-sync with {partial} stored"
    );
    // Its lease runs out; another process takes the job over.
    w.app.db.query_texts(
        "UPDATE sync_jobs SET lease_until = '2000-01-01 00:00:00' RETURNING lease_owner AS value",
    );
    assert!(
        email_manager::sync::run_one(&state).await.unwrap(),
        "the job is claimed again"
    );
    assert_equals_truth(&w, id, "google", "crash@gmail.test").await;
    let row = account(&w, id).await;
    assert_eq!(
        (row["status"].as_str(), row["messageCount"].as_i64()),
        (Some("active"), Some(200))
    );
}
both_backends!(resume, a_stopped_worker_is_resumed_by_another_without_loss);

/// Three provider calls in ten fail (500, 503, 429 with and without Retry-After, dropped
/// connections) or answer slowly, under a tight quota: the mailbox still converges, and
/// while it happens the account says so truthfully (never a made-up state or error).
async fn faults_and_throttles_are_ridden_out(provider: &str, email: &str) {
    let w = wired_with(Backend::Sqlite, |_| {}).await.unwrap();
    let id = connect(&w, provider, email, 150).await;
    w.control("/settings", json!({"slowMs": 300})).await;
    w.control(
        "/faults",
        json!({"rate": 0.3, "kinds": ["500", "503", "429", "429-no-retry-after", "reset", "slow"], "seed": 7}),
    )
    .await;
    let quota = match provider {
        "google" => json!({"provider": "google", "unitsPerMinute": 2000, "windowSecs": 1}),
        _ => json!({"provider": "microsoft", "maxConcurrent": 2}),
    };
    w.control("/quota", quota).await;
    let state = w.app.state.clone().unwrap();
    email_manager::sync::schedule_due(&state).await.unwrap();
    // Retries inside a run ride the faults out; a run that still fails is rescheduled,
    // and the next one continues from its last page.
    let mut runs = 0;
    let mut observed = BTreeSet::new();
    loop {
        runs += 1;
        // Watched while it runs: what the user's page would show during the storm.
        let run = {
            let state = state.clone();
            tokio::spawn(async move { email_manager::sync::run_one(&state).await })
        };
        while !run.is_finished() {
            let row = account(&w, id).await;
            observed.insert(format!(
                "{}/{}",
                row["status"].as_str().unwrap(),
                row["sync"]["phase"].as_str().unwrap_or("")
            ));
            if let Some(code) = row["lastError"]["code"].as_str() {
                assert!(
                    ["PROVIDER_UNAVAILABLE", "PROVIDER_THROTTLED"].contains(&code),
                    "{row}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(run.await.unwrap().unwrap());
        let row = account(&w, id).await;
        if row["lastSyncAt"].is_string() {
            break;
        }
        // Mid-storm: still working on it, or saying why not.
        let status = row["status"].as_str().unwrap();
        assert!(["active", "syncing", "error"].contains(&status), "{row}");
        if let Some(code) = row["lastError"]["code"].as_str() {
            assert!(
                ["PROVIDER_UNAVAILABLE", "PROVIDER_THROTTLED"].contains(&code),
                "{row}"
            );
        }
        assert!(runs < 8, "no complete sync after {runs} runs: {row}");
        w.app.db.query_texts(
            "UPDATE sync_jobs SET run_after = '2000-01-01 00:00:00' RETURNING lease_owner AS value",
        );
    }
    println!(
        "{provider}: a complete sync after {runs} run(s) under faults; seen meanwhile: {observed:?}"
    );
    assert!(
        observed.iter().all(|seen| [
            "syncing/initial",
            // Gmail follows history from its watermark once the pages are in.
            "syncing/incremental",
            "active/initial",
            "active/idle",
            "syncing/idle",
            "error/initial"
        ]
        .contains(&seen.as_str())),
        "{observed:?}"
    );
    assert!(
        observed.contains("syncing/initial"),
        "the storm never showed as syncing: {observed:?}"
    );
    w.http
        .delete(format!("{}/_emulator/faults", w.emulator.url))
        .send()
        .await
        .unwrap();
    assert_eq!(account(&w, id).await["status"], "active");
    assert_equals_truth(&w, id, provider, email).await;
}

#[tokio::test]
async fn gmail_rides_out_faults_and_throttles() {
    faults_and_throttles_are_ridden_out("google", "storm@gmail.test").await;
}

#[tokio::test]
async fn graph_rides_out_faults_and_throttles() {
    faults_and_throttles_are_ridden_out("microsoft", "storm@contoso.test").await;
}

async fn a_revoked_grant_stops_the_account_at_needs_reauth(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let id = connect(&w, "microsoft", "stop@contoso.test", 10).await;
    let first = w.synced_after(id, None, Duration::from_secs(60)).await;
    w.control("/users/stop@contoso.test/revoke", json!({}))
        .await;
    w.app
        .call(
            "mailAccounts:sync",
            Some(&user_token(7)),
            &format!("filterByTk={id}"),
            Some(json!({})),
        )
        .await;
    let started = Instant::now();
    loop {
        let row = account(&w, id).await;
        if row["status"] == "needs_reauth" {
            assert_eq!(row["lastError"]["code"], "REAUTH_REQUIRED");
            assert_eq!(row["lastSyncAt"], first["lastSyncAt"]);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{row}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
both_backends!(
    reauth_stops,
    a_revoked_grant_stops_the_account_at_needs_reauth
);

async fn the_first_sync_takes_only_the_configured_window(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.enabled = true;
        s.sync.initial_window_days = 7;
    })
    .await
    else {
        return;
    };
    for (provider, email) in [
        ("google", "win@gmail.test"),
        ("microsoft", "win@contoso.test"),
    ] {
        // Generated mail is dated weeks ago; two messages arrive today.
        w.mailbox(provider, email, 50).await;
        for k in 0..2 {
            w.control(
                &format!("/users/{email}/deliver"),
                json!({"subject": format!("Today {k}")}),
            )
            .await;
        }
        let outcome = w.connect(&user_token(7), provider, email).await;
        let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
        let row = w.synced_after(id, None, Duration::from_secs(60)).await;
        assert_eq!(row["messageCount"], 2, "{provider}: only this week's mail");
    }
}
both_backends!(window, the_first_sync_takes_only_the_configured_window);

async fn two_engines_on_one_database_share_the_accounts(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    // A second sidecar process on the same database, with its own workers.
    let mut settings = w.app.settings.clone();
    settings.sync.enabled = true;
    let second = email_manager::startup::Application::build(
        settings,
        email_manager::startup::BuildOptions { migrate: true },
    )
    .await
    .unwrap();
    let second_state = second.state();
    tokio::spawn(second.run_until(std::future::pending()));
    assert_ne!(
        second_state.instance_id,
        w.app.state.as_ref().unwrap().instance_id
    );
    let mut ids = Vec::new();
    for k in 0..4 {
        let (provider, email) = if k % 2 == 0 {
            ("google", format!("two{k}@gmail.test"))
        } else {
            ("microsoft", format!("two{k}@contoso.test"))
        };
        ids.push((connect(&w, provider, &email, 120).await, provider, email));
    }
    for (id, provider, email) in &ids {
        w.synced_after(*id, None, Duration::from_secs(120)).await;
        assert_equals_truth(&w, *id, provider, email).await;
    }
    // This test's two engines only: the log is the whole test process's.
    let engines = [
        second_state.instance_id.clone(),
        w.app.state.as_ref().unwrap().instance_id.clone(),
    ];
    let lost = common::logs::text()
        .lines()
        .filter(|line| line.contains("another worker took this account over"))
        .filter(|line| engines.iter().any(|engine| line.contains(engine.as_str())))
        .count();
    assert_eq!(lost, 0, "no run lost its account to another");
}
both_backends!(two_engines, two_engines_on_one_database_share_the_accounts);

#[tokio::test]
async fn repeated_failures_show_error_and_the_next_success_clears_it() {
    let w = wired_with(Backend::Sqlite, |s| s.sync.call_attempts = 1)
        .await
        .unwrap();
    let id = connect(&w, "microsoft", "flaky@contoso.test", 5).await;
    let state = w.app.state.clone().unwrap();
    email_manager::sync::schedule_due(&state).await.unwrap();
    w.control(
        "/faults",
        json!({"provider": "microsoft", "rate": 1.0, "kinds": ["503"]}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        w.app.db.query_texts(
            "UPDATE sync_jobs SET run_after = '2000-01-01 00:00:00' RETURNING lease_owner AS value",
        );
        assert!(email_manager::sync::run_one(&state).await.unwrap());
        let row = account(&w, id).await;
        assert_eq!(row["lastError"]["code"], "PROVIDER_UNAVAILABLE");
        statuses.push(row["status"].as_str().unwrap().to_string());
    }
    assert_eq!(
        statuses,
        ["active", "active", "error"],
        "error only after repeated failures"
    );
    w.http
        .delete(format!("{}/_emulator/faults", w.emulator.url))
        .send()
        .await
        .unwrap();
    w.app.db.query_texts(
        "UPDATE sync_jobs SET run_after = '2000-01-01 00:00:00' RETURNING lease_owner AS value",
    );
    assert!(email_manager::sync::run_one(&state).await.unwrap());
    let row = account(&w, id).await;
    assert_eq!(
        (row["status"].as_str(), row["lastError"].is_null()),
        (Some("active"), true)
    );
    assert_eq!(row["messageCount"], 5);
}
