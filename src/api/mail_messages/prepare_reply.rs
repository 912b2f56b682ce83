//! `mailMessages:prepareReply`: what a reply, reply-all or forward of one of the caller's
//! messages would be sent to, before anything is sent, so the form can show it (and the
//! user change it). A `Reply-To` that sends the answer, quoted thread and all, somewhere
//! else than the sender is exactly what a spoofed "From: cfo@…" mail relies on: it is
//! shown, and a warning says so when its domain is not the sender's.

use super::send::reference;
use crate::auth::Caller;
use crate::http::{ApiError, Data, QueryParams, Values};
use crate::mail::compose::Person;
use crate::mail::compose::reply::{self, Action};
use crate::send::identities;
use crate::state::AppState;
use crate::store::{mail_accounts, message_query};
use actix_web::web;
use serde::Serialize;
use serde_json::{Value, json};

/// Who an answer goes to, as the form should show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreparedReply {
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub to: Vec<Value>,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub cc: Vec<Value>,
    pub subject: String,
    /// The original's sender and its Reply-To, for the form to show beside To.
    #[schema(value_type = Option<crate::api::openapi::Address>)]
    pub from: Option<Value>,
    #[schema(value_type = Vec<crate::api::openapi::Address>)]
    pub reply_to: Vec<Value>,
    /// `REPLY_TO_DIFFERS`: the answer goes to another domain than the sender's.
    #[schema(value_type = Vec<crate::api::openapi::Warning>)]
    pub warnings: Vec<Value>,
    /// The send-as address the answer leaves from unless the form picks another: the
    /// alias the original was sent to, else the mailbox's own address.
    #[schema(value_type = crate::api::openapi::Address)]
    pub identity: Value,
}

fn person(p: &Person) -> Value {
    json!({"name": p.name, "address": p.address})
}

fn domain(address: &str) -> String {
    address.rsplit('@').next().unwrap_or("").to_lowercase()
}

/// `mailMessages:prepareReply?filterByTk=<id>&action=reply|replyAll|forward`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailMessages:prepareReply",
    tag = "mailMessages",
    params(crate::api::openapi::KeyParam, ("action" = crate::api::openapi::ReferenceAction, Query, description = "How the message is answered")),
    responses(
        (status = 200, description = "The recipients and subject the answer would have, with a warning when Reply-To leads elsewhere", body = crate::api::openapi::DataEnvelope<PreparedReply>),
        (status = 404, description = "No such message in the caller's own mailboxes", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn prepare_reply(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<PreparedReply>, ApiError> {
    let id = params.single_id("a message")?;
    let action = params
        .one("action")?
        .map(ToString::to_string)
        .or_else(|| {
            values
                .get("action")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| "reply".into());
    let action = Action::parse(&action)
        .ok_or_else(|| ApiError::invalid_field("action", "expected reply, replyAll or forward"))?;
    let user = caller.user_id.0;
    let account = state
        .store
        .run(move |c| {
            let Some(message) = message_query::detail(c, id)? else {
                return Ok(None);
            };
            Ok(mail_accounts::get(c, message.detail.listed.account_id)?
                .filter(|account| account.user_id == user))
        })
        .await?
        .ok_or_else(reference::not_found)?;
    let original = reference::load(&state, account.id, id).await?.original;
    // Reply-all leaves out every address of the mailbox, as the send does.
    let own: Vec<String> = identities::of(&account)
        .into_iter()
        .map(|i| i.address)
        .collect();
    let (to, cc) = reply::recipients(&original, action, &own);
    let identity = super::send::from::for_reply(
        &account,
        &[original.to.as_slice(), original.cc.as_slice()].concat(),
    )
    .unwrap_or_else(|| Person::new(account.display_name.as_deref(), &account.email));
    let mut warnings = Vec::new();
    if let (Some(from), false) = (&original.from, original.reply_to.is_empty()) {
        let elsewhere: Vec<&str> = original
            .reply_to
            .iter()
            .filter(|r| domain(&r.address) != domain(&from.address))
            .map(|r| r.address.as_str())
            .collect();
        if !elsewhere.is_empty() && action != Action::Forward {
            warnings.push(json!({
                "code": "REPLY_TO_DIFFERS",
                "message": format!(
                    "Replies go to {}, not to the sender's domain ({}).",
                    elsewhere.join(", "),
                    domain(&from.address)
                ),
            }));
        }
    }
    Ok(Data(PreparedReply {
        to: to.iter().map(person).collect(),
        cc: cc.iter().map(person).collect(),
        subject: reply::subject(&original.subject, action),
        from: original.from.as_ref().map(person),
        reply_to: original.reply_to.iter().map(person).collect(),
        warnings,
        identity: person(&identity),
    }))
}
