//! The control API under `/_emulator` (documented in the crate README): set up clients
//! and mailboxes, deliver mail, read the provider's truth and what was sent, revoke
//! grants, and change quotas, faults and settings.

use crate::mail::StoredMessage;
use crate::world::{Client, FaultKind, Mailbox, Provider, Settings, Shared, World, now_ms};
use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use serde::Deserialize;
use serde_json::{Value, json};

fn bad(message: impl Into<String>) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": message.into()}))
}

fn missing_user(email: &str) -> HttpResponse {
    HttpResponse::NotFound().json(json!({"error": format!("no user {email}")}))
}

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/_emulator/reset", web::post().to(reset))
        .route("/_emulator/clients", web::post().to(add_client))
        .route("/_emulator/users", web::post().to(add_user))
        .route("/_emulator/users/{email}/deliver", web::post().to(deliver))
        .route("/_emulator/users/{email}/messages", web::get().to(messages))
        .route(
            "/_emulator/users/{email}/messages/{id}/change",
            web::post().to(change),
        )
        .route("/_emulator/users/{email}/sent", web::get().to(sent))
        .route(
            "/_emulator/users/{email}/send-as",
            web::post().to(set_send_as),
        )
        .route("/_emulator/users/{email}/revoke", web::post().to(revoke))
        .route(
            "/_emulator/users/{email}/expire-cursors",
            web::post().to(expire_cursors),
        )
        .route("/_emulator/quota", web::post().to(quota))
        .route("/_emulator/quota/usage", web::get().to(quota_usage))
        .route("/_emulator/faults", web::post().to(set_faults))
        .route("/_emulator/faults", web::delete().to(clear_faults))
        .route("/_emulator/settings", web::post().to(settings));
}

async fn reset(world: web::Data<Shared>) -> HttpResponse {
    let mut world = world.lock();
    let limits = world.limits.clone();
    limits.clear_usage();
    limits.update(|s| *s = Default::default());
    *world = World {
        limits,
        ..World::default()
    };
    HttpResponse::Ok().json(json!({"ok": true}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewClient {
    provider: Provider,
    client_id: String,
    client_secret: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
}

async fn add_client(world: web::Data<Shared>, body: web::Json<NewClient>) -> HttpResponse {
    let body = body.into_inner();
    if body.client_id.is_empty() || body.client_secret.is_empty() {
        return bad("clientId and clientSecret are required");
    }
    world.lock().add_client(Client {
        provider: body.provider,
        client_id: body.client_id.clone(),
        client_secret: body.client_secret,
        redirect_uris: body.redirect_uris,
    });
    HttpResponse::Ok().json(json!({"provider": body.provider, "clientId": body.client_id}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewUser {
    provider: Provider,
    email: String,
    name: Option<String>,
    #[serde(default)]
    messages: usize,
    #[serde(default)]
    seed: Option<u64>,
    /// Microsoft: the user's home tenant id (default: one per domain).
    #[serde(default)]
    tenant_id: Option<String>,
    /// Microsoft: the `mail` attribute the tenant's admins set, which may be anyone's
    /// address (default: the sign-in name).
    #[serde(default)]
    mail: Option<String>,
}

async fn add_user(world: web::Data<Shared>, body: web::Json<NewUser>) -> HttpResponse {
    let body = body.into_inner();
    if !body.email.contains('@') {
        return bad("email must be an address");
    }
    if body.messages > 2_000_000 {
        return bad("messages: at most 2,000,000");
    }
    let seed = body.seed.unwrap_or(1);
    let shared = world.get_ref().clone();
    let email = body.email.to_lowercase();
    let provider = body.provider;
    let started = std::time::Instant::now();
    let (tenant_id, mail) = (body.tenant_id.clone(), body.mail.clone());
    let result = web::block(move || {
        let mut world = shared.lock();
        world.add_user(provider, &email, body.name.as_deref(), body.messages, seed);
        if let Some(user) = world.user_mut(provider, &email) {
            if let Some(tenant_id) = tenant_id {
                user.directory.tenant_id = tenant_id;
            }
            user.directory.mail = mail.map(|m| m.to_lowercase());
        }
    })
    .await;
    if result.is_err() {
        return HttpResponse::InternalServerError().json(json!({"error": "generation failed"}));
    }
    HttpResponse::Ok().json(json!({
        "provider": provider, "email": body.email.to_lowercase(), "messages": body.messages,
        "seed": seed, "generatedInMs": started.elapsed().as_millis() as u64,
    }))
}

#[derive(Deserialize, Default)]
struct Delivery {
    provider: Option<Provider>,
    from: Option<String>,
    subject: Option<String>,
    text: Option<String>,
    raw: Option<String>,
    /// Saved as the user's draft (as if written in Gmail or Outlook), not delivered.
    #[serde(default)]
    draft: bool,
}

fn providers_of(world: &World, email: &str, wanted: Option<Provider>) -> Vec<Provider> {
    [Provider::Google, Provider::Microsoft]
        .into_iter()
        .filter(|p| wanted.is_none_or(|w| w == *p) && world.user(*p, email).is_some())
        .collect()
}

async fn deliver(
    world: web::Data<Shared>,
    email: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    // No body delivers a generated message; a body that does not parse is an error, never
    // silently replaced by one.
    let body: Delivery = if body.iter().all(u8::is_ascii_whitespace) {
        Delivery::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(body) => body,
            Err(e) => return bad(format!("the delivery does not parse: {e}")),
        }
    };
    let email = email.into_inner().to_lowercase();
    let raw = match &body.raw {
        Some(encoded) => match STANDARD
            .decode(encoded.trim())
            .or_else(|_| URL_SAFE.decode(encoded.trim()))
        {
            Ok(raw) => raw,
            Err(_) => return bad("raw must be base64 MIME"),
        },
        None => {
            let from = body
                .from
                .clone()
                .unwrap_or_else(|| "Sender <sender@example.net>".into());
            let message = mail_builder::MessageBuilder::new()
                .from(mail_builder::headers::address::Address::new_address(
                    from.split('<')
                        .next()
                        .map(|n| n.trim().to_string())
                        .filter(|n| !n.is_empty() && from.contains('<')),
                    from.split('<')
                        .nth(1)
                        .map_or(from.clone(), |a| a.trim_end_matches('>').trim().to_string()),
                ))
                .to(email.clone())
                .subject(body.subject.clone().unwrap_or_else(|| "Hello".into()))
                .text_body(body.text.clone().unwrap_or_else(|| "A new message.".into()));
            match message.write_to_vec() {
                Ok(raw) => raw,
                Err(_) => return bad("could not build the message"),
            }
        }
    };
    let Some(stored) = StoredMessage::from_raw(&raw, now_ms()) else {
        return bad("raw is not an RFC 5322 message");
    };
    let mut world = world.lock();
    let Some(provider) = providers_of(&world, &email, body.provider)
        .into_iter()
        .next()
    else {
        return missing_user(&email);
    };
    if body.draft {
        return match world.save_draft(provider, &email, stored) {
            Some(id) => HttpResponse::Ok().json(json!({"draftId": id, "provider": provider})),
            None => missing_user(&email),
        };
    }
    match world.deliver(provider, &email, stored) {
        Some(id) => HttpResponse::Ok().json(json!({"id": id, "provider": provider})),
        None => missing_user(&email),
    }
}

/// The provider's truth about a mailbox, for tests to compare against.
async fn messages(world: web::Data<Shared>, email: web::Path<String>) -> HttpResponse {
    let world = world.lock();
    let email = email.into_inner();
    let mut out = Vec::new();
    for provider in providers_of(&world, &email, None) {
        let Some(user) = world.user(provider, &email) else {
            continue;
        };
        match &user.mailbox {
            Mailbox::Gmail(gmail) => {
                for m in gmail.messages.values().rev() {
                    out.push(json!({
                        "id": format!("{:016x}", m.id), "messageId": m.message.meta.message_id,
                        "threadId": format!("{:016x}", m.thread_id), "labels": m.labels,
                        "isRead": !m.labels.contains("UNREAD"), "isStarred": m.labels.contains("STARRED"),
                        "subject": m.message.meta.subject,
                        // The `drafts.*` id when the message is a draft's current version.
                        "draftId": gmail.drafts.iter().find(|(_, held)| **held == m.id).map(|(id, _)| id),
                    }));
                }
            }
            Mailbox::Graph(graph) => {
                for m in graph.newest_first(None) {
                    out.push(json!({
                        "id": m.immutable_id, "mutableId": m.mutable_id, "messageId": m.message.meta.message_id,
                        "threadId": m.conversation_id, "labels": [graph.folder_label(&m.folder_id)],
                        "isRead": m.is_read, "isStarred": m.flag_status == "flagged",
                        "subject": m.message.meta.subject, "categories": m.categories,
                    }));
                }
            }
        }
    }
    HttpResponse::Ok().json(out)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Change {
    is_read: Option<bool>,
    is_starred: Option<bool>,
    /// Gmail: label ids to add / remove.
    #[serde(default)]
    add_labels: Vec<String>,
    #[serde(default)]
    remove_labels: Vec<String>,
    /// Graph: folder id or well-known name to move to.
    folder: Option<String>,
    #[serde(default)]
    deleted: bool,
}

/// Changes a message as its owner would in Gmail or Outlook, so sync sees it.
async fn change(
    world: web::Data<Shared>,
    path: web::Path<(String, String)>,
    body: web::Json<Change>,
) -> HttpResponse {
    let (email, id) = path.into_inner();
    let change = body.into_inner();
    let mut world = world.lock();
    let (gmail_retention, graph_retention) = (
        world.settings.gmail_history_retention,
        world.settings.graph_change_retention,
    );
    for provider in providers_of(&world, &email, None) {
        let Some(user) = world.user_mut(provider, &email) else {
            continue;
        };
        match &mut user.mailbox {
            Mailbox::Gmail(gmail) => {
                let Ok(numeric) = u64::from_str_radix(&id, 16) else {
                    continue;
                };
                if change.deleted {
                    return HttpResponse::Ok()
                        .json(json!({"changed": gmail.delete(numeric, gmail_retention)}));
                }
                let mut add = change.add_labels.clone();
                let mut remove = change.remove_labels.clone();
                match change.is_read {
                    Some(true) => remove.push("UNREAD".into()),
                    Some(false) => add.push("UNREAD".into()),
                    None => {}
                }
                match change.is_starred {
                    Some(true) => add.push("STARRED".into()),
                    Some(false) => remove.push("STARRED".into()),
                    None => {}
                }
                if gmail
                    .modify(numeric, &add, &remove, gmail_retention)
                    .is_some()
                {
                    return HttpResponse::Ok().json(json!({"changed": true}));
                }
            }
            Mailbox::Graph(graph) => {
                if graph.find(&id).is_none() {
                    continue;
                }
                if change.deleted {
                    return HttpResponse::Ok()
                        .json(json!({"changed": graph.delete(&id, graph_retention)}));
                }
                let flag = change.is_starred.map(|s| {
                    if s {
                        "flagged".to_string()
                    } else {
                        "notFlagged".to_string()
                    }
                });
                graph.update(&id, change.is_read, flag, None, graph_retention);
                if let Some(folder) = &change.folder
                    && graph.move_to(&id, folder, graph_retention).is_none()
                {
                    return bad(format!("no folder {folder}"));
                }
                return HttpResponse::Ok().json(json!({"changed": true}));
            }
        }
    }
    missing_user(&email)
}

async fn sent(world: web::Data<Shared>, email: web::Path<String>) -> HttpResponse {
    let world = world.lock();
    let email = email.into_inner();
    let out: Vec<Value> = providers_of(&world, &email, None)
        .into_iter()
        .filter_map(|p| world.user(p, &email))
        .flat_map(|u| {
            u.sent
                .iter()
                .map(|(id, raw)| json!({"id": id, "raw": STANDARD.encode(raw)}))
        })
        .collect();
    HttpResponse::Ok().json(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAsChange {
    provider: Option<Provider>,
    #[serde(default)]
    primary_signature: String,
    default_address: Option<String>,
    #[serde(default)]
    aliases: Vec<crate::world::send_as::Alias>,
}

/// Replaces a user's send-as aliases (Gmail) or proxy addresses (Microsoft).
async fn set_send_as(
    world: web::Data<Shared>,
    email: web::Path<String>,
    body: web::Json<SendAsChange>,
) -> HttpResponse {
    let body = body.into_inner();
    if body.aliases.iter().any(|a| !a.address.contains('@')) {
        return bad("aliases[].address must be an address");
    }
    let mut world = world.lock();
    let email = email.into_inner().to_lowercase();
    let providers = providers_of(&world, &email, body.provider);
    if providers.is_empty() {
        return missing_user(&email);
    }
    for provider in providers {
        if let Some(user) = world.user_mut(provider, &email) {
            user.send_as = crate::world::send_as::SendAs {
                primary_signature: body.primary_signature.clone(),
                default_address: body.default_address.as_ref().map(|a| a.to_lowercase()),
                aliases: body.aliases.clone(),
            };
        }
    }
    HttpResponse::Ok().json(json!({"aliases": body.aliases.len()}))
}

async fn revoke(world: web::Data<Shared>, email: web::Path<String>) -> HttpResponse {
    let mut world = world.lock();
    let revoked: usize = [Provider::Google, Provider::Microsoft]
        .into_iter()
        .map(|p| world.revoke_user(p, &email))
        .sum();
    HttpResponse::Ok().json(json!({"revoked": revoked}))
}

/// Makes the mailbox forget every sync cursor it issued: Gmail history start ids answer
/// 404, Graph delta tokens 410.
async fn expire_cursors(world: web::Data<Shared>, email: web::Path<String>) -> HttpResponse {
    let mut world = world.lock();
    let email = email.into_inner();
    let providers = providers_of(&world, &email, None);
    for provider in &providers {
        if let Some(user) = world.user_mut(*provider, &email) {
            match &mut user.mailbox {
                Mailbox::Gmail(gmail) => gmail.expire_history(),
                Mailbox::Graph(graph) => graph.expire_delta(),
            }
        }
    }
    if providers.is_empty() {
        missing_user(&email)
    } else {
        HttpResponse::Ok().json(json!({"ok": true}))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Quota {
    provider: Provider,
    units_per_minute: Option<u64>,
    max_concurrent: Option<u64>,
    #[serde(rename = "requestsPer10Min")]
    requests_per_10_min: Option<u64>,
    rate_limit_status: Option<u16>,
    window_secs: Option<u64>,
}

#[derive(Deserialize)]
struct UsageQuery {
    provider: Provider,
    email: String,
}

/// A mailbox's admitted requests and units and its refusals since the quota was last set.
async fn quota_usage(world: web::Data<Shared>, query: web::Query<UsageQuery>) -> HttpResponse {
    let limits = world.lock().limits.clone();
    HttpResponse::Ok().json(limits.totals(query.provider, &query.email))
}

async fn quota(world: web::Data<Shared>, body: web::Json<Quota>) -> HttpResponse {
    let body = body.into_inner();
    if body.rate_limit_status.is_some_and(|s| s != 403 && s != 429) {
        return bad("rateLimitStatus: 403 or 429");
    }
    let limits = world.lock().limits.clone();
    limits.update(|s| {
        if let Some(window) = body.window_secs {
            s.window_secs = (window > 0).then_some(window);
        }
    });
    limits.update(|s| match body.provider {
        Provider::Google => {
            if let Some(units) = body.units_per_minute {
                s.gmail_units_per_minute = units;
            }
            if let Some(max) = body.max_concurrent {
                s.gmail_max_concurrent = max;
            }
            if let Some(status) = body.rate_limit_status {
                s.gmail_rate_limit_status = status;
            }
        }
        Provider::Microsoft => {
            if let Some(max) = body.max_concurrent {
                s.graph_max_concurrent = max;
            }
            if let Some(requests) = body.requests_per_10_min {
                s.graph_requests_per_10_min = requests;
            }
        }
    });
    limits.clear_usage();
    let s = limits.settings();
    HttpResponse::Ok().json(json!({
        "google": {"unitsPerMinute": s.gmail_units_per_minute, "maxConcurrent": s.gmail_max_concurrent, "rateLimitStatus": s.gmail_rate_limit_status},
        "microsoft": {"maxConcurrent": s.graph_max_concurrent, "requestsPer10Min": s.graph_requests_per_10_min},
        "windowSecs": s.window_secs,
    }))
}

#[derive(Deserialize)]
struct FaultRequest {
    provider: Option<Provider>,
    /// Only requests whose path contains this.
    path: Option<String>,
    rate: f64,
    kinds: Vec<String>,
    seed: Option<u64>,
}

async fn set_faults(world: web::Data<Shared>, body: web::Json<FaultRequest>) -> HttpResponse {
    let body = body.into_inner();
    if !(0.0..=1.0).contains(&body.rate) {
        return bad("rate: between 0 and 1");
    }
    let mut kinds = Vec::new();
    for name in &body.kinds {
        match FaultKind::parse(name) {
            Some(kind) => kinds.push(kind),
            None => {
                return bad(format!(
                    "kinds: unknown fault {name:?}; known: 500, 503, 429, 429-no-retry-after, reset, slow"
                ));
            }
        }
    }
    world.lock().faults.set(
        body.provider,
        body.path,
        body.rate,
        kinds,
        body.seed.unwrap_or(42),
    );
    HttpResponse::Ok().json(json!({"ok": true}))
}

async fn clear_faults(world: web::Data<Shared>) -> HttpResponse {
    world.lock().faults = Default::default();
    HttpResponse::Ok().json(json!({"ok": true}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettingsChange {
    access_token_ttl_secs: Option<i64>,
    gmail_history_retention: Option<usize>,
    graph_change_retention: Option<usize>,
    slow_ms: Option<u64>,
    rejected_recipients: Option<Vec<String>>,
}

async fn settings(world: web::Data<Shared>, body: web::Json<SettingsChange>) -> HttpResponse {
    let body = body.into_inner();
    let mut world = world.lock();
    let current: &mut Settings = &mut world.settings;
    if let Some(ttl) = body.access_token_ttl_secs {
        current.access_token_ttl_secs = ttl.max(1);
    }
    if let Some(n) = body.gmail_history_retention {
        current.gmail_history_retention = n.max(1);
    }
    if let Some(n) = body.graph_change_retention {
        current.graph_change_retention = n.max(1);
    }
    if let Some(ms) = body.slow_ms {
        current.slow_ms = ms;
    }
    if let Some(list) = body.rejected_recipients {
        current.rejected_recipients = list.iter().map(|a| a.to_lowercase()).collect();
    }
    HttpResponse::Ok().json(json!({
        "accessTokenTtlSecs": current.access_token_ttl_secs,
        "gmailHistoryRetention": current.gmail_history_retention,
        "graphChangeRetention": current.graph_change_retention,
        "slowMs": current.slow_ms,
        "rejectedRecipients": current.rejected_recipients,
    }))
}
