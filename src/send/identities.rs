//! The addresses a mailbox may send as, kept on the account: listed by the provider
//! (`providers::identities`) after a sync when the last list is more than a few hours
//! old, and at once when a send names a From the list does not hold (the user may have
//! just added the alias at Gmail). The mailbox's own address is always one of them.

use crate::gateway::{CallError, Mailbox, Urgency};
use crate::providers::identities::Identity;
use crate::providers::{ProviderKind, operation};
use crate::state::AppState;
use crate::store::mail_accounts::{self, AccountRow};
use chrono::{Duration, NaiveDateTime, Utc};

/// How old a list may be before a sync reads it again.
const FRESH_FOR: Duration = Duration::hours(6);
/// How soon after the last look a send with an unknown From asks the provider again.
const RECHECK_AFTER: Duration = Duration::minutes(1);

/// The account's identities: the stored list, with the mailbox's own address first when
/// the provider did not name it (and as the default when none is).
pub fn of(account: &AccountRow) -> Vec<Identity> {
    let mut listed: Vec<Identity> = account
        .identities
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    let own = account.email.to_lowercase();
    if !listed.iter().any(|i| i.address == own) {
        listed.insert(
            0,
            Identity {
                address: own,
                name: account.display_name.clone(),
                signature: None,
                is_default: false,
            },
        );
    }
    if !listed.iter().any(|i| i.is_default) {
        listed[0].is_default = true;
    }
    listed
}

/// The identity `address` names, if the account may send as it.
pub fn find(account: &AccountRow, address: &str) -> Option<Identity> {
    of(account)
        .into_iter()
        .find(|i| i.address.eq_ignore_ascii_case(address.trim()))
}

/// Whether a sync should read the list again.
pub fn due(account: &AccountRow, now: NaiveDateTime) -> bool {
    account
        .identities_checked_at
        .is_none_or(|at| now - at > FRESH_FOR)
}

/// Whether a send naming an unknown From may ask the provider again now.
pub fn may_recheck(account: &AccountRow, now: NaiveDateTime) -> bool {
    account
        .identities_checked_at
        .is_none_or(|at| now - at > RECHECK_AFTER)
}

/// Asks the provider for the list and stores it; the account as it now is.
pub async fn refresh(
    state: &AppState,
    account: &AccountRow,
    kind: ProviderKind,
    urgency: Urgency,
) -> Result<AccountRow, CallError> {
    let mailbox = Mailbox::new(state, account.id, kind, urgency);
    let listed = match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            mailbox
                .call(operation::gmail::SEND_AS_LIST, |t| {
                    let c = client.clone();
                    async move { c.identities(&t).await }
                })
                .await?
        }
        ProviderKind::Microsoft => {
            let client = state.graph();
            mailbox
                .call(operation::graph::IDENTITIES, |t| {
                    let c = client.clone();
                    async move { c.identities(&t).await }
                })
                .await?
        }
        // An IMAP server has no list of the addresses it sends as: the mailbox's own
        // (always added by `of`) until the user names others.
        ProviderKind::Imap => Vec::new(),
    };
    let json = serde_json::to_string(&listed).unwrap_or_else(|_| "[]".into());
    let (id, now) = (account.id, Utc::now().naive_utc());
    let stored = state
        .store
        .run(move |c| {
            mail_accounts::set_identities(c, id, &json, now)?;
            mail_accounts::get(c, id)
        })
        .await;
    match stored {
        Ok(Some(row)) => Ok(row),
        _ => Ok(account.clone()),
    }
}

/// After a sync: reads the list again when it is old. A failure leaves the old list and
/// is only logged (the mail is synced; the list is asked for again next time).
pub async fn refresh_if_due(state: &AppState, account_id: i64, kind: ProviderKind) {
    let Ok(Some(account)) = state
        .store
        .run(move |c| mail_accounts::get(c, account_id))
        .await
    else {
        return;
    };
    if !due(&account, Utc::now().naive_utc()) {
        return;
    }
    if let Err(error) = refresh(state, &account, kind, Urgency::Background).await {
        tracing::warn!(account = account_id, %error, "the send-as addresses could not be listed; the last list stays");
    }
}
