//! A connect finishes only in the browser that started it. The authorize answer sets a
//! random value as a cookie (HttpOnly, SameSite=Lax, only sent to the callback's path,
//! ten minutes); the state row keeps its hash; the callback must bring the cookie back.
//! A consent link sent to someone else therefore lands in a browser without it, and
//! links nothing. Lax is what lets the cookie ride on the provider's top-level redirect
//! back to us. Each connect has a cookie of its own, so two started in two tabs both work.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Every binding cookie's name starts with this.
pub const COOKIE_PREFIX: &str = "em_connect_";
/// As long as the state it binds.
const MAX_AGE_SECS: i64 = 600;

/// A new binding: the `Set-Cookie` value for the authorize answer and the hash to keep.
pub struct Binding {
    pub set_cookie: String,
    pub hash: String,
}

/// Where the cookie is sent: the callback's path (from the public URL, so a service
/// behind a path prefix works), and `Secure` when browsers reach it over HTTPS.
#[derive(Debug, Clone)]
pub struct CookieScope {
    pub path: String,
    pub secure: bool,
}

impl CookieScope {
    /// The scope of the callback at `redirect_uri`.
    pub fn of(redirect_uri: &str) -> Self {
        match url::Url::parse(redirect_uri) {
            Ok(url) => Self {
                path: url.path().to_string(),
                secure: url.scheme() == "https",
            },
            Err(_) => Self {
                path: "/api/mailOAuth:callback".into(),
                secure: false,
            },
        }
    }

    fn attributes(&self, max_age: i64) -> String {
        format!(
            "Path={}; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            self.path,
            if self.secure { "; Secure" } else { "" }
        )
    }
}

/// The hash under which a cookie value is kept.
pub fn hash(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::Rng::fill(&mut rand::rng(), buffer.as_mut_slice());
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A fresh binding for one connect.
pub fn issue(scope: &CookieScope) -> Binding {
    let value = random(32);
    let name = format!("{COOKIE_PREFIX}{}", random(6));
    Binding {
        set_cookie: format!("{name}={value}; {}", scope.attributes(MAX_AGE_SECS)),
        hash: hash(&value),
    }
}

/// The name of the binding cookie in `cookie_header` whose value hashes to `expected`.
pub fn find(cookie_header: Option<&str>, expected: &str) -> Option<String> {
    cookie_header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| name.starts_with(COOKIE_PREFIX))
        // Digests are compared, not the secret: how much of a digest a guess matched
        // says nothing about the cookie's value.
        .find(|(_, value)| hash(value.trim()) == expected)
        .map(|(name, _)| name.to_string())
}

/// The `Set-Cookie` value that deletes a used binding cookie.
pub fn clear(name: &str, scope: &CookieScope) -> String {
    format!("{name}=; {}", scope.attributes(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_issued_cookie_matches() {
        let scope = CookieScope::of("https://crm.example/nb/api/mailOAuth:callback");
        assert_eq!(scope.path, "/nb/api/mailOAuth:callback");
        let binding = issue(&scope);
        assert!(
            binding
                .set_cookie
                .ends_with("HttpOnly; SameSite=Lax; Secure")
        );
        let pair = binding.set_cookie.split(';').next().unwrap();
        let header = format!("other=1; {pair}; em_connect_x=forged");
        let name = find(Some(&header), &binding.hash).unwrap();
        assert!(pair.starts_with(&name));
        assert_eq!(find(Some("em_connect_x=forged"), &binding.hash), None);
        assert_eq!(find(None, &binding.hash), None);
        // A cookie of another name with the right value is not ours.
        let value = pair.split_once('=').unwrap().1;
        assert_eq!(find(Some(&format!("session={value}")), &binding.hash), None);
        assert!(clear(&name, &scope).contains("Max-Age=0"));
    }
}
