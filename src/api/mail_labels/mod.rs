//! `mailLabels`: each mailbox's labels — Gmail's user labels (and its inbox categories, as
//! system labels) and Outlook's categories — with their colours. Whoever sees a mailbox's
//! subjects sees its labels (a label's name says as much as a subject); only the owner
//! creates, renames, recolours and deletes them, at the provider first, then here.
//! Messages carry `labelIds`; `mailMessages:update` puts labels on and takes them off.

mod values;
pub mod write;

use crate::api::account_filter::wanted_accounts;
use crate::auth::Caller;
use crate::http::{ApiError, ListPage, QueryParams, Router};
use crate::query::FOLDER_FIELDS;
use crate::state::AppState;
use crate::store::labels::{self, LabelRow};
use crate::store::mail_accounts;
use actix_web::web;
use serde::Serialize;

use write::{create_label, destroy_label, update_label};

pub fn configure(router: &mut Router) {
    router.action("mailLabels:list", list_labels);
    router.action("mailLabels:create", create_label);
    router.action("mailLabels:update", update_label);
    router.action("mailLabels:destroy", destroy_label);
}

/// A label of one mailbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LabelView {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    /// `#rrggbb`, or null for none.
    pub color: Option<String>,
    /// `user` (the owner's to rename and delete) or `system` (the provider's own).
    pub kind: String,
    /// Gmail's label id, or Outlook's category id.
    pub provider_id: String,
}

impl From<LabelRow> for LabelView {
    fn from(row: LabelRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            name: row.name,
            color: row.color,
            kind: row.kind,
            provider_id: row.provider_id,
        }
    }
}

/// `mailLabels:list`: the labels of the mailboxes whose subjects the caller sees, by
/// mailbox and name; `filter` `{"accountId": id}` (or `$in`) narrows them.
#[utoipa::path(
    method(get, post),
    path = "/api/mailLabels:list",
    tag = "mailLabels",
    params(crate::api::openapi::PageParams, ("filter" = Option<String>, Query, description = "JSON: `accountId` with `$eq` or `$in`, e.g. `{\"accountId\":1}`")),
    responses(
        (status = 200, description = "Labels of the mailboxes whose subjects the caller sees", body = crate::api::openapi::ListEnvelope<LabelView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_labels(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<LabelView>, ApiError> {
    let page = params.page()?;
    let wanted = wanted_accounts(&params.filter(FOLDER_FIELDS)?, "mailLabels")?;
    let rows = state
        .store
        .run(move |c| {
            let visible: Vec<i64> = mail_accounts::visible_to(c, caller.user_id, &caller.roles)?
                .into_iter()
                .filter(|(_, level)| level.shows_subject())
                .map(|(id, _)| id)
                .filter(|id| wanted.as_ref().is_none_or(|w| w.contains(id)))
                .collect();
            labels::list(c, &visible)
        })
        .await?;
    Ok(ListPage::of_all(rows, page, LabelView::from))
}
