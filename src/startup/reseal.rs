use crate::crypto::Vault;
use crate::providers::ProviderKind;
use crate::store::{Store, StoreError, mail_providers};

/// After a key rotation (`security.previous_keys`), seals every stored secret again under
/// the current key, so the old key can later be dropped. Returns how many were re-sealed.
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
    Ok(resealed)
}
