use crate::http::ApiError;
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::mail_providers::{ProviderRow, secret_identity};
use serde::Serialize;

/// A provider as the API shows it. Never the secret: only whether one is set and a hint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub name: &'static str,
    pub title: &'static str,
    pub enabled: bool,
    pub client_id: String,
    pub client_secret_set: bool,
    /// `••••` and the secret's last four characters (only `••••` for a short secret).
    pub client_secret_hint: Option<String>,
    /// Microsoft only: `common`, `organizations`, `consumers` or a tenant id.
    pub tenant: Option<String>,
    /// Microsoft only: home tenant ids whose mailboxes may connect (empty: any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_tenants: Option<Vec<String>>,
    /// NocoBase roles whose users may connect mailboxes of this provider (empty: any).
    pub connect_roles: Vec<String>,
    pub scopes: &'static [&'static str],
    pub redirect_uri: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    #[serde(flatten)]
    pub push: Option<GooglePush>,
    #[serde(flatten)]
    pub imap: Option<ImapRulesView>,
}

/// IMAP's rules for the servers users name, shown for `imap` only (each always there
/// then; optional in the schema because the other providers' rows, flattened into the
/// same view, have none).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImapRulesView {
    /// Host names or domains users may name (a domain takes its subdomains); empty: any
    /// public server.
    pub allowed_hosts: Option<Vec<String>>,
    /// Servers on loopback, private and link-local addresses may be reached.
    pub allow_private_networks: Option<bool>,
    /// Servers may be reached without TLS.
    pub allow_plaintext: Option<bool>,
}

/// Gmail push settings, shown for Google only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GooglePush {
    pub pubsub_topic: Option<String>,
    pub push_audience: Option<String>,
    /// The service account Pub/Sub signs pushes as; pushes signed by others are refused.
    pub push_service_account: Option<String>,
}

/// Secrets shorter than this show no characters at all in the hint.
const HINT_MIN_LEN: usize = 12;

impl ProviderView {
    /// Shapes a stored row, opening the secret only to compute its hint.
    pub fn from_row(row: ProviderRow, state: &AppState) -> Result<Self, ApiError> {
        let kind: ProviderKind = row
            .name
            .parse()
            .map_err(|_| ApiError::internal(format!("unknown provider row {:?}", row.name)))?;
        let hint = row.client_secret_sealed.as_deref().map(|sealed| {
            match state.vault.open_string(sealed, secret_identity(kind)) {
                Ok(secret) if secret.chars().count() >= HINT_MIN_LEN => {
                    let tail: String = secret.chars().skip(secret.chars().count() - 4).collect();
                    format!("••••{tail}")
                }
                Ok(_) => "••••".to_string(),
                Err(error) => {
                    tracing::error!(provider = %kind, %error, "stored client secret does not open");
                    "••••".to_string()
                }
            }
        });
        let allowed_tenants = (kind == ProviderKind::Microsoft).then(|| row.allowed_tenants());
        let connect_roles = row.connect_roles();
        let imap = (kind == ProviderKind::Imap).then(|| {
            let rules = row.imap_rules();
            ImapRulesView {
                allowed_hosts: Some(rules.allowed_hosts),
                allow_private_networks: Some(rules.allow_private_networks),
                allow_plaintext: Some(rules.allow_plaintext),
            }
        });
        Ok(Self {
            name: kind.as_str(),
            title: kind.title(),
            enabled: row.enabled,
            client_id: row.client_id,
            client_secret_set: row.client_secret_sealed.is_some(),
            client_secret_hint: hint,
            tenant: match kind {
                ProviderKind::Microsoft => Some(row.tenant.unwrap_or_else(|| "common".into())),
                ProviderKind::Google | ProviderKind::Imap => None,
            },
            allowed_tenants,
            connect_roles,
            scopes: kind.scopes(),
            // No consent page comes back for IMAP.
            redirect_uri: if kind.is_oauth() {
                state.redirect_uri()
            } else {
                String::new()
            },
            imap,
            updated_at: row
                .updated_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            push: (kind == ProviderKind::Google).then_some(GooglePush {
                pubsub_topic: row.pubsub_topic,
                push_audience: row.push_audience,
                push_service_account: row.push_service_account,
            }),
        })
    }
}

/// The provider named by `filterByTk`; 400 naming the parameter otherwise.
pub(super) fn provider_param(value: &str) -> Result<ProviderKind, ApiError> {
    value.parse().map_err(|_| {
        ApiError::bad_request(
            "INVALID_PARAMETER",
            format!("filterByTk: unknown provider {value:?}; expected google, microsoft or imap"),
        )
    })
}
