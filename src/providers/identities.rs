//! The addresses a mailbox may send as. Gmail lists them (`users.settings.sendAs`: the
//! primary address and the verified aliases, each with a display name and an HTML
//! signature). Graph has no such list: the user's `proxyAddresses` hold the primary
//! (`SMTP:`) and the aliases (`smtp:`), which a tenant that allows sending from aliases
//! lets the user put in From; anything else Exchange refuses with `ErrorSendAsDenied`.

use super::ProviderError;
use super::gmail::GmailClient;
use super::graph::GraphClient;
use serde::{Deserialize, Serialize};

/// One address the mailbox may send as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Lower-cased.
    pub address: String,
    pub name: Option<String>,
    /// The provider's own HTML signature for it (Gmail), for the user to import.
    pub signature: Option<String>,
    /// The address the provider starts new mail from.
    pub is_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAsList {
    #[serde(default)]
    send_as: Vec<SendAs>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAs {
    send_as_email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    is_primary: bool,
    #[serde(default)]
    is_default: bool,
    verification_status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    mail: Option<String>,
    user_principal_name: Option<String>,
    display_name: Option<String>,
    #[serde(default)]
    proxy_addresses: Vec<String>,
}

fn text(value: String) -> Option<String> {
    let value = value.trim().to_string();
    (!value.is_empty()).then_some(value)
}

impl GmailClient {
    /// The primary address and every verified alias (a pending one cannot send yet).
    pub async fn identities(&self, token: &str) -> Result<Vec<Identity>, ProviderError> {
        let list: SendAsList = self.send(self.get(token, "/settings/sendAs")).await?;
        Ok(from_send_as(list.send_as))
    }
}

fn from_send_as(entries: Vec<SendAs>) -> Vec<Identity> {
    let mut identities: Vec<Identity> = entries
        .into_iter()
        .filter(|e| e.is_primary || e.verification_status.as_deref() == Some("accepted"))
        .map(|e| Identity {
            address: e.send_as_email.trim().to_lowercase(),
            name: text(e.display_name),
            signature: text(e.signature),
            is_default: e.is_default,
        })
        .collect();
    dedup(&mut identities);
    identities
}

impl GraphClient {
    /// The signed-in user's primary address (`mail`, else the sign-in name) and the
    /// `smtp:` aliases among its proxy addresses.
    pub async fn identities(&self, token: &str) -> Result<Vec<Identity>, ProviderError> {
        let me: Me = self
            .json(self.get(
                token,
                "/me?$select=mail,userPrincipalName,displayName,proxyAddresses",
            ))
            .await?;
        Ok(from_me(me))
    }
}

fn from_me(me: Me) -> Vec<Identity> {
    let name = me.display_name.and_then(text);
    let primary = me
        .mail
        .or(me.user_principal_name)
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let mut identities = vec![Identity {
        address: primary,
        name: name.clone(),
        signature: None,
        is_default: true,
    }];
    for proxy in me.proxy_addresses {
        // `SMTP:` is the primary, `smtp:` an alias; `SIP:`, `X500:` and others are not mail.
        if let Some(address) = proxy.strip_prefix("smtp:").or(proxy.strip_prefix("SMTP:")) {
            identities.push(Identity {
                address: address.trim().to_lowercase(),
                name: name.clone(),
                signature: None,
                is_default: false,
            });
        }
    }
    identities.retain(|i| i.address.contains('@'));
    dedup(&mut identities);
    identities
}

/// Each address once, the first (default) entry kept.
fn dedup(identities: &mut Vec<Identity>) {
    let mut seen = std::collections::HashSet::new();
    identities.retain(|i| seen.insert(i.address.clone()));
    if !identities.iter().any(|i| i.is_default)
        && let Some(first) = identities.first_mut()
    {
        first.is_default = true;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Me, SendAsList, from_me, from_send_as};

    #[test]
    fn gmail_lists_the_primary_and_verified_aliases_but_not_pending_ones() {
        let list: SendAsList = serde_json::from_str(
            r#"{"sendAs":[
              {"sendAsEmail":"Ann@Gmail.test","displayName":"","isPrimary":true,"isDefault":false,"signature":""},
              {"sendAsEmail":"sales@acme.test","displayName":"Acme Sales","isDefault":true,"signature":"<b>Acme</b>","verificationStatus":"accepted"},
              {"sendAsEmail":"ceo@acme.test","displayName":"CEO","verificationStatus":"pending"}
            ]}"#,
        )
        .unwrap();
        let identities = from_send_as(list.send_as);
        let addresses: Vec<&str> = identities.iter().map(|i| i.address.as_str()).collect();
        assert_eq!(addresses, ["ann@gmail.test", "sales@acme.test"]);
        assert_eq!(identities[0].name, None);
        assert!(identities[1].is_default);
        assert_eq!(identities[1].signature.as_deref(), Some("<b>Acme</b>"));
    }

    #[test]
    fn graph_lists_the_primary_and_smtp_aliases_only() {
        let me: Me = serde_json::from_str(
            r#"{"mail":"Kim@Contoso.test","userPrincipalName":"kim@contoso.onmicrosoft.test","displayName":"Kim Lee",
               "proxyAddresses":["SMTP:kim@contoso.test","smtp:sales@contoso.test","SIP:kim@contoso.test","X500:/o=x"]}"#,
        )
        .unwrap();
        let identities = from_me(me);
        let addresses: Vec<&str> = identities.iter().map(|i| i.address.as_str()).collect();
        assert_eq!(addresses, ["kim@contoso.test", "sales@contoso.test"]);
        assert!(identities[0].is_default && !identities[1].is_default);
        assert_eq!(identities[1].name.as_deref(), Some("Kim Lee"));
    }
}
