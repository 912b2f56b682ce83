//! Graph's `/v1.0/subscriptions`: create (with the validation call to the notification
//! URL), read, renew (PATCH) and delete, for the signed-in mailbox's messages.

use super::{GRAPH_MAX_LIFETIME_MS, GraphSubscription, iso};
use crate::gate;
use crate::microsoft::errors;
use crate::oauth::bearer;
use crate::reply::Reply;
use crate::world::{Mailbox, Provider, Shared};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// Resources on a mailbox's messages the emulator notifies about.
fn supported_resource(resource: &str) -> bool {
    let resource = resource.trim_start_matches('/').to_ascii_lowercase();
    resource == "me/messages"
        || resource.starts_with("me/mailfolders(")
        || (resource.starts_with("users/") && resource.ends_with("/messages"))
}

fn view(subscription: &GraphSubscription) -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        "id": subscription.id,
        "resource": subscription.resource,
        "applicationId": "00000000-0000-0000-0000-000000000000",
        "changeType": subscription.change_type,
        "clientState": subscription.client_state,
        "notificationUrl": subscription.notification_url,
        "lifecycleNotificationUrl": subscription.lifecycle_notification_url,
        "expirationDateTime": iso(subscription.expires_ms),
        "creatorId": "00000000-0000-0000-0000-000000000000",
        "latestSupportedTlsVersion": "v1_2",
        "notificationContentType": "application/json",
    })
}

fn parse_expiry(body: &Value, now_ms: i64) -> Result<i64, Reply> {
    let text = body
        .get("expirationDateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| errors::bad_request("expirationDateTime is a required property."))?;
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|_| errors::bad_request("Invalid expirationDateTime."))?
        .timestamp_millis();
    if at <= now_ms {
        return Err(errors::bad_request(
            "Subscription expiration must be in the future.",
        ));
    }
    if at > now_ms + GRAPH_MAX_LIFETIME_MS {
        return Err(errors::bad_request(
            "Subscription expiration can only be 10070 minutes in the future.",
        ));
    }
    Ok(at)
}

/// Asks `url` to echo a validation token, as Graph does before it accepts a URL.
async fn validates(url: &str) -> bool {
    let token = format!(
        "Validation: Testing client application reachability for subscription Request-Id: {:016x}",
        rand::random::<u64>()
    );
    let Ok(mut target) = reqwest::Url::parse(url) else {
        return false;
    };
    target
        .query_pairs_mut()
        .append_pair("validationToken", &token);
    let answer = super::deliver::client()
        .post(target)
        .header("content-type", "text/plain; charset=utf-8")
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await;
    match answer {
        Ok(response) if response.status().as_u16() == 200 => {
            response.text().await.is_ok_and(|text| text == token)
        }
        _ => false,
    }
}

async fn caller(world: &Shared, request: &HttpRequest) -> Result<String, Reply> {
    let caller = gate::authenticate(world, Provider::Microsoft, bearer(request).as_deref())?;
    let world = world.lock();
    match world.user(Provider::Microsoft, &caller.email) {
        Some(user) if matches!(user.mailbox, Mailbox::Graph(_)) => Ok(caller.email),
        _ => Err(errors::error(
            404,
            "ResourceNotFound",
            "Resource could not be discovered.",
        )),
    }
}

/// `POST /v1.0/subscriptions`.
pub async fn create(
    world: web::Data<Shared>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let email = match caller(&world, &request).await {
        Ok(email) => email,
        Err(reply) => return reply.into_http(),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return errors::bad_request("Invalid request body.").into_http();
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
    let (Some(change_type), Some(notification_url), Some(resource)) = (
        text("changeType"),
        text("notificationUrl"),
        text("resource"),
    ) else {
        return errors::bad_request("changeType, notificationUrl and resource are required.")
            .into_http();
    };
    if change_type
        .split(',')
        .any(|c| !["created", "updated", "deleted"].contains(&c.trim()))
    {
        return errors::bad_request("Invalid changeType.").into_http();
    }
    if !supported_resource(&resource) {
        return errors::error(
            400,
            "ExtensionError",
            "Operation: Create; Exception: [Status Code: BadRequest; Reason: Unsupported resource]",
        )
        .into_http();
    }
    let client_state = text("clientState");
    if client_state.as_ref().is_some_and(|c| c.len() > 128) {
        return errors::bad_request("clientState is longer than 128 characters.").into_http();
    }
    let now = world.lock().push.now_ms();
    let expires_ms = match parse_expiry(&body, now) {
        Ok(at) => at,
        Err(reply) => return reply.into_http(),
    };
    let lifecycle = text("lifecycleNotificationUrl");
    for url in std::iter::once(&notification_url).chain(lifecycle.iter()) {
        if !validates(url).await {
            return errors::error(
                400,
                "ValidationError",
                "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
            )
            .into_http();
        }
    }
    let mut world = world.lock();
    let notified_seq = match world.user(Provider::Microsoft, &email).map(|u| &u.mailbox) {
        Some(Mailbox::Graph(mailbox)) => mailbox.seq,
        _ => 0,
    };
    let subscription = GraphSubscription {
        id: format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rand::random::<u32>(),
            rand::random::<u16>(),
            rand::random::<u16>() & 0xfff,
            rand::random::<u16>() & 0xfff,
            rand::random::<u64>() & 0xFFFF_FFFF_FFFF
        ),
        email,
        resource,
        change_type,
        notification_url,
        lifecycle_notification_url: lifecycle,
        client_state,
        expires_ms,
        notified_seq,
        renewals: 0,
    };
    let answer = view(&subscription);
    world
        .push
        .graph
        .insert(subscription.id.clone(), subscription);
    Reply::json(201, answer).into_http()
}

/// The caller's live subscription `id`, or Graph's 404.
fn owned<'a>(
    push: &'a mut super::PushState,
    email: &str,
    id: &str,
) -> Result<&'a mut GraphSubscription, Reply> {
    let now = push.now_ms();
    match push.graph.get_mut(id) {
        Some(s) if s.email == email && s.expires_ms > now => Ok(s),
        _ => Err(errors::error(
            404,
            "ResourceNotFound",
            &format!("The object was not found. Subscription Id: {id}"),
        )),
    }
}

/// `GET`, `PATCH` and `DELETE /v1.0/subscriptions/{id}`.
pub async fn one(
    world: web::Data<Shared>,
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let email = match caller(&world, &request).await {
        Ok(email) => email,
        Err(reply) => return reply.into_http(),
    };
    let mut world = world.lock();
    let push = &mut world.push;
    let now = push.now_ms();
    let reply = match request.method().as_str() {
        "GET" => owned(push, &email, &id).map(|s| Reply::ok(view(s))),
        "DELETE" => match owned(push, &email, &id) {
            Ok(_) => {
                push.graph.remove(id.as_str());
                Ok(Reply::empty(204))
            }
            Err(reply) => Err(reply),
        },
        "PATCH" => serde_json::from_slice::<Value>(&body)
            .map_err(|_| errors::bad_request("Invalid request body."))
            .and_then(|body| parse_expiry(&body, now))
            .and_then(|at| {
                owned(push, &email, &id).map(|s| {
                    s.expires_ms = at;
                    s.renewals += 1;
                    Reply::ok(view(s))
                })
            }),
        _ => Err(errors::error(
            405,
            "Request_BadRequest",
            "Method not allowed.",
        )),
    };
    reply.unwrap_or_else(|r| r).into_http()
}

/// `GET /v1.0/subscriptions`: the caller's live subscriptions.
pub async fn list(world: web::Data<Shared>, request: HttpRequest) -> HttpResponse {
    let email = match caller(&world, &request).await {
        Ok(email) => email,
        Err(reply) => return reply.into_http(),
    };
    let world = world.lock();
    let now = world.push.now_ms();
    let value: Vec<Value> = world
        .push
        .graph
        .values()
        .filter(|s| s.email == email && s.expires_ms > now)
        .map(view)
        .collect();
    Reply::ok(json!({"value": value})).into_http()
}
