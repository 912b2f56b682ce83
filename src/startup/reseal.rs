use crate::crypto::{RowIdentity, Vault};
use crate::providers::ProviderKind;
use crate::send::scheduler::sealed_identity;
use crate::store::{
    Store, StoreError, account_servers, account_tokens, mail_providers, mail_push, outbox,
};

/// After a key rotation (`security.previous_keys`), seals every stored secret again under
/// the current key — client secrets, mailbox tokens and passwords, scheduled messages — so the old key
/// can later be dropped. Returns how many were re-sealed.
/// A value that opens with no configured key is left alone and logged: it is not ours
/// to destroy.
pub(super) async fn reseal_stale_secrets(
    store: &Store,
    vault: &Vault,
) -> Result<usize, StoreError> {
    let rows = store.run(mail_providers::with_sealed_secret).await?;
    let mut resealed = 0;
    for row in rows {
        let (Ok(kind), Some(sealed)) = (row.name.parse::<ProviderKind>(), row.client_secret_sealed)
        else {
            continue;
        };
        if !vault.is_stale(&sealed) {
            continue;
        }
        let identity = mail_providers::secret_identity(kind);
        let plain = match vault.open(&sealed, identity) {
            Ok(plain) => plain,
            Err(error) => {
                tracing::error!(provider = %kind, %error, "a stored client secret opens with no configured key");
                continue;
            }
        };
        let fresh = vault.seal(&plain, identity);
        if store
            .run(move |c| mail_providers::reseal_secret(c, kind, &sealed, &fresh))
            .await?
        {
            resealed += 1;
        }
    }
    resealed += reseal_tokens(store, vault).await?;
    resealed += reseal_scheduled(store, vault).await?;
    resealed += reseal_push_states(store, vault).await?;
    resealed += reseal_passwords(store, vault).await?;
    Ok(resealed)
}

/// IMAP mailboxes' passwords (#26).
async fn reseal_passwords(store: &Store, vault: &Vault) -> Result<usize, StoreError> {
    let rows = store.run(account_servers::all).await?;
    let mut resealed = 0;
    for row in rows
        .into_iter()
        .filter(|r| vault.is_stale(&r.password_sealed))
    {
        let (account, sealed) = (row.account_id, row.password_sealed);
        let id = account.to_string();
        let Some(fresh) = refreshed(vault, &sealed, account_servers::password_identity(&id)) else {
            continue;
        };
        if store
            .run(move |c| account_servers::reseal_password(c, account, &sealed, &fresh))
            .await?
        {
            resealed += 1;
        }
    }
    Ok(resealed)
}

/// Opens a stale value and seals it under the current key; `None` (logged) when no
/// configured key opens it.
fn refreshed(vault: &Vault, sealed: &str, identity: RowIdentity<'_>) -> Option<String> {
    match vault.open(sealed, identity) {
        Ok(plain) => Some(vault.seal(&plain, identity)),
        Err(error) => {
            tracing::error!(table = identity.table, column = identity.column, %error, "a stored secret opens with no configured key");
            None
        }
    }
}

async fn reseal_tokens(store: &Store, vault: &Vault) -> Result<usize, StoreError> {
    let rows = store.run(account_tokens::all_sealed).await?;
    let mut resealed = 0;
    for (account, access, refresh) in rows {
        let row = account.to_string();
        for (column, sealed) in [("access_token", Some(access)), ("refresh_token", refresh)] {
            let Some(sealed) = sealed.filter(|s| vault.is_stale(s)) else {
                continue;
            };
            let Some(fresh) = refreshed(vault, &sealed, account_tokens::identity(&row, column))
            else {
                continue;
            };
            if store
                .run(move |c| account_tokens::reseal(c, account, column, &sealed, &fresh))
                .await?
            {
                resealed += 1;
            }
        }
    }
    Ok(resealed)
}

async fn reseal_scheduled(store: &Store, vault: &Vault) -> Result<usize, StoreError> {
    let rows = store.run(outbox::all_sealed).await?;
    let mut resealed = 0;
    for (id, sealed) in rows {
        if !vault.is_stale(&sealed) {
            continue;
        }
        let row = id.to_string();
        let Some(fresh) = refreshed(vault, &sealed, sealed_identity(&row)) else {
            continue;
        };
        if store
            .run(move |c| outbox::reseal(c, id, &sealed, &fresh))
            .await?
        {
            resealed += 1;
        }
    }
    Ok(resealed)
}

/// Graph subscriptions' `clientState`s.
async fn reseal_push_states(store: &Store, vault: &Vault) -> Result<usize, StoreError> {
    let rows = store.run(mail_push::all_sealed).await?;
    let mut resealed = 0;
    for (account_id, sealed) in rows {
        if !vault.is_stale(&sealed) {
            continue;
        }
        let row = account_id.to_string();
        let identity = crate::push::graph_client_state_identity(&row);
        let Some(fresh) = refreshed(vault, &sealed, identity) else {
            continue;
        };
        if store
            .run(move |c| mail_push::reseal(c, account_id, &sealed, &fresh))
            .await?
        {
            resealed += 1;
        }
    }
    Ok(resealed)
}
