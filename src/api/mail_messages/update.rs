use super::write_through::{self, Change, LabelChange, LabelRef};
use crate::api::message_reads::MessageView;
use crate::api::message_reads::views_with;
use crate::api::provider_failure::api_error;
use crate::auth::Caller;
use crate::events;
use crate::http::{ApiError, QueryParams, Values};
use crate::providers::ProviderKind;
use crate::query::Field;
use crate::state::AppState;
use crate::store::labels::{self, LabelRow};
use crate::store::message_targets::{self, Target};
use crate::store::messages;
use crate::visibility::Level;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// The most ids one request may change (Gmail's batchModify limit).
pub const MAX_IDS: usize = 1000;

/// The `filterByTk` ids: one or many, at most [`MAX_IDS`], duplicates ignored.
pub fn message_ids(params: &QueryParams) -> Result<Vec<i64>, ApiError> {
    let raw = params.filter_by_tk()?;
    let mut ids = Vec::new();
    for value in raw.iter().flat_map(|v| v.split(',')) {
        let id: i64 = value.trim().parse().map_err(|_| {
            ApiError::bad_request(
                "INVALID_PARAMETER",
                format!("filterByTk: expected message ids, got {value:?}"),
            )
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_IDS {
        return Err(ApiError::bad_request(
            "INVALID_PARAMETER",
            format!("filterByTk: at most {MAX_IDS} ids at once"),
        ));
    }
    Ok(ids)
}

fn flag(values: &serde_json::Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match values.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid_field(key, "expected true or false")),
    }
}

pub(super) fn failure(id: i64, error: &ApiError) -> Value {
    json!({"id": id, "code": error.code(), "message": error.message()})
}

/// `mailMessages:update?filterByTk=<id or ids>` values `{isRead?, isStarred?, folderId?}`:
/// the provider first, then the store. Only the mailbox's owner may change its mail.
/// → `{data:[changed messages], meta:{failed:[{id, code, message}]}}`; when nothing
/// changed, the (first) reason is the error itself.
#[utoipa::path(
    method(get, post),
    path = "/api/mailMessages:update",
    tag = "mailMessages",
    params(crate::api::openapi::KeysParam),
    request_body = crate::api::openapi::MessageValues,
    responses(
        (status = 200, description = "Written to the provider first, then stored", body = crate::api::openapi::MessagesChanged),
        (status = 404, description = "No such row is the caller's to change", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals,
        (status = 422, description = "The provider refused the operation", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn update_mail_messages(
    caller: Caller,
    params: QueryParams,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ids = message_ids(&params)?;
    if let Some(key) = values.keys().find(|k| {
        ![
            "isRead",
            "isStarred",
            "folderId",
            "addLabelIds",
            "removeLabelIds",
        ]
        .contains(&k.as_str())
    }) {
        return Err(ApiError::invalid_field(key, "cannot be changed"));
    }
    let folder_id = match values.get("folderId") {
        None => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| ApiError::invalid_field("folderId", "expected a folder id"))?,
        ),
    };
    let add_labels = label_ids(&values, "addLabelIds")?;
    let remove_labels = label_ids(&values, "removeLabelIds")?;
    if let Some(both) = add_labels.iter().find(|id| remove_labels.contains(id)) {
        return Err(ApiError::invalid_field(
            "removeLabelIds",
            format!("label {both} is also in addLabelIds"),
        ));
    }
    let mut change = Change {
        is_read: flag(&values, "isRead")?,
        is_starred: flag(&values, "isStarred")?,
        ..Change::default()
    };
    let relabel = !add_labels.is_empty() || !remove_labels.is_empty();
    if change.is_read.is_none() && change.is_starred.is_none() && folder_id.is_none() && !relabel {
        return Err(ApiError::bad_request(
            "INVALID_VALUE",
            "values: give isRead, isStarred, folderId, addLabelIds or removeLabelIds",
        ));
    }
    let user = caller.user_id.0;
    let lookup = ids.clone();
    let wanted: Vec<i64> = add_labels.iter().chain(&remove_labels).copied().collect();
    let (targets, folder, found_labels) = state
        .store
        .run(move |c| {
            let targets = message_targets::targets(c, &lookup)?;
            let folder = match folder_id {
                Some(id) => message_targets::folder(c, id)?,
                None => None,
            };
            let found_labels = labels::by_ids(c, &wanted)?;
            Ok((targets, folder, found_labels))
        })
        .await?;
    let folder_account = match (folder_id, folder) {
        (Some(_), None) => return Err(ApiError::invalid_field("folderId", "no such folder")),
        (Some(_), Some((account, provider_id))) => {
            change.folder = Some(provider_id);
            Some(account)
        }
        _ => None,
    };
    let label_account = if relabel {
        let (account, label_change) =
            label_change(user, &targets, &add_labels, &remove_labels, &found_labels)?;
        change.labels = Some(label_change);
        Some(account)
    } else {
        None
    };
    let mailbox = match (folder_account, label_account) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::invalid_field(
                "addLabelIds",
                "the labels are in another mailbox than the folder",
            ));
        }
        (a, b) => a.or(b),
    };

    let Written { changed, failed } =
        write_all(&state, user, &ids, &targets, &change, mailbox).await?;
    if relabel && !changed.is_empty() {
        let (messages, add, remove) = (changed.clone(), add_labels.clone(), remove_labels.clone());
        state
            .store
            .run(move |c| labels::change_message_labels(c, &messages, &add, &remove))
            .await?;
    }
    if changed.is_empty() {
        if let Some((_, error)) = failed.into_iter().next() {
            return Err(error);
        }
        return Ok(HttpResponse::Ok().json(json!({"data": [], "meta": {"failed": []}})));
    }
    let levels: HashMap<i64, Level> = targets
        .iter()
        .filter(|t| changed.contains(&t.id))
        .map(|t| (t.account_id, Level::Own))
        .collect();
    let views = views_with(&state, levels, Field::Id, &changed, true, MAX_IDS as u32).await?;
    let failed: Vec<Value> = failed.iter().map(|(id, e)| failure(*id, e)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "data": views.iter().collect::<Vec<&MessageView>>(),
        "meta": {"failed": failed},
    })))
}

/// `addLabelIds` / `removeLabelIds`: label ids, or nothing.
fn label_ids(values: &serde_json::Map<String, Value>, key: &str) -> Result<Vec<i64>, ApiError> {
    match values.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| ApiError::invalid_field(key, "expected label ids"))
            })
            .collect(),
        Some(_) => Err(ApiError::invalid_field(key, "expected a list of label ids")),
    }
}

/// The labels a write names, all of one mailbox the caller owns; a label that is not
/// theirs reads as missing.
fn label_change(
    user: i64,
    targets: &[Target],
    add: &[i64],
    remove: &[i64],
    found: &[LabelRow],
) -> Result<(i64, LabelChange), ApiError> {
    let owned = |label: &LabelRow| {
        targets
            .iter()
            .any(|t| t.account_id == label.account_id && t.owner == user)
    };
    let refs = |ids: &[i64], key: &str| -> Result<Vec<LabelRef>, ApiError> {
        ids.iter()
            .map(|id| {
                found
                    .iter()
                    .find(|l| l.id == *id && owned(l))
                    .map(|l| LabelRef {
                        provider_id: l.provider_id.clone(),
                        name: l.name.clone(),
                    })
                    .ok_or_else(|| {
                        ApiError::invalid_field(key, format!("no label {id} in this mailbox"))
                    })
            })
            .collect()
    };
    let change = LabelChange {
        add: refs(add, "addLabelIds")?,
        remove: refs(remove, "removeLabelIds")?,
    };
    let accounts: std::collections::BTreeSet<i64> = found
        .iter()
        .filter(|l| add.contains(&l.id) || remove.contains(&l.id))
        .map(|l| l.account_id)
        .collect();
    match accounts.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => Ok((*one, change)),
        _ => Err(ApiError::invalid_field(
            "addLabelIds",
            "the labels must all be of one mailbox",
        )),
    }
}

/// What a write did: the ids the provider accepted (and the store now shows), and why
/// the others failed.
pub(super) struct Written {
    pub changed: Vec<i64>,
    pub failed: Vec<(i64, ApiError)>,
}

/// Checks ownership, then writes `change` through to each mailbox's provider and stores
/// what it accepted.
pub(super) async fn write_all(
    state: &AppState,
    user: i64,
    ids: &[i64],
    targets: &[Target],
    change: &Change,
    folder_account: Option<i64>,
) -> Result<Written, ApiError> {
    let mut failed: Vec<(i64, ApiError)> = Vec::new();
    let mut by_account: BTreeMap<i64, Vec<Target>> = BTreeMap::new();
    for id in ids {
        match targets.iter().find(|t| t.id == *id) {
            // Others' mail reads as missing: ids cannot be probed, shared or not.
            Some(t) if t.owner == user => {
                if folder_account.is_some_and(|a| a != t.account_id) {
                    failed.push((
                        *id,
                        ApiError::invalid_field(
                            "folderId",
                            "the folder (or label) is in another mailbox",
                        ),
                    ));
                } else {
                    by_account.entry(t.account_id).or_default().push(t.clone());
                }
            }
            _ => failed.push((
                *id,
                ApiError::new(
                    actix_web::http::StatusCode::NOT_FOUND,
                    "MESSAGE_NOT_FOUND",
                    "No message with this id is yours to change.",
                ),
            )),
        }
    }

    let mut changed: Vec<i64> = Vec::new();
    for (account, group) in by_account {
        let kind: ProviderKind = group[0]
            .provider
            .parse()
            .map_err(|_| ApiError::internal("unknown provider on a stored account"))?;
        let outcomes = write_through::apply(state, account, kind, &group, change).await;
        let mut accepted = Vec::new();
        for (id, outcome) in outcomes {
            match outcome {
                Ok(state_change) => {
                    accepted.push(state_change);
                    changed.push(id);
                }
                Err(error) => failed.push((id, api_error(error))),
            }
        }
        if !accepted.is_empty() {
            let now = chrono::Utc::now().naive_utc();
            let stored = state
                .store
                .run(move |c| messages::apply_changes(c, account, &accepted, now))
                .await?;
            // The user's other tabs and devices, and the top bar's unread count, hear of
            // their own change as they hear of a sync's. A lost event costs a stale count
            // until the next one, not the change: it is logged, not returned.
            let recorded = state
                .store
                .run(move |c| {
                    c.write_transaction(|c| events::record_changes(c, account, (0, stored, 0), now))
                })
                .await;
            if let Err(error) = recorded {
                tracing::warn!(account, %error, "change event not recorded");
            }
        }
    }

    Ok(Written { changed, failed })
}
