//! Graph reads: profile, folders, message listings with OData options, single messages,
//! MIME, attachments and delta.

use super::errors;
use super::json;
use super::{Ctx, odata};
use crate::reply::Reply;
use crate::world::{GraphBox, GraphMessage, User};
use serde_json::{Value, json};

fn param<'a>(ctx: &'a Ctx<'_>, key: &str) -> Option<&'a str> {
    ctx.query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn fields(ctx: &Ctx<'_>) -> Vec<String> {
    param(ctx, "$select")
        .map(|s| {
            s.split(',')
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The link to the next page: this request with `$skip` moved on.
fn next_link(ctx: &Ctx<'_>, skip: usize) -> String {
    let mut params: Vec<(String, String)> = ctx
        .query
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("$skip"))
        .cloned()
        .collect();
    params.push(("$skip".into(), skip.to_string()));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{}{}?{query}", ctx.base, ctx.path)
}

/// `GET /me`. `proxyAddresses` (the primary `SMTP:` address and the `smtp:` aliases) is
/// not in the default set: only a `$select` naming it returns it, as on real Graph.
pub fn me(user: &User, ctx: &Ctx<'_>) -> Reply {
    let name = &user.person.name;
    let (given, surname) = name.split_once(' ').unwrap_or((name.as_str(), ""));
    let primary = user
        .directory
        .mail
        .as_deref()
        .unwrap_or(&user.person.address);
    let proxies: Vec<String> = std::iter::once(format!("SMTP:{primary}"))
        .chain(
            user.send_as
                .aliases
                .iter()
                .map(|a| format!("smtp:{}", a.address)),
        )
        .collect();
    let selected = fields(ctx);
    let mut value = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        // The object id; `mail` is whatever the tenant's admins set (unverified).
        "id": user.directory.object_id,
        "displayName": name,
        "givenName": given,
        "surname": surname,
        "mail": user.directory.mail.as_deref().unwrap_or(&user.person.address),
        "userPrincipalName": user.person.address,
        "businessPhones": [],
        "jobTitle": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
    });
    if selected.is_empty() {
        return Reply::ok(value);
    }
    value["proxyAddresses"] = json!(proxies);
    if let Value::Object(all) = &mut value {
        all.retain(|key, _| {
            key.starts_with("@odata") || selected.iter().any(|f| f.eq_ignore_ascii_case(key))
        });
    }
    Reply::ok(value)
}

fn top(ctx: &Ctx<'_>, default: usize, max: usize) -> Result<usize, Reply> {
    match param(ctx, "$top") {
        None => Ok(ctx.max_page.unwrap_or(default).min(max)),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(errors::bad_request(&format!(
                "Invalid value '{text}' for $top: it must be between 1 and {max}."
            ))),
        },
    }
}

fn skip(ctx: &Ctx<'_>) -> Result<usize, Reply> {
    match param(ctx, "$skip") {
        None => Ok(0),
        Some(text) => text
            .parse()
            .map_err(|_| errors::bad_request("Invalid value for $skip.")),
    }
}

pub fn folders(mailbox: &GraphBox, ctx: &Ctx<'_>, parent: Option<&str>) -> Reply {
    let parent_id = match parent {
        Some(p) => match mailbox.folder_id(p) {
            Some(id) => id,
            None => return errors::not_found(),
        },
        None => mailbox.folder_id("msgfolderroot").unwrap_or_default(),
    };
    let include_hidden = param(ctx, "includeHiddenFolders") == Some("true");
    let (limit, offset) = match (top(ctx, 10, 1000), skip(ctx)) {
        (Ok(l), Ok(o)) => (l, o),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let all: Vec<&crate::world::GraphFolder> = mailbox
        .folders
        .iter()
        .filter(|f| f.parent_id == parent_id && (include_hidden || !f.hidden))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|f| json::folder(mailbox, f))
        .collect();
    let mut value = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/mailFolders", "value": page});
    if offset + limit < all.len() {
        value["@odata.nextLink"] = json!(next_link(ctx, offset + limit));
    }
    Reply::ok(value)
}

pub fn folder(mailbox: &GraphBox, id: &str) -> Reply {
    match mailbox.folder_id(id).and_then(|id| mailbox.folder(&id)) {
        Some(folder) => Reply::ok(json::folder(mailbox, folder)),
        None => errors::not_found(),
    }
}

pub fn messages(mailbox: &GraphBox, ctx: &Ctx<'_>, folder: Option<&str>) -> Reply {
    let folder_id = match folder {
        Some(name) => match mailbox.folder_id(name) {
            Some(id) => Some(id),
            None => return errors::not_found(),
        },
        None => None,
    };
    let (limit, offset) = match (top(ctx, 10, 1000), skip(ctx)) {
        (Ok(l), Ok(o)) => (l, o),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let filter = match odata::Filter::parse(
        param(ctx, "$filter"),
        param(ctx, "$orderby"),
        param(ctx, "$search"),
    ) {
        Ok(filter) => filter,
        Err(reply) => return reply,
    };
    let fields = fields(ctx);
    let mut matching: Vec<&crate::world::GraphMessage> = mailbox
        .newest_first(folder_id.as_deref())
        .filter(|m| filter.matches(m))
        .collect();
    if filter.ascending {
        matching.reverse();
    }
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|m| json::message(mailbox, m, &fields, ctx.immutable, ctx.prefer_text))
        .collect();
    let mut value = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/messages", "value": page});
    if param(ctx, "$count") == Some("true") {
        value["@odata.count"] = json!(matching.len());
    }
    if offset + limit < matching.len() {
        value["@odata.nextLink"] = json!(next_link(ctx, offset + limit));
    }
    Reply::ok(value)
}

pub fn message(mailbox: &GraphBox, ctx: &Ctx<'_>, id: &str) -> Reply {
    match mailbox.find(id) {
        Some(m) => {
            let mut value = json::message(mailbox, m, &fields(ctx), ctx.immutable, ctx.prefer_text);
            if param(ctx, "$expand").is_some_and(|e| e.eq_ignore_ascii_case("attachments")) {
                let raw = m.message.raw();
                value["attachments"] = Value::Array(
                    json::attachments(&raw, &m.immutable_id, m.modified_ms, true)
                        .into_iter()
                        .map(|(v, _)| v)
                        .collect(),
                );
            }
            Reply::ok(value)
        }
        None => errors::not_found(),
    }
}

pub fn mime(m: &GraphMessage) -> Reply {
    Reply::bytes(200, "text/plain", m.message.raw())
}

/// A message's attachments, listed or one of them. The caller has let go of the world:
/// this decodes the files, which for a 40 MB one takes a while.
pub fn attachments(
    m: &GraphMessage,
    ctx: &Ctx<'_>,
    attachment: Option<&str>,
    value_only: bool,
) -> Reply {
    let fields = fields(ctx);
    // Graph reads `$select` against the base type, where only file attachments have these.
    if let Some(derived) = fields.iter().find(|f| {
        ["contentId", "contentLocation", "contentBytes"]
            .iter()
            .any(|d| d.eq_ignore_ascii_case(f))
    }) && attachment.is_none()
    {
        return errors::bad_request(&format!(
            "Could not find a property named '{derived}' on type 'microsoft.graph.attachment'."
        ));
    }
    let with_bytes = fields.is_empty()
        || fields.iter().any(|f| {
            f.rsplit('/')
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("contentBytes"))
        });
    let all = json::attachments(&m.message.raw(), &m.immutable_id, m.modified_ms, with_bytes);
    match attachment {
        None => Reply::ok(
            json!({"value": all.into_iter().map(|(v, _)| json::select(v, &fields)).collect::<Vec<_>>()}),
        ),
        Some(wanted) => match all.into_iter().find(|(v, _)| v["id"] == wanted) {
            Some((value, bytes)) if value_only => {
                let content_type = value["contentType"]
                    .as_str()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                Reply::bytes(200, &content_type, bytes)
            }
            Some((value, _)) => Reply::ok(json::select(value, &fields)),
            None => errors::not_found(),
        },
    }
}

/// One page of a delta round.
pub fn delta(mailbox: &GraphBox, ctx: &Ctx<'_>, folder: &str) -> Reply {
    let Some(folder_id) = mailbox.folder_id(folder) else {
        return errors::not_found();
    };
    if param(ctx, "$search").is_some() {
        return errors::bad_request("$search is not supported on delta queries.");
    }
    let token = param(ctx, "$skiptoken").or_else(|| param(ctx, "$deltatoken"));
    let page_size = ctx
        .max_page
        .or_else(|| param(ctx, "$top").and_then(|t| t.parse().ok()))
        .unwrap_or(10);
    // The one `$filter` delta takes for messages: `receivedDateTime ge|gt <time>`.
    let since = match param(ctx, "$filter") {
        None => None,
        Some(filter) => {
            let parts: Vec<&str> = filter.split_whitespace().collect();
            match parts.as_slice() {
                [field, "ge" | "gt", value] if field.eq_ignore_ascii_case("receivedDateTime") => {
                    match chrono::DateTime::parse_from_rfc3339(value.trim_matches('\'')) {
                        Ok(at) => Some(at.timestamp_millis()),
                        Err(_) => return errors::bad_request("Invalid filter clause."),
                    }
                }
                _ => {
                    return errors::bad_request(
                        "Only receivedDateTime ge|gt is supported in $filter on delta queries.",
                    );
                }
            }
        }
    };
    let page = match mailbox.delta(&folder_id, token, page_size, ctx.immutable, since) {
        Ok(page) => page,
        Err(_) => return errors::sync_state_not_found(),
    };
    let fields = fields(ctx);
    let mut items: Vec<Value> = page
        .items
        .iter()
        .filter_map(|id| mailbox.messages.get(id))
        .map(|m| json::message(mailbox, m, &fields, ctx.immutable, ctx.prefer_text))
        .collect();
    items.extend(page.removed.iter().map(|id| {
        json!({"@odata.type": "#microsoft.graph.message", "id": id, "@removed": {"reason": "deleted"}})
    }));
    let link = |key: &str, token: &str| {
        let mut params: Vec<(String, String)> = ctx
            .query
            .iter()
            .filter(|(k, _)| {
                !["$skiptoken", "$deltatoken", "$top"]
                    .iter()
                    .any(|x| k.eq_ignore_ascii_case(x))
            })
            .cloned()
            .collect();
        params.push((key.to_string(), token.to_string()));
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        format!("{}{}?{query}", ctx.base, ctx.path)
    };
    let mut value = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(message)", "value": items});
    if let Some(next) = page.next {
        value["@odata.nextLink"] = json!(link("$skiptoken", &next));
    }
    if let Some(delta) = page.delta {
        value["@odata.deltaLink"] = json!(link("$deltatoken", &delta));
    }
    Reply::ok(value)
}
