use super::{ConfigIssue, DatabaseKind, SecretString, Settings};
use base64::Engine;
use std::net::SocketAddr;

/// Every problem in `settings`, one per key; empty when the settings can be used.
pub(super) fn validate(settings: &Settings) -> Vec<ConfigIssue> {
    let mut issues = Vec::new();
    let mut check = |key: &str, result: Result<(), String>| {
        if let Err(message) = result {
            issues.push(ConfigIssue::new(key, message));
        }
    };

    check("server.bind", socket_addr(&settings.server.bind));
    check("server.public_url", http_url(&settings.server.public_url));
    check(
        "server.max_body_bytes",
        at_least(settings.server.max_body_bytes as u64, 1024),
    );
    check("database.url", database_url(settings));
    check(
        "database.pool_size",
        if (1..=256).contains(&settings.database.pool_size) {
            Ok(())
        } else {
            Err("must be between 1 and 256".into())
        },
    );
    if let Some(url) = &settings.nocobase.url {
        check("nocobase.url", http_url(url));
    }
    check(
        "nocobase.admin_roles",
        if settings
            .nocobase
            .admin_roles
            .iter()
            .all(|r| !r.trim().is_empty())
        {
            Ok(())
        } else {
            Err("role names must not be empty".into())
        },
    );
    check(
        "nocobase.check_cache_secs",
        if settings.nocobase.check_cache_secs <= 3600 {
            Ok(())
        } else {
            Err("must be at most 3600 (a sign-out must take effect)".into())
        },
    );
    check("security.encryption_key", encryption_key(settings));
    for (index, key) in settings.security.previous_keys.iter().enumerate() {
        check(
            &format!("security.previous_keys[{index}]"),
            key_bytes(key).map(|_| ()),
        );
    }
    for (index, origin) in settings.cors.allowed_origins.iter().enumerate() {
        check(
            &format!("cors.allowed_origins[{index}]"),
            cors_origin(origin),
        );
    }
    let google = &settings.providers.google;
    let microsoft = &settings.providers.microsoft;
    for (key, url) in [
        ("providers.google.auth_url", &google.auth_url),
        ("providers.google.token_url", &google.token_url),
        ("providers.google.revoke_url", &google.revoke_url),
        ("providers.google.userinfo_url", &google.userinfo_url),
        ("providers.google.api_base_url", &google.api_base_url),
        ("providers.google.jwks_url", &google.jwks_url),
        (
            "providers.microsoft.login_base_url",
            &microsoft.login_base_url,
        ),
        (
            "providers.microsoft.graph_base_url",
            &microsoft.graph_base_url,
        ),
    ] {
        check(key, http_url(url));
    }
    if let Some(url) = &microsoft.authorize_base_url {
        check("providers.microsoft.authorize_base_url", http_url(url));
    }
    let sync = &settings.sync;
    for (key, value, min, max) in [
        ("sync.interval_secs", sync.interval_secs, 5, 86_400),
        ("sync.workers", u64::from(sync.workers), 1, 64),
        ("sync.page_size", u64::from(sync.page_size), 1, 500),
        ("sync.lease_secs", sync.lease_secs, 10, 3_600),
        (
            "push.poll_interval_secs",
            settings.push.poll_interval_secs,
            5,
            7 * 86_400,
        ),
        (
            "push.graph_lifetime_secs",
            settings.push.graph_lifetime_secs,
            10,
            10_080 * 60,
        ),
        (
            "push.gmail_renew_secs",
            settings.push.gmail_renew_secs,
            10,
            6 * 86_400,
        ),
        ("push.retry_secs", settings.push.retry_secs, 1, 86_400),
        (
            "limits.query_timeout_secs",
            settings.limits.query_timeout_secs,
            1,
            3_600,
        ),
        (
            "limits.lists_per_user",
            u64::from(settings.limits.lists_per_user),
            1,
            1_000,
        ),
        (
            "limits.like_terms",
            u64::from(settings.limits.like_terms),
            1,
            1_000,
        ),
        (
            "limits.like_min_chars",
            u64::from(settings.limits.like_min_chars),
            1,
            100,
        ),
        (
            "limits.max_offset",
            settings.limits.max_offset,
            200,
            10_000_000,
        ),
        (
            "limits.streams_per_user",
            u64::from(settings.limits.streams_per_user),
            1,
            1_000,
        ),
        (
            "limits.html_bytes",
            settings.limits.html_bytes as u64,
            16 * 1024,
            64 * 1024 * 1024,
        ),
        (
            "limits.webhook_requests_per_minute",
            u64::from(settings.limits.webhook_requests_per_minute),
            10,
            10_000_000,
        ),
        (
            "sync.gmail_max_concurrent",
            u64::from(sync.gmail_max_concurrent),
            1,
            64,
        ),
        (
            "sync.graph_max_concurrent",
            u64::from(sync.graph_max_concurrent),
            1,
            64,
        ),
        (
            "send.max_message_bytes",
            settings.send.max_message_bytes,
            1024,
            150 * 1024 * 1024,
        ),
        (
            "send.max_recipients",
            u64::from(settings.send.max_recipients),
            1,
            1_000,
        ),
        ("send.lease_secs", settings.send.lease_secs, 4, 3_600),
        (
            "campaigns.max_recipients",
            u64::from(settings.campaigns.max_recipients),
            1,
            100_000,
        ),
    ] {
        check(
            key,
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(format!("must be between {min} and {max}"))
            },
        );
    }
    check(
        "log.level",
        tracing_subscriber::EnvFilter::try_new(&settings.log.level)
            .map(|_| ())
            .map_err(|e| format!("not a log filter: {e}")),
    );
    issues
}

/// Decodes a base64 encryption key and checks its length.
pub(crate) fn key_bytes(key: &SecretString) -> Result<[u8; 32], String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key.expose().trim())
        .map_err(|_| "must be base64 (generate one with: openssl rand -base64 32)".to_string())?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("must decode to 32 bytes, got {}", bytes.len()))
}

fn encryption_key(settings: &Settings) -> Result<(), String> {
    if !settings.security.encryption_key.is_empty() {
        return key_bytes(&settings.security.encryption_key).map(|_| ());
    }
    if settings.database.url.kind() == DatabaseKind::Postgres {
        return Err(
            "required with PostgreSQL, so every replica shares it (base64 of 32 bytes: openssl rand -base64 32)"
                .into(),
        );
    }
    Ok(())
}

fn database_url(settings: &Settings) -> Result<(), String> {
    let url = &settings.database.url;
    match url.kind() {
        DatabaseKind::Postgres => url::Url::parse(url.connection_string())
            .map(|_| ())
            .map_err(|e| format!("not a PostgreSQL URL: {e}")),
        DatabaseKind::Sqlite if url.connection_string().is_empty() => {
            Err("empty: give a SQLite file path or a postgres:// URL".into())
        }
        DatabaseKind::Sqlite => Ok(()),
    }
}

fn socket_addr(value: &str) -> Result<(), String> {
    value
        .parse::<SocketAddr>()
        .map(|_| ())
        .map_err(|_| format!("expected IP:port such as 0.0.0.0:13100, got {value:?}"))
}

fn http_url(value: &str) -> Result<(), String> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        Ok(_) => Err(format!(
            "expected an http:// or https:// URL, got {value:?}"
        )),
        Err(e) => Err(format!("not a URL ({e}): {value:?}")),
    }
}

fn cors_origin(value: &str) -> Result<(), String> {
    http_url(value)?;
    let url = url::Url::parse(value).map_err(|e| e.to_string())?;
    if url.path() != "/" || url.query().is_some() || value.ends_with('/') {
        return Err(format!(
            "an origin is scheme://host[:port] with no path, got {value:?}"
        ));
    }
    Ok(())
}

fn at_least(value: u64, minimum: u64) -> Result<(), String> {
    if value >= minimum {
        Ok(())
    } else {
        Err(format!("must be at least {minimum}"))
    }
}
