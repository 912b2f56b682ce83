//! IMAP push (#26): a connection per mailbox held in IDLE on its inbox, so new mail
//! shows in seconds as Gmail's and Graph's pushes make it. Anything the server says in
//! IDLE (a new message, an expunge, a flag another client changed) wakes the account's
//! incremental sync ([`super::wake`]); the sync stays the source of truth.
//!
//! Which process watches a mailbox is a lease on its push row (`subscription_id` names
//! the watching process, `expires_at` its lease): the watcher renews it every minute, and
//! a process only starts a watcher for a row with no live lease, so among replicas each
//! mailbox has one connection. Each process holds at most `push.imap_idle_max` of them;
//! mailboxes beyond stay polled until a replica with room takes them. A watcher
//! re-issues IDLE every minute (servers drop an IDLE after 30), reconnects with backoff
//! after a dropped connection, and stops when its lease is gone, the mailbox must be
//! reconnected, or the process stops. A server without IDLE is asked NOOP every minute.

use crate::providers::ProviderError;
use crate::providers::imap::mailbox::{self, ImapSession};
use crate::state::AppState;
use crate::store::mail_push;
use actix_web::web;
use async_imap::extensions::idle::IdleResponse;
use chrono::{Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration as StdDuration;

/// How long a watcher's lease lasts without renewal.
pub(super) const LEASE_SECS: i64 = 150;
/// One IDLE (or NOOP) round: the lease is renewed after each.
const ROUND: StdDuration = StdDuration::from_secs(60);
/// The longest wait before connecting again after a failure.
const MAX_BACKOFF: StdDuration = StdDuration::from_secs(300);

/// This process's watchers, by account.
#[derive(Default)]
pub struct IdleWatchers(Mutex<HashMap<i64, tokio::task::JoinHandle<()>>>);

impl IdleWatchers {
    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<i64, tokio::task::JoinHandle<()>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether this process watches the account now.
    pub fn watches(&self, account_id: i64) -> bool {
        self.running()
            .get(&account_id)
            .is_some_and(|task| !task.is_finished())
    }

    /// How many mailboxes this process watches.
    pub fn count(&self) -> usize {
        let mut running = self.running();
        running.retain(|_, task| !task.is_finished());
        running.len()
    }
}

/// What the push maintenance records for an IMAP row: watched here (a watcher started if
/// none runs), watched by another live process, or polled while this one is full.
pub(super) fn decide(
    state: &web::Data<AppState>,
    row: &mail_push::PushRow,
) -> mail_push::PushUpdate {
    let now = Utc::now().naive_utc();
    let me = state.instance_id.as_str();
    let next = now + Duration::seconds(60);
    let update = |status: &'static str, owner: Option<String>, until, error: Option<String>| {
        mail_push::PushUpdate {
            status,
            subscription_id: owner,
            client_state_sealed: None,
            expires_at: until,
            next_check_at: next,
            last_error: error,
        }
    };
    let leased_elsewhere = row.subscription_id.as_deref().is_some_and(|o| o != me)
        && row.expires_at.is_some_and(|until| until > now);
    if leased_elsewhere {
        return update(
            mail_push::ACTIVE,
            row.subscription_id.clone(),
            row.expires_at,
            None,
        );
    }
    let watchers = &state.imap_idle;
    if !watchers.watches(row.account_id) {
        if watchers.count() >= state.settings.push.imap_idle_max as usize {
            return update(
                mail_push::PENDING,
                None,
                None,
                Some(
                    "this process holds its most IDLE connections; polled until one has room"
                        .into(),
                ),
            );
        }
        let task = tokio::spawn(watch(state.clone(), row.account_id));
        watchers.running().insert(row.account_id, task);
    }
    update(
        mail_push::ACTIVE,
        Some(me.to_string()),
        Some(now + Duration::seconds(LEASE_SECS)),
        None,
    )
}

/// Keeps the lease; false when another process has it or the row is gone.
async fn renew(state: &AppState, account_id: i64) -> bool {
    let (me, now) = (state.instance_id.clone(), Utc::now().naive_utc());
    state
        .store
        .run(move |c| {
            mail_push::renew_watch(c, account_id, &me, now + Duration::seconds(LEASE_SECS))
        })
        .await
        .unwrap_or(false)
}

/// Watches one mailbox until its lease is lost, it must be reconnected, or the process
/// stops.
async fn watch(state: web::Data<AppState>, account_id: i64) {
    let stopping = state.jobs.stopping();
    let mut backoff = StdDuration::from_secs(5);
    tracing::info!(account = account_id, "IMAP IDLE watch started");
    loop {
        let round = async {
            let session = crate::imap_account::session(&state, account_id).await?;
            rounds(&state, account_id, session).await
        };
        let outcome = tokio::select! {
            outcome = round => outcome,
            () = stopping.wait() => break,
        };
        match outcome {
            // The lease went elsewhere (or the mailbox was disconnected).
            Ok(()) => break,
            Err(ProviderError::ReauthRequired) => break,
            Err(error) => {
                tracing::info!(account = account_id, %error, "IMAP IDLE connection lost; connecting again");
                if !renew(&state, account_id).await {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = stopping.wait() => break,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    tracing::info!(account = account_id, "IMAP IDLE watch ended");
}

/// IDLE rounds on the inbox while the lease holds; `Ok` when it is lost (the session is
/// logged out then; a failed one is dropped with its connection).
async fn rounds(
    state: &AppState,
    account_id: i64,
    mut session: ImapSession,
) -> Result<(), ProviderError> {
    let idle = tokio::time::timeout(StdDuration::from_secs(60), session.capabilities())
        .await
        .ok()
        .and_then(Result::ok)
        .is_some_and(|c| c.has_str("IDLE"));
    mailbox::open(&mut session, "INBOX", false).await?;
    loop {
        if !renew(state, account_id).await {
            mailbox::close(session).await;
            return Ok(());
        }
        let changed;
        (session, changed) = if idle {
            idle_round(session).await?
        } else {
            noop_round(session).await?
        };
        if changed && let Err(error) = super::wake(state, account_id).await {
            tracing::warn!(account = account_id, %error, "could not queue the sync IDLE asked for");
        }
    }
}

/// One IDLE of at most a minute (the session goes into IDLE and comes back); whether the
/// server said anything.
async fn idle_round(session: ImapSession) -> Result<(ImapSession, bool), ProviderError> {
    let lost = |what: &str| ProviderError::Transient(format!("IMAP IDLE: {what}"));
    let mut handle = session.idle();
    tokio::time::timeout(StdDuration::from_secs(30), handle.init())
        .await
        .map_err(|_| lost("no answer to IDLE"))?
        .map_err(|_| lost("IDLE refused"))?;
    let said = {
        let (wait, _stop) = handle.wait_with_timeout(ROUND);
        // Keepalives reset the library's own timer: the round ends at this one either way.
        match tokio::time::timeout(ROUND + StdDuration::from_secs(10), wait).await {
            Ok(Ok(IdleResponse::NewData(_))) => true,
            Ok(Ok(IdleResponse::Timeout)) | Err(_) => false,
            // The stream ended: the server closed the connection.
            Ok(Ok(IdleResponse::ManualInterrupt)) => {
                return Err(lost("the server closed the connection"));
            }
            Ok(Err(_)) => return Err(lost("the connection failed")),
        }
    };
    let session = tokio::time::timeout(StdDuration::from_secs(30), handle.done())
        .await
        .map_err(|_| lost("no answer to DONE"))?
        .map_err(|_| lost("DONE failed"))?;
    Ok((session, said))
}

/// A server without IDLE: NOOP once a minute, which reports what changed.
async fn noop_round(mut session: ImapSession) -> Result<(ImapSession, bool), ProviderError> {
    tokio::time::sleep(ROUND).await;
    while session.unsolicited_responses.try_recv().is_ok() {}
    tokio::time::timeout(StdDuration::from_secs(30), session.noop())
        .await
        .map_err(|_| ProviderError::Transient("IMAP NOOP: no answer".into()))?
        .map_err(|_| ProviderError::Transient("IMAP NOOP failed".into()))?;
    let mut changed = false;
    while session.unsolicited_responses.try_recv().is_ok() {
        changed = true;
    }
    Ok((session, changed))
}
