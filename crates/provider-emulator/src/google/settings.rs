//! Gmail settings: `users.settings.sendAs.list`, and the From check `messages.send`
//! applies (a From that is neither the user nor a verified alias is rewritten to the
//! primary address; providers.md §2).

use super::errors;
use crate::reply::Reply;
use crate::world::send_as::rewrite_from;
use crate::world::{Provider, World};
use serde_json::{Value, json};

/// `GET settings/sendAs`: the primary address first, then each alias, pending ones too.
pub fn send_as_list(world: &World, email: &str) -> Reply {
    let Some(user) = world.user(Provider::Google, email) else {
        return errors::not_found();
    };
    let settings = &user.send_as;
    let default = settings
        .default_address
        .as_deref()
        .filter(|d| settings.may_send_as(&user.person.address, d))
        .unwrap_or(&user.person.address);
    let mut entries: Vec<Value> = vec![json!({
        "sendAsEmail": user.person.address,
        "displayName": user.person.name,
        "replyToAddress": "",
        "signature": settings.primary_signature,
        "isPrimary": true,
        "isDefault": default.eq_ignore_ascii_case(&user.person.address),
        "treatAsAlias": false,
    })];
    for alias in &settings.aliases {
        entries.push(json!({
            "sendAsEmail": alias.address,
            "displayName": alias.name,
            "replyToAddress": "",
            "signature": alias.signature,
            "isDefault": default.eq_ignore_ascii_case(&alias.address),
            "treatAsAlias": true,
            "verificationStatus": if alias.verified { "accepted" } else { "pending" },
        }));
    }
    Reply::ok(json!({"sendAs": entries}))
}

/// The message as Gmail sends it: a From the user may not use becomes the primary address.
pub fn checked_from(world: &World, email: &str, raw: Vec<u8>) -> Vec<u8> {
    let Some(user) = world.user(Provider::Google, email) else {
        return raw;
    };
    let from = mail_parser::MessageParser::default()
        .parse_headers(&raw)
        .and_then(|m| {
            m.from()
                .and_then(|f| f.first())
                .and_then(|a| a.address())
                .map(str::to_string)
        });
    match from {
        Some(from) if user.send_as.may_send_as(&user.person.address, &from) => raw,
        _ => rewrite_from(&raw, &user.person.address),
    }
}
