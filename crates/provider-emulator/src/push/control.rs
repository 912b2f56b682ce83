//! Control routes for push: the clock, Pub/Sub push subscriptions, lifecycle events on
//! demand, and a look at subscriptions, watches and deliveries.

use super::PubsubPush;
use crate::world::Shared;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/_emulator/clock", web::post().to(clock))
        .route("/_emulator/pubsub/subscriptions", web::post().to(add_topic))
        .route("/_emulator/push", web::get().to(state))
        .route(
            "/_emulator/users/{email}/lifecycle",
            web::post().to(lifecycle),
        )
        .route("/google/oauth2/v3/certs", web::get().to(super::oidc::jwks));
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Clock {
    advance_secs: i64,
}

async fn clock(world: web::Data<Shared>, body: web::Json<Clock>) -> HttpResponse {
    let mut world = world.lock();
    world.push.clock_offset_ms += body.advance_secs.max(0) * 1000;
    HttpResponse::Ok().json(json!({
        "nowMs": world.push.now_ms(),
        "offsetSecs": world.push.clock_offset_ms / 1000,
    }))
}

async fn add_topic(world: web::Data<Shared>, body: web::Json<PubsubPush>) -> HttpResponse {
    let body = body.into_inner();
    if !body.topic.starts_with("projects/") || !body.topic.contains("/topics/") {
        return HttpResponse::BadRequest()
            .json(json!({"error": "topic must be projects/<project>/topics/<name>"}));
    }
    world
        .lock()
        .push
        .topics
        .insert(body.topic.clone(), body.clone());
    HttpResponse::Ok().json(body)
}

async fn state(world: web::Data<Shared>) -> HttpResponse {
    let world = world.lock();
    let now = world.push.now_ms();
    let mut graph: Vec<_> = world
        .push
        .graph
        .values()
        .filter(|s| s.expires_ms > now)
        .collect();
    graph.sort_by(|a, b| a.id.cmp(&b.id));
    let mut gmail: Vec<_> = world
        .push
        .gmail
        .values()
        .filter(|w| w.expires_ms > now)
        .collect();
    gmail.sort_by(|a, b| a.email.cmp(&b.email));
    HttpResponse::Ok().json(json!({
        "nowMs": now,
        "graphSubscriptions": graph,
        "gmailWatches": gmail,
        "deliveries": world.push.deliveries,
    }))
}

#[derive(Deserialize)]
struct Lifecycle {
    event: String,
}

/// Sends `event` for every live subscription of the mailbox (next delivery tick).
async fn lifecycle(
    world: web::Data<Shared>,
    email: web::Path<String>,
    body: web::Json<Lifecycle>,
) -> HttpResponse {
    const EVENTS: [&str; 3] = ["missed", "subscriptionRemoved", "reauthorizationRequired"];
    if !EVENTS.contains(&body.event.as_str()) {
        return HttpResponse::BadRequest()
            .json(json!({"error": format!("event must be one of {EVENTS:?}")}));
    }
    let email = email.to_lowercase();
    let mut world = world.lock();
    let ids: Vec<String> = world
        .push
        .graph
        .values()
        .filter(|s| s.email == email)
        .map(|s| s.id.clone())
        .collect();
    for id in &ids {
        world
            .push
            .lifecycle_queue
            .push((id.clone(), body.event.clone()));
    }
    HttpResponse::Ok().json(json!({"subscriptions": ids}))
}
