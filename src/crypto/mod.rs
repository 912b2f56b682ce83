//! Crypto: secrets at rest (client secrets, OAuth tokens) sealed with AES-256-GCM.
//!
//! A sealed value is text: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id
//! lets a key be rotated: the current key seals, previous keys still open. The row the
//! value belongs to is bound in as associated data ([`RowIdentity`]), so a ciphertext
//! copied into another row or column does not open.

mod key_file;
mod vault;

pub use key_file::{KeySource, load_vault};
pub use vault::{CryptoError, RowIdentity, Vault};
