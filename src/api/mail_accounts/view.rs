use crate::auth::Caller;
use crate::http::{ApiError, QueryParams, rfc3339};
use crate::state::AppState;
use crate::store::mail_accounts::{self, AccountRow};
use crate::store::signatures::{self, SignatureRow};
use serde::Serialize;
use serde_json::{Value, json};

/// A connected mailbox as the API shows it (never a token).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: i64,
    pub user_id: i64,
    pub provider: String,
    pub email: String,
    pub display_name: Option<String>,
    pub status: String,
    pub visibility: String,
    /// The NocoBase roles a shared mailbox is shown to (at `visibility`); empty: nobody.
    pub shared_with_roles: Vec<String>,
    pub sync_enabled: bool,
    pub last_sync_at: Option<String>,
    #[schema(value_type = Option<crate::api::openapi::LastError>)]
    pub last_error: Option<Value>,
    #[schema(value_type = crate::api::openapi::SyncProgress)]
    pub sync: Value,
    pub message_count: i64,
    pub unread_count: i64,
    pub created_at: String,
    /// The provider's push for this mailbox; null until it was first looked at.
    #[schema(value_type = Option<crate::api::openapi::PushState>)]
    pub push: Option<Value>,
    /// The addresses the mailbox may send as (`from` of a send), the default first.
    pub identities: Vec<IdentityView>,
}

/// An address a mailbox may send as.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    pub address: String,
    pub name: Option<String>,
    /// The address new mail starts from.
    pub is_default: bool,
    /// The caller's signature for mail from this address (its own default, else the
    /// mailbox's, else the caller's general default); null when none, or when the
    /// mailbox is not the caller's.
    pub signature_id: Option<i64>,
}

impl From<AccountRow> for AccountView {
    fn from(row: AccountRow) -> Self {
        let last_error = row.last_error_code.as_ref().map(|code| {
            json!({
                "code": code,
                "message": row.last_error_message,
                "at": row.last_error_at.map(rfc3339),
            })
        });
        let shared_with_roles = row.shared_with_roles();
        AccountView {
            shared_with_roles,
            id: row.id,
            user_id: row.user_id,
            provider: row.provider,
            email: row.email,
            display_name: row.display_name,
            status: row.status.as_str().to_string(),
            visibility: row.visibility,
            sync_enabled: row.sync_enabled,
            last_sync_at: row.last_sync_at.map(rfc3339),
            last_error,
            sync: json!({"phase": row.sync_phase, "done": row.sync_done, "total": row.sync_total}),
            message_count: 0,
            unread_count: 0,
            created_at: rfc3339(row.created_at),
            push: None,
            identities: Vec::new(),
        }
    }
}

/// The account named by `filterByTk`, if it is the caller's own. Others' accounts look
/// exactly like missing ones, so ids reveal nothing.
pub(super) async fn own_account(
    caller: &Caller,
    params: &QueryParams,
    state: &AppState,
) -> Result<Option<AccountRow>, ApiError> {
    let id = account_id(params)?;
    let row = state.store.run(move |c| mail_accounts::get(c, id)).await?;
    Ok(row.filter(|row| row.user_id == caller.user_id.0))
}

pub(super) fn account_id(params: &QueryParams) -> Result<i64, ApiError> {
    params.single_id("an account")
}

/// The account's send-as addresses, the default first, with the signature each starts
/// with when the account is `caller`'s.
fn identities(row: &AccountRow, caller: i64, signatures: &[SignatureRow]) -> Vec<IdentityView> {
    let mut listed = crate::send::identities::of(row);
    listed.sort_by_key(|i| !i.is_default);
    listed
        .into_iter()
        .map(|i| IdentityView {
            signature_id: (row.user_id == caller)
                .then(|| signatures::default_for(signatures, row.id, &i.address))
                .flatten(),
            address: i.address,
            name: i.name,
            is_default: i.is_default,
        })
        .collect()
}

/// Views of `rows` with their message and unread counts, seen by user `caller`.
pub async fn views(
    state: &AppState,
    caller: i64,
    rows: Vec<AccountRow>,
) -> Result<Vec<AccountView>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (counts, signatures) = state
        .store
        .run(move |c| {
            let counts = ids
                .iter()
                .map(|id| {
                    let counts = crate::store::messages::counts(c, *id)?;
                    Ok((counts, crate::store::mail_push::get(c, *id)?))
                })
                .collect::<Result<Vec<_>, crate::store::StoreError>>()?;
            Ok::<_, crate::store::StoreError>((counts, signatures::all_of(c, caller)?))
        })
        .await?;
    Ok(rows
        .into_iter()
        .zip(counts)
        .map(|(row, ((total, unread), push))| AccountView {
            identities: identities(&row, caller, &signatures),
            message_count: total,
            unread_count: unread,
            push: push.map(|push| {
                json!({
                    "status": push.status,
                    "lastError": push.last_error,
                    "lastPushAt": push.last_push_at.map(rfc3339),
                    "expiresAt": push.expires_at.map(rfc3339),
                })
            }),
            ..AccountView::from(row)
        })
        .collect())
}
