//! The sync job queue: at most one job per account, claimed by a conditional update
//! (a lease), with a revision that grows on every claim so a worker whose lease was
//! taken over is fenced off ([`Fence`]).

use super::schema::sync_jobs;
use super::{DbConnection, StoreError};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

/// A worker's right to write for an account: the lease it holds and the revision it
/// claimed. Writes check it in their transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub account_id: i64,
    pub owner: String,
    pub revision: i64,
}

/// A job a worker now holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub fence: Fence,
    pub full_resync: bool,
    pub attempts: i64,
}

/// Queues a sync for an account; a job already queued or running is kept (and made a
/// full resync if one is asked for), so there is never a duplicate. A job that is
/// running is marked to run once more when it ends: what was asked for may have
/// happened after the running pass looked (a push during a sync), and a burst of such
/// requests still makes one more run, not one each.
pub fn enqueue(
    connection: &mut DbConnection,
    account_id: i64,
    full: bool,
    run_after: NaiveDateTime,
) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        let existing: Option<(NaiveDateTime, bool, Option<String>)> = sync_jobs::table
            .find(account_id)
            .select((
                sync_jobs::run_after,
                sync_jobs::full_resync,
                sync_jobs::lease_owner,
            ))
            .first(connection)
            .optional()?;
        match existing {
            Some((at, was_full, owner)) => {
                let updated = diesel::update(sync_jobs::table.find(account_id))
                    .set((
                        sync_jobs::run_after.eq(at.min(run_after)),
                        sync_jobs::full_resync.eq(was_full || full),
                        sync_jobs::rerun.eq(owner.is_some()),
                    ))
                    .execute(connection)?;
                // The running job finished and went away between the read and this
                // update (PostgreSQL, another connection): queue a new one instead of
                // losing the request.
                if updated == 0 {
                    return enqueue(connection, account_id, full, run_after);
                }
            }
            None => {
                // Another process may insert the same job between our read and this
                // insert (PostgreSQL replicas): then there is a job, so update it. The
                // insert runs in a savepoint so its failure leaves the transaction usable.
                let inserted = connection.write_transaction(|connection| {
                    diesel::insert_into(sync_jobs::table)
                        .values((
                            sync_jobs::account_id.eq(account_id),
                            sync_jobs::full_resync.eq(full),
                            sync_jobs::run_after.eq(run_after),
                            sync_jobs::created_at.eq(run_after),
                        ))
                        .execute(connection)
                });
                match inserted {
                    Ok(_) => {}
                    Err(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    )) => return enqueue(connection, account_id, full, run_after),
                    Err(error) => return Err(error.into()),
                }
            }
        }
        Ok(())
    })
}

/// Claims one due job whose lease is free or expired. Several workers (in several
/// processes) may race: the conditional update lets exactly one win each job.
pub fn claim(
    connection: &mut DbConnection,
    owner: &str,
    lease: Duration,
    now: NaiveDateTime,
) -> Result<Option<Claimed>, StoreError> {
    let candidates: Vec<i64> = sync_jobs::table
        .filter(sync_jobs::run_after.le(now))
        .filter(
            sync_jobs::lease_until
                .is_null()
                .or(sync_jobs::lease_until.lt(now)),
        )
        .order(sync_jobs::run_after.asc())
        .select(sync_jobs::account_id)
        .limit(8)
        .load(connection)?;
    for account_id in candidates {
        let taken = diesel::update(
            sync_jobs::table
                .find(account_id)
                .filter(sync_jobs::run_after.le(now))
                .filter(
                    sync_jobs::lease_until
                        .is_null()
                        .or(sync_jobs::lease_until.lt(now)),
                ),
        )
        .set((
            sync_jobs::lease_owner.eq(Some(owner)),
            sync_jobs::lease_until.eq(Some(now + lease)),
            sync_jobs::revision.eq(sync_jobs::revision + 1),
            sync_jobs::attempts.eq(sync_jobs::attempts + 1),
            sync_jobs::rerun.eq(false),
        ))
        .execute(connection)?;
        if taken == 1 {
            let (revision, full_resync, attempts) = sync_jobs::table
                .find(account_id)
                .select((
                    sync_jobs::revision,
                    sync_jobs::full_resync,
                    sync_jobs::attempts,
                ))
                .first(connection)?;
            return Ok(Some(Claimed {
                fence: Fence {
                    account_id,
                    owner: owner.to_string(),
                    revision,
                },
                full_resync,
                attempts,
            }));
        }
    }
    Ok(None)
}

/// The job row `fence` holds (none once another worker claimed it).
type Held<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<sync_jobs::table, i64>,
        diesel::dsl::Eq<sync_jobs::lease_owner, &'a String>,
    >,
    diesel::dsl::Eq<sync_jobs::revision, i64>,
>;

fn held(fence: &Fence) -> Held<'_> {
    sync_jobs::table
        .find(fence.account_id)
        .filter(sync_jobs::lease_owner.eq(&fence.owner))
        .filter(sync_jobs::revision.eq(fence.revision))
}

/// Fails with [`StoreError::Fenced`] unless `fence` still holds its job. Call inside the
/// transaction that writes.
pub fn check(connection: &mut DbConnection, fence: &Fence) -> Result<(), StoreError> {
    let holding: i64 = held(fence).count().get_result(connection)?;
    if holding == 1 {
        Ok(())
    } else {
        Err(StoreError::Fenced)
    }
}

/// Extends a held lease (long syncs call this between pages).
pub fn heartbeat(
    connection: &mut DbConnection,
    fence: &Fence,
    lease: Duration,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(held(fence))
        .set(sync_jobs::lease_until.eq(Some(now + lease)))
        .execute(connection)?;
    Ok(changed == 1)
}

/// Ends a held job: removed, or (when `retry_at` is given) released to run again then.
/// A job asked for again while it ran (`rerun`) is released to run at once instead.
pub fn finish(
    connection: &mut DbConnection,
    fence: &Fence,
    retry_at: Option<NaiveDateTime>,
) -> Result<bool, StoreError> {
    let held = held(fence);
    let changed = match retry_at {
        None => {
            // Deleted only while nobody asked for another run. One statement: a request
            // that marks `rerun` while this runs is either seen here (the row is kept and
            // runs again) or finds the row gone and queues a new one (`enqueue`), never
            // lost between a check and a delete.
            let done =
                diesel::delete(held.filter(sync_jobs::rerun.eq(false))).execute(connection)?;
            if done == 1 {
                1
            } else {
                diesel::update(held)
                    .set((
                        sync_jobs::rerun.eq(false),
                        sync_jobs::attempts.eq(0),
                        sync_jobs::lease_owner.eq(None::<String>),
                        sync_jobs::lease_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(connection)?
            }
        }
        Some(at) => diesel::update(held)
            .set((
                sync_jobs::run_after.eq(at),
                sync_jobs::lease_owner.eq(None::<String>),
                sync_jobs::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(connection)?,
    };
    Ok(changed == 1)
}

/// Hands a held job back unfinished (its process is stopping): due at once, free for any
/// worker, and not counted as a failed attempt.
pub fn release(
    connection: &mut DbConnection,
    fence: &Fence,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(held(fence))
        .set((
            sync_jobs::run_after.eq(now),
            sync_jobs::lease_owner.eq(None::<String>),
            sync_jobs::lease_until.eq(None::<NaiveDateTime>),
            sync_jobs::attempts.eq(sync_jobs::attempts - 1),
        ))
        .execute(connection)?;
    Ok(changed == 1)
}
