//! Mail merge (#25): campaigns and their recipients, and how a recipient reaches the
//! outbox — once. A recipient is handed over in one transaction that adds its outbox row
//! (key `campaign:<id>:<recipient>`, unique per mailbox) with its message, and notes the
//! row on the recipient; the outbox's scheduler then sends it like any scheduled send
//! (claimed by one process, `unknown` — never re-sent — if that process dies holding
//! it). Replicas, restarts and SIGKILLs can therefore neither skip a recipient for good
//! nor send one twice. Hand-overs are paced: a transaction holding the mailbox's lock
//! counts what the mailbox sent in the last minute and day (every send, not only this
//! campaign's) and hands over no more than the limits leave.

use super::message_rows::insert_rows;
use super::outbox::{self, Begun, NewSend, SendStatus};
use super::schema::{mail_campaign_recipients, mail_campaigns, mail_outbox};
use super::text_column::text_column;
use super::{DbConnection, StoreError};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum CampaignStatus {
    Draft,
    Running,
    Paused,
    Done,
    Cancelled,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 5] = [
        CampaignStatus::Draft,
        CampaignStatus::Running,
        CampaignStatus::Paused,
        CampaignStatus::Done,
        CampaignStatus::Cancelled,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Running => "running",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Done => "done",
            CampaignStatus::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for CampaignStatus {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or(())
    }
}

text_column!(CampaignStatus);

/// Where one recipient stands. `Queued` covers "handed to the outbox, not sent yet".
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum RecipientStatus {
    Queued,
    Sent,
    Failed,
    Skipped,
}

impl RecipientStatus {
    pub const ALL: [RecipientStatus; 4] = [
        RecipientStatus::Queued,
        RecipientStatus::Sent,
        RecipientStatus::Failed,
        RecipientStatus::Skipped,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RecipientStatus::Queued => "queued",
            RecipientStatus::Sent => "sent",
            RecipientStatus::Failed => "failed",
            RecipientStatus::Skipped => "skipped",
        }
    }
}

impl std::str::FromStr for RecipientStatus {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or(())
    }
}

text_column!(RecipientStatus);

/// A campaign as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_campaigns)]
pub struct CampaignRow {
    pub id: i64,
    pub user_id: i64,
    pub account_id: i64,
    pub from_address: Option<String>,
    pub template_id: Option<i64>,
    pub subject: String,
    pub html: String,
    pub source: String,
    /// JSON: the template's `$user`.
    pub user_values: String,
    pub send_at: Option<NaiveDateTime>,
    pub status: CampaignStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A campaign to make (as a draft).
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub user_id: i64,
    pub account_id: i64,
    pub from_address: Option<String>,
    pub template_id: Option<i64>,
    pub subject: String,
    pub html: String,
    pub source: String,
    pub user_values: String,
    pub send_at: Option<NaiveDateTime>,
}

/// A recipient as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_campaign_recipients)]
pub struct RecipientRow {
    pub id: i64,
    pub campaign_id: i64,
    pub record_id: String,
    pub address: Option<String>,
    /// The record's fields (JSON): the template's `$nRecord`.
    pub record: Option<String>,
    pub status: RecipientStatus,
    pub error: Option<String>,
    pub outbox_id: Option<i64>,
    pub message_id: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
}

/// A recipient to add: queued when it has an address, else skipped with `error`.
#[derive(Debug, Clone)]
pub struct NewRecipient {
    pub record_id: String,
    pub address: Option<String>,
    pub record: Option<String>,
    pub skipped: Option<String>,
}

/// How many recipients stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
}

/// Recipients a mailbox may be sent to in a sliding minute and day (`None`: no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub per_minute: Option<i64>,
    pub per_day: Option<i64>,
}

/// Makes a draft campaign with its recipients, in one transaction.
pub fn create(
    connection: &mut DbConnection,
    new: &NewCampaign,
    recipients: &[NewRecipient],
    now: NaiveDateTime,
) -> Result<CampaignRow, StoreError> {
    connection.write_transaction(|connection| {
        diesel::insert_into(mail_campaigns::table)
            .values((
                mail_campaigns::user_id.eq(new.user_id),
                mail_campaigns::account_id.eq(new.account_id),
                mail_campaigns::from_address.eq(&new.from_address),
                mail_campaigns::template_id.eq(new.template_id),
                mail_campaigns::subject.eq(&new.subject),
                mail_campaigns::html.eq(&new.html),
                mail_campaigns::source.eq(&new.source),
                mail_campaigns::user_values.eq(&new.user_values),
                mail_campaigns::send_at.eq(new.send_at),
                mail_campaigns::status.eq(CampaignStatus::Draft),
                mail_campaigns::created_at.eq(now),
                mail_campaigns::updated_at.eq(now),
            ))
            .execute(connection)?;
        // The writer's own row: the newest of its user's, inside this write transaction.
        let row: CampaignRow = mail_campaigns::table
            .filter(mail_campaigns::user_id.eq(new.user_id))
            .order(mail_campaigns::id.desc())
            .select(CampaignRow::as_select())
            .first(connection)?;
        for chunk in recipients.chunks(500) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|r| {
                    (
                        mail_campaign_recipients::campaign_id.eq(row.id),
                        mail_campaign_recipients::record_id.eq(r.record_id.as_str()),
                        mail_campaign_recipients::address.eq(r.address.as_deref()),
                        mail_campaign_recipients::record.eq(r.record.as_deref()),
                        mail_campaign_recipients::status.eq(if r.skipped.is_some() {
                            RecipientStatus::Skipped
                        } else {
                            RecipientStatus::Queued
                        }),
                        mail_campaign_recipients::error.eq(r.skipped.as_deref()),
                    )
                })
                .collect();
            insert_rows!(connection, mail_campaign_recipients::table, rows)?;
        }
        Ok(row)
    })
}

pub fn get(connection: &mut DbConnection, id: i64) -> Result<Option<CampaignRow>, StoreError> {
    Ok(mail_campaigns::table
        .find(id)
        .select(CampaignRow::as_select())
        .first(connection)
        .optional()?)
}

/// A user's campaigns, newest first.
pub fn list_for(
    connection: &mut DbConnection,
    user_id: i64,
) -> Result<Vec<CampaignRow>, StoreError> {
    Ok(mail_campaigns::table
        .filter(mail_campaigns::user_id.eq(user_id))
        .order(mail_campaigns::id.desc())
        .select(CampaignRow::as_select())
        .load(connection)?)
}

/// How a campaign's recipients stand.
pub fn counts(connection: &mut DbConnection, campaign_id: i64) -> Result<Counts, StoreError> {
    let rows: Vec<(RecipientStatus, i64)> = mail_campaign_recipients::table
        .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
        .group_by(mail_campaign_recipients::status)
        .select((mail_campaign_recipients::status, diesel::dsl::count_star()))
        .load(connection)?;
    let mut counts = Counts::default();
    for (status, n) in rows {
        *match status {
            RecipientStatus::Queued => &mut counts.queued,
            RecipientStatus::Sent => &mut counts.sent,
            RecipientStatus::Failed => &mut counts.failed,
            RecipientStatus::Skipped => &mut counts.skipped,
        } += n;
    }
    Ok(counts)
}

/// Moves a campaign from one of `from` to `to`; false when it stood elsewhere (another
/// request or the sender moved it first).
pub fn set_status(
    connection: &mut DbConnection,
    id: i64,
    from: &[CampaignStatus],
    to: CampaignStatus,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        mail_campaigns::table
            .find(id)
            .filter(mail_campaigns::status.eq_any(from.to_vec())),
    )
    .set((
        mail_campaigns::status.eq(to),
        mail_campaigns::updated_at.eq(now),
    ))
    .execute(connection)?;
    Ok(changed == 1)
}

/// A page of a campaign's recipients (optionally of one status), in order, and how many
/// there are.
pub fn recipients(
    connection: &mut DbConnection,
    campaign_id: i64,
    status: Option<RecipientStatus>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<RecipientRow>, i64), StoreError> {
    let query = || {
        let mut query = mail_campaign_recipients::table
            .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
            .into_boxed();
        if let Some(status) = status {
            query = query.filter(mail_campaign_recipients::status.eq(status));
        }
        query
    };
    let count = query().count().get_result(connection)?;
    let rows = query()
        .order(mail_campaign_recipients::id.asc())
        .offset(offset)
        .limit(limit)
        .select(RecipientRow::as_select())
        .load(connection)?;
    Ok((rows, count))
}

/// Running campaigns whose time has come.
pub fn due(
    connection: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<Vec<CampaignRow>, StoreError> {
    Ok(mail_campaigns::table
        .filter(mail_campaigns::status.eq(CampaignStatus::Running))
        .filter(
            mail_campaigns::send_at
                .is_null()
                .or(mail_campaigns::send_at.le(now)),
        )
        .order(mail_campaigns::id.asc())
        .select(CampaignRow::as_select())
        .load(connection)?)
}

/// Recipients the mailbox's sends since `since` went to: every send that may have gone
/// or will (failed ones did not).
fn sent_since(
    connection: &mut DbConnection,
    account_id: i64,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    let counts: Vec<i64> = mail_outbox::table
        .filter(mail_outbox::account_id.eq(account_id))
        .filter(mail_outbox::created_at.gt(since))
        .filter(mail_outbox::status.ne(SendStatus::Failed))
        .select(mail_outbox::recipient_count)
        .load(connection)?;
    Ok(counts.into_iter().sum())
}

/// How many more recipients the mailbox may be sent to now under `limits`.
pub fn allowance(
    connection: &mut DbConnection,
    account_id: i64,
    limits: Limits,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let mut left = i64::MAX;
    if let Some(per_minute) = limits.per_minute {
        left =
            left.min(per_minute - sent_since(connection, account_id, now - Duration::minutes(1))?);
    }
    if let Some(per_day) = limits.per_day {
        left = left.min(per_day - sent_since(connection, account_id, now - Duration::days(1))?);
    }
    Ok(left.max(0))
}

/// Where a mailbox stands against its limits, for the person about to start a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Recipients its sends went (or will go) to in the last 24 hours.
    pub sent_last_day: i64,
    /// How many more it may be sent to now.
    pub allowed_now: i64,
    /// Recipients of its running and paused campaigns not handed to the outbox yet: they
    /// take their share of the allowance before a new campaign's.
    pub waiting: i64,
}

/// `account_id`'s usage under `limits` at `now`.
pub fn usage(
    connection: &mut DbConnection,
    account_id: i64,
    limits: Limits,
    now: NaiveDateTime,
) -> Result<Usage, StoreError> {
    let waiting = mail_campaign_recipients::table
        .inner_join(mail_campaigns::table)
        .filter(mail_campaigns::account_id.eq(account_id))
        .filter(mail_campaigns::status.eq_any([CampaignStatus::Running, CampaignStatus::Paused]))
        .filter(mail_campaign_recipients::status.eq(RecipientStatus::Queued))
        .filter(mail_campaign_recipients::outbox_id.is_null())
        .count()
        .get_result(connection)?;
    Ok(Usage {
        sent_last_day: sent_since(connection, account_id, now - Duration::days(1))?,
        allowed_now: allowance(connection, account_id, limits, now)?,
        waiting,
    })
}

/// What became of one recipient the sender looked at.
pub enum Prepared {
    /// Its message, sealed for the outbox row named, and the request's digest.
    Message {
        sealed: String,
        digest: String,
        subject: String,
        /// The Message-ID it carries.
        message_id: String,
    },
    /// Not sendable (a variable without a value, say): skipped, and why.
    Skip(String),
}

/// Hands the next queued recipients of `campaign` to the outbox, as many as `limits`
/// leave for its mailbox now (at most `at_most`), each with the message `prepare` makes
/// for it once its outbox row's id is known. All in one transaction holding the
/// mailbox's lock: two processes doing this at once hand over each recipient once and
/// stay under the limits together. Returns how many were handed over.
pub fn hand_over(
    connection: &mut DbConnection,
    campaign: &CampaignRow,
    limits: Limits,
    at_most: i64,
    now: NaiveDateTime,
    mut prepare: impl FnMut(i64, &RecipientRow) -> Prepared,
) -> Result<usize, StoreError> {
    connection.write_transaction(|connection| {
        super::mail_accounts::lock_mail(connection, campaign.account_id)?;
        let running: bool = mail_campaigns::table
            .find(campaign.id)
            .filter(mail_campaigns::status.eq(CampaignStatus::Running))
            .count()
            .get_result::<i64>(connection)?
            == 1;
        if !running {
            return Ok(0);
        }
        let left = allowance(connection, campaign.account_id, limits, now)?.min(at_most);
        if left == 0 {
            return Ok(0);
        }
        let mut handed = 0;
        // A skipped recipient does not use the allowance: load again until it is used.
        while (handed as i64) < left {
            let next: Vec<RecipientRow> = mail_campaign_recipients::table
                .filter(mail_campaign_recipients::campaign_id.eq(campaign.id))
                .filter(mail_campaign_recipients::status.eq(RecipientStatus::Queued))
                .filter(mail_campaign_recipients::outbox_id.is_null())
                .filter(
                    mail_campaign_recipients::retry_at
                        .is_null()
                        .or(mail_campaign_recipients::retry_at.le(now)),
                )
                .order(mail_campaign_recipients::id.asc())
                .limit(left - handed as i64)
                .select(RecipientRow::as_select())
                .load(connection)?;
            if next.is_empty() {
                break;
            }
            // Opted out after the campaign was made: checked again as they go.
            let addresses: Vec<String> = next.iter().filter_map(|r| r.address.clone()).collect();
            let opted_out = super::opt_outs::blocked(connection, &addresses)?;
            for recipient in next {
                if let Some(address) = &recipient.address
                    && opted_out.contains(&address.trim().to_lowercase())
                {
                    skip(connection, recipient.id, super::opt_outs::SKIPPED)?;
                    continue;
                }
                let key = format!("campaign:{}:{}", campaign.id, recipient.id);
                let new = NewSend {
                    account_id: campaign.account_id,
                    user_id: campaign.user_id,
                    idempotency_key: key,
                    request_digest: String::new(),
                    status: SendStatus::Queued,
                    // Not due until its message is in the row (below, same transaction).
                    send_at: None,
                    subject: String::new(),
                    recipient_count: 1,
                    lease_until: None,
                    // Set with the message, below.
                    rfc_message_id: None,
                };
                let outbox_id = match outbox::begin(connection, &new, now)? {
                    Begun::New(id) => id,
                    // Only a hand-over writes this key, and it notes the row in the same
                    // transaction, so a row without the note should not be. Should one
                    // be, it is this recipient's send: note it, leave it as it stands.
                    Begun::Existing(row) => {
                        diesel::update(mail_campaign_recipients::table.find(recipient.id))
                            .set(mail_campaign_recipients::outbox_id.eq(Some(row.id)))
                            .execute(connection)?;
                        handed += 1;
                        continue;
                    }
                };
                match prepare(outbox_id, &recipient) {
                    Prepared::Message {
                        sealed,
                        digest,
                        subject,
                        message_id,
                    } => {
                        outbox::keep_message(connection, outbox_id, &sealed)?;
                        diesel::update(mail_outbox::table.find(outbox_id))
                            .set((
                                mail_outbox::send_at.eq(Some(now)),
                                mail_outbox::request_digest.eq(digest),
                                mail_outbox::subject.eq(subject),
                                mail_outbox::rfc_message_id.eq(Some(message_id)),
                            ))
                            .execute(connection)?;
                        diesel::update(mail_campaign_recipients::table.find(recipient.id))
                            .set(mail_campaign_recipients::outbox_id.eq(Some(outbox_id)))
                            .execute(connection)?;
                        handed += 1;
                    }
                    Prepared::Skip(why) => {
                        diesel::delete(mail_outbox::table.find(outbox_id)).execute(connection)?;
                        skip(connection, recipient.id, &why)?;
                    }
                }
            }
        }
        Ok(handed)
    })
}

/// Marks a queued recipient skipped, and why.
fn skip(connection: &mut DbConnection, recipient: i64, why: &str) -> Result<(), StoreError> {
    diesel::update(mail_campaign_recipients::table.find(recipient))
        .set((
            mail_campaign_recipients::status.eq(RecipientStatus::Skipped),
            mail_campaign_recipients::error.eq(Some(why)),
        ))
        .execute(connection)?;
    Ok(())
}

/// A recipient whose outbox row has its outcome: (recipient, outcome, the provider's
/// message id, the reason it failed and its code, when it went, hand-overs so far).
type Finished = (
    i64,
    SendStatus,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    i64,
);

/// Outbox failures that say the message did not go *for now*: the provider throttled the
/// mailbox or could not be reached. The recipient is handed over again later.
const TURNED_AWAY: [&str; 2] = ["PROVIDER_THROTTLED", "PROVIDER_UNAVAILABLE"];

/// Hand-overs a recipient gets before such a failure is final.
pub const MAX_ATTEMPTS: i64 = 5;

/// Whether a failed send is tried again; `retries`: how often its recipient was handed
/// over again already.
fn tried_again(code: Option<&str>, retries: i64) -> bool {
    code.is_some_and(|c| TURNED_AWAY.contains(&c)) && retries + 1 < MAX_ATTEMPTS
}

/// A recipient whose send was turned away: (recipient, its outbox row, retries so far,
/// the failure's code and reason).
type TurnedAway = (i64, i64, i64, Option<String>, Option<String>);

/// Recipients whose send the provider turned away for now go back to the queue: their
/// outbox row is removed (it never went) and they wait 1, 2, 4, 8 then 16 minutes before
/// they are handed over again, so a throttled mailbox is given time. Returns how many.
pub fn retry_turned_away(
    connection: &mut DbConnection,
    campaign_id: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    connection.write_transaction(|connection| {
        let turned: Vec<TurnedAway> = mail_campaign_recipients::table
            .inner_join(
                mail_outbox::table.on(mail_outbox::id
                    .nullable()
                    .eq(mail_campaign_recipients::outbox_id)),
            )
            .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
            .filter(mail_campaign_recipients::status.eq(RecipientStatus::Queued))
            .filter(mail_outbox::status.eq(SendStatus::Failed))
            .filter(mail_outbox::error_code.eq_any(TURNED_AWAY))
            .select((
                mail_campaign_recipients::id,
                mail_outbox::id,
                mail_campaign_recipients::attempts,
                mail_outbox::error_code,
                mail_outbox::error_message,
            ))
            .load(connection)?;
        let mut retried = 0;
        for (recipient, outbox_id, attempts, code, why) in turned {
            if !tried_again(code.as_deref(), attempts) {
                continue;
            }
            diesel::delete(mail_outbox::table.find(outbox_id)).execute(connection)?;
            let wait = Duration::minutes(1 << attempts.clamp(0, 10));
            diesel::update(mail_campaign_recipients::table.find(recipient))
                .set((
                    mail_campaign_recipients::outbox_id.eq(None::<i64>),
                    mail_campaign_recipients::attempts.eq(attempts + 1),
                    mail_campaign_recipients::retry_at.eq(Some(now + wait)),
                    mail_campaign_recipients::error.eq(Some(format!(
                        "Not sent yet: {}; it is tried again later.",
                        why.unwrap_or_else(|| "the provider turned it away for now".into())
                    ))),
                ))
                .execute(connection)?;
            retried += 1;
        }
        Ok(retried)
    })
}

/// Copies the outcome of the campaign's finished outbox rows to their recipients: sent
/// (with the provider's message id), failed (with the reason), or — when the outbox
/// cannot say whether it went — failed, saying it may have been sent and is not retried.
/// Returns how many recipients changed.
pub fn take_outcomes(connection: &mut DbConnection, campaign_id: i64) -> Result<usize, StoreError> {
    connection.write_transaction(|connection| {
        let finished: Vec<Finished> =
            mail_campaign_recipients::table
                .inner_join(
                    mail_outbox::table
                        .on(mail_outbox::id.nullable().eq(mail_campaign_recipients::outbox_id)),
                )
                .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
                .filter(mail_campaign_recipients::status.eq(RecipientStatus::Queued))
                // An unknown send still being settled (its Message-ID is looked up at
                // the provider, then it is sent, or sent again) is waited for.
                .filter(
                    mail_outbox::status
                        .eq_any([SendStatus::Sent, SendStatus::Failed])
                        .or(mail_outbox::status
                            .eq(SendStatus::Unknown)
                            .and(mail_outbox::rfc_message_id.is_null())),
                )
                .select((
                    mail_campaign_recipients::id,
                    mail_outbox::status,
                    mail_outbox::provider_message_id,
                    mail_outbox::error_message,
                    mail_outbox::error_code,
                    mail_outbox::sent_at,
                    mail_campaign_recipients::attempts,
                ))
                .load(connection)?;
        // A send turned away for now is the runner's to hand over again.
        let finished: Vec<Finished> = finished
            .into_iter()
            .filter(|f| !(f.1 == SendStatus::Failed && tried_again(f.4.as_deref(), f.6)))
            .collect();
        // A send the owner cancelled in their outbox before it went (`mailOutbox:destroy`
        // takes a queued row away): the recipient is skipped, not waited for forever.
        let cancelled = diesel::update(
            mail_campaign_recipients::table
                .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
                .filter(mail_campaign_recipients::status.eq(RecipientStatus::Queued))
                .filter(mail_campaign_recipients::outbox_id.is_not_null())
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    mail_outbox::table.filter(
                        mail_outbox::id
                            .nullable()
                            .eq(mail_campaign_recipients::outbox_id),
                    ),
                ))),
        )
        .set((
            mail_campaign_recipients::status.eq(RecipientStatus::Skipped),
            mail_campaign_recipients::error.eq(Some(
                "The send was cancelled in the outbox before it went.",
            )),
        ))
        .execute(connection)?;
        for (id, status, message_id, error, _, sent_at, _) in &finished {
            let (status, error) = match status {
                SendStatus::Sent => (RecipientStatus::Sent, None),
                SendStatus::Unknown => (
                    RecipientStatus::Failed,
                    Some("The service stopped while the provider had the message: it may have been sent, so it is not sent again.".to_string()),
                ),
                _ => (RecipientStatus::Failed, error.clone()),
            };
            diesel::update(mail_campaign_recipients::table.find(id))
                .set((
                    mail_campaign_recipients::status.eq(status),
                    mail_campaign_recipients::error.eq(error),
                    mail_campaign_recipients::message_id.eq(message_id),
                    mail_campaign_recipients::sent_at.eq(sent_at),
                ))
                .execute(connection)?;
        }
        Ok(finished.len() + cancelled)
    })
}

/// A running campaign with no recipient left queued is done.
pub fn finish_if_done(
    connection: &mut DbConnection,
    campaign_id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    connection.write_transaction(|connection| {
        let queued: i64 = mail_campaign_recipients::table
            .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
            .filter(mail_campaign_recipients::status.eq(RecipientStatus::Queued))
            .count()
            .get_result(connection)?;
        if queued > 0 {
            return Ok(false);
        }
        set_status(
            connection,
            campaign_id,
            &[CampaignStatus::Running],
            CampaignStatus::Done,
            now,
        )
    })
}

/// Takes back what a paused or cancelled campaign handed over but the outbox has not
/// started: those outbox rows go and their recipients are queued again (a resumed
/// campaign hands them over anew). Returns how many came back.
pub fn take_back_unsent(
    connection: &mut DbConnection,
    campaign_id: i64,
) -> Result<usize, StoreError> {
    connection.write_transaction(|connection| {
        let waiting: Vec<(i64, i64)> = mail_campaign_recipients::table
            .inner_join(
                mail_outbox::table.on(mail_outbox::id
                    .nullable()
                    .eq(mail_campaign_recipients::outbox_id)),
            )
            .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
            .filter(mail_outbox::status.eq(SendStatus::Queued))
            .select((mail_campaign_recipients::id, mail_outbox::id))
            .load(connection)?;
        let mut back = 0;
        for (recipient, row) in waiting {
            // Only a row still queued goes: the scheduler may have claimed it meanwhile.
            let removed = diesel::delete(
                mail_outbox::table
                    .find(row)
                    .filter(mail_outbox::status.eq(SendStatus::Queued)),
            )
            .execute(connection)?;
            if removed == 1 {
                diesel::update(mail_campaign_recipients::table.find(recipient))
                    .set(mail_campaign_recipients::outbox_id.eq(None::<i64>))
                    .execute(connection)?;
                back += 1;
            }
        }
        Ok(back)
    })
}

/// Changes when a campaign starts (`None`: as soon as it runs).
pub fn reschedule(
    connection: &mut DbConnection,
    id: i64,
    send_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(mail_campaigns::table.find(id))
        .set((
            mail_campaigns::send_at.eq(send_at),
            mail_campaigns::updated_at.eq(now),
        ))
        .execute(connection)?;
    Ok(())
}

/// Marks the recipients not handed over as skipped, saying `why` (a cancelled campaign).
pub fn skip_unsent(
    connection: &mut DbConnection,
    campaign_id: i64,
    why: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        mail_campaign_recipients::table
            .filter(mail_campaign_recipients::campaign_id.eq(campaign_id))
            .filter(mail_campaign_recipients::status.eq(RecipientStatus::Queued))
            .filter(mail_campaign_recipients::outbox_id.is_null()),
    )
    .set((
        mail_campaign_recipients::status.eq(RecipientStatus::Skipped),
        mail_campaign_recipients::error.eq(Some(why)),
    ))
    .execute(connection)?)
}

/// Removes a campaign that is still a draft (its recipients go with it); 0 otherwise.
pub fn remove_draft(connection: &mut DbConnection, id: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        mail_campaigns::table
            .find(id)
            .filter(mail_campaigns::status.eq(CampaignStatus::Draft)),
    )
    .execute(connection)?)
}

/// The store ids of the messages `provider_ids` name in the mailbox (the sent copies,
/// once a sync has brought them): provider id → id.
pub fn stored_messages(
    connection: &mut DbConnection,
    account_id: i64,
    provider_ids: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    use super::schema::mail_messages;
    Ok(mail_messages::table
        .filter(mail_messages::account_id.eq(account_id))
        .filter(mail_messages::provider_message_id.eq_any(provider_ids))
        .select((mail_messages::provider_message_id, mail_messages::id))
        .load(connection)?)
}
