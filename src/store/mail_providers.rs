//! The `mail_providers` table: one row per provider, created by the first migration.

use super::schema::mail_providers;
use super::{DbConnection, StoreError};
use crate::crypto::RowIdentity;
use crate::providers::ProviderKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A provider's stored settings. The client secret stays sealed here; the vault opens it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_providers)]
pub struct ProviderRow {
    pub name: String,
    pub client_id: String,
    pub client_secret_sealed: Option<String>,
    pub tenant: Option<String>,
    pub enabled: bool,
    pub pubsub_topic: Option<String>,
    pub push_audience: Option<String>,
    /// UTC.
    pub updated_at: NaiveDateTime,
    /// Microsoft: the tenant ids whose mailboxes may connect, as a JSON array; `None`
    /// or empty lets any tenant the app's `tenant` setting signs in.
    pub allowed_tenants: Option<String>,
    /// The NocoBase roles that may connect mailboxes (JSON array); none: any signed-in user.
    pub connect_roles: Option<String>,
    /// Google: the service account whose OIDC tokens sign Gmail pushes.
    pub push_service_account: Option<String>,
    /// IMAP: the admin's rules for user-named servers, as JSON ([`ImapRules`]).
    pub imap_settings: Option<String>,
}

/// The admin's rules for the IMAP and SMTP servers users name (API.md "IMAP and SMTP").
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImapRules {
    /// Host names or domains (`example.com` takes its subdomains too) users may name;
    /// empty: any public host.
    pub allowed_hosts: Vec<String>,
    /// Loopback, private and link-local addresses may be reached (a server in the same
    /// network as the service); off, they are refused after every lookup.
    pub allow_private_networks: bool,
    /// Servers may be reached without TLS (`tls: none`).
    pub allow_plaintext: bool,
}

impl ProviderRow {
    /// The roles that may connect (empty: anyone).
    pub fn connect_roles(&self) -> Vec<String> {
        super::mail_accounts::names_in(self.connect_roles.as_deref())
    }

    /// The allowed tenant ids (empty: any).
    pub fn allowed_tenants(&self) -> Vec<String> {
        super::mail_accounts::names_in(self.allowed_tenants.as_deref())
    }

    /// The IMAP rules (the defaults, all off, when none were saved or they do not parse).
    pub fn imap_rules(&self) -> ImapRules {
        self.imap_settings
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }
}

/// A partial update: `None` leaves a column alone, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = mail_providers)]
pub struct ProviderChanges {
    pub client_id: Option<String>,
    pub client_secret_sealed: Option<String>,
    pub tenant: Option<String>,
    pub enabled: Option<bool>,
    pub pubsub_topic: Option<Option<String>>,
    pub push_audience: Option<Option<String>>,
    pub allowed_tenants: Option<Option<String>>,
    pub connect_roles: Option<Option<String>>,
    pub push_service_account: Option<Option<String>>,
    pub imap_settings: Option<Option<String>>,
    /// Always set, which also keeps the changeset from ever being empty.
    pub updated_at: NaiveDateTime,
}

/// Where a provider's client secret is sealed; bound into its ciphertext.
pub fn secret_identity(kind: ProviderKind) -> RowIdentity<'static> {
    RowIdentity {
        table: "mail_providers",
        row: kind.as_str(),
        column: "client_secret",
    }
}

/// Every provider's row, in the order lists show them (`ProviderKind::ALL`: Google,
/// Microsoft, then IMAP).
pub fn list(connection: &mut DbConnection) -> Result<Vec<ProviderRow>, StoreError> {
    let mut rows: Vec<ProviderRow> = mail_providers::table
        .select(ProviderRow::as_select())
        .load(connection)?;
    rows.sort_by_key(|row| {
        ProviderKind::ALL
            .iter()
            .position(|kind| kind.as_str() == row.name)
            .unwrap_or(usize::MAX)
    });
    Ok(rows)
}

/// One provider's row (the migration creates both, so it is there unless the table was
/// tampered with).
pub fn get(
    connection: &mut DbConnection,
    kind: ProviderKind,
) -> Result<Option<ProviderRow>, StoreError> {
    Ok(mail_providers::table
        .find(kind.as_str())
        .select(ProviderRow::as_select())
        .first(connection)
        .optional()?)
}

/// Applies `changes` to one provider's row and returns the row as stored.
pub fn update(
    connection: &mut DbConnection,
    kind: ProviderKind,
    changes: &ProviderChanges,
) -> Result<Option<ProviderRow>, StoreError> {
    connection.write_transaction(|connection| {
        diesel::update(mail_providers::table.find(kind.as_str()))
            .set(changes)
            .execute(connection)?;
        get(connection, kind)
    })
}

/// Rows whose secret was sealed under a key other than the current one, for re-sealing
/// after a key rotation.
pub fn with_sealed_secret(connection: &mut DbConnection) -> Result<Vec<ProviderRow>, StoreError> {
    Ok(mail_providers::table
        .filter(mail_providers::client_secret_sealed.is_not_null())
        .select(ProviderRow::as_select())
        .load(connection)?)
}

/// Replaces one row's sealed secret if it is still `expected` (a concurrent update wins).
pub fn reseal_secret(
    connection: &mut DbConnection,
    kind: ProviderKind,
    expected: &str,
    resealed: &str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        mail_providers::table
            .find(kind.as_str())
            .filter(mail_providers::client_secret_sealed.eq(expected)),
    )
    .set(mail_providers::client_secret_sealed.eq(resealed))
    .execute(connection)?;
    Ok(changed == 1)
}
