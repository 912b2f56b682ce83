//! `mailSignatures` values, read and checked against what is stored: every problem a 400
//! naming its field. An update changes only the fields it names.

use crate::http::ApiError;
use crate::http::fields::{checked_name, optional_text};
use crate::mail::compose::html::clean_stored;
use crate::send::identities;
use crate::state::AppState;
use crate::store::mail_accounts;
use crate::store::signatures::{SignatureFields, SignatureRow};
use serde_json::{Map, Value};

/// The most a signature's HTML may weigh (a logo pasted as a `data:` URL included).
const MAX_HTML_BYTES: usize = 1024 * 1024;
const PLACEMENTS: [&str; 2] = ["aboveQuote", "belowQuote"];

fn account_id(values: &Map<String, Value>) -> Result<Option<Option<i64>>, ApiError> {
    match values.get("accountId") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(Some(n.as_i64())),
        Some(Value::String(s)) if s.parse::<i64>().is_ok() => Ok(Some(s.parse().ok())),
        Some(_) => Err(ApiError::invalid_field(
            "accountId",
            "expected a mail account id or null",
        )),
    }
}

/// The fields `values` ask for, over `current` (an update) or the defaults (a create).
/// `accountId` must be one of the caller's mailboxes and `identity` one of its send-as
/// addresses. `importFromProvider: true` takes the HTML of the provider's own signature
/// for that address (Gmail's per-alias signature).
pub async fn read(
    state: &AppState,
    user: i64,
    values: &Map<String, Value>,
    current: Option<&SignatureRow>,
) -> Result<SignatureFields, ApiError> {
    let mut fields = match current {
        Some(row) => SignatureFields {
            name: row.name.clone(),
            html: row.html.clone(),
            account_id: row.account_id,
            identity: row.identity.clone(),
            is_default: row.is_default,
            placement: row.placement.clone(),
        },
        None => SignatureFields {
            name: String::new(),
            html: String::new(),
            account_id: None,
            identity: None,
            is_default: false,
            placement: "belowQuote".into(),
        },
    };
    if let Some(name) = optional_text(values, "name")? {
        fields.name = name.to_string();
    }
    fields.name = checked_name("name", &fields.name)?;
    if let Some(account) = account_id(values)? {
        fields.account_id = account;
        if !values.contains_key("identity") {
            fields.identity = None;
        }
    }
    if let Some(identity) = values.get("identity") {
        fields.identity = match identity {
            Value::Null => None,
            Value::String(address) if !address.trim().is_empty() => {
                Some(address.trim().to_lowercase())
            }
            _ => {
                return Err(ApiError::invalid_field(
                    "identity",
                    "expected a send-as address or null",
                ));
            }
        };
    }
    let account = match fields.account_id {
        Some(id) => Some(
            state
                .store
                .run(move |c| mail_accounts::get(c, id))
                .await?
                .filter(|a| a.user_id == user)
                .ok_or_else(|| {
                    ApiError::invalid_field("accountId", "no such mail account of yours")
                })?,
        ),
        None => None,
    };
    let identity = match (&fields.identity, &account) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(ApiError::invalid_field(
                "identity",
                "needs accountId: the mailbox it sends from",
            ));
        }
        (Some(address), Some(account)) => {
            Some(identities::find(account, address).ok_or_else(|| {
                ApiError::invalid_field(
                    "identity",
                    format!("{address} is not an address this mailbox sends as"),
                )
            })?)
        }
    };
    if values.get("importFromProvider") == Some(&Value::Bool(true)) {
        let imported = identity
            .as_ref()
            .and_then(|i| i.signature.clone())
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "importFromProvider",
                    "the provider has no signature for this identity",
                )
            })?;
        fields.html = imported;
    } else if let Some(html) = optional_text(values, "html")? {
        fields.html = html.to_string();
    } else if current.is_none() {
        return Err(ApiError::invalid_field("html", "required"));
    }
    if fields.html.len() > MAX_HTML_BYTES {
        return Err(ApiError::invalid_field("html", "at most 1 MiB"));
    }
    fields.html = clean_stored(&fields.html);
    match values.get("isDefault") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(is_default)) => fields.is_default = *is_default,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "isDefault",
                "expected true or false",
            ));
        }
    }
    if let Some(placement) = optional_text(values, "placement")? {
        if !PLACEMENTS.contains(&placement) {
            return Err(ApiError::invalid_field(
                "placement",
                "expected aboveQuote or belowQuote",
            ));
        }
        fields.placement = placement.to_string();
    }
    Ok(fields)
}
