//! Live events for the NocoBase pages (`GET /api/mailEvents:stream`).
//!
//! Whoever changes a mailbox (a sync page, a sync's progress or end) appends a row to
//! `mail_events` ([`record_changes`] with the page's write, [`publish_account`]); every process tails that table
//! ([`spawn_tail`]) and hands new rows to its open streams through a broadcast channel.
//! Going through the database means a page connected to one replica hears about a sync
//! that runs on another. Rows carry ids, counts and statuses only, never mail content,
//! and are deleted after [`KEEP`].

use crate::jobs::{Job, Next, Outcome, Stopping};
use crate::state::AppState;
use crate::store::{DbConnection, StoreError, mail_accounts, mail_events};
use actix_web::web;
use chrono::Utc;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::broadcast;

/// How long rows stay (a page reconnecting within this gets what it missed).
pub const KEEP: chrono::Duration = chrono::Duration::minutes(10);
/// How often each process looks for new rows.
const TAIL_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// One event, as streamed.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    /// JSON object text.
    pub data: String,
}

/// This process's fan-out to its open streams.
pub struct Bus {
    sender: broadcast::Sender<Arc<Event>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(4096).0,
        }
    }
}

impl Bus {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }
}

/// The events for what a sync page did to an account's messages.
fn change_rows(
    account_id: i64,
    stored: usize,
    changed: usize,
    deleted: usize,
) -> Vec<(&'static str, Value)> {
    [
        ("message.created", stored),
        ("message.updated", changed),
        ("message.deleted", deleted),
    ]
    .into_iter()
    .filter(|(_, count)| *count > 0)
    .map(|(kind, count)| (kind, json!({"accountId": account_id, "count": count})))
    .collect()
}

/// Records, in the caller's transaction, what a sync page did to an account's messages.
pub fn record_changes(
    connection: &mut DbConnection,
    account_id: i64,
    (stored, changed, deleted): (usize, usize, usize),
    now: chrono::NaiveDateTime,
) -> Result<(), StoreError> {
    let rows = change_rows(account_id, stored, changed, deleted);
    if rows.is_empty() {
        return Ok(());
    }
    mail_events::append(connection, account_id, &rows, now)
}

/// Records, in the caller's transaction, an account's status and sync progress as they
/// are there.
pub fn record_account(
    connection: &mut DbConnection,
    account_id: i64,
    now: chrono::NaiveDateTime,
) -> Result<(), StoreError> {
    let Some(account) = mail_accounts::get(connection, account_id)? else {
        return Ok(());
    };
    let data = json!({
        "accountId": account_id,
        "status": account.status.as_str(),
        "syncPhase": account.sync_phase,
        "syncDone": account.sync_done,
        "syncTotal": account.sync_total,
        "lastSyncAt": account.last_sync_at.map(|t| t.and_utc().to_rfc3339()),
        "lastErrorCode": account.last_error_code,
    });
    mail_events::append(connection, account_id, &[("account.updated", data)], now)
}

/// Records an account's status and sync progress as they are now.
pub async fn publish_account(state: &AppState, account_id: i64) {
    let now = Utc::now().naive_utc();
    let result = state
        .store
        // IMMEDIATE: an append meeting a sync page's write on SQLite otherwise could fail
        // at once with "database is locked", and the event was lost (seen once pages were
        // written while the next was fetched).
        .run(move |c| c.write_transaction(|c| record_account(c, account_id, now)))
        .await;
    if let Err(error) = result {
        tracing::warn!(account = account_id, %error, "event not recorded");
    }
}

/// This process's tail of `mail_events`: new rows every [`TAIL_EVERY`] to the open
/// streams, and old rows pruned every minute.
struct Tail {
    state: web::Data<AppState>,
    /// The last row handed on (`None` until the first step reads where the table is).
    last: Option<i64>,
    pruned_at: std::time::Instant,
}

impl Job for Tail {
    async fn step(&mut self, _: &Stopping) -> Next {
        let state = &self.state;
        let after = match self.last {
            Some(last) => last,
            None => {
                let last = state.store.run(mail_events::last_id).await.unwrap_or(0);
                self.last = Some(last);
                return Next::after(Outcome::Worked, TAIL_EVERY);
            }
        };
        let outcome = match state
            .store
            .run(move |c| mail_events::after(c, after, 1000))
            .await
        {
            Ok(events) if events.is_empty() => Outcome::Idle,
            Ok(events) => {
                let mut last = after;
                for event in events {
                    last = last.max(event.id);
                    // No stream open is not an error.
                    let _ = state.events.sender.send(Arc::new(event));
                }
                self.last = Some(last);
                Outcome::Worked
            }
            Err(error) => {
                tracing::debug!(%error, "event tail failed");
                Outcome::Failed
            }
        };
        if self.pruned_at.elapsed() > std::time::Duration::from_secs(60) {
            self.pruned_at = std::time::Instant::now();
            let before = Utc::now().naive_utc() - KEEP;
            let _ = state
                .store
                .run(move |c| mail_events::prune(c, before))
                .await;
        }
        Next::after(outcome, TAIL_EVERY)
    }
}

/// Starts this process's tail of `mail_events` as one of its jobs.
pub fn spawn_tail(state: web::Data<AppState>) {
    state.jobs.spawn(
        "event-tail",
        Tail {
            state: state.clone(),
            last: None,
            pruned_at: std::time::Instant::now(),
        },
    );
}
