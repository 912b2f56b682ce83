//! The delivery task: every 100 ms it drops expired subscriptions and watches, gathers
//! what changed in each watched mailbox, and posts it, outside the world's lock, the
//! way each provider does: Graph one JSON batch of notifications (and lifecycle events)
//! per subscription, Pub/Sub one push request per new Gmail history id.

use super::{Delivery, iso, oidc};
use crate::world::{Mailbox, Provider, Shared, World};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::Duration;

/// Notifications per Graph POST (Graph batches up to about this many).
const GRAPH_BATCH: usize = 100;

/// The client deliveries and validation calls use.
pub fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// One request to post.
struct Outgoing {
    kind: &'static str,
    email: String,
    url: String,
    bearer: Option<String>,
    body: Value,
}

/// Starts the delivery task on the current runtime.
pub fn spawn(world: Shared) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let outgoing = gather(&mut world.lock());
            for request in outgoing {
                let world = world.clone();
                tokio::spawn(async move { post(&world, request).await });
            }
        }
    });
}

fn gather(world: &mut World) -> Vec<Outgoing> {
    let now = world.push.now_ms();
    world.push.graph.retain(|_, s| s.expires_ms > now);
    world.push.gmail.retain(|_, w| w.expires_ms > now);
    let mut out = Vec::new();
    gather_graph(world, &mut out);
    gather_lifecycle(world, &mut out);
    gather_gmail(world, now, &mut out);
    out
}

fn gather_graph(world: &mut World, out: &mut Vec<Outgoing>) {
    let World { push, users, .. } = world;
    for subscription in push.graph.values_mut() {
        let Some(Mailbox::Graph(mailbox)) = users
            .get(&(Provider::Microsoft, subscription.email.clone()))
            .map(|u| &u.mailbox)
        else {
            continue;
        };
        if mailbox.seq <= subscription.notified_seq {
            continue;
        }
        let wanted: Vec<&str> = subscription.change_type.split(',').map(str::trim).collect();
        let changes = mailbox.changes_after(subscription.notified_seq);
        subscription.notified_seq = mailbox.seq;
        let items: Vec<Value> = changes
            .into_iter()
            .filter(|(_, kind)| wanted.contains(kind))
            .map(|(id, kind)| {
                json!({
                    "subscriptionId": subscription.id,
                    "subscriptionExpirationDateTime": iso(subscription.expires_ms),
                    "changeType": kind,
                    "resource": format!("Users/{}/Messages/{id}", subscription.email),
                    "resourceData": {
                        "@odata.type": "#Microsoft.Graph.Message",
                        "@odata.id": format!("Users/{}/Messages/{id}", subscription.email),
                        "@odata.etag": "W/\"CQAAABYAAAA=\"",
                        "id": id,
                    },
                    "clientState": subscription.client_state,
                    "tenantId": "00000000-0000-0000-0000-000000000000",
                })
            })
            .collect();
        for batch in items.chunks(GRAPH_BATCH) {
            out.push(Outgoing {
                kind: "graph.notification",
                email: subscription.email.clone(),
                url: subscription.notification_url.clone(),
                bearer: None,
                body: json!({"value": batch}),
            });
        }
    }
}

fn gather_lifecycle(world: &mut World, out: &mut Vec<Outgoing>) {
    for (id, event) in std::mem::take(&mut world.push.lifecycle_queue) {
        let Some(subscription) = world.push.graph.get(&id).cloned() else {
            continue;
        };
        if event == "subscriptionRemoved" {
            world.push.graph.remove(&id);
        }
        out.push(Outgoing {
            kind: "graph.lifecycle",
            email: subscription.email.clone(),
            url: subscription
                .lifecycle_notification_url
                .clone()
                .unwrap_or_else(|| subscription.notification_url.clone()),
            bearer: None,
            body: json!({"value": [{
                "subscriptionId": subscription.id,
                "subscriptionExpirationDateTime": iso(subscription.expires_ms),
                "lifecycleEvent": event,
                "resource": subscription.resource,
                "clientState": subscription.client_state,
                "tenantId": "00000000-0000-0000-0000-000000000000",
            }]}),
        });
    }
}

fn gather_gmail(world: &mut World, now: i64, out: &mut Vec<Outgoing>) {
    let World { push, users, .. } = world;
    for watch in push.gmail.values_mut() {
        let Some(Mailbox::Gmail(mailbox)) = users
            .get(&(Provider::Google, watch.email.clone()))
            .map(|u| &u.mailbox)
        else {
            continue;
        };
        if mailbox.history_id <= watch.pushed_history_id {
            continue;
        }
        watch.pushed_history_id = mailbox.history_id;
        let Some(topic) = push.topics.get(&watch.topic) else {
            continue;
        };
        let data = json!({"emailAddress": watch.email, "historyId": mailbox.history_id});
        let audience = topic
            .audience
            .clone()
            .unwrap_or_else(|| topic.push_endpoint.clone());
        out.push(Outgoing {
            kind: "gmail.push",
            email: watch.email.clone(),
            url: topic.push_endpoint.clone(),
            bearer: Some(oidc::push_token(&audience, &topic.service_account_email, now)),
            body: json!({
                "message": {
                    "data": STANDARD.encode(data.to_string()),
                    "messageId": format!("{}", rand::random::<u64>() >> 12),
                    "message_id": format!("{}", rand::random::<u64>() >> 12),
                    "publishTime": iso(now),
                    "publish_time": iso(now),
                },
                "subscription": format!("projects/emulator-project/subscriptions/{}-push", watch.topic.rsplit('/').next().unwrap_or("topic")),
            }),
        });
    }
}

/// Posts one request; a failed one is tried twice more, a second apart.
async fn post(world: &Shared, request: Outgoing) {
    let mut status = 0;
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let mut builder = client().post(&request.url).json(&request.body);
        if let Some(token) = &request.bearer {
            builder = builder.bearer_auth(token);
        }
        status = builder.send().await.map_or(0, |r| r.status().as_u16());
        if (200..300).contains(&status) {
            break;
        }
    }
    let mut world = world.lock();
    let at_ms = world.push.now_ms();
    world.push.record(Delivery {
        kind: request.kind,
        email: request.email,
        url: request.url,
        status,
        at_ms,
    });
}
