//! `mailCampaignRecipients:list`: one campaign's recipients (`filter` `campaignId`,
//! required, and `status`), in the order the campaign goes through them. Only the
//! campaign's owner sees them; anyone else gets an empty list.

use super::{RecipientView, own};
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams};
use crate::state::AppState;
use crate::store::campaigns::{self, RecipientStatus};
use actix_web::web;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// `campaignId` and `status` from the filter: each a value or `{"$eq": value}`, at the
/// top or inside `$and`.
fn filter(text: Option<&str>) -> Result<(Option<i64>, Option<RecipientStatus>), ApiError> {
    let invalid =
        |problem: &str| ApiError::bad_request("INVALID_FILTER", format!("filter: {problem}"));
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Err(invalid("campaignId is required"));
    };
    let value: Value = serde_json::from_str(text).map_err(|_| invalid("expected a JSON object"))?;
    let mut fields = Map::new();
    flatten(&value, &mut fields).map_err(|p| invalid(&p))?;
    let campaign = match fields.remove("campaignId") {
        None => return Err(invalid("campaignId is required")),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| invalid("campaignId: expected a campaign id"))?;
    let status = match fields.remove("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            s.parse()
                .map_err(|_| invalid("status: queued, sent, failed or skipped"))?,
        ),
        Some(_) => return Err(invalid("status: queued, sent, failed or skipped")),
    };
    if let Some(other) = fields.keys().next() {
        return Err(invalid(&format!("{other}: only campaignId and status")));
    }
    Ok((Some(campaign), status))
}

fn flatten(value: &Value, out: &mut Map<String, Value>) -> Result<(), String> {
    let Value::Object(fields) = value else {
        return Err("expected a JSON object".into());
    };
    for (key, value) in fields {
        if key == "$and" {
            let Value::Array(parts) = value else {
                return Err("$and: expected an array".into());
            };
            for part in parts {
                flatten(part, out)?;
            }
            continue;
        }
        let value = match value {
            Value::Object(op) if op.len() == 1 && op.contains_key("$eq") => op["$eq"].clone(),
            Value::Object(_) => return Err(format!("{key}: only a value or {{\"$eq\": value}}")),
            other => other.clone(),
        };
        out.insert(key.clone(), value);
    }
    Ok(())
}

#[utoipa::path(
    method(get, post),
    path = "/api/mailCampaignRecipients:list",
    tag = "mailCampaigns",
    params(crate::api::openapi::PageParams, ("filter" = String, Query, description = "JSON: `campaignId` (required) and `status`; a value or `{\"$eq\": value}`, at the top or in `$and`")),
    responses(
        (status = 200, description = "The campaign's recipients (none when it is not the caller's)", body = crate::api::openapi::ListEnvelope<RecipientView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_campaign_recipients(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<RecipientView>, ApiError> {
    let page = params.page()?;
    let (campaign, status) = filter(params.one("filter")?)?;
    let Some(row) = (match campaign {
        Some(id) => own(&state, &caller, id).await?,
        None => None,
    }) else {
        return Ok(ListPage {
            rows: Vec::new(),
            count: 0,
            page,
        });
    };
    let (id, account, offset, size) = (row.id, row.account_id, page.offset(), page.size);
    let (rows, count, stored) = state
        .store
        .run(move |c| {
            let (rows, count) = campaigns::recipients(c, id, status, offset as i64, size as i64)?;
            let provider_ids: Vec<String> =
                rows.iter().filter_map(|r| r.message_id.clone()).collect();
            let stored: HashMap<String, i64> =
                campaigns::stored_messages(c, account, &provider_ids)?
                    .into_iter()
                    .collect();
            Ok::<_, crate::store::StoreError>((rows, count, stored))
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let message = r.message_id.as_ref().and_then(|m| stored.get(m).copied());
            RecipientView::of(r, message)
        })
        .collect();
    Ok(ListPage {
        rows,
        count: count as u64,
        page,
    })
}
