//! Configuration: typed settings layered from built-in defaults, an optional TOML file
//! (`--config FILE`) and environment variables `EMAIL_MANAGER__<SECTION>__<KEY>`.
//!
//! Loading never fails on the first bad value: every problem is collected as a
//! [`ConfigIssue`] naming its key, so `check-config` can print them all at once.
//! Secrets are wrapped in [`SecretString`] and never appear in `Debug` or in the
//! effective-settings listing.

mod database_url;
mod limits;
mod list;
mod load;
mod secret;
mod settings;
mod validate;

pub use database_url::{DatabaseKind, DatabaseUrl};
pub use limits::LimitsSettings;
pub use load::{ConfigIssue, load, load_from_sources};
pub use secret::SecretString;
pub use settings::{
    CampaignSettings, CorsSettings, DatabaseSettings, GoogleEndpoints, LogFormat, LogSettings,
    MicrosoftEndpoints, NocobaseSettings, ProviderEndpoints, PushSettings, SecuritySettings,
    SendSettings, ServerSettings, Settings, SyncSettings,
};
pub(crate) use validate::key_bytes as validate_key;
