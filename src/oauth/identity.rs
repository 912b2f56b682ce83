//! Which mailbox a new grant belongs to. The address is what people see, but it is not
//! who the mailbox is: Microsoft's `mail` is set by a tenant's own admins and never
//! verified, so any tenant can give its user a colleague's address. A mailbox is its
//! provider's immutable user id: Google's `sub` (userinfo), Microsoft's tenant + object
//! id (`tid`, `oid` of the id token the token endpoint answered with).

use crate::config::ProviderEndpoints;
use crate::providers::ProviderKind;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// The mailbox a grant opens.
#[derive(Debug, Clone)]
pub struct MailboxIdentity {
    /// The provider's immutable id of the mailbox's user: Google `sub`, Microsoft
    /// `<tid>/<oid>`. This, not the address, says whose mailbox it is.
    pub provider_user_id: String,
    /// Microsoft: the user's home tenant (`tid`).
    pub tenant_id: Option<String>,
    /// The address (lower-cased) and the name the provider shows.
    pub email: String,
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct GoogleUser {
    #[serde(default)]
    sub: String,
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

/// The claims of a Microsoft id token that say who signed in.
#[derive(Deserialize)]
struct MicrosoftClaims {
    #[serde(default)]
    tid: String,
    #[serde(default)]
    oid: String,
    #[serde(default)]
    aud: String,
}

/// The claims of an id token. Its signature is not checked: it came straight from the
/// provider's token endpoint in answer to our own request, over TLS, which OpenID
/// Connect Core (3.1.3.7) accepts in place of the signature.
fn id_token_claims<T: serde::de::DeserializeOwned>(token: &str) -> Result<T, String> {
    let payload = token.split('.').nth(1).ok_or("the id token is not a JWT")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "the id token's payload is not base64url")?;
    serde_json::from_slice(&bytes).map_err(|_| "the id token's claims do not parse".to_string())
}

/// A tenant or object id as Microsoft writes them: a GUID.
pub fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(part, len)| part.len() == len && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Asks the provider whose mailbox `access_token` opens; `id_token` (Microsoft) says who
/// signed in, for `client_id`.
pub async fn fetch(
    http: &reqwest::Client,
    kind: ProviderKind,
    endpoints: &ProviderEndpoints,
    access_token: &str,
    id_token: Option<&str>,
    client_id: &str,
) -> Result<MailboxIdentity, String> {
    let (provider_user_id, tenant_id) = match kind {
        ProviderKind::Imap => return Err("IMAP mailboxes do not sign in by OAuth".into()),
        ProviderKind::Google => (String::new(), None),
        ProviderKind::Microsoft => {
            let token = id_token.ok_or("Microsoft sent no id token")?;
            let claims: MicrosoftClaims = id_token_claims(token)?;
            if claims.aud != client_id {
                return Err("the id token is for another app".into());
            }
            let (tid, oid) = (claims.tid.to_lowercase(), claims.oid.to_lowercase());
            if !is_guid(&tid) || !is_guid(&oid) {
                return Err("the id token lacks a tenant or object id".into());
            }
            (format!("{tid}/{oid}"), Some(tid))
        }
    };
    let url = match kind {
        ProviderKind::Google | ProviderKind::Imap => endpoints.google.userinfo_url.clone(),
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
    let (provider_user_id, email, name) = match kind {
        ProviderKind::Google | ProviderKind::Imap => {
            let user: GoogleUser = response
                .json()
                .await
                .map_err(|e| e.without_url().to_string())?;
            (user.sub, user.email, user.name)
        }
        ProviderKind::Microsoft => {
            let user: GraphUser = response
                .json()
                .await
                .map_err(|e| e.without_url().to_string())?;
            // `mail` can be null for some accounts; the sign-in name is the address then.
            (
                provider_user_id,
                user.mail
                    .filter(|m| !m.is_empty())
                    .or(user.user_principal_name),
                user.display_name,
            )
        }
    };
    if provider_user_id.trim().is_empty() || provider_user_id.len() > 255 {
        return Err("the provider did not say which user this is".into());
    }
    let email = email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| e.contains('@'))
        .ok_or_else(|| "the provider did not say which mailbox this is".to_string())?;
    Ok(MailboxIdentity {
        provider_user_id,
        tenant_id,
        email,
        name: name.filter(|n| !n.is_empty()),
    })
}

/// The immutable user id in a refreshed grant's id token, for accounts connected before
/// ids were kept (Google `sub`; Microsoft `<tid>/<oid>`). `None` when the answer had none.
pub fn from_id_token(kind: ProviderKind, id_token: &str) -> Option<String> {
    match kind {
        ProviderKind::Google => {
            #[derive(Deserialize)]
            struct Sub {
                #[serde(default)]
                sub: String,
            }
            let claims: Sub = id_token_claims(id_token).ok()?;
            (!claims.sub.is_empty() && claims.sub.len() <= 255).then_some(claims.sub)
        }
        ProviderKind::Microsoft => {
            let claims: MicrosoftClaims = id_token_claims(id_token).ok()?;
            let (tid, oid) = (claims.tid.to_lowercase(), claims.oid.to_lowercase());
            (is_guid(&tid) && is_guid(&oid)).then(|| format!("{tid}/{oid}"))
        }
        ProviderKind::Imap => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: serde_json::Value) -> String {
        format!(
            "e30.{}.sig",
            URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes())
        )
    }

    #[test]
    fn a_refreshed_id_token_names_the_user() {
        let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let oid = "00000000-0000-0000-66f3-3332eca7ea81";
        assert_eq!(
            from_id_token(
                ProviderKind::Microsoft,
                &token(serde_json::json!({"tid": tid, "oid": oid}))
            ),
            Some(format!("{tid}/{oid}"))
        );
        assert_eq!(
            from_id_token(
                ProviderKind::Microsoft,
                &token(serde_json::json!({"tid": "common", "oid": oid}))
            ),
            None
        );
        assert_eq!(
            from_id_token(
                ProviderKind::Google,
                &token(serde_json::json!({"sub": "1098"}))
            ),
            Some("1098".into())
        );
        assert_eq!(from_id_token(ProviderKind::Google, "garbage"), None);
    }

    #[test]
    fn guids_are_recognised() {
        assert!(is_guid("9188040d-6c67-4c5b-b112-36a304b66dad"));
        assert!(!is_guid("contoso.onmicrosoft.com"));
        assert!(!is_guid("9188040d-6c67-4c5b-b112-36a304b66daz"));
    }
}
