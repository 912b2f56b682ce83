//! The `mail_opt_outs` table: the organisation's opt-out list. Mail merge skips a
//! recipient whose address, or whose address's domain, is on it (`entry` is
//! `ann@example.com` or `@example.com`, lower-case).

use super::schema::mail_opt_outs;
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashSet;

/// Why a recipient the list stops is skipped.
pub const SKIPPED: &str = "The address is on the organisation's opt-out list.";

/// Entries looked up in one statement (a campaign checks thousands of addresses).
const AT_ONCE: usize = 400;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_opt_outs)]
pub struct OptOut {
    pub id: i64,
    pub entry: String,
    pub reason: Option<String>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// The entries that would stop mail to `address`: itself and its domain, lower-case.
fn entries_for(address: &str) -> [String; 2] {
    let address = address.trim().to_lowercase();
    let domain = address
        .rsplit_once('@')
        .map(|(_, domain)| format!("@{domain}"))
        .unwrap_or_default();
    [address, domain]
}

/// Of `addresses`, the ones the list stops (lower-case).
pub fn blocked(
    connection: &mut DbConnection,
    addresses: &[String],
) -> Result<HashSet<String>, StoreError> {
    let wanted: Vec<String> = addresses
        .iter()
        .flat_map(|a| entries_for(a))
        .filter(|e| !e.is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut listed = HashSet::new();
    for chunk in wanted.chunks(AT_ONCE) {
        let found: Vec<String> = mail_opt_outs::table
            .filter(mail_opt_outs::entry.eq_any(chunk))
            .select(mail_opt_outs::entry)
            .load(connection)?;
        listed.extend(found);
    }
    Ok(addresses
        .iter()
        .filter(|a| entries_for(a).iter().any(|e| listed.contains(e)))
        .map(|a| a.trim().to_lowercase())
        .collect())
}

/// One page of the list, by entry, and its count: everyone's (`added_by` None) or the
/// entries one user added.
pub fn list(
    connection: &mut DbConnection,
    added_by: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OptOut>, i64), StoreError> {
    let filtered = || {
        let mut query = mail_opt_outs::table.into_boxed();
        if let Some(user) = added_by {
            query = query.filter(mail_opt_outs::created_by.eq(user));
        }
        query
    };
    let count = filtered().count().get_result(connection)?;
    let rows = filtered()
        .order((mail_opt_outs::entry, mail_opt_outs::id))
        .offset(offset)
        .limit(limit)
        .select(OptOut::as_select())
        .load(connection)?;
    Ok((rows, count))
}

/// Adds `entry` (already checked and lower-cased); the row, new or the one already there.
pub fn add(
    connection: &mut DbConnection,
    entry: &str,
    reason: Option<&str>,
    user: i64,
    now: NaiveDateTime,
) -> Result<OptOut, StoreError> {
    connection.write_transaction(|connection| {
        if let Some(row) = find(connection, entry)? {
            return Ok(row);
        }
        diesel::insert_into(mail_opt_outs::table)
            .values((
                mail_opt_outs::entry.eq(entry),
                mail_opt_outs::reason.eq(reason),
                mail_opt_outs::created_by.eq(user),
                mail_opt_outs::created_at.eq(now),
            ))
            .execute(connection)?;
        find(connection, entry)?.ok_or_else(|| diesel::result::Error::NotFound.into())
    })
}

fn find(connection: &mut DbConnection, entry: &str) -> Result<Option<OptOut>, StoreError> {
    Ok(mail_opt_outs::table
        .filter(mail_opt_outs::entry.eq(entry))
        .select(OptOut::as_select())
        .first(connection)
        .optional()?)
}

/// Removes one entry; rows removed.
pub fn remove(connection: &mut DbConnection, id: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(mail_opt_outs::table.find(id)).execute(connection)?)
}
