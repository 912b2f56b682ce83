//! The `mail_accounts` table: connected mailboxes, their owner, health and sync progress.

use super::schema::mail_accounts;
use super::text_column::text_column;
use super::{DbConnection, StoreError};
use crate::ids::{AccountId, UserId};
use crate::providers::ProviderKind;
use crate::visibility::Level;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A connected mailbox as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_accounts)]
pub struct AccountRow {
    pub id: i64,
    pub user_id: i64,
    pub provider: String,
    pub email: String,
    pub display_name: Option<String>,
    pub status: Status,
    pub visibility: String,
    pub sync_enabled: bool,
    pub sync_requested_at: Option<NaiveDateTime>,
    pub sync_full_requested: bool,
    pub last_sync_at: Option<NaiveDateTime>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    pub last_error_at: Option<NaiveDateTime>,
    pub sync_phase: String,
    pub sync_done: i64,
    pub sync_total: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The provider's immutable id of the mailbox (Google `sub`, Microsoft `<tid>/<oid>`);
    /// `None` for accounts connected before ids were kept, until a refresh fills it.
    pub provider_user_id: Option<String>,
    /// The NocoBase roles a shared mailbox is shown to, as a JSON array.
    pub shared_with_roles: Option<String>,
    /// The addresses the mailbox may send as, as the provider last listed them (JSON;
    /// `identities::of` reads it).
    pub identities: Option<String>,
    pub identities_checked_at: Option<NaiveDateTime>,
}

/// A mailbox's health, as the `status` column and the API's `status` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Status {
    Active,
    Syncing,
    /// The provider refused the refresh token: the user must reconnect.
    NeedsReauth,
    /// Sync keeps failing (`last_error` says why); it goes on trying.
    Error,
}

impl Status {
    /// The statuses a sync runs in and moves between; the others wait for the user.
    pub const SYNCABLE: [Status; 3] = [Status::Active, Status::Syncing, Status::Error];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Syncing => "syncing",
            Status::NeedsReauth => "needs_reauth",
            Status::Error => "error",
        }
    }

    fn syncable() -> [&'static str; 3] {
        Status::SYNCABLE.map(Status::as_str)
    }
}

impl std::str::FromStr for Status {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        [
            Status::Active,
            Status::Syncing,
            Status::NeedsReauth,
            Status::Error,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
        .ok_or(())
    }
}

text_column!(Status);

impl AccountRow {
    /// The mailbox's provider (`None` for a name this build does not know).
    pub fn kind(&self) -> Option<ProviderKind> {
        self.provider.parse().ok()
    }

    /// Whether the mailbox waits for its user to reconnect it.
    pub fn needs_reauth(&self) -> bool {
        self.status == Status::NeedsReauth
    }
}

impl AccountRow {
    /// The roles a shared mailbox is shown to (none: nobody but its owner).
    pub fn shared_with_roles(&self) -> Vec<String> {
        names_in(self.shared_with_roles.as_deref())
    }
}

/// The names in a JSON-array text column (roles, tenant ids); none for null or anything
/// else.
pub fn names_in(json: Option<&str>) -> Vec<String> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// The mailbox a grant opened, as the callback found it.
#[derive(Debug, Clone)]
pub struct NewMailbox<'a> {
    pub provider: &'a str,
    pub provider_user_id: &'a str,
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    /// The provider verified the address (Google): an account stored before ids were
    /// kept under this address is this mailbox. Microsoft's `mail` proves nothing.
    pub address_verified: bool,
}

/// What connecting a mailbox did.
#[derive(Debug)]
pub enum Connected {
    Created(AccountRow),
    /// The same user connected the same mailbox again: same account, back to active.
    Reconnected(AccountRow),
    /// Another NocoBase user already owns this mailbox; nothing was changed.
    OwnedByOtherUser,
}

/// Changes a user may make to their account.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = mail_accounts)]
pub struct AccountChanges {
    pub display_name: Option<Option<String>>,
    pub sync_enabled: Option<bool>,
    pub visibility: Option<String>,
    pub shared_with_roles: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn get(connection: &mut DbConnection, id: i64) -> Result<Option<AccountRow>, StoreError> {
    Ok(mail_accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(connection)
        .optional()?)
}

/// One page of accounts, newest first; `owner` limits them to one user's.
pub fn list(
    connection: &mut DbConnection,
    owner: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<AccountRow>, i64), StoreError> {
    let mut count_query = mail_accounts::table.into_boxed();
    let mut rows_query = mail_accounts::table.into_boxed();
    if let Some(user) = owner {
        count_query = count_query.filter(mail_accounts::user_id.eq(user));
        rows_query = rows_query.filter(mail_accounts::user_id.eq(user));
    }
    let count = count_query.count().get_result(connection)?;
    let rows = rows_query
        .order(mail_accounts::id.desc())
        .offset(offset)
        .limit(limit)
        .select(AccountRow::as_select())
        .load(connection)?;
    Ok((rows, count))
}

/// Creates the account for a newly authorized mailbox, or reconnects the existing one
/// of the same user (status back to active, error cleared, a sync requested, the address
/// as the provider shows it now). The mailbox is found by the provider's immutable user
/// id; an account stored before ids were kept is found by its address only when the
/// provider verified that address. One transaction, so two callbacks for one mailbox
/// cannot both create it.
pub fn connect(
    connection: &mut DbConnection,
    user_id: i64,
    mailbox: &NewMailbox<'_>,
    now: NaiveDateTime,
) -> Result<Connected, StoreError> {
    connection.write_transaction(|connection| {
        let by_id = mail_accounts::table
            .filter(mail_accounts::provider.eq(mailbox.provider))
            .filter(mail_accounts::provider_user_id.eq(mailbox.provider_user_id))
            .select(AccountRow::as_select())
            .first(connection)
            .optional()?;
        let existing = match by_id {
            Some(row) => Some(row),
            None => mail_accounts::table
                .filter(mail_accounts::provider.eq(mailbox.provider))
                .filter(mail_accounts::email.eq(mailbox.email))
                .filter(mail_accounts::provider_user_id.is_null())
                .select(AccountRow::as_select())
                .load(connection)?
                .into_iter()
                .find(|row| mailbox.address_verified || row.user_id == user_id),
        };
        match existing {
            Some(row) if row.user_id != user_id => {
                if row.provider_user_id.is_none() {
                    // A verified address: this row is that mailbox; it keeps its id now.
                    diesel::update(mail_accounts::table.find(row.id))
                        .set(mail_accounts::provider_user_id.eq(mailbox.provider_user_id))
                        .execute(connection)?;
                }
                Ok(Connected::OwnedByOtherUser)
            }
            Some(row) => {
                diesel::update(mail_accounts::table.find(row.id))
                    .set((
                        mail_accounts::status.eq(Status::Active.as_str()),
                        mail_accounts::email.eq(mailbox.email),
                        mail_accounts::provider_user_id.eq(mailbox.provider_user_id),
                        mail_accounts::last_error_code.eq(None::<String>),
                        mail_accounts::last_error_message.eq(None::<String>),
                        mail_accounts::last_error_at.eq(None::<NaiveDateTime>),
                        mail_accounts::sync_requested_at.eq(Some(now)),
                        mail_accounts::updated_at.eq(now),
                    ))
                    .execute(connection)?;
                Ok(Connected::Reconnected(
                    get(connection, row.id)?.ok_or(diesel::result::Error::NotFound)?,
                ))
            }
            None => {
                diesel::insert_into(mail_accounts::table)
                    .values((
                        mail_accounts::user_id.eq(user_id),
                        mail_accounts::provider.eq(mailbox.provider),
                        mail_accounts::provider_user_id.eq(mailbox.provider_user_id),
                        mail_accounts::email.eq(mailbox.email),
                        mail_accounts::display_name.eq(mailbox.display_name),
                        mail_accounts::sync_requested_at.eq(Some(now)),
                        mail_accounts::created_at.eq(now),
                        mail_accounts::updated_at.eq(now),
                    ))
                    .execute(connection)?;
                let row = mail_accounts::table
                    .filter(mail_accounts::provider.eq(mailbox.provider))
                    .filter(mail_accounts::provider_user_id.eq(mailbox.provider_user_id))
                    .select(AccountRow::as_select())
                    .first(connection)?;
                Ok(Connected::Created(row))
            }
        }
    })
}

/// Fills in the immutable user id of an account stored before ids were kept (from the id
/// token of a refresh); an account that has one keeps it. `false` when another account
/// already holds that id (the same mailbox connected twice before ids were kept).
pub fn backfill_provider_user_id(
    connection: &mut DbConnection,
    id: i64,
    provider_user_id: &str,
) -> Result<bool, StoreError> {
    connection.write_transaction(|connection| {
        let Some(row) = get(connection, id)? else {
            return Ok(false);
        };
        if row.provider_user_id.is_some() {
            return Ok(true);
        }
        let taken: i64 = mail_accounts::table
            .filter(mail_accounts::provider.eq(&row.provider))
            .filter(mail_accounts::provider_user_id.eq(provider_user_id))
            .count()
            .get_result(connection)?;
        if taken > 0 {
            return Ok(false);
        }
        diesel::update(mail_accounts::table.find(id))
            .set(mail_accounts::provider_user_id.eq(provider_user_id))
            .execute(connection)?;
        Ok(true)
    })
}

/// Applies a user's changes; returns the row as stored.
pub fn update(
    connection: &mut DbConnection,
    id: i64,
    changes: &AccountChanges,
) -> Result<Option<AccountRow>, StoreError> {
    diesel::update(mail_accounts::table.find(id))
        .set(changes)
        .execute(connection)?;
    get(connection, id)
}

/// Asks the sync scheduler to run this account now (a full resync when `full`).
pub fn request_sync(
    connection: &mut DbConnection,
    id: i64,
    full: bool,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = if full {
        diesel::update(mail_accounts::table.find(id))
            .set((
                mail_accounts::sync_requested_at.eq(Some(now)),
                mail_accounts::sync_full_requested.eq(true),
            ))
            .execute(connection)?
    } else {
        diesel::update(mail_accounts::table.find(id))
            .set(mail_accounts::sync_requested_at.eq(Some(now)))
            .execute(connection)?
    };
    Ok(changed == 1)
}

/// Records a health change: `status` and the error that explains it.
pub fn set_status(
    connection: &mut DbConnection,
    id: i64,
    status: Status,
    error: Option<(&str, &str)>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(mail_accounts::table.find(id))
        .set((
            mail_accounts::status.eq(status.as_str()),
            mail_accounts::last_error_code.eq(error.map(|(code, _)| code)),
            mail_accounts::last_error_message.eq(error.map(|(_, message)| message)),
            mail_accounts::last_error_at.eq(error.map(|_| now)),
            mail_accounts::updated_at.eq(now),
        ))
        .execute(connection)?;
    Ok(())
}

/// The mailbox must be reconnected (a revoked grant, a refused password): said on the
/// account with `message`, safe to show its owner.
pub fn mark_needs_reauth(
    connection: &mut DbConnection,
    id: i64,
    message: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    set_status(
        connection,
        id,
        Status::NeedsReauth,
        Some(("REAUTH_REQUIRED", message)),
        now,
    )
}

/// Takes the account's row for the rest of the transaction, before any of its mail.
///
/// Every transaction that writes an account's mail (a sync page, a user's change after
/// the provider took it, a folder list, a disconnect) takes the row first, so two of them
/// never hold each other's rows in opposite orders: on PostgreSQL a page that inserted
/// messages (a key-share lock on the account) and then updated its progress deadlocked
/// with a disconnect's DELETE queued in between, and a Graph page's state and link
/// changes with a user's delete of the same messages. The second now waits for the first
/// at its start, holding nothing. SQLite needs nothing here: a write transaction holds
/// the database's one write lock from its start (`write_transaction`).
pub fn lock_mail(connection: &mut DbConnection, id: i64) -> Result<(), StoreError> {
    if let DbConnection::Postgresql(pg) = connection {
        diesel::sql_query("SELECT id FROM mail_accounts WHERE id = $1 FOR NO KEY UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(pg)?;
    }
    Ok(())
}

/// Deletes an account; its tokens go with it (foreign key cascade).
pub fn delete(connection: &mut DbConnection, id: i64) -> Result<usize, StoreError> {
    connection.write_transaction(|connection| {
        lock_mail(connection, id)?;
        diesel::delete(super::schema::mail_account_tokens::table.find(id)).execute(connection)?;
        super::signatures::forget_account(connection, id)?;
        Ok(diesel::delete(mail_accounts::table.find(id)).execute(connection)?)
    })
}

/// Stores the addresses the mailbox may send as (JSON), as the provider listed them at `now`.
pub fn set_identities(
    connection: &mut DbConnection,
    id: i64,
    identities: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(mail_accounts::table.find(id))
        .set((
            mail_accounts::identities.eq(identities),
            mail_accounts::identities_checked_at.eq(now),
        ))
        .execute(connection)?;
    Ok(())
}

/// Sync progress for the account view (`sync.phase`, `done`, `total`; status syncing).
pub fn set_progress(
    connection: &mut DbConnection,
    id: i64,
    phase: &str,
    done: i64,
    total: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        mail_accounts::table
            .find(id)
            .filter(mail_accounts::status.eq_any(Status::syncable())),
    )
    .set((
        mail_accounts::status.eq(Status::Syncing.as_str()),
        mail_accounts::sync_phase.eq(phase),
        mail_accounts::sync_done.eq(done),
        mail_accounts::sync_total.eq(total),
        mail_accounts::updated_at.eq(now),
    ))
    .execute(connection)?;
    Ok(())
}

/// A run finished well: active, idle, error cleared.
pub fn sync_succeeded(
    connection: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        mail_accounts::table
            .find(id)
            .filter(mail_accounts::status.eq_any(Status::syncable())),
    )
    .set((
        mail_accounts::status.eq(Status::Active.as_str()),
        mail_accounts::sync_phase.eq("idle"),
        mail_accounts::last_sync_at.eq(Some(now)),
        mail_accounts::last_error_code.eq(None::<String>),
        mail_accounts::last_error_message.eq(None::<String>),
        mail_accounts::last_error_at.eq(None::<NaiveDateTime>),
        mail_accounts::updated_at.eq(now),
    ))
    .execute(connection)?;
    Ok(())
}

/// A run failed: the error is recorded; after repeated failures the account shows
/// `error` (a reauth status set meanwhile is kept).
pub fn sync_failed(
    connection: &mut DbConnection,
    id: i64,
    code: &str,
    message: &str,
    give_up: bool,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let target = mail_accounts::table
        .find(id)
        .filter(mail_accounts::status.eq_any(Status::syncable()));
    diesel::update(target)
        .set((
            mail_accounts::status.eq(if give_up {
                Status::Error.as_str()
            } else {
                Status::Active.as_str()
            }),
            mail_accounts::last_error_code.eq(Some(code)),
            mail_accounts::last_error_message.eq(Some(message)),
            mail_accounts::last_error_at.eq(Some(now)),
            mail_accounts::updated_at.eq(now),
        ))
        .execute(connection)?;
    Ok(())
}

/// The connected accounts of a provider mailbox (several users may connect the same one).
pub fn ids_by_address(
    connection: &mut DbConnection,
    provider: &str,
    email: &str,
) -> Result<Vec<i64>, StoreError> {
    Ok(mail_accounts::table
        .filter(mail_accounts::provider.eq(provider))
        .filter(mail_accounts::email.eq(email))
        .select(mail_accounts::id)
        .load(connection)?)
}

/// Accounts due for a sync: asked for, never synced, or last synced before `stale_before`
/// (before `push_stale_before` for those whose push is healthy at `now`); never those waiting for a reconnect, disabled, or with sync switched off. Their
/// request flags are cleared as they are handed out.
/// Returns `(account, full resync asked, asked at all)`.
pub fn take_due(
    connection: &mut DbConnection,
    stale_before: NaiveDateTime,
    push_stale_before: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(i64, bool, bool)>, StoreError> {
    use super::schema::mail_push;
    connection.write_transaction(|connection| {
        // Accounts whose provider pushes their changes are polled only as a safety net.
        let pushed = mail_push::table
            .filter(mail_push::status.eq(super::mail_push::ACTIVE))
            .filter(mail_push::expires_at.gt(now))
            .select(mail_push::account_id);
        // An account with a job queued or running is not due again for its schedule (a
        // first sync still running would otherwise be queued to run twice); an explicit
        // request still is (it may come after the running pass looked).
        let queued = super::schema::sync_jobs::table.select(super::schema::sync_jobs::account_id);
        let due: Vec<(i64, bool, Option<NaiveDateTime>)> = mail_accounts::table
            .filter(mail_accounts::sync_enabled.eq(true))
            .filter(mail_accounts::status.eq_any(Status::syncable()))
            .filter(
                mail_accounts::sync_requested_at
                    .is_not_null()
                    .or(diesel::dsl::not(mail_accounts::id.eq_any(queued)).and(
                        mail_accounts::last_sync_at
                            .is_null()
                            .or(mail_accounts::last_sync_at.lt(push_stale_before))
                            .or(mail_accounts::last_sync_at
                                .lt(stale_before)
                                .and(diesel::dsl::not(mail_accounts::id.eq_any(pushed)))),
                    )),
            )
            .order(mail_accounts::sync_requested_at.desc())
            .select((
                mail_accounts::id,
                mail_accounts::sync_full_requested,
                mail_accounts::sync_requested_at,
            ))
            .limit(limit)
            .load(connection)?;
        let ids: Vec<i64> = due.iter().map(|(id, _, _)| *id).collect();
        diesel::update(mail_accounts::table.filter(mail_accounts::id.eq_any(&ids)))
            .set((
                mail_accounts::sync_requested_at.eq(None::<NaiveDateTime>),
                mail_accounts::sync_full_requested.eq(false),
            ))
            .execute(connection)?;
        Ok(due
            .into_iter()
            .map(|(id, full, asked)| (id, full, asked.is_some()))
            .collect())
    })
}

/// The accounts whose mail `user_id` (acting with `roles`) may see, with the level:
/// `own` for the user's own, else the owner's visibility (`metadata`, `subject` or
/// `full`) when the owner shares with one of `roles`. Private accounts of others never
/// appear — for admins neither.
pub fn visible_to(
    connection: &mut DbConnection,
    user: UserId,
    roles: &[String],
) -> Result<Vec<(i64, Level)>, StoreError> {
    let user_id = user.0;
    let rows: Vec<(i64, i64, String, Option<String>)> = mail_accounts::table
        .filter(
            mail_accounts::user_id
                .eq(user_id)
                .or(mail_accounts::visibility.ne("private")),
        )
        .select((
            mail_accounts::id,
            mail_accounts::user_id,
            mail_accounts::visibility,
            mail_accounts::shared_with_roles,
        ))
        .load(connection)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, owner, visibility, shared_with)| {
            if owner == user_id {
                return Some((id, Level::Own));
            }
            let shared = names_in(shared_with.as_deref());
            let level = Level::shared(&visibility)?;
            roles
                .iter()
                .any(|role| shared.contains(role))
                .then_some((id, level))
        })
        .collect())
}

/// What `user_id`, acting with `roles`, may see of `account`'s mail; `None` when nothing.
pub fn level_of(
    connection: &mut DbConnection,
    user: UserId,
    roles: &[String],
    account: AccountId,
) -> Result<Option<Level>, StoreError> {
    Ok(visible_to(connection, user, roles)?
        .into_iter()
        .find(|(id, _)| *id == account.0)
        .map(|(_, level)| level))
}

/// Every account of one NocoBase user (to disconnect them all).
pub fn of_user(connection: &mut DbConnection, user_id: i64) -> Result<Vec<AccountRow>, StoreError> {
    Ok(mail_accounts::table
        .filter(mail_accounts::user_id.eq(user_id))
        .select(AccountRow::as_select())
        .load(connection)?)
}
