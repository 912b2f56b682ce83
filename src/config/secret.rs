use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A configuration value that must never be printed: keys, passwords, tokens.
///
/// `Debug`, `Display` and `Serialize` all write `[redacted]`; the value is reachable
/// only through [`SecretString::expose`], which makes every use easy to find.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call sites are the places that really need it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when no value was given (an empty environment variable counts as none).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.is_empty() { "" } else { "[redacted]" })
    }
}
