use super::ProviderView;
use super::view::provider_param;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams, Values};
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::mail_providers::{self, ProviderChanges, secret_identity};
use actix_web::web;
use serde_json::Value;

/// Fields the API shows but nobody sets; a form that sends a whole record back may
/// include them, and they are ignored.
const READ_ONLY: [&str; 8] = [
    "name",
    "title",
    "clientSecretSet",
    "clientSecretHint",
    "scopes",
    "redirectUri",
    "updatedAt",
    "id",
];

/// What the caller asked to change, validated. Secrets stay plain only until sealed.
#[derive(Default)]
struct Requested {
    client_id: Option<String>,
    client_secret: Option<String>,
    tenant: Option<String>,
    enabled: Option<bool>,
    pubsub_topic: Option<Option<String>>,
    push_audience: Option<Option<String>>,
    allowed_tenants: Option<Option<String>>,
    connect_roles: Option<Option<String>>,
    push_service_account: Option<Option<String>>,
    /// IMAP's rules, each left as stored when not given.
    allowed_hosts: Option<Vec<String>>,
    allow_private_networks: Option<bool>,
    allow_plaintext: Option<bool>,
}

impl Requested {
    /// The IMAP rules to store when any was given: the stored ones with these applied.
    fn imap_rules(&self, current: &mail_providers::ProviderRow) -> Option<Option<String>> {
        if self.allowed_hosts.is_none()
            && self.allow_private_networks.is_none()
            && self.allow_plaintext.is_none()
        {
            return None;
        }
        let mut rules = current.imap_rules();
        if let Some(hosts) = &self.allowed_hosts {
            rules.allowed_hosts = hosts.clone();
        }
        if let Some(private) = self.allow_private_networks {
            rules.allow_private_networks = private;
        }
        if let Some(plaintext) = self.allow_plaintext {
            rules.allow_plaintext = plaintext;
        }
        Some(serde_json::to_string(&rules).ok())
    }
}

/// `mailProviders:update?filterByTk=…` values `{clientId?, clientSecret?, tenant?,
/// enabled?, pubsubTopic?, pushAudience?}`, or for `imap` `{enabled?, allowedHosts?,
/// allowPrivateNetworks?, allowPlaintext?, connectRoles?}`. An omitted or empty secret
/// keeps the stored one.
#[utoipa::path(
    method(get, post),
    path = "/api/mailProviders:update",
    tag = "mailProviders",
    params(("filterByTk" = crate::api::openapi::ProviderName, Query, description = "`google` or `microsoft`")),
    request_body = crate::api::openapi::ProviderValues,
    responses(
        (status = 200, description = "The provider as stored; the secret is never returned", body = crate::api::openapi::DataEnvelope<Vec<ProviderView>>),
        crate::api::openapi::Refusals,
        crate::api::openapi::AdminOnly
    )
)]
pub async fn update_mail_provider(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Vec<ProviderView>>, ApiError> {
    caller.require_admin()?;
    let kind = provider_param(params.single_tk()?)?;
    let requested = parse(kind, &values)?;

    let current = state
        .store
        .run(move |c| mail_providers::get(c, kind))
        .await?
        .ok_or_else(|| ApiError::internal(format!("provider row {kind} is missing")))?;
    let client_id_set = requested
        .client_id
        .as_deref()
        .map_or(!current.client_id.is_empty(), |id| !id.is_empty());
    let secret_set = requested.client_secret.is_some() || current.client_secret_sealed.is_some();
    if requested.enabled == Some(true) && kind.is_oauth() && !(client_id_set && secret_set) {
        return Err(ApiError::invalid_field(
            "enabled",
            "set clientId and clientSecret before enabling the provider",
        ));
    }

    let changed: Vec<&str> = [
        ("clientId", requested.client_id.is_some()),
        ("clientSecret", requested.client_secret.is_some()),
        ("tenant", requested.tenant.is_some()),
        ("enabled", requested.enabled.is_some()),
        ("pubsubTopic", requested.pubsub_topic.is_some()),
        ("pushAudience", requested.push_audience.is_some()),
        ("allowedTenants", requested.allowed_tenants.is_some()),
        ("connectRoles", requested.connect_roles.is_some()),
        (
            "pushServiceAccount",
            requested.push_service_account.is_some(),
        ),
        ("allowedHosts", requested.allowed_hosts.is_some()),
        (
            "allowPrivateNetworks",
            requested.allow_private_networks.is_some(),
        ),
        ("allowPlaintext", requested.allow_plaintext.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    let imap_settings = requested.imap_rules(&current);
    let changes = ProviderChanges {
        imap_settings,
        client_id: requested.client_id,
        client_secret_sealed: requested
            .client_secret
            .map(|secret| state.vault.seal(secret.as_bytes(), secret_identity(kind))),
        tenant: requested.tenant,
        enabled: requested.enabled,
        pubsub_topic: requested.pubsub_topic,
        push_audience: requested.push_audience,
        allowed_tenants: requested.allowed_tenants,
        connect_roles: requested.connect_roles,
        push_service_account: requested.push_service_account,
        updated_at: chrono::Utc::now().naive_utc(),
    };
    let row = state
        .store
        .run(move |c| mail_providers::update(c, kind, &changes))
        .await?
        .ok_or_else(|| ApiError::internal(format!("provider row {kind} is missing")))?;
    tracing::info!(provider = %kind, user = %caller.user_id, fields = ?changed, "provider settings updated");
    if changed.contains(&"pubsubTopic") {
        // Every Gmail mailbox starts (or stops) its watch on the new topic now.
        let now = chrono::Utc::now().naive_utc();
        state
            .store
            .run(move |c| crate::store::mail_push::check_provider_by(c, kind.as_str(), now))
            .await?;
        state.push_wake.notify_waiters();
    }
    Ok(Data(vec![ProviderView::from_row(row, &state)?]))
}

fn parse(
    kind: ProviderKind,
    values: &serde_json::Map<String, Value>,
) -> Result<Requested, ApiError> {
    let mut requested = Requested::default();
    for (key, value) in values {
        match key.as_str() {
            "clientId" | "clientSecret" if kind == ProviderKind::Imap => {
                return Err(ApiError::invalid_field(
                    key,
                    "does not apply to IMAP (each mailbox signs in with its own password)",
                ));
            }
            "allowedHosts" if kind == ProviderKind::Imap => {
                requested.allowed_hosts = Some(allowed_hosts(value)?);
            }
            "allowPrivateNetworks" | "allowPlaintext" if kind == ProviderKind::Imap => {
                let allowed = value
                    .as_bool()
                    .ok_or_else(|| ApiError::invalid_field(key, "expected true or false"))?;
                if key == "allowPlaintext" {
                    requested.allow_plaintext = Some(allowed);
                } else {
                    requested.allow_private_networks = Some(allowed);
                }
            }
            "clientId" => requested.client_id = Some(client_id(value)?),
            "clientSecret" => requested.client_secret = client_secret(value)?,
            "enabled" => {
                requested.enabled =
                    Some(value.as_bool().ok_or_else(|| {
                        ApiError::invalid_field("enabled", "expected true or false")
                    })?);
            }
            "tenant" if kind == ProviderKind::Microsoft => requested.tenant = Some(tenant(value)?),
            "connectRoles" => {
                requested.connect_roles = Some(crate::api::mail_accounts::role_names(
                    "connectRoles",
                    value,
                )?);
            }
            "pushServiceAccount" if kind == ProviderKind::Google => {
                let account = optional_text(key, value, 320)?;
                if account.as_deref().is_some_and(|a| !a.contains('@')) {
                    return Err(ApiError::invalid_field(
                        "pushServiceAccount",
                        "expected the service account's email address",
                    ));
                }
                requested.push_service_account = Some(account.map(|a| a.to_lowercase()));
            }
            "allowedTenants" if kind == ProviderKind::Microsoft => {
                requested.allowed_tenants = Some(allowed_tenants(value)?);
            }
            "pubsubTopic" | "pushAudience" if kind == ProviderKind::Google => {
                let text = optional_text(key, value, 512)?;
                if key == "pubsubTopic" {
                    if let Some(topic) = &text {
                        check_topic(topic)?;
                    }
                    requested.pubsub_topic = Some(text);
                } else {
                    requested.push_audience = Some(text);
                }
            }
            "tenant"
            | "allowedTenants"
            | "pubsubTopic"
            | "pushAudience"
            | "pushServiceAccount"
            | "allowedHosts"
            | "allowPrivateNetworks"
            | "allowPlaintext" => {
                return Err(ApiError::invalid_field(
                    key,
                    format!("does not apply to {}", kind.title()),
                ));
            }
            other if READ_ONLY.contains(&other) => {}
            other => {
                return Err(ApiError::invalid_field(
                    other,
                    "unknown field; allowed: clientId, clientSecret, enabled, connectRoles, tenant and allowedTenants (microsoft), pubsubTopic, pushAudience and pushServiceAccount (google), allowedHosts, allowPrivateNetworks and allowPlaintext (imap)",
                ));
            }
        }
    }
    Ok(requested)
}

/// IMAP's allowed servers: host names or domains (a domain takes its subdomains), as an
/// array or one comma-separated string; empty: any public server.
fn allowed_hosts(value: &Value) -> Result<Vec<String>, ApiError> {
    let items: Vec<String> = match value {
        Value::Null => Vec::new(),
        Value::String(text) => text.split(',').map(ToString::to_string).collect(),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(ToString::to_string)
                    .ok_or_else(|| ApiError::invalid_field("allowedHosts", "expected host names"))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(ApiError::invalid_field(
                "allowedHosts",
                "expected a list of host names or domains",
            ));
        }
    };
    let mut hosts: Vec<String> = Vec::new();
    for item in items {
        let host = item.trim().trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            continue;
        }
        let valid = host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !valid {
            return Err(ApiError::invalid_field(
                "allowedHosts",
                format!("{host:?} is not a host name or domain"),
            ));
        }
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    if hosts.len() > 100 {
        return Err(ApiError::invalid_field("allowedHosts", "at most 100 hosts"));
    }
    Ok(hosts)
}

fn text<'a>(field: &str, value: &'a Value) -> Result<&'a str, ApiError> {
    value
        .as_str()
        .map(str::trim)
        .ok_or_else(|| ApiError::invalid_field(field, "expected a string"))
}

fn no_spaces_or_controls(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::invalid_field(
            field,
            format!("longer than {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ApiError::invalid_field(
            field,
            "must not contain spaces or control characters",
        ));
    }
    Ok(())
}

fn client_id(value: &Value) -> Result<String, ApiError> {
    let id = text("clientId", value)?;
    if id.is_empty() {
        return Err(ApiError::invalid_field("clientId", "must not be empty"));
    }
    no_spaces_or_controls("clientId", id, 512)?;
    Ok(id.to_string())
}

/// `None` (keep the stored secret) for null or an empty string.
fn client_secret(value: &Value) -> Result<Option<String>, ApiError> {
    if value.is_null() {
        return Ok(None);
    }
    let secret = text("clientSecret", value)?;
    if secret.is_empty() {
        return Ok(None);
    }
    no_spaces_or_controls("clientSecret", secret, 1024)?;
    Ok(Some(secret.to_string()))
}

/// `common`, `organizations`, `consumers`, a tenant GUID or a verified domain.
fn tenant(value: &Value) -> Result<String, ApiError> {
    let tenant = text("tenant", value)?.to_ascii_lowercase();
    let named = matches!(tenant.as_str(), "common" | "organizations" | "consumers");
    let guid = tenant.len() == 36
        && tenant.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let domain = tenant.contains('.')
        && tenant.len() <= 253
        && tenant.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if named || guid || domain {
        Ok(tenant)
    } else {
        Err(ApiError::invalid_field(
            "tenant",
            "expected common, organizations, consumers, a tenant id (GUID) or a domain",
        ))
    }
}

/// Home tenant ids (GUIDs: an id token names a tenant by its id only), stored as a JSON
/// array; an empty list or null lets any tenant in.
fn allowed_tenants(value: &Value) -> Result<Option<String>, ApiError> {
    let invalid = || {
        ApiError::invalid_field(
            "allowedTenants",
            "expected a list of tenant ids (GUIDs such as 72f988bf-86f1-41af-91ab-2d7cd011db47)",
        )
    };
    if value.is_null() {
        return Ok(None);
    }
    let list = value.as_array().ok_or_else(invalid)?;
    if list.len() > 100 {
        return Err(ApiError::invalid_field(
            "allowedTenants",
            "at most 100 tenants",
        ));
    }
    let mut tenants = Vec::with_capacity(list.len());
    for item in list {
        let id = item
            .as_str()
            .map(|t| t.trim().to_ascii_lowercase())
            .ok_or_else(invalid)?;
        if !crate::oauth::identity::is_guid(&id) {
            return Err(invalid());
        }
        if !tenants.contains(&id) {
            tenants.push(id);
        }
    }
    Ok((!tenants.is_empty()).then(|| serde_json::Value::from(tenants).to_string()))
}

fn optional_text(field: &str, value: &Value, max: usize) -> Result<Option<String>, ApiError> {
    if value.is_null() {
        return Ok(None);
    }
    let text = text(field, value)?;
    if text.is_empty() {
        return Ok(None);
    }
    no_spaces_or_controls(field, text, max)?;
    Ok(Some(text.to_string()))
}

/// A Pub/Sub topic's full name: `projects/<project>/topics/<topic>`.
fn check_topic(topic: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = topic.split('/').collect();
    match parts.as_slice() {
        ["projects", project, "topics", name] if !project.is_empty() && !name.is_empty() => Ok(()),
        _ => Err(ApiError::invalid_field(
            "pubsubTopic",
            "expected projects/<project>/topics/<topic>",
        )),
    }
}
