use super::{DatabaseUrl, SecretString};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Every setting of the service. Each section's `Default` is the built-in default layer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub nocobase: NocobaseSettings,
    pub security: SecuritySettings,
    pub cors: CorsSettings,
    pub providers: ProviderEndpoints,
    pub sync: SyncSettings,
    pub push: PushSettings,
    pub send: SendSettings,
    pub campaigns: CampaignSettings,
    pub imap: ImapSettings,
    pub limits: super::LimitsSettings,
    pub log: LogSettings,
}

/// `push.*`: providers telling us about changes (Graph change notifications, Gmail
/// push through Cloud Pub/Sub), so new mail shows in seconds. Polling stays on.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushSettings {
    /// Ask the providers to push (Graph always can; Gmail when its provider has a
    /// Pub/Sub topic). The webhooks need `server.public_url` reachable from the provider.
    pub enabled: bool,
    /// Accounts whose push is healthy are still polled this often, in seconds (the poll
    /// catches what a lost notification missed).
    pub poll_interval_secs: u64,
    /// Lifetime asked for a Graph subscription, in seconds (Graph allows up to 10,080
    /// minutes for mail); it is renewed when half of it is left.
    pub graph_lifetime_secs: u64,
    /// A Gmail watch is renewed this often, in seconds (Google asks for daily).
    pub gmail_renew_secs: u64,
    /// After a failed attempt to set push up, try again after this long, in seconds.
    pub retry_secs: u64,
    /// Most IMAP mailboxes this process holds an IDLE connection for; more are polled
    /// until a replica with room takes them.
    pub imap_idle_max: u32,
}

impl Default for PushSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval_secs: 3_600,
            graph_lifetime_secs: 3 * 24 * 3600,
            gmail_renew_secs: 24 * 3600,
            retry_secs: 900,
            imap_idle_max: 500,
        }
    }
}

/// `imap.*`: reaching the IMAP and SMTP servers users name (#26). Which hosts may be
/// reached is the admin's, in `mailProviders` (`imap`); this is the machine's part.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImapSettings {
    /// PEM certificates to trust beside the public roots, for a company's own mail server
    /// signed by its own CA. A certificate is always checked; this never turns that off.
    pub ca_file: Option<PathBuf>,
}

/// `send.*`: limits on outgoing mail.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendSettings {
    /// Largest message, attachments included, in bytes (Gmail takes 35 MB; Outlook 35 MB
    /// by default, though many tenants set 25 MB).
    pub max_message_bytes: u64,
    /// Most recipients (To, Cc and Bcc together) of one message.
    pub max_recipients: u32,
    /// Run due scheduled sends in this process. Every replica may: each send is claimed
    /// by one of them.
    pub run_scheduled: bool,
    /// How long a send is held by the process handing it to the provider without being
    /// renewed (it is renewed four times a lease while the provider has it). A stopped
    /// process's sends are looked up at the provider this long after it stopped.
    pub lease_secs: u64,
}

impl Default for SendSettings {
    fn default() -> Self {
        Self {
            max_message_bytes: 25 * 1024 * 1024,
            max_recipients: 100,
            run_scheduled: true,
            lease_secs: 120,
        }
    }
}

/// `campaigns.*`: mail merge (#25). A campaign hands its recipients to the outbox no
/// faster than these allow, counted over every send of the mailbox in the last minute or
/// day; 0 is no limit. The defaults are the providers' published sending limits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignSettings {
    /// Run running campaigns in this process (replicas may all: each recipient is
    /// handed over once, under the mailbox's lock).
    pub run: bool,
    /// Most recipients one campaign may have.
    pub max_recipients: u32,
    /// A Google Workspace mailbox: recipients a day (Google: about 2,000).
    pub gmail_per_day: u32,
    /// A consumer Gmail address (`@gmail.com`, `@googlemail.com`): recipients a day
    /// (Google: 500).
    pub gmail_consumer_per_day: u32,
    /// Microsoft 365: messages a minute (Exchange Online: 30).
    pub microsoft_per_minute: u32,
    /// Microsoft 365: recipients a day (Exchange Online: 10,000).
    pub microsoft_per_day: u32,
    /// Any other server (IMAP and SMTP): recipients a minute; hosts set their own limits,
    /// this keeps a campaign from looking like a spam run.
    pub imap_per_minute: u32,
    /// Any other server: recipients a day.
    pub imap_per_day: u32,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            run: true,
            max_recipients: 10_000,
            gmail_per_day: 2_000,
            gmail_consumer_per_day: 500,
            microsoft_per_minute: 30,
            microsoft_per_day: 10_000,
            imap_per_minute: 20,
            imap_per_day: 1_000,
        }
    }
}

/// `sync.*`: how mailboxes are kept in step with the providers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Run the scheduler and workers in this process.
    pub enabled: bool,
    /// Every account is synced at least this often, in seconds (with jitter).
    pub interval_secs: u64,
    /// Accounts synced at the same time by this process.
    pub workers: u32,
    /// Messages fetched and committed per page.
    pub page_size: u32,
    /// How long a worker's claim on an account lasts without a heartbeat, in seconds.
    pub lease_secs: u64,
    /// Gmail quota units one mailbox may spend per minute (Google: 6,000 per user for
    /// projects created from May 2026, 15,000 for older ones); 0 for no limit.
    pub gmail_units_per_minute: u64,
    /// Gmail requests in flight per mailbox.
    pub gmail_max_concurrent: u32,
    /// Graph requests per mailbox per 10 minutes (Microsoft: 10,000); 0 for no limit.
    pub graph_requests_per_10_min: u64,
    /// Graph requests in flight per mailbox (Microsoft: 4).
    pub graph_max_concurrent: u32,
    /// The first sync takes mail received in this many days; 0 takes all of it.
    pub initial_window_days: u32,
    /// Tries of one provider call when it is throttled or fails for a passing reason.
    pub call_attempts: u32,
    /// The length of both quota windows in seconds (Gmail's minute, Graph's 10 minutes),
    /// the budgets applying per window; 0 keeps the providers' own. Only for measuring
    /// against the provider emulator with its windows shortened the same way.
    pub quota_window_secs: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_secs: 300,
            workers: 2,
            page_size: 100,
            lease_secs: 120,
            gmail_units_per_minute: 6_000,
            gmail_max_concurrent: 8,
            graph_requests_per_10_min: 10_000,
            graph_max_concurrent: 4,
            initial_window_days: 0,
            call_attempts: 8,
            quota_window_secs: 0,
        }
    }
}

/// `server.*`: where the service listens and how the outside world reaches it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on; port 0 picks a free port (tests use it).
    pub bind: String,
    /// The URL browsers and providers reach this service at; the OAuth redirect URI
    /// is built from it.
    pub public_url: String,
    /// Largest JSON request body, in bytes, for ordinary actions.
    pub max_body_bytes: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:13100".into(),
            public_url: "http://localhost:13100".into(),
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// `database.*`: SQLite file (the embedded default) or a PostgreSQL URL.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    /// Connections in the pool.
    pub pool_size: u32,
    /// Apply pending migrations when `serve` starts.
    pub auto_migrate: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: DatabaseUrl::new("sqlite://data/email-manager.sqlite3"),
            pool_size: 8,
            auto_migrate: true,
        }
    }
}

/// `nocobase.*`: how callers' NocoBase tokens are checked.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct NocobaseSettings {
    /// NocoBase's base URL (e.g. `http://nocobase:13000`). When set, every token is also
    /// checked with NocoBase's `auth:check`, which sees sign-outs and gives the roles.
    pub url: Option<String>,
    /// NocoBase's `APP_KEY`: the HS256 key when `jwt_secret_file` is absent.
    pub app_key: SecretString,
    /// NocoBase's `storage/apps/main/jwt_secret.dat`; its raw bytes win over `app_key`
    /// whenever the file exists, as in NocoBase itself.
    pub jwt_secret_file: Option<PathBuf>,
    /// Role names that make a caller an admin of this service.
    #[serde(deserialize_with = "super::list::comma_list")]
    pub admin_roles: Vec<String>,
    /// How long an `auth:check` answer is reused for the same token, in seconds.
    pub check_cache_secs: u64,
}

impl Default for NocobaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            app_key: SecretString::default(),
            jwt_secret_file: None,
            admin_roles: vec!["root".into(), "admin".into()],
            check_cache_secs: 30,
        }
    }
}

/// `security.*`: the keys that encrypt secrets at rest.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Base64 of 32 bytes. Without it, the SQLite default generates one into the data folder.
    pub encryption_key: SecretString,
    /// Keys used before a rotation: they still decrypt, never encrypt.
    #[serde(deserialize_with = "super::list::comma_list")]
    pub previous_keys: Vec<SecretString>,
}

/// `cors.*`: browser origins allowed to call the API directly.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsSettings {
    /// Origins such as `https://nocobase.example.com`; NocoBase's own origin is added.
    #[serde(deserialize_with = "super::list::comma_list")]
    pub allowed_origins: Vec<String>,
}

/// `providers.*`: the providers' endpoint URLs. Tests and demos point them at the emulator.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderEndpoints {
    pub google: GoogleEndpoints,
    pub microsoft: MicrosoftEndpoints,
}

/// Google OAuth and Gmail API endpoints.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleEndpoints {
    pub auth_url: String,
    pub token_url: String,
    pub revoke_url: String,
    pub userinfo_url: String,
    /// Base of `gmail/v1/...` and `batch/gmail/v1`.
    pub api_base_url: String,
    /// Google's public keys, against which Gmail push requests' OIDC tokens are checked.
    pub jwks_url: String,
}

impl Default for GoogleEndpoints {
    fn default() -> Self {
        Self {
            auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_url: "https://oauth2.googleapis.com/token".into(),
            revoke_url: "https://oauth2.googleapis.com/revoke".into(),
            userinfo_url: "https://openidconnect.googleapis.com/v1/userinfo".into(),
            api_base_url: "https://gmail.googleapis.com".into(),
            jwks_url: "https://www.googleapis.com/oauth2/v3/certs".into(),
        }
    }
}

/// Microsoft identity platform and Graph endpoints.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MicrosoftEndpoints {
    /// Base of `{tenant}/oauth2/v2.0/authorize` and `/token`.
    pub login_base_url: String,
    /// Base of the authorize URL the browser is sent to, when browsers reach the login
    /// server at another address than this service does (the demo's emulator); default:
    /// `login_base_url`.
    pub authorize_base_url: Option<String>,
    /// Base of `v1.0/me/...`.
    pub graph_base_url: String,
}

impl Default for MicrosoftEndpoints {
    fn default() -> Self {
        Self {
            login_base_url: "https://login.microsoftonline.com".into(),
            authorize_base_url: None,
            graph_base_url: "https://graph.microsoft.com".into(),
        }
    }
}

/// `log.*`: what is logged and how.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `email_manager=debug,info`.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// Log line format: human-readable text or one JSON object per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}
