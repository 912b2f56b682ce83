//! `mailTemplates`: personal templates (their owner's alone) and shared ones, which
//! admins write and scope to NocoBase roles (an admin sees every shared one; anyone else
//! those shared with one of their roles). Subject and HTML hold NocoBase variables,
//! filled by `mailTemplates:render` (`render.rs`).

mod recipient;
pub mod render;
mod values;

pub use render::{Rendered, render_template};

use crate::auth::Caller;
use crate::http::{ApiError, Data, ListPage, QueryParams, Router, Values};
use crate::state::AppState;
use crate::store::templates::{self, TemplateRow};
use actix_web::web;
use serde::Serialize;

pub fn configure(router: &mut Router) {
    router.action("mailTemplates:list", list_templates);
    router.action("mailTemplates:get", get_template);
    router.action("mailTemplates:create", create_template);
    router.action("mailTemplates:update", update_template);
    router.action("mailTemplates:destroy", destroy_template);
    router.action("mailTemplates:render", render_template);
}

/// A template as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub id: i64,
    pub name: String,
    pub subject: String,
    /// Cleaned HTML with `{{$…}}` variables.
    pub html: String,
    /// `personal` or `shared`.
    pub scope: String,
    /// A shared template's roles (empty for a personal one).
    pub roles: Vec<String>,
    /// Whether the caller may change it (its owner; an admin for a shared one).
    pub editable: bool,
    pub updated_at: String,
}

impl From<TemplateRow> for TemplateView {
    fn from(row: TemplateRow) -> Self {
        Self {
            id: row.id,
            roles: row.roles(),
            name: row.name,
            subject: row.subject,
            html: row.html,
            scope: row.scope,
            editable: false,
            updated_at: crate::http::rfc3339(row.updated_at),
        }
    }
}

/// Whether `caller` may see `row`.
pub(crate) fn visible(row: &TemplateRow, caller: &Caller) -> bool {
    if row.is_shared() {
        caller.is_admin || row.roles().iter().any(|r| caller.roles.contains(r))
    } else {
        row.owner_user_id == caller.user_id.0
    }
}

/// Whether `caller` may change or remove `row`.
fn editable(row: &TemplateRow, caller: &Caller) -> bool {
    if row.is_shared() {
        caller.is_admin
    } else {
        row.owner_user_id == caller.user_id.0
    }
}

fn view(row: TemplateRow, caller: &Caller) -> TemplateView {
    let editable = editable(&row, caller);
    TemplateView {
        editable,
        ..row.into()
    }
}

/// The template `filterByTk` names, if the caller may see it.
async fn visible_one(
    caller: &Caller,
    params: &QueryParams,
    state: &AppState,
) -> Result<Option<TemplateRow>, ApiError> {
    let id = params.single_id("a template")?;
    Ok(state
        .store
        .run(move |c| templates::get(c, id))
        .await?
        .filter(|row| visible(row, caller)))
}

/// `mailTemplates:list`: the caller's personal templates and the shared ones shown to
/// them, by name.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTemplates:list",
    tag = "mailTemplates",
    params(crate::api::openapi::PageParams),
    responses(
        (status = 200, description = "Templates the caller may use", body = crate::api::openapi::ListEnvelope<TemplateView>),
        crate::api::openapi::Refusals
    )
)]
pub async fn list_templates(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<ListPage<TemplateView>, ApiError> {
    let page = params.page()?;
    let user = caller.user_id.0;
    let rows: Vec<TemplateRow> = state
        .store
        .run(move |c| templates::candidates(c, user))
        .await?
        .into_iter()
        .filter(|row| visible(row, &caller))
        .collect();
    Ok(ListPage::of_all(rows, page, |row| view(row, &caller)))
}

/// `mailTemplates:get?filterByTk=<id>`: null when the caller may not see it.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTemplates:get",
    tag = "mailTemplates",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "The template, or null", body = crate::api::openapi::DataEnvelope<Option<TemplateView>>),
        crate::api::openapi::Refusals
    )
)]
pub async fn get_template(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<Option<TemplateView>>, ApiError> {
    let row = visible_one(&caller, &params, &state).await?;
    Ok(Data(row.map(|row| view(row, &caller))))
}

/// `mailTemplates:create` values `{name, subject?, html?, scope?, roles?}`; a shared one
/// (admins only) is shown to `roles`.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTemplates:create",
    tag = "mailTemplates",
    request_body = crate::api::openapi::TemplateValues,
    responses(
        (status = 200, description = "The template as stored", body = crate::api::openapi::DataEnvelope<TemplateView>),
        crate::api::openapi::Refusals,
        (status = 403, description = "A shared template is an administrator's to write", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn create_template(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<TemplateView>, ApiError> {
    let fields = values::read(&caller, &values, None)?;
    let (user, now) = (caller.user_id.0, chrono::Utc::now().naive_utc());
    let row = state
        .store
        .run(move |c| templates::create(c, user, &fields, now))
        .await?;
    Ok(Data(view(row, &caller)))
}

/// `mailTemplates:update?filterByTk=<id>`: its owner, or an admin for a shared one.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTemplates:update",
    tag = "mailTemplates",
    params(crate::api::openapi::KeyParam),
    request_body = crate::api::openapi::TemplateValues,
    responses(
        (status = 200, description = "The template as stored (empty when the caller cannot see it)", body = crate::api::openapi::DataEnvelope<Vec<TemplateView>>),
        crate::api::openapi::Refusals,
        (status = 403, description = "A shared template is an administrator's to write", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn update_template(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<Vec<TemplateView>>, ApiError> {
    let Some(current) = visible_one(&caller, &params, &state).await? else {
        return Ok(Data(Vec::new()));
    };
    if !editable(&current, &caller) {
        return Err(ApiError::forbidden(
            "Only an administrator can change a shared template.",
        ));
    }
    let fields = values::read(&caller, &values, Some(&current))?;
    let (id, now) = (current.id, chrono::Utc::now().naive_utc());
    let row = state
        .store
        .run(move |c| templates::update(c, id, &fields, now))
        .await?;
    Ok(Data(
        row.into_iter().map(|row| view(row, &caller)).collect(),
    ))
}

/// `mailTemplates:destroy?filterByTk=<id>`: its owner, or an admin for a shared one.
#[utoipa::path(
    method(get, post),
    path = "/api/mailTemplates:destroy",
    tag = "mailTemplates",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Rows removed: 1, or 0 when the caller cannot see it", body = crate::api::openapi::DataEnvelope<i64>),
        crate::api::openapi::Refusals,
        (status = 403, description = "A shared template is an administrator's to write", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn destroy_template(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    let Some(current) = visible_one(&caller, &params, &state).await? else {
        return Ok(Data(0));
    };
    if !editable(&current, &caller) {
        return Err(ApiError::forbidden(
            "Only an administrator can remove a shared template.",
        ));
    }
    let id = current.id;
    let removed = state.store.run(move |c| templates::remove(c, id)).await?;
    Ok(Data(removed))
}
