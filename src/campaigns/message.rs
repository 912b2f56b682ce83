//! One recipient's message: the campaign's template filled with the recipient's record
//! (`$nRecord`), the campaign's owner (`$user`, as NocoBase showed them when the campaign
//! was made) and the date of sending (`$nDate`, UTC), addressed to that recipient alone,
//! from the campaign's address. A variable the record cannot fill makes the recipient
//! skipped (with the names), never a message with `{{…}}` in it.

use crate::mail::compose::html::clean_stored;
use crate::mail::compose::text::to_text;
use crate::mail::compose::variables::fill;
use crate::mail::compose::{Outgoing, Person, new_message_id};
use crate::send::identities;
use crate::store::campaigns::{CampaignRow, RecipientRow};
use crate::store::mail_accounts::AccountRow;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// The values a campaign's template is filled from.
pub fn context(record: Value, user: Value, now: DateTime<Utc>) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert("$nRecord".into(), record);
    context.insert("$user".into(), user);
    context.insert(
        "$nDate".into(),
        json!({
            "now": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "today": now.format("%Y-%m-%d").to_string(),
        }),
    );
    context
}

/// The subject and HTML filled from `context`, and the variables it has no value for.
pub fn filled(
    subject: &str,
    html: &str,
    context: &Map<String, Value>,
) -> (String, String, Vec<String>) {
    let mut missing = Vec::new();
    let subject = fill(subject, context, false, &mut missing);
    let html = fill(html, context, true, &mut missing);
    missing.sort();
    missing.dedup();
    (subject, html, missing)
}

/// Why a recipient whose record leaves `missing` unfilled is skipped.
pub fn unfilled(missing: &[String]) -> String {
    format!(
        "These template variables have no value for this record: {}",
        missing.join(", ")
    )
}

/// The message for `recipient`, or why it cannot be sent.
pub fn make(
    campaign: &CampaignRow,
    account: &AccountRow,
    recipient: &RecipientRow,
    now: DateTime<Utc>,
) -> Result<Outgoing, String> {
    let Some(address) = recipient.address.as_deref() else {
        return Err("The record has no address.".into());
    };
    let parse = |json: Option<&str>| match json.map(serde_json::from_str::<Value>) {
        Some(Ok(value)) => value,
        _ => Value::Object(Map::new()),
    };
    let context = context(
        parse(recipient.record.as_deref()),
        parse(Some(&campaign.user_values)),
        now,
    );
    let (subject, html, missing) = filled(&campaign.subject, &campaign.html, &context);
    if !missing.is_empty() {
        return Err(unfilled(&missing));
    }
    // A filled link is judged again, as it is for any send.
    let html = clean_stored(&html);
    let from = campaign
        .from_address
        .as_deref()
        .and_then(|a| identities::find(account, a))
        .map(|i| Person::new(i.name.as_deref(), &i.address))
        .unwrap_or_else(|| Person::new(account.display_name.as_deref(), &account.email));
    Ok(Outgoing {
        message_id: new_message_id(&from.address),
        from,
        to: vec![Person::new(None, address)],
        cc: Vec::new(),
        bcc: Vec::new(),
        subject: subject.replace(['\r', '\n'], " "),
        text: Some(to_text(&html)),
        html: Some(html),
        attachments: Vec::new(),
        in_reply_to: None,
        references: Vec::new(),
        provider_thread_id: None,
        answers: None,
    })
}
