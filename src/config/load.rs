use super::{Settings, validate};
use config::{Config, Environment, File, FileFormat};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// One bad configuration value: the dotted key and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    pub key: String,
    pub message: String,
}

impl ConfigIssue {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Loads the settings from the built-in defaults, `file` (if given) and the process
/// environment, then validates them.
pub fn load(file: Option<&Path>) -> Result<Settings, Vec<ConfigIssue>> {
    load_from_sources(file, None)
}

/// Like [`load`], with the environment given as a map instead of read from the process
/// (tests use this; `None` reads the real environment).
pub fn load_from_sources(
    file: Option<&Path>,
    env: Option<HashMap<String, String>>,
) -> Result<Settings, Vec<ConfigIssue>> {
    let mut builder = Config::builder();
    if let Some(path) = file {
        if !path.is_file() {
            return Err(vec![ConfigIssue::new(
                "--config",
                format!("no such file: {}", path.display()),
            )]);
        }
        builder = builder.add_source(File::from(path).format(FileFormat::Toml));
    }
    // List settings arrive as one comma-separated string; `config::list` splits them.
    let environment = Environment::with_prefix("EMAIL_MANAGER")
        .prefix_separator("__")
        .separator("__");
    builder = builder.add_source(environment.source(env));

    let settings: Settings = builder
        .build()
        .and_then(Config::try_deserialize)
        .map_err(|error| vec![issue_from(error)])?;
    let issues = validate::validate(&settings);
    if issues.is_empty() {
        Ok(settings)
    } else {
        Err(issues)
    }
}

/// The `config` crate stops at the first error; name its key when it says one.
fn issue_from(error: config::ConfigError) -> ConfigIssue {
    match &error {
        config::ConfigError::Type {
            key: Some(key),
            unexpected,
            expected,
            ..
        } => ConfigIssue::new(key, format!("expected {expected}, found {unexpected}")),
        config::ConfigError::At {
            key: Some(key),
            error,
            ..
        } => ConfigIssue::new(key, error.to_string()),
        config::ConfigError::FileParse { .. } => ConfigIssue::new("--config", error.to_string()),
        _ => ConfigIssue::new("config", error.to_string()),
    }
}
