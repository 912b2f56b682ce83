//! `$recipient` as the compose form gives it: the first To. A typed address has no name,
//! and "Dear {{$recipient.name}}" is what templates say: the name is the one this
//! address last went by in the caller's own mail.

use crate::http::ApiError;
use crate::state::AppState;
use crate::store::schema::{mail_accounts, mail_messages, mail_participants};
use diesel::prelude::*;
use serde_json::{Map, Value};

/// Fills `$recipient.name` from the caller's own mail when the caller gave an address
/// without a name. Another user's mailboxes are never read.
pub async fn complete(
    state: &AppState,
    user_id: i64,
    context: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let Some(Value::Object(recipient)) = context.get_mut("$recipient") else {
        return Ok(());
    };
    let named = recipient
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.trim().is_empty());
    let Some(address) = recipient.get("address").and_then(Value::as_str) else {
        return Ok(());
    };
    if named {
        return Ok(());
    }
    let address = address.trim().to_lowercase();
    let name: Option<String> = state
        .store
        .run(move |c| {
            mail_participants::table
                .inner_join(mail_messages::table.inner_join(mail_accounts::table))
                .filter(mail_participants::address.eq(address))
                .filter(mail_accounts::user_id.eq(user_id))
                .filter(mail_participants::name.is_not_null())
                .filter(mail_participants::name.ne(""))
                .order(mail_messages::received_at.desc())
                .select(mail_participants::name.assume_not_null())
                .first::<String>(c)
                .optional()
                .map_err(Into::into)
        })
        .await?;
    if let Some(name) = name {
        recipient.insert("name".into(), Value::String(name));
    }
    Ok(())
}
