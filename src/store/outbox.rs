//! The outbox: one row per send, keyed by (account, Idempotency-Key) so a retry finds the
//! first attempt instead of sending again; scheduled sends wait here until due.

use super::schema::mail_outbox;
use super::text_column::text_column;
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::Text;

/// Where a send stands, as the `status` column names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum SendStatus {
    /// Scheduled: waiting, sealed, for its time.
    Queued,
    /// Handed to the provider (or about to be) by the process holding its lease.
    Sending,
    Sent,
    /// Not sent; the provider's reason is kept.
    Failed,
    /// It may have gone: never sent again on its own. The default, being the safe one.
    #[default]
    Unknown,
}

impl SendStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            SendStatus::Queued => "queued",
            SendStatus::Sending => "sending",
            SendStatus::Sent => "sent",
            SendStatus::Failed => "failed",
            SendStatus::Unknown => "unknown",
        }
    }

    /// Whether nothing will change it any more.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            SendStatus::Sent | SendStatus::Failed | SendStatus::Unknown
        )
    }
}

impl std::str::FromStr for SendStatus {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        [
            SendStatus::Queued,
            SendStatus::Sending,
            SendStatus::Sent,
            SendStatus::Failed,
            SendStatus::Unknown,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
        .ok_or(())
    }
}

text_column!(SendStatus);

/// A send as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub request_digest: String,
    pub status: SendStatus,
    pub send_at: Option<NaiveDateTime>,
    pub subject: String,
    pub recipient_count: i64,
    pub provider_message_id: Option<String>,
    pub provider_thread_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl OutboxRow {
    /// Whether the send has its outcome (nothing will change it any more).
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }
}

/// A send about to start.
#[derive(Debug, Clone)]
pub struct NewSend {
    pub account_id: i64,
    pub user_id: i64,
    /// The caller's Idempotency-Key, or a random one when they gave none (every row has
    /// one, so a new row is found again by it).
    pub idempotency_key: String,
    pub request_digest: String,
    /// `queued` (scheduled) or `sending` (now).
    pub status: SendStatus,
    pub send_at: Option<NaiveDateTime>,
    pub subject: String,
    pub recipient_count: i64,
    /// Until when a `sending` row is this process's; past it, it reads as unknown.
    pub lease_until: Option<NaiveDateTime>,
    /// The Message-ID of its message, when known now (a campaign's is set with its
    /// message): how an interrupted send is looked up at the provider.
    pub rfc_message_id: Option<String>,
}

/// What [`begin`] found.
#[derive(Debug)]
pub enum Begun {
    /// A new row: this request sends.
    New(i64),
    /// The key was used before: that attempt's row.
    Existing(Box<OutboxRow>),
}

pub fn find(connection: &mut DbConnection, id: i64) -> Result<Option<OutboxRow>, StoreError> {
    Ok(mail_outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(connection)
        .optional()?)
}

/// The send made earlier under `key` for the account, if any.
pub fn find_by_key(
    connection: &mut DbConnection,
    account_id: i64,
    key: &str,
) -> Result<Option<OutboxRow>, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::account_id.eq(account_id))
        .filter(mail_outbox::idempotency_key.eq(key))
        .select(OutboxRow::as_select())
        .first(connection)
        .optional()?)
}

/// Records a send, unless its key was used before for the account; the unique key makes
/// concurrent retries agree on one row.
pub fn begin(
    connection: &mut DbConnection,
    send: &NewSend,
    now: NaiveDateTime,
) -> Result<Begun, StoreError> {
    let inserted = diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::account_id.eq(send.account_id),
            mail_outbox::user_id.eq(send.user_id),
            mail_outbox::idempotency_key.eq(&send.idempotency_key),
            mail_outbox::request_digest.eq(&send.request_digest),
            mail_outbox::status.eq(send.status),
            mail_outbox::send_at.eq(send.send_at),
            mail_outbox::subject.eq(&send.subject),
            mail_outbox::recipient_count.eq(send.recipient_count),
            mail_outbox::lease_until.eq(send.lease_until),
            mail_outbox::rfc_message_id.eq(&send.rfc_message_id),
            mail_outbox::created_at.eq(now),
            mail_outbox::updated_at.eq(now),
        ))
        .execute(connection);
    let is_new = match inserted {
        Ok(_) => true,
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => false,
        Err(other) => return Err(other.into()),
    };
    let row = mail_outbox::table
        .filter(mail_outbox::account_id.eq(send.account_id))
        .filter(mail_outbox::idempotency_key.eq(&send.idempotency_key))
        .select(OutboxRow::as_select())
        .first(connection)?;
    Ok(if is_new {
        Begun::New(row.id)
    } else {
        Begun::Existing(Box::new(row))
    })
}

/// Keeps the (sealed) message of a scheduled send until it goes.
pub fn keep_message(
    connection: &mut DbConnection,
    id: i64,
    sealed: &str,
) -> Result<(), StoreError> {
    diesel::update(mail_outbox::table.find(id))
        .set(mail_outbox::message.eq(Some(sealed)))
        .execute(connection)?;
    Ok(())
}

/// How a send ended.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub status: SendStatus,
    pub provider_message_id: Option<String>,
    pub provider_thread_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// Writes the outcome of a send and drops its kept message — unless the outcome is
/// unknown: then the message stays until the send is settled ([`unsettled`]), so one
/// that never reached the provider can go again.
pub fn finish(
    connection: &mut DbConnection,
    id: i64,
    outcome: &Outcome,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    connection.write_transaction(|connection| {
        diesel::update(mail_outbox::table.find(id))
            .set((
                mail_outbox::status.eq(outcome.status),
                mail_outbox::provider_message_id.eq(&outcome.provider_message_id),
                mail_outbox::provider_thread_id.eq(&outcome.provider_thread_id),
                mail_outbox::error_code.eq(&outcome.error_code),
                mail_outbox::error_message.eq(&outcome.error_message),
                mail_outbox::lease_until.eq(None::<NaiveDateTime>),
                mail_outbox::sent_at.eq((outcome.status == SendStatus::Sent).then_some(now)),
                mail_outbox::updated_at.eq(now),
            ))
            .execute(connection)?;
        if outcome.status != SendStatus::Unknown {
            diesel::update(mail_outbox::table.find(id))
                .set((
                    mail_outbox::message.eq(None::<String>),
                    mail_outbox::rfc_message_id.eq(None::<String>),
                ))
                .execute(connection)?;
        }
        Ok(())
    })
}

/// Extends the lease of a send this process is still handing to the provider.
pub fn renew(
    connection: &mut DbConnection,
    id: i64,
    lease_until: NaiveDateTime,
) -> Result<bool, StoreError> {
    let renewed = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::status.eq(SendStatus::Sending)),
    )
    .set(mail_outbox::lease_until.eq(Some(lease_until)))
    .execute(connection)?;
    Ok(renewed == 1)
}

/// An unknown send to settle: the provider is asked whether its message arrived.
#[derive(Debug, Clone)]
pub struct Unsettled {
    pub id: i64,
    pub account_id: i64,
    /// The Message-ID to look for.
    pub rfc_message_id: String,
    /// Its message is kept, so it can go again if it never arrived.
    pub has_message: bool,
}

/// How long an unknown send is looked up before it is left unknown for good.
const SETTLE_FOR_DAYS: i64 = 7;

/// Takes up to `limit` unknown sends with a Message-ID to look up, each for this process
/// until `retry_at` (the lease is the claim: two processes do not ask for one send, and
/// one that could not ask now is asked again after it). Only sends unknown since before
/// `quiet_since`: a provider may still be taking in a message whose answer was lost a
/// moment ago.
pub fn unsettled(
    connection: &mut DbConnection,
    now: NaiveDateTime,
    quiet_since: NaiveDateTime,
    retry_at: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Unsettled>, StoreError> {
    let free = || {
        mail_outbox::lease_until
            .is_null()
            .or(mail_outbox::lease_until.lt(now))
    };
    let candidates: Vec<(i64, i64, Option<String>, bool, NaiveDateTime)> = mail_outbox::table
        .filter(mail_outbox::status.eq(SendStatus::Unknown))
        .filter(mail_outbox::rfc_message_id.is_not_null())
        .filter(mail_outbox::updated_at.lt(quiet_since))
        .filter(free())
        .order(mail_outbox::id.asc())
        .limit(limit)
        .select((
            mail_outbox::id,
            mail_outbox::account_id,
            mail_outbox::rfc_message_id,
            mail_outbox::message.is_not_null(),
            mail_outbox::created_at,
        ))
        .load(connection)?;
    let mut taken = Vec::new();
    for (id, account_id, rfc_message_id, has_message, created_at) in candidates {
        if created_at < now - chrono::Duration::days(SETTLE_FOR_DAYS) {
            stop_settling(connection, id)?;
            continue;
        }
        let claimed = diesel::update(
            mail_outbox::table
                .find(id)
                .filter(mail_outbox::status.eq(SendStatus::Unknown))
                .filter(free()),
        )
        .set(mail_outbox::lease_until.eq(Some(retry_at)))
        .execute(connection)?;
        if let (1, Some(rfc_message_id)) = (claimed, rfc_message_id) {
            taken.push(Unsettled {
                id,
                account_id,
                rfc_message_id,
                has_message,
            });
        }
    }
    Ok(taken)
}

/// An unknown send the provider says never arrived: queued to go again now when its
/// message is kept (a scheduled send, a campaign's), else failed as not sent. Only from
/// `unknown`, so a send settled by another process meanwhile is left alone.
pub fn send_again(
    connection: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let unknown = || {
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::status.eq(SendStatus::Unknown))
    };
    let queued = diesel::update(unknown().filter(mail_outbox::message.is_not_null()))
        .set((
            mail_outbox::status.eq(SendStatus::Queued),
            mail_outbox::send_at.eq(Some(now)),
            mail_outbox::lease_until.eq(None::<NaiveDateTime>),
            mail_outbox::error_code.eq(None::<String>),
            mail_outbox::error_message.eq(None::<String>),
            mail_outbox::updated_at.eq(now),
        ))
        .execute(connection)?;
    if queued == 1 {
        return Ok(true);
    }
    diesel::update(unknown())
        .set((
            mail_outbox::status.eq(SendStatus::Failed),
            mail_outbox::error_code.eq(Some("NOT_SENT")),
            mail_outbox::error_message.eq(Some(
                "The service stopped before the provider had the message: it was not sent.",
            )),
            mail_outbox::lease_until.eq(None::<NaiveDateTime>),
            mail_outbox::rfc_message_id.eq(None::<String>),
            mail_outbox::updated_at.eq(now),
        ))
        .execute(connection)?;
    Ok(false)
}

/// An unknown send the provider has: sent, with the provider's ids.
pub fn settle_sent(
    connection: &mut DbConnection,
    id: i64,
    provider_message_id: &str,
    provider_thread_id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::status.eq(SendStatus::Unknown)),
    )
    .set((
        mail_outbox::status.eq(SendStatus::Sent),
        mail_outbox::provider_message_id.eq(Some(provider_message_id)),
        mail_outbox::provider_thread_id.eq(Some(provider_thread_id)),
        mail_outbox::error_code.eq(None::<String>),
        mail_outbox::error_message.eq(None::<String>),
        mail_outbox::message.eq(None::<String>),
        mail_outbox::rfc_message_id.eq(None::<String>),
        mail_outbox::lease_until.eq(None::<NaiveDateTime>),
        mail_outbox::sent_at.eq(Some(now)),
        mail_outbox::updated_at.eq(now),
    ))
    .execute(connection)?;
    Ok(())
}

/// An unknown send nothing more can be learned about (its provider cannot be asked):
/// it stays unknown, its message dropped.
pub fn stop_settling(connection: &mut DbConnection, id: i64) -> Result<(), StoreError> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::message.eq(None::<String>),
            mail_outbox::rfc_message_id.eq(None::<String>),
            mail_outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(connection)?;
    Ok(())
}

/// Takes the oldest due scheduled send for this process (queued → sending, leased until
/// `lease_until`), with its sealed message. The status check in the update makes two
/// processes racing for one row agree: only one update changes it.
pub fn claim_due(
    connection: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<(OutboxRow, Option<String>)>, StoreError> {
    let due: Vec<i64> = mail_outbox::table
        .filter(mail_outbox::status.eq(SendStatus::Queued))
        .filter(mail_outbox::send_at.le(now))
        .order(mail_outbox::send_at.asc())
        .select(mail_outbox::id)
        .limit(5)
        .load(connection)?;
    for id in due {
        let taken = diesel::update(
            mail_outbox::table
                .find(id)
                .filter(mail_outbox::status.eq(SendStatus::Queued)),
        )
        .set((
            mail_outbox::status.eq(SendStatus::Sending),
            mail_outbox::lease_until.eq(Some(lease_until)),
            mail_outbox::updated_at.eq(now),
        ))
        .execute(connection)?;
        if taken == 1 {
            let row = mail_outbox::table
                .find(id)
                .select((OutboxRow::as_select(), mail_outbox::message))
                .first(connection)?;
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Sends whose process stopped while the provider had them (the lease ran out) may or
/// may not have gone: they become `unknown`, never sent again blindly. Their message is
/// kept until the provider is asked ([`unsettled`]).
pub fn abandon_stale(
    connection: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        mail_outbox::table
            .filter(mail_outbox::status.eq(SendStatus::Sending))
            .filter(mail_outbox::lease_until.lt(now)),
    )
    .set((
        mail_outbox::status.eq(SendStatus::Unknown),
        mail_outbox::error_code.eq(Some("INTERRUPTED")),
        mail_outbox::error_message.eq(Some(
            "The service stopped while the provider had the message; it may or may not have been sent.",
        )),
        mail_outbox::lease_until.eq(None::<NaiveDateTime>),
        mail_outbox::updated_at.eq(now),
    ))
    .execute(connection)?)
}

/// A user's sends that are not simply done: scheduled, failed and unknown, newest first.
pub fn pending_for(
    connection: &mut DbConnection,
    user_id: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OutboxRow>, i64), StoreError> {
    let statuses = [
        SendStatus::Queued,
        SendStatus::Sending,
        SendStatus::Failed,
        SendStatus::Unknown,
    ];
    let count = mail_outbox::table
        .filter(mail_outbox::user_id.eq(user_id))
        .filter(mail_outbox::status.eq_any(statuses))
        .count()
        .get_result(connection)?;
    let rows = mail_outbox::table
        .filter(mail_outbox::user_id.eq(user_id))
        .filter(mail_outbox::status.eq_any(statuses))
        .order((mail_outbox::created_at.desc(), mail_outbox::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(connection)?;
    Ok((rows, count))
}

/// Cancels a scheduled send of `user_id` that has not started: true if it was removed.
pub fn cancel(connection: &mut DbConnection, id: i64, user_id: i64) -> Result<bool, StoreError> {
    let removed = diesel::delete(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::user_id.eq(user_id))
            .filter(mail_outbox::status.eq(SendStatus::Queued)),
    )
    .execute(connection)?;
    Ok(removed == 1)
}

/// The sealed messages of scheduled sends (for re-sealing after a key rotation).
pub fn all_sealed(connection: &mut DbConnection) -> Result<Vec<(i64, String)>, StoreError> {
    let rows: Vec<(i64, Option<String>)> = mail_outbox::table
        .filter(mail_outbox::message.is_not_null())
        .select((mail_outbox::id, mail_outbox::message))
        .load(connection)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, message)| Some((id, message?)))
        .collect())
}

/// Replaces a scheduled send's sealed message, only if it is still `stale`.
pub fn reseal(
    connection: &mut DbConnection,
    id: i64,
    stale: &str,
    fresh: &str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::message.eq(stale)),
    )
    .set(mail_outbox::message.eq(Some(fresh)))
    .execute(connection)?;
    Ok(changed == 1)
}
