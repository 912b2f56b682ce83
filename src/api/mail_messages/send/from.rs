//! The From of a send: one of the mailbox's send-as identities, never anything else
//! (400 `INVALID_FROM`). An address the stored list lacks makes the service ask the
//! provider again first (at most once a minute): the user may have added the alias at
//! Gmail or Exchange a moment ago.

use crate::gateway::Urgency;
use crate::http::ApiError;
use crate::mail::compose::Person;
use crate::providers::ProviderKind;
use crate::send::identities;
use crate::state::AppState;
use crate::store::mail_accounts::AccountRow;

fn refused(account: &AccountRow, address: &str) -> ApiError {
    let allowed: Vec<String> = identities::of(account)
        .into_iter()
        .map(|i| i.address)
        .collect();
    ApiError::bad_request(
        "INVALID_FROM",
        format!(
            "from: {address} is not an address this mailbox may send as ({})",
            allowed.join(", ")
        ),
    )
}

/// The From for `asked`: the identity it names, with the caller's name for it or the
/// provider's. The account is returned as it now is (its list may have been re-read).
pub async fn checked(
    state: &AppState,
    account: AccountRow,
    kind: ProviderKind,
    asked: Person,
) -> Result<(AccountRow, Option<Person>), ApiError> {
    let mut account = account;
    let mut found = identities::find(&account, &asked.address);
    if found.is_none() && identities::may_recheck(&account, chrono::Utc::now().naive_utc()) {
        match identities::refresh(state, &account, kind, Urgency::Now).await {
            Ok(fresh) => {
                account = fresh;
                found = identities::find(&account, &asked.address);
            }
            Err(error) => {
                tracing::warn!(account = account.id, %error, "the send-as addresses could not be re-read");
            }
        }
    }
    let Some(identity) = found else {
        return Err(refused(&account, &asked.address));
    };
    let name = asked.name.or(identity.name);
    Ok((
        account,
        Some(Person::new(name.as_deref(), &identity.address)),
    ))
}

/// The identity a reply goes out from when the caller named none: the address the
/// original was sent to, when it is one of the mailbox's other identities (mail to the
/// sales@ alias is answered from sales@).
pub fn for_reply(account: &AccountRow, addressed_to: &[Person]) -> Option<Person> {
    let own = account.email.to_lowercase();
    identities::of(account)
        .into_iter()
        .filter(|i| i.address != own)
        .find(|i| {
            addressed_to
                .iter()
                .any(|p| p.address.eq_ignore_ascii_case(&i.address))
        })
        .map(|i| Person::new(i.name.as_deref(), &i.address))
}
