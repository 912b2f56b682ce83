//! What a mailbox's sync progress says while it runs, read from the `account.updated`
//! events the page draws its bar from. Reported by a user (#24): the percentage did not
//! match "done of total". A routine Outlook sync showed as a first import ("initial",
//! 0 of the whole mailbox, then a few per cent), and a first import limited to recent
//! mail counted against the whole mailbox, so its bar stopped short and vanished.
//! The rules: a total is given only when it is what `done` counts up to; the last page
//! of a first import brings `done` to it; a routine sync is "incremental" with no total.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired_with};
use common::tokens::user_token;
use serde_json::{Value, json};
use std::time::Duration;

/// The account's progress as its events told it, after event `after`: (phase, done, total).
fn progress(w: &Wired, id: i64, after: i64) -> Vec<(String, i64, Option<i64>)> {
    w.app
        .db
        .query_texts(&format!(
            "SELECT data AS value FROM mail_events WHERE account_id = {id} \
             AND kind = 'account.updated' AND id > {after} ORDER BY id"
        ))
        .into_iter()
        .map(|data| serde_json::from_str::<Value>(&data.unwrap()).unwrap())
        .filter_map(|e| {
            let phase = e["syncPhase"].as_str()?.to_string();
            (phase != "idle").then(|| {
                (
                    phase,
                    e["syncDone"].as_i64().unwrap_or(0),
                    e["syncTotal"].as_i64(),
                )
            })
        })
        .collect()
}

/// The one number `sql` selects (as text, named `value`).
fn number(w: &Wired, sql: &str) -> i64 {
    w.app.db.query_texts(sql)[0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

fn last_event(w: &Wired) -> i64 {
    number(
        w,
        "SELECT CAST(COALESCE(MAX(id), 0) AS TEXT) AS value FROM mail_events",
    )
}

async fn first_import_counts_up_to_its_total_and_routine_syncs_have_none(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.enabled = true;
        s.sync.interval_secs = 3600;
        // Several pages, so the bar has steps to check.
        s.sync.page_size = 20;
    })
    .await
    else {
        return;
    };
    for (provider, email) in [
        ("google", "bar@gmail.test"),
        ("microsoft", "bar@contoso.test"),
    ] {
        w.mailbox(provider, email, 90).await;
        let outcome = w.connect(&user_token(7), provider, email).await;
        let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
        let first = w.synced_after(id, None, Duration::from_secs(90)).await;
        let steps = progress(&w, id, 0);
        // Before the run counts (a new account waits as "initial", 0, no total) and while
        // it pages: never more done than the total.
        let initial: Vec<_> = steps
            .iter()
            .filter(|s| s.0 == "initial" && s.2.is_some())
            .collect();
        assert!(initial.len() >= 3, "{provider}: {steps:?}");
        for (phase, done, total) in &steps {
            match total {
                Some(total) => assert!(
                    done <= total,
                    "{provider}: more done than the total: {steps:?}"
                ),
                None => assert!(
                    phase != "initial" || *done == 0,
                    "{provider}: a counted first import without a total: {steps:?}"
                ),
            }
        }
        let (_, done, total) = initial.last().unwrap();
        assert_eq!(
            Some(*done),
            *total,
            "{provider}: the last page leaves the bar short: {steps:?}"
        );
        assert_eq!(
            first["messageCount"].as_i64(),
            *total,
            "{provider}: {steps:?}"
        );

        // New mail: the next sync is routine, and says so.
        w.control(
            &format!("/users/{email}/deliver"),
            json!({"subject": "Fresh"}),
        )
        .await;
        let (since, mark) = (
            first["lastSyncAt"].as_str().unwrap().to_string(),
            last_event(&w),
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        w.sync_now(id).await;
        w.synced_after(id, Some(&since), Duration::from_secs(90))
            .await;
        let routine = progress(&w, id, mark);
        assert!(!routine.is_empty(), "{provider}: no progress told");
        assert!(
            routine
                .iter()
                .all(|(phase, _, total)| phase == "incremental" && total.is_none()),
            "{provider}: a routine sync shown as {routine:?}"
        );
    }
}
both_backends!(
    first_import_and_routine,
    first_import_counts_up_to_its_total_and_routine_syncs_have_none
);

/// With `sync.initial_window_days`, how much mail the window holds is not known in
/// advance: no total, rather than the whole mailbox's.
async fn a_windowed_first_import_gives_no_total(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.enabled = true;
        s.sync.initial_window_days = 7;
    })
    .await
    else {
        return;
    };
    for (provider, email) in [
        ("google", "recent@gmail.test"),
        ("microsoft", "recent@contoso.test"),
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
        let row = w.synced_after(id, None, Duration::from_secs(90)).await;
        assert_eq!(row["messageCount"], 2, "{provider}");
        let steps = progress(&w, id, 0);
        assert!(
            steps.iter().any(|s| s.0 == "initial")
                && steps.iter().all(|(_, _, total)| total.is_none()),
            "{provider}: {steps:?}"
        );
    }
}
both_backends!(windowed, a_windowed_first_import_gives_no_total);

fn stored(w: &Wired, account: i64) -> i64 {
    number(
        w,
        &format!(
            "SELECT CAST(count(*) AS TEXT) AS value FROM mail_messages WHERE account_id = {account}"
        ),
    )
}

/// Reported with #24: a first import that stopped midway (a provider outage, a restart)
/// and then resumed counted from 0 again, so its bar jumped back, and Outlook's ended
/// short by as much as the first run had stored. Resumed, the count starts at what is
/// stored and ends at the total.
async fn a_resumed_first_import_goes_on_from_where_it_stopped(backend: Backend) {
    let Some(w) = wired_with(backend, |s| {
        s.sync.enabled = true;
        s.sync.interval_secs = 3600;
        s.sync.page_size = 20;
        // One failed call stops the run (no retries to wait out).
        s.sync.call_attempts = 1;
    })
    .await
    else {
        return;
    };
    const MESSAGES: i64 = 120;
    for (provider, email) in [
        ("google", "resume@gmail.test"),
        ("microsoft", "resume@contoso.test"),
    ] {
        w.mailbox(provider, email, MESSAGES as usize).await;
        // Slow answers, so the import can be stopped midway.
        w.control("/settings", json!({"slowMs": 100})).await;
        w.control("/faults", json!({"rate": 1.0, "kinds": ["slow"]}))
            .await;
        let outcome = w.connect(&user_token(7), provider, email).await;
        let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
        let started = std::time::Instant::now();
        while stored(&w, id) < 40 {
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "{provider}: no pages stored"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The provider fails every call: the run stops where it is.
        w.control("/faults", json!({"rate": 1.0, "kinds": ["500"]}))
            .await;
        let stopped = loop {
            let row = w.account(&id.to_string()).await;
            if !row["lastError"].is_null() {
                break row;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "{provider}: {row}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let before = stored(&w, id);
        assert!(
            before < MESSAGES,
            "{provider}: the run was not stopped midway"
        );
        w.clear_faults().await;
        w.control("/settings", json!({"slowMs": 0})).await;
        let mark = last_event(&w);
        w.sync_now(id).await;
        let row = w
            .synced_after(id, stopped["lastSyncAt"].as_str(), Duration::from_secs(90))
            .await;
        assert_eq!(row["messageCount"], MESSAGES, "{provider}");
        let counted: Vec<_> = progress(&w, id, mark)
            .into_iter()
            .filter(|s| s.0 == "initial" && s.2.is_some())
            .collect();
        let (_, first, _) = counted.first().expect("the resumed run counts");
        let (_, done, total) = counted.last().unwrap();
        assert_eq!(
            Some(*done),
            *total,
            "{provider}: the resumed import ends short: {counted:?}"
        );
        if provider == "google" {
            // One listing of the whole mailbox: it goes on from all that is stored.
            assert!(
                *first >= before,
                "{provider}: resumed at {first} with {before} stored: {counted:?}"
            );
            assert_eq!(*total, Some(MESSAGES), "{provider}: {counted:?}");
        } else {
            // Per folder: the folders finished before the stop are no part of it.
            assert!(total.unwrap() <= MESSAGES, "{provider}: {counted:?}");
        }
    }
}
both_backends!(
    resumed,
    a_resumed_first_import_goes_on_from_where_it_stopped
);
