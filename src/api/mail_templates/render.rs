//! `mailTemplates:render`: a template (or a subject and HTML given as they are) with its
//! variables filled, and the list of those that could not be. The values come from:
//! `$user` (the caller, as NocoBase's `auth:check` shows them), `$nDate` (`now`, `today`
//! in the caller's `X-Timezone`), `$nRecord` (the `record` named, read from NocoBase with
//! the caller's own token and role: NocoBase's ACL decides) and whatever `variables` the
//! caller gives (the compose form gives `$recipient`, named from the caller's own mail
//! when only an address is given: `recipient.rs`). Nothing is sent; a message that
//! still holds a variable is refused by `send`.

use super::{TemplateView, visible};
use crate::auth::Caller;
use crate::http::fields::optional_text;
use crate::http::{ApiError, Data, Values};
use crate::mail::compose::html::clean_stored;
use crate::mail::compose::text::to_text;
use crate::mail::compose::variables::fill;
use crate::nocobase::{self, ReadError};
use crate::state::AppState;
use crate::store::templates;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use chrono::{FixedOffset, Offset, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A template filled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    /// The HTML as the text part of the message would read.
    pub text: String,
    /// Variables left as written: no value for them (`$nRecord.phone`).
    pub missing: Vec<String>,
}

fn record_error(error: ReadError) -> ApiError {
    match error {
        ReadError::NotConfigured => ApiError::invalid_field("record", error),
        ReadError::Forbidden(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "RECORD_NOT_READABLE",
            "record: NocoBase does not let you read this record.",
        ),
        ReadError::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "RECORD_NOT_FOUND",
            "record: no such record.",
        ),
        ReadError::Unavailable(cause) => {
            tracing::warn!(%cause, "reading a record from NocoBase failed");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "NOCOBASE_UNAVAILABLE",
                "record: NocoBase did not answer; try again.",
            )
        }
    }
}

/// `record: {dataSource?, collection, filterByTk}`, checked.
fn record_ref(value: &Value) -> Result<(Option<String>, String, String), ApiError> {
    let invalid = |what: &str| ApiError::invalid_field("record", what);
    let Value::Object(record) = value else {
        return Err(invalid("expected {dataSource?, collection, filterByTk}"));
    };
    let name = |field: &str| record.get(field).and_then(Value::as_str).map(str::trim);
    let collection = name("collection")
        .filter(|c| nocobase::valid_name(c))
        .ok_or_else(|| invalid("collection: a collection name"))?;
    let source = match name("dataSource") {
        None => None,
        Some(s) if nocobase::valid_name(s) => Some(s.to_string()),
        Some(_) => return Err(invalid("dataSource: a data source name")),
    };
    let key = match record.get("filterByTk") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 200 => s.clone(),
        _ => return Err(invalid("filterByTk: the record's key")),
    };
    Ok((source, collection.to_string(), key))
}

/// `$nDate`: now and today, in the caller's time zone when it says one (`+08:00`).
fn dates(request: &HttpRequest) -> Value {
    let now = Utc::now();
    let zone = request
        .headers()
        .get("x-timezone")
        .and_then(|v| v.to_str().ok())
        .and_then(|z| z.parse::<FixedOffset>().ok())
        .unwrap_or_else(|| Utc.fix());
    let local = now.with_timezone(&zone);
    json!({
        "now": local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        "today": local.format("%Y-%m-%d").to_string(),
    })
}

#[utoipa::path(
    method(get, post),
    path = "/api/mailTemplates:render",
    tag = "mailTemplates",
    request_body = crate::api::openapi::RenderValues,
    responses(
        (status = 200, description = "The template filled, and the variables left unfilled", body = crate::api::openapi::DataEnvelope<Rendered>),
        crate::api::openapi::Refusals,
        (status = 403, description = "NocoBase does not let the caller read the record", body = crate::api::openapi::ErrorBody),
        (status = 404, description = "No such template or record for the caller", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "NocoBase did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn render_template(
    caller: Caller,
    request: HttpRequest,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Rendered>, ApiError> {
    let (subject, html) = match values.get("templateId") {
        None | Some(Value::Null) => {
            let text = |field: &str| {
                optional_text(&values, field).map(|t| t.unwrap_or_default().to_string())
            };
            (text("subject")?, clean_stored(&text("html")?))
        }
        Some(id) => {
            let id = id
                .as_i64()
                .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| ApiError::invalid_field("templateId", "expected a template id"))?;
            let row = state
                .store
                .run(move |c| templates::get(c, id))
                .await?
                .filter(|row| visible(row, &caller))
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "TEMPLATE_NOT_FOUND",
                        "templateId: no such template of yours.",
                    )
                })?;
            let view = TemplateView::from(row);
            (view.subject, view.html)
        }
    };
    let mut context = Map::new();
    context.insert("$nDate".into(), dates(&request));
    let base = state.settings.nocobase.url.as_deref();
    let user = if base.is_some() {
        nocobase::current_user(&state.http, base, request.headers())
            .await
            .unwrap_or_else(|_| json!({"id": caller.user_id.0}))
    } else {
        json!({"id": caller.user_id.0})
    };
    context.insert("$user".into(), user);
    if let Some(record) = values.get("record").filter(|r| !r.is_null()) {
        let (source, collection, key) = record_ref(record)?;
        let found = nocobase::record(
            &state.http,
            base,
            request.headers(),
            source.as_deref(),
            &collection,
            &key,
        )
        .await
        .map_err(record_error)?;
        context.insert("$nRecord".into(), found);
    }
    match values.get("variables") {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (name, value) in given {
                context.insert(name.clone(), value.clone());
            }
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "variables",
                "expected {\"$name\": {...}}",
            ));
        }
    }
    super::recipient::complete(&state, caller.user_id.0, &mut context).await?;
    let mut missing = Vec::new();
    let subject = fill(&subject, &context, false, &mut missing);
    let html = fill(&html, &context, true, &mut missing);
    // A filled link is judged again, as it will be when sent.
    let html = clean_stored(&html);
    Ok(Data(Rendered {
        text: to_text(&html),
        subject: subject.replace(['\r', '\n'], " "),
        html,
        missing,
    }))
}
