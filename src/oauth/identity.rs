//! Which mailbox a new grant belongs to: Google's userinfo, Microsoft Graph's `/me`.

use crate::config::ProviderEndpoints;
use crate::providers::ProviderKind;
use serde::Deserialize;

/// The mailbox address (lower-cased) and the name the provider shows.
#[derive(Debug, Clone)]
pub struct MailboxIdentity {
    pub email: String,
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct GoogleUser {
    email: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphUser {
    mail: Option<String>,
    user_principal_name: Option<String>,
    display_name: Option<String>,
}

/// Asks the provider whose mailbox `access_token` opens.
pub async fn fetch(
    http: &reqwest::Client,
    kind: ProviderKind,
    endpoints: &ProviderEndpoints,
    access_token: &str,
) -> Result<MailboxIdentity, String> {
    let url = match kind {
        ProviderKind::Google => endpoints.google.userinfo_url.clone(),
        ProviderKind::Microsoft => format!(
            "{}/v1.0/me",
            endpoints.microsoft.graph_base_url.trim_end_matches('/')
        ),
    };
    let response = http
        .get(url)
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status().as_u16()));
    }
    let (email, name) = match kind {
        ProviderKind::Google => {
            let user: GoogleUser = response
                .json()
                .await
                .map_err(|e| e.without_url().to_string())?;
            (user.email, user.name)
        }
        ProviderKind::Microsoft => {
            let user: GraphUser = response
                .json()
                .await
                .map_err(|e| e.without_url().to_string())?;
            // `mail` can be null for some accounts; the sign-in name is the address then.
            (
                user.mail
                    .filter(|m| !m.is_empty())
                    .or(user.user_principal_name),
                user.display_name,
            )
        }
    };
    let email = email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| e.contains('@'))
        .ok_or_else(|| "the provider did not say which mailbox this is".to_string())?;
    Ok(MailboxIdentity {
        email,
        name: name.filter(|n| !n.is_empty()),
    })
}
