//! The values of `mailAccounts:test` and `mailAccounts:connect` for an IMAP mailbox
//! (API.md "IMAP and SMTP"): `{provider: "imap", email, imap: {host, port, tls}, smtp:
//! {host, port, tls}, username, password}`. Each bad field is named; the password never
//! appears in an answer.

use crate::http::ApiError;
use crate::providers::imap::{Endpoint, TlsMode};
use serde_json::{Map, Value};

/// What the user typed, checked.
#[derive(Clone)]
pub struct ImapValues {
    pub email: String,
    pub imap: Endpoint,
    pub smtp: Endpoint,
    pub username: String,
    pub password: String,
}

/// Longest password or app password taken (a bound, not a policy).
const MAX_PASSWORD: usize = 1024;

fn text<'a>(values: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match values.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::invalid_field(key, "expected a string")),
    }
}

/// A host name or address as a user types it: no scheme, no path, no port, no spaces.
fn host(value: Option<&str>, field: &str) -> Result<String, ApiError> {
    let host = value.map(str::trim).unwrap_or_default().to_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
        && !host.starts_with('-');
    if !valid {
        return Err(ApiError::invalid_field(
            field,
            "expected a server name such as imap.example.com",
        ));
    }
    Ok(host)
}

fn endpoint(
    values: &Map<String, Value>,
    key: &str,
    default_tls: TlsMode,
    ports: (u16, u16),
) -> Result<Endpoint, ApiError> {
    let server = match values.get(key) {
        Some(Value::Object(server)) => server,
        _ => {
            return Err(ApiError::invalid_field(key, "expected {host, port, tls}"));
        }
    };
    let host = host(text(server, "host")?, &format!("{key}.host"))?;
    let tls = match text(server, "tls")?.map(str::trim) {
        None | Some("") => default_tls,
        Some("implicit" | "ssl" | "tls") => TlsMode::Implicit,
        Some("starttls") => TlsMode::Starttls,
        Some("none") => TlsMode::None,
        Some(_) => {
            return Err(ApiError::invalid_field(
                &format!("{key}.tls"),
                "expected implicit, starttls or none",
            ));
        }
    };
    let port = match server.get("port") {
        None | Some(Value::Null) => match tls {
            TlsMode::Implicit => ports.0,
            _ => ports.1,
        },
        Some(value) => value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                ApiError::invalid_field(&format!("{key}.port"), "expected a port from 1 to 65535")
            })?,
    };
    Ok(Endpoint { host, port, tls })
}

impl ImapValues {
    pub fn parse(values: &Map<String, Value>) -> Result<Self, ApiError> {
        match text(values, "provider")? {
            Some("imap") => {}
            _ => return Err(ApiError::invalid_field("provider", "expected imap")),
        }
        let email = text(values, "email")?
            .map(|e| e.trim().to_lowercase())
            .filter(|e| {
                e.len() <= 320
                    && !e.chars().any(char::is_whitespace)
                    && e.split_once('@')
                        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            })
            .ok_or_else(|| ApiError::invalid_field("email", "expected an email address"))?;
        let imap = endpoint(values, "imap", TlsMode::Implicit, (993, 143))?;
        let smtp = endpoint(values, "smtp", TlsMode::Starttls, (465, 587))?;
        let username = text(values, "username")?
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map_or_else(|| email.clone(), ToString::to_string);
        if username.len() > 320 || username.chars().any(char::is_control) {
            return Err(ApiError::invalid_field("username", "expected a user name"));
        }
        let password = text(values, "password")?
            .filter(|p| !p.is_empty())
            .ok_or_else(|| ApiError::invalid_field("password", "required"))?;
        if password.len() > MAX_PASSWORD || password.chars().any(|c| c == '\r' || c == '\n') {
            return Err(ApiError::invalid_field(
                "password",
                "expected one line of at most 1024 bytes",
            ));
        }
        Ok(Self {
            email,
            imap,
            smtp,
            username,
            password: password.to_string(),
        })
    }

    /// The mailbox's lasting identity: its user at its IMAP server (two addresses of one
    /// login are one mailbox; one address on two servers are two).
    pub fn mailbox_id(&self) -> String {
        format!("{}@{}", self.username.to_lowercase(), self.imap.host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<ImapValues, ApiError> {
        ImapValues::parse(value.as_object().unwrap())
    }

    #[test]
    fn ports_follow_the_tls_mode_and_the_user_name_defaults_to_the_address() {
        let values = parse(json!({
            "provider": "imap", "email": " Ann@Example.COM ",
            "imap": {"host": "IMAP.example.com"}, "smtp": {"host": "smtp.example.com", "tls": "implicit"},
            "password": "secret"
        }))
        .unwrap();
        assert_eq!(values.email, "ann@example.com");
        assert_eq!(values.username, "ann@example.com");
        assert_eq!(
            (values.imap.host.as_str(), values.imap.port),
            ("imap.example.com", 993)
        );
        assert_eq!(
            (values.smtp.port, values.smtp.tls),
            (465, TlsMode::Implicit)
        );
        assert_eq!(values.mailbox_id(), "ann@example.com@imap.example.com");
    }

    #[test]
    fn each_bad_field_is_named() {
        let good = json!({
            "provider": "imap", "email": "ann@example.com",
            "imap": {"host": "imap.example.com", "port": 993, "tls": "implicit"},
            "smtp": {"host": "smtp.example.com", "port": "587", "tls": "starttls"},
            "password": "secret"
        });
        assert!(parse(good.clone()).is_ok());
        for (path, bad, field) in [
            ("/provider", json!("google"), "provider"),
            ("/email", json!("not an address"), "email"),
            (
                "/imap/host",
                json!("https://imap.example.com/"),
                "imap.host",
            ),
            ("/imap/port", json!(70000), "imap.port"),
            ("/smtp/tls", json!("maybe"), "smtp.tls"),
            ("/password", json!(""), "password"),
            ("/password", json!("a\r\nA1 LOGOUT"), "password"),
        ] {
            let mut values = good.clone();
            *values.pointer_mut(path).unwrap() = bad;
            let error = parse(values)
                .err()
                .unwrap_or_else(|| panic!("{path} accepted"));
            assert!(
                error.message().contains(field),
                "{path}: {}",
                error.message()
            );
            assert!(!error.message().contains("secret"));
        }
    }
}
