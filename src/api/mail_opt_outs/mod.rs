//! `mailOptOuts`: the organisation's opt-out list (#25). Mail merge never sends to an
//! address on it, nor to any address of a domain on it, whoever runs the campaign: the
//! recipient is skipped and says why. Any signed-in user may add an entry (a customer
//! asked them to stop; an entry only ever stops mail) and sees the ones they added; an
//! admin sees all of them and removes them.

use crate::auth::Caller;
use crate::http::{ApiError, Data, ListPage, QueryParams, Router, Values, rfc3339};
use crate::mail::compose::address::valid_address;
use crate::state::AppState;
use crate::store::opt_outs::{self, OptOut};
use actix_web::web;
use serde::Serialize;
use serde_json::Value;

pub fn configure(router: &mut Router) {
    router.action("mailOptOuts:list", list_opt_outs);
    router.action("mailOptOuts:create", create_opt_out);
    router.action("mailOptOuts:destroy", destroy_opt_out);
}

/// One entry of the opt-out list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OptOutView {
    pub id: i64,
    /// An address (`ann@example.com`) or a whole domain (`@example.com`).
    pub entry: String,
    /// Why, as the person who added it wrote it.
    pub reason: Option<String>,
    /// The caller added it.
    pub mine: bool,
    /// The caller may remove it (an admin).
    pub removable: bool,
    pub created_at: String,
}

impl OptOutView {
    fn of(row: OptOut, caller: &Caller) -> Self {
        Self {
            id: row.id,
            mine: row.created_by == caller.user_id.0,
            removable: caller.is_admin,
            entry: row.entry,
            reason: row.reason,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// A domain name as people write one: labels of letters, digits and hyphens (any
/// script), at least two.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// `entry` as stored: an address lower-cased, or a domain (`example.com` or
/// `@example.com`) as `@example.com`; None when it is neither.
pub fn entry(raw: &str) -> Option<String> {
    let text = raw.trim().to_lowercase();
    if let Some(domain) = text.strip_prefix('@') {
        return valid_domain(domain).then(|| format!("@{domain}"));
    }
    if text.contains('@') {
        return (text.len() <= 320 && valid_address(&text)).then_some(text);
    }
    valid_domain(&text).then(|| format!("@{text}"))
}

/// `mailOptOuts:list`: an admin's call lists every entry; anyone else's, the entries
/// they added.
#[utoipa::path(
    method(get, post),
    path = "/api/mailOptOuts:list",
    tag = "mailOptOuts",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "The opt-out list (an admin's call), or the caller's own entries", body = crate::api::openapi::ListEnvelope<OptOutView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_opt_outs(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<OptOutView>, ApiError> {
    let page = params.page()?;
    let added_by = (!caller.is_admin).then_some(caller.user_id.0);
    let (offset, limit) = (page.offset() as i64, i64::from(page.size));
    let (rows, count) = state
        .store
        .run(move |c| opt_outs::list(c, added_by, offset, limit))
        .await?;
    Ok(ListPage {
        rows: rows
            .into_iter()
            .map(|row| OptOutView::of(row, &caller))
            .collect(),
        count: count as u64,
        page,
    })
}

/// `mailOptOuts:create` values `{entry, reason?}`: mail merge stops sending to this
/// address, or to every address of this domain.
#[utoipa::path(
    method(get, post),
    path = "/api/mailOptOuts:create",
    tag = "mailOptOuts",
    request_body = crate::api::openapi::OptOutValues,
    responses(
        (status = 200, description = "The entry (the one already there, when it was)", body = crate::api::openapi::DataEnvelope<OptOutView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn create_opt_out(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<OptOutView>, ApiError> {
    let entry = values
        .get("entry")
        .and_then(Value::as_str)
        .and_then(entry)
        .ok_or_else(|| {
            ApiError::invalid_field("entry", "an email address, or a domain such as example.com")
        })?;
    let reason = match values.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.chars().count() <= 500 => {
            Some(text.trim().to_string()).filter(|t| !t.is_empty())
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "reason",
                "text of up to 500 characters",
            ));
        }
    };
    let user = caller.user_id.0;
    let now = chrono::Utc::now().naive_utc();
    let row = state
        .store
        .run(move |c| opt_outs::add(c, &entry, reason.as_deref(), user, now))
        .await?;
    Ok(Data(OptOutView::of(row, &caller)))
}

/// `mailOptOuts:destroy?filterByTk=<id>`: admins only; mail merge may send there again.
#[utoipa::path(
    method(get, post),
    path = "/api/mailOptOuts:destroy",
    tag = "mailOptOuts",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Rows removed: 1, or 0 when there is no such entry", body = crate::api::openapi::DataEnvelope<i64>),
        crate::api::openapi::Refusals
    )
)]
pub async fn destroy_opt_out(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    caller.require_admin()?;
    let id = params.single_id("an opt-out")?;
    let removed = state.store.run(move |c| opt_outs::remove(c, id)).await?;
    Ok(Data(removed))
}

#[cfg(test)]
mod tests {
    use super::entry;

    #[test]
    fn entries_are_addresses_or_domains() {
        assert_eq!(
            entry(" Ann@Example.COM ").as_deref(),
            Some("ann@example.com")
        );
        assert_eq!(entry("example.com").as_deref(), Some("@example.com"));
        assert_eq!(
            entry("@Sub.Example.co.uk").as_deref(),
            Some("@sub.example.co.uk")
        );
        assert_eq!(entry("bücher.de").as_deref(), Some("@bücher.de"));
        for bad in [
            "", "@", "example", "-a.com", "a..com", "ann@", "a b.com", "@@x.com",
        ] {
            assert_eq!(entry(bad), None, "{bad:?}");
        }
    }
}
