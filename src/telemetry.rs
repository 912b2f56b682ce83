//! Logging: `tracing` to standard error, as text or JSON lines (`log.format`).
//!
//! What is logged is decided where it is logged: ids, names, counts and statuses; never
//! tokens, secrets, message bodies or recipients.

use crate::config::{LogFormat, LogSettings};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the global subscriber writing to standard error. Call once, from `main`.
pub fn init(settings: &LogSettings) {
    init_with_writer(settings, std::io::stderr);
}

/// Installs the global subscriber writing to `writer` (tests capture the log this way).
/// A second call does nothing.
pub fn init_with_writer<W>(settings: &LogSettings, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false);
    let _ = match settings.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

/// A word from outside (a provider's error code, a lifecycle event's name) as a log line
/// may carry it: letters, digits and `_`, at most 64; anything else is `other`, since the
/// sender may have written any text there (a forged line break, say).
pub fn loggable_word(text: &str) -> &str {
    if !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        text
    } else {
        "other"
    }
}
