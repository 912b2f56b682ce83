//! `mailCampaigns:create` values `{accountId, from?, templateId, source: {dataSource?,
//! collection, filter | ids, emailField}, sendAt?}`: a draft campaign whose recipients
//! are read from NocoBase now, as the caller (NocoBase's ACL decides which records they
//! may mail): the selected rows (`ids`) or all that match (`filter`). Each record becomes
//! a recipient with its fields kept for the template's `$nRecord`; one without a usable
//! address, one NocoBase would not show, or one whose address an earlier record already
//! has, or one on the organisation's opt-out list, is listed as skipped with the reason —
//! never silently dropped.

use super::{CampaignView, send_at, view};
use crate::api::mail_messages::send::from;
use crate::api::mail_templates::visible;
use crate::auth::Caller;
use crate::campaigns::message;
use crate::http::{ApiError, Data, Values};
use crate::mail::compose::Person;
use crate::mail::compose::address::valid_address;
use crate::nocobase::{self, ReadError};
use crate::state::AppState;
use crate::store::campaigns::{self, NewCampaign, NewRecipient};
use crate::store::{opt_outs, templates};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::HashSet;

/// Records read from NocoBase at once when they are named one by one.
const READS_AT_ONCE: usize = 8;

/// Where the recipients come from, checked.
struct Source {
    data_source: Option<String>,
    collection: String,
    email_field: String,
    which: Which,
}

enum Which {
    Ids(Vec<String>),
    Filter(Value),
}

fn source(value: Option<&Value>, max: usize) -> Result<Source, ApiError> {
    let invalid = |problem: &str| ApiError::invalid_field("source", problem);
    let Some(Value::Object(source)) = value else {
        return Err(invalid(
            "expected {dataSource?, collection, filter | ids, emailField}",
        ));
    };
    let name = |field: &str| source.get(field).and_then(Value::as_str).map(str::trim);
    let collection = name("collection")
        .filter(|c| nocobase::valid_name(c))
        .ok_or_else(|| invalid("collection: a collection name"))?
        .to_string();
    let data_source = match name("dataSource") {
        None => None,
        Some(s) if nocobase::valid_name(s) => Some(s.to_string()),
        Some(_) => return Err(invalid("dataSource: a data source name")),
    };
    let email_field = name("emailField")
        .filter(|f| nocobase::valid_name(f))
        .ok_or_else(|| invalid("emailField: the field that holds the address"))?
        .to_string();
    let which = match (source.get("ids"), source.get("filter")) {
        (Some(Value::Array(ids)), None) => {
            if ids.is_empty() || ids.len() > max {
                return Err(invalid(&format!("ids: 1 to {max} record keys")));
            }
            let mut seen = HashSet::new();
            let mut keys = Vec::new();
            for id in ids {
                let key = match id {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) if !s.is_empty() && s.len() <= 200 => s.clone(),
                    _ => return Err(invalid("ids: record keys (numbers or strings)")),
                };
                if seen.insert(key.clone()) {
                    keys.push(key);
                }
            }
            Which::Ids(keys)
        }
        (None, Some(filter @ Value::Object(_))) => Which::Filter(filter.clone()),
        _ => {
            return Err(invalid(
                "give ids (the selected records) or filter (all that match), not both",
            ));
        }
    };
    Ok(Source {
        data_source,
        collection,
        email_field,
        which,
    })
}

fn read_error(error: ReadError) -> ApiError {
    match error {
        ReadError::NotConfigured => ApiError::invalid_field("source", error),
        ReadError::Forbidden(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "RECORD_NOT_READABLE",
            "source: NocoBase does not let you read these records.",
        ),
        ReadError::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "RECORD_NOT_FOUND",
            "source: no such collection.",
        ),
        ReadError::Unavailable(cause) => {
            tracing::warn!(%cause, "reading a campaign's records from NocoBase failed");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "NOCOBASE_UNAVAILABLE",
                "source: NocoBase did not answer; try again.",
            )
        }
    }
}

/// The records, each with its key or why it cannot be had.
async fn records(
    state: &AppState,
    request: &HttpRequest,
    source: &Source,
    max: usize,
) -> Result<Vec<(String, Result<Value, String>)>, ApiError> {
    let base = state.settings.nocobase.url.as_deref();
    if base.is_none() {
        return Err(read_error(ReadError::NotConfigured));
    }
    let (data_source, collection) = (source.data_source.as_deref(), source.collection.as_str());
    match &source.which {
        Which::Ids(keys) => {
            let reads = futures_util::stream::iter(keys.iter().map(|key| async move {
                let read = nocobase::record(
                    &state.http,
                    base,
                    request.headers(),
                    data_source,
                    collection,
                    key,
                )
                .await;
                (key.clone(), read)
            }))
            .buffered(READS_AT_ONCE)
            .collect::<Vec<_>>()
            .await;
            reads
                .into_iter()
                .map(|(key, read)| match read {
                    Ok(record) => Ok((key, Ok(record))),
                    Err(ReadError::NotFound) => {
                        Ok((key, Err("NocoBase has no such record.".into())))
                    }
                    Err(ReadError::Forbidden(_)) => Ok((
                        key,
                        Err("NocoBase does not let you read this record.".into()),
                    )),
                    Err(other) => Err(read_error(other)),
                })
                .collect()
        }
        Which::Filter(filter) => {
            let rows = nocobase::records(
                &state.http,
                base,
                request.headers(),
                data_source,
                collection,
                filter,
                max,
            )
            .await
            .map_err(read_error)?;
            if rows.len() > max {
                return Err(ApiError::bad_request(
                    "TOO_MANY_RECIPIENTS",
                    format!("source.filter: more than {max} records match; narrow it"),
                ));
            }
            rows.into_iter()
                .map(|row| {
                    let key = match row.get("id") {
                        Some(Value::Number(n)) => n.to_string(),
                        Some(Value::String(s)) if !s.is_empty() => s.clone(),
                        _ => {
                            return Err(ApiError::invalid_field(
                                "source",
                                "filter: the records have no id field; send the selected records' keys as ids",
                            ));
                        }
                    };
                    Ok((key, Ok(row)))
                })
                .collect()
        }
    }
}

/// One recipient per record: its address from `email_field`, or skipped and why.
fn recipients(read: Vec<(String, Result<Value, String>)>, email_field: &str) -> Vec<NewRecipient> {
    let mut seen = HashSet::new();
    read.into_iter()
        .map(|(key, record)| {
            let record = match record {
                Ok(record) => record,
                Err(why) => {
                    return NewRecipient {
                        record_id: key,
                        address: None,
                        record: None,
                        skipped: Some(why),
                    };
                }
            };
            let address = record
                .get(email_field)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|a| valid_address(a))
                .map(str::to_string);
            let skipped = match &address {
                None => Some(format!(
                    "The record has no usable address in {email_field}."
                )),
                Some(a) if !seen.insert(a.to_lowercase()) => {
                    Some("An earlier record of this campaign has the same address.".to_string())
                }
                Some(_) => None,
            };
            NewRecipient {
                record_id: key,
                address,
                record: Some(record.to_string()),
                skipped,
            }
        })
        .collect()
}

#[utoipa::path(
    method(get, post),
    path = "/api/mailCampaigns:create",
    tag = "mailCampaigns",
    request_body = crate::api::openapi::CampaignValues,
    responses(
        (status = 200, description = "The draft, its recipients counted", body = crate::api::openapi::DataEnvelope<CampaignView>),
        crate::api::openapi::Refusals,
        (status = 403, description = "NocoBase does not let the caller read the records", body = crate::api::openapi::ErrorBody),
        (status = 404, description = "No such mailbox or template of the caller's", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "NocoBase did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn create_campaign(
    caller: Caller,
    request: HttpRequest,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<CampaignView>, ApiError> {
    let max = state.settings.campaigns.max_recipients as usize;
    let account_id = values
        .get("accountId")
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .ok_or_else(|| ApiError::invalid_field("accountId", "the mailbox to send from"))?;
    let account = super::own_account(&state, &caller, account_id, "accountId").await?;
    let Some(kind) = account.kind() else {
        return Err(ApiError::invalid_field(
            "accountId",
            "a mailbox that can send",
        ));
    };
    let from_address = match values.get("from") {
        None | Some(Value::Null) => None,
        Some(Value::String(address)) => {
            let (_, person) =
                from::checked(&state, account, kind, Person::new(None, address)).await?;
            person.map(|p| p.address)
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "from",
                "one of the mailbox's addresses",
            ));
        }
    };
    let template_id = values
        .get("templateId")
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .ok_or_else(|| ApiError::invalid_field("templateId", "the template to send"))?;
    let template = state
        .store
        .run(move |c| templates::get(c, template_id))
        .await?
        .filter(|row| visible(row, &caller))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "TEMPLATE_NOT_FOUND",
                "templateId: no such template of yours.",
            )
        })?;
    let source = source(values.get("source"), max)?;
    let send_at = send_at(values.get("sendAt"))?.flatten();
    let read = records(&state, &request, &source, max).await?;
    let user = nocobase::current_user(
        &state.http,
        state.settings.nocobase.url.as_deref(),
        request.headers(),
    )
    .await
    .unwrap_or_else(|_| json!({"id": caller.user_id.0}));
    let mut recipients = recipients(read, &source.email_field);
    // The organisation's opt-out list: listed now; checked again as each one goes.
    let addresses: Vec<String> = recipients
        .iter()
        .filter(|r| r.skipped.is_none())
        .filter_map(|r| r.address.clone())
        .collect();
    let opted_out = state
        .store
        .run(move |c| opt_outs::blocked(c, &addresses))
        .await?;
    for recipient in recipients.iter_mut().filter(|r| r.skipped.is_none()) {
        if let Some(address) = &recipient.address
            && opted_out.contains(&address.to_lowercase())
        {
            recipient.skipped = Some(opt_outs::SKIPPED.to_string());
        }
    }
    // A record the template cannot be filled from is listed now, before anything goes.
    for recipient in recipients.iter_mut().filter(|r| r.skipped.is_none()) {
        let record = recipient
            .record
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        let context = message::context(record, user.clone(), chrono::Utc::now());
        let (_, _, missing) = message::filled(&template.subject, &template.html, &context);
        if !missing.is_empty() {
            recipient.skipped = Some(message::unfilled(&missing));
        }
    }
    let new = NewCampaign {
        user_id: caller.user_id.0,
        account_id,
        from_address,
        template_id: Some(template.id),
        subject: template.subject,
        html: template.html,
        source: values["source"].to_string(),
        user_values: user.to_string(),
        send_at,
    };
    let now = chrono::Utc::now().naive_utc();
    let row = state
        .store
        .run(move |c| campaigns::create(c, &new, &recipients, now))
        .await?;
    Ok(Data(view(&state, row).await?))
}
