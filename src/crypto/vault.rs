use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

const FORMAT: &str = "v1";

/// Why a sealed value could not be opened. Deliberately vague: the details would help
/// an attacker and never help a user.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value uses a key that is not configured (key id {0})")]
    UnknownKey(String),
    #[error("sealed value does not open with its key for this row")]
    Rejected,
}

/// The place a secret lives, bound into its ciphertext as associated data.
#[derive(Debug, Clone, Copy)]
pub struct RowIdentity<'a> {
    pub table: &'a str,
    pub row: &'a str,
    pub column: &'a str,
}

impl RowIdentity<'_> {
    fn associated_data(&self) -> Vec<u8> {
        [self.table, self.row, self.column].join("\0").into_bytes()
    }
}

struct VaultKey {
    id: String,
    cipher: Aes256Gcm,
}

impl VaultKey {
    fn new(bytes: &[u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"email-manager key id\0")
            .chain_update(bytes)
            .finalize();
        Self {
            id: digest[..4].iter().map(|b| format!("{b:02x}")).collect(),
            cipher: Aes256Gcm::new(bytes.into()),
        }
    }
}

/// Seals and opens secrets with the current key and any previous ones.
pub struct Vault {
    current: VaultKey,
    previous: Vec<VaultKey>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("current_key_id", &self.current.id)
            .field("previous_keys", &self.previous.len())
            .finish()
    }
}

impl Vault {
    /// A vault that seals with `current` and also opens values sealed with `previous` keys.
    pub fn new(current: &[u8; 32], previous: &[[u8; 32]]) -> Self {
        Self {
            current: VaultKey::new(current),
            previous: previous.iter().map(VaultKey::new).collect(),
        }
    }

    /// The id written into values this vault seals now.
    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` for the row `identity` under the current key.
    pub fn seal(&self, plaintext: &[u8], identity: RowIdentity<'_>) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let aad = identity.associated_data();
        // AES-GCM encryption fails only for inputs over 64 GiB; secrets are bytes long.
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        let mut body = Vec::with_capacity(nonce.len() + ciphertext.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&ciphertext);
        format!(
            "{FORMAT}.{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(body)
        )
    }

    /// Opens a value sealed by [`Vault::seal`] for the same row, under any configured key.
    pub fn open(&self, sealed: &str, identity: RowIdentity<'_>) -> Result<Vec<u8>, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(FORMAT), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Malformed)?;
        if body.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = body.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
        key.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &identity.associated_data(),
                },
            )
            .map_err(|_| CryptoError::Rejected)
    }

    /// Opens a sealed UTF-8 string.
    pub fn open_string(
        &self,
        sealed: &str,
        identity: RowIdentity<'_>,
    ) -> Result<String, CryptoError> {
        String::from_utf8(self.open(sealed, identity)?).map_err(|_| CryptoError::Malformed)
    }

    /// True when `sealed` was sealed under a previous key and should be sealed again.
    pub fn is_stale(&self, sealed: &str) -> bool {
        sealed
            .split('.')
            .nth(1)
            .is_some_and(|key_id| key_id != self.current.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: RowIdentity<'static> = RowIdentity {
        table: "mail_providers",
        row: "google",
        column: "client_secret",
    };

    #[test]
    fn sealing_twice_gives_different_ciphertexts_that_both_open() {
        let vault = Vault::new(&[7; 32], &[]);
        let a = vault.seal(b"s3cret", ROW);
        let b = vault.seal(b"s3cret", ROW);
        assert_ne!(a, b);
        assert_eq!(vault.open(&a, ROW).as_deref(), Ok(&b"s3cret"[..]));
        assert_eq!(vault.open(&b, ROW).as_deref(), Ok(&b"s3cret"[..]));
        assert!(!a.contains("s3cret"));
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_does_not_open() {
        let vault = Vault::new(&[7; 32], &[]);
        let sealed = vault.seal(b"s3cret", ROW);
        let other = RowIdentity {
            row: "microsoft",
            ..ROW
        };
        assert_eq!(vault.open(&sealed, other), Err(CryptoError::Rejected));
    }

    #[test]
    fn a_tampered_ciphertext_is_rejected() {
        let vault = Vault::new(&[7; 32], &[]);
        let sealed = vault.seal(b"s3cret", ROW);
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(vault.open(&tampered, ROW), Err(CryptoError::Rejected));
        assert_eq!(vault.open("v1.abc", ROW), Err(CryptoError::Malformed));
    }

    #[test]
    fn a_rotated_vault_opens_old_values_and_seals_with_the_new_key() {
        let old = Vault::new(&[1; 32], &[]);
        let sealed_before = old.seal(b"s3cret", ROW);
        let rotated = Vault::new(&[2; 32], &[[1; 32]]);
        assert!(rotated.is_stale(&sealed_before));
        assert_eq!(
            rotated.open_string(&sealed_before, ROW).as_deref(),
            Ok("s3cret")
        );
        let sealed_after = rotated.seal(b"s3cret", ROW);
        assert!(!rotated.is_stale(&sealed_after));
        assert!(matches!(
            old.open(&sealed_after, ROW),
            Err(CryptoError::UnknownKey(_))
        ));
    }
}
