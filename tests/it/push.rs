//! Push and live updates against the emulator: Graph subscriptions and Gmail watch wake
//! the sync within seconds while the poll is set to an hour; forged pushes are refused
//! and change nothing; lifecycle events resync; subscriptions are renewed and removed;
//! the event stream tells a page about new mail and sync progress, and only its own.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param};
use common::push::{
    AUDIENCE, TOPIC, push_state, push_wired, subscriptions_of, wait_push, watch_of,
};
use common::tokens::user_token;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Connects `email` for user 7 and waits for its `messages` to be listed; its id.
async fn connect_synced(w: &Wired, provider: &str, email: &str, messages: usize) -> i64 {
    w.mailbox(provider, email, messages).await;
    let params = w.connect(&user_token(7), provider, email).await;
    assert_eq!(param(&params, "status"), Some("connected"), "{params:?}");
    let account: i64 = param(&params, "mailAccountId")
        .and_then(|v| v.parse().ok())
        .expect("id");
    w.wait_listed(messages, &format!("filter={{\"accountId\":{account}}}"))
        .await;
    account
}

/// Delivers a message and returns how long until it was listed (a poll is an hour away).
async fn delivered_visible_after(w: &Wired, email: &str, account: i64, subject: &str) -> Duration {
    let before = w
        .app
        .call(
            "mailMessages:list",
            Some(&user_token(7)),
            &format!("filter={{\"accountId\":{account}}}"),
            None,
        )
        .await
        .json["meta"]["count"]
        .as_u64()
        .expect("count");
    let started = Instant::now();
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"from": "customer@client.example", "subject": subject, "text": "hello"}),
    )
    .await;
    w.wait_listed(
        before as usize + 1,
        &format!("filter={{\"accountId\":{account}}}"),
    )
    .await;
    started.elapsed()
}

async fn graph_notifications_bring_new_mail_within_seconds(backend: Backend) {
    let Some(w) = push_wired(backend, |_| {}).await else {
        return;
    };
    let email = "ada@contoso.example";
    let account = connect_synced(&w, "microsoft", email, 5).await;
    let state = wait_push(&w, 30, "a Graph subscription", |s| {
        subscriptions_of(s, email).len() == 1
    })
    .await;
    let subscription = subscriptions_of(&state, email)[0].clone();
    assert_eq!(
        subscription["notificationUrl"],
        format!("{}/api/mailWebhooks:microsoft", w.app.address)
    );
    assert_eq!(subscription["changeType"], "created,updated,deleted");
    // The clientState is random and kept sealed: not in the database in plain text.
    let client_state = subscription["clientState"]
        .as_str()
        .expect("clientState")
        .to_string();
    assert!(client_state.len() >= 32);
    let sealed = w
        .app
        .db
        .query_texts("SELECT client_state_sealed AS value FROM mail_push");
    assert!(
        sealed.iter().flatten().all(|s| !s.contains(&client_state)),
        "{sealed:?}"
    );
    for round in 0..3 {
        let took = delivered_visible_after(&w, email, account, &format!("pushed {round}")).await;
        assert!(
            took < Duration::from_secs(5),
            "round {round}: listed after {took:?}"
        );
    }
}
both_backends!(
    graph_push,
    graph_notifications_bring_new_mail_within_seconds
);

async fn gmail_push_brings_new_mail_within_seconds(backend: Backend) {
    let Some(w) = push_wired(backend, |_| {}).await else {
        return;
    };
    let email = "grace@gmail.example";
    let account = connect_synced(&w, "google", email, 5).await;
    let state = wait_push(&w, 30, "a Gmail watch", |s| watch_of(s, email).is_some()).await;
    assert_eq!(watch_of(&state, email).expect("watch")["topic"], TOPIC);
    for round in 0..3 {
        let took = delivered_visible_after(&w, email, account, &format!("pushed {round}")).await;
        assert!(
            took < Duration::from_secs(5),
            "round {round}: listed after {took:?}"
        );
    }
    let accepted = push_state(&w).await["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .filter(|d| d["kind"] == "gmail.push" && d["status"] == 204)
        .count();
    assert!(accepted >= 3, "the webhook acknowledged the pushes");
}
both_backends!(gmail_push, gmail_push_brings_new_mail_within_seconds);

/// Nothing queued, nothing marked pushed: a refused push changed nothing.
fn assert_untouched(w: &Wired) {
    assert!(
        w.app
            .db
            .query_texts("SELECT CAST(account_id AS TEXT) AS value FROM sync_jobs")
            .is_empty(),
        "a sync was queued"
    );
    let pushed = w
        .app
        .db
        .query_texts("SELECT CAST(last_push_at AS TEXT) AS value FROM mail_push");
    assert!(pushed.iter().all(Option::is_none), "{pushed:?}");
}

async fn forged_pushes_are_refused_and_change_nothing(backend: Backend) {
    let Some(w) = push_wired(backend, |_| {}).await else {
        return;
    };
    let outlook = "ada@contoso.example";
    let gmail = "grace@gmail.example";
    connect_synced(&w, "microsoft", outlook, 3).await;
    connect_synced(&w, "google", gmail, 3).await;
    let state = wait_push(&w, 30, "push set up", |s| {
        subscriptions_of(s, outlook).len() == 1 && watch_of(s, gmail).is_some()
    })
    .await;
    // Wait for the initial runs (and any pushes they caused) to end: no job left.
    let started = Instant::now();
    while !w
        .app
        .db
        .query_texts("SELECT CAST(account_id AS TEXT) AS value FROM sync_jobs")
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the initial syncs never ended"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_untouched(&w);
    let subscription = subscriptions_of(&state, outlook)[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let url = format!("{}/api/mailWebhooks:microsoft", w.app.address);
    for (name, client_state, id) in [
        (
            "wrong clientState",
            json!("guessed-secret"),
            subscription.as_str(),
        ),
        ("no clientState", Value::Null, subscription.as_str()),
        (
            "unknown subscription",
            json!("guessed-secret"),
            "00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let answer = w
            .http
            .post(&url)
            .json(&json!({"value": [{"subscriptionId": id, "clientState": client_state, "changeType": "created",
                "resource": "Users/x/Messages/y", "resourceData": {"id": "y"}}]}))
            .send()
            .await
            .expect("webhook");
        assert_eq!(answer.status(), 403, "{name}");
    }
    let forged_lifecycle = w
        .http
        .post(&url)
        .json(&json!({"value": [{"subscriptionId": subscription, "clientState": "nope", "lifecycleEvent": "subscriptionRemoved"}]}))
        .send()
        .await
        .expect("webhook");
    assert_eq!(forged_lifecycle.status(), 403);

    let google = format!("{}/api/mailWebhooks:google", w.app.address);
    let data = base64_json(&json!({"emailAddress": gmail, "historyId": "99999999"}));
    let body = json!({"message": {"data": data, "messageId": "1"}, "subscription": "projects/acme-mail/subscriptions/x"});
    let now_ms = chrono::Utc::now().timestamp_millis();
    let service = "gmail-push@acme-mail.iam.gserviceaccount.com";
    let foreign =
        provider_emulator::push::oidc::push_token("someone-elses-audience", service, now_ms);
    let expired = provider_emulator::push::oidc::push_token(AUDIENCE, service, now_ms - 7_200_000);
    let hs256 = common::tokens::sign(
        &json!({"iss": "https://accounts.google.com", "aud": AUDIENCE, "exp": now_ms / 1000 + 600}),
        b"a guessed key",
    );
    for (name, token) in [
        ("no token", None),
        ("not a JWT", Some("not-a-token".to_string())),
        ("foreign audience", Some(foreign)),
        ("expired", Some(expired)),
        ("HS256 with a guessed key", Some(hs256)),
    ] {
        let mut request = w.http.post(&google).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.expect("webhook");
        assert_eq!(answer.status(), 403, "{name}");
    }
    assert_untouched(&w);
    let metrics = w.app.get("/metrics").await.text;
    assert!(
        metrics.contains(
            "email_manager_push_notifications_total{provider=\"google\",outcome=\"refused\"}"
        ),
        "{metrics}"
    );

    // The same push with a good token is taken (the control of the experiment).
    let good = provider_emulator::push::oidc::push_token(AUDIENCE, service, now_ms);
    let answer = w
        .http
        .post(&google)
        .bearer_auth(good)
        .json(&body)
        .send()
        .await
        .expect("webhook");
    assert_eq!(answer.status(), 204);
    let pushed = w
        .app
        .db
        .query_texts("SELECT CAST(last_push_at AS TEXT) AS value FROM mail_push");
    assert_eq!(pushed.iter().flatten().count(), 1, "{pushed:?}");
}
both_backends!(forged, forged_pushes_are_refused_and_change_nothing);

fn base64_json(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(value.to_string())
}

async fn lifecycle_events_resync_and_resubscribe(backend: Backend) {
    let Some(w) = push_wired(backend, |_| {}).await else {
        return;
    };
    let email = "ada@contoso.example";
    let account = connect_synced(&w, "microsoft", email, 3).await;
    wait_push(&w, 30, "a Graph subscription", |s| {
        subscriptions_of(s, email).len() == 1
    })
    .await;
    // Mail arrives while Graph drops its notifications (what `missed` reports).
    {
        let world = &w.emulator.world;
        let mut world = world.lock();
        let raw = b"From: Lost <lost@client.example>\r\nTo: ada@contoso.example\r\nSubject: lost notification\r\nMessage-ID: <lost-1@client.example>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nhello\r\n";
        let stored = provider_emulator::mail::StoredMessage::from_raw(
            raw,
            provider_emulator::world::now_ms(),
        )
        .expect("mime");
        world
            .deliver(provider_emulator::Provider::Microsoft, email, stored)
            .expect("delivered");
        let seq = match &world
            .user(provider_emulator::Provider::Microsoft, email)
            .expect("user")
            .mailbox
        {
            provider_emulator::world::Mailbox::Graph(mailbox) => mailbox.seq,
            _ => unreachable!("a Graph mailbox"),
        };
        for subscription in world.push.graph.values_mut() {
            subscription.notified_seq = seq;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let query = format!("filter={{\"accountId\":{account}}}");
    let listed = w
        .app
        .call("mailMessages:list", Some(&user_token(7)), &query, None)
        .await;
    assert_eq!(
        listed.json["meta"]["count"], 3,
        "no notification, no poll: not seen yet"
    );
    let started = Instant::now();
    w.control(
        &format!("/users/{email}/lifecycle"),
        json!({"event": "missed"}),
    )
    .await;
    w.wait_listed(4, &query).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "missed → resync took {:?}",
        started.elapsed()
    );

    // subscriptionRemoved: a new subscription is made, and push works on it.
    let before = subscriptions_of(&push_state(&w).await, email)[0]["id"].clone();
    w.control(
        &format!("/users/{email}/lifecycle"),
        json!({"event": "subscriptionRemoved"}),
    )
    .await;
    wait_push(&w, 15, "a new subscription", |s| {
        let now = subscriptions_of(s, email);
        now.len() == 1 && now[0]["id"] != before
    })
    .await;
    let took = delivered_visible_after(&w, email, account, "after resubscribe").await;
    assert!(took < Duration::from_secs(5), "listed after {took:?}");
}
both_backends!(lifecycle, lifecycle_events_resync_and_resubscribe);

async fn subscriptions_are_renewed_before_expiry_and_removed_on_disconnect(backend: Backend) {
    let Some(w) = push_wired(backend, |settings| {
        settings.push.graph_lifetime_secs = 12;
        settings.push.gmail_renew_secs = 10;
    })
    .await
    else {
        return;
    };
    let outlook = "ada@contoso.example";
    let gmail = "grace@gmail.example";
    let outlook_account = connect_synced(&w, "microsoft", outlook, 2).await;
    let gmail_account = connect_synced(&w, "google", gmail, 2).await;
    let first = wait_push(&w, 30, "push set up", |s| {
        subscriptions_of(s, outlook).len() == 1 && watch_of(s, gmail).is_some()
    })
    .await;
    let first_expiry = subscriptions_of(&first, outlook)[0]["expiresMs"]
        .as_i64()
        .expect("expiry");
    // Renewed at half its 12 s life, so it never lapses: after two lifetimes it is the
    // same subscription, renewed more than once, and push still works on it.
    let renewed = wait_push(&w, 30, "renewals", |s| {
        let graph = subscriptions_of(s, outlook);
        graph.len() == 1
            && graph[0]["renewals"].as_u64() >= Some(2)
            && watch_of(s, gmail).is_some_and(|watch| watch["renewals"].as_u64() >= Some(1))
    })
    .await;
    let graph = subscriptions_of(&renewed, outlook)[0];
    assert_eq!(graph["id"], subscriptions_of(&first, outlook)[0]["id"]);
    assert!(graph["expiresMs"].as_i64().expect("expiry") > first_expiry);
    let took = delivered_visible_after(&w, outlook, outlook_account, "after renewals").await;
    assert!(took < Duration::from_secs(5), "listed after {took:?}");

    for account in [outlook_account, gmail_account] {
        let reply = w
            .app
            .call(
                "mailAccounts:destroy",
                Some(&user_token(7)),
                &format!("filterByTk={account}"),
                None,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let state = push_state(&w).await;
    assert!(
        subscriptions_of(&state, outlook).is_empty(),
        "Graph subscription removed: {state}"
    );
    assert!(
        watch_of(&state, gmail).is_none(),
        "Gmail watch stopped: {state}"
    );
}
both_backends!(
    renewal,
    subscriptions_are_renewed_before_expiry_and_removed_on_disconnect
);

/// Reads server-sent events from an open stream until `done` says so (or 20 s pass).
async fn read_events(
    response: &mut reqwest::Response,
    done: impl Fn(&[(String, Value)]) -> bool,
) -> Vec<(String, Value)> {
    let started = Instant::now();
    let mut buffer = String::new();
    let mut events = Vec::new();
    while !done(&events) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "events so far: {events:?}"
        );
        let chunk = tokio::time::timeout(Duration::from_secs(20), response.chunk())
            .await
            .expect("a chunk within 20 s")
            .expect("the stream")
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let mut kind = None;
            let mut data = None;
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    kind = Some(v.to_string());
                }
                if let Some(v) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(v).ok();
                }
            }
            if let (Some(kind), Some(data)) = (kind, data) {
                events.push((kind, data));
            }
        }
    }
    events
}

async fn open_stream(w: &Wired, token: &str) -> reqwest::Response {
    let response = w
        .http
        .get(format!("{}/api/mailEvents:stream", w.app.address))
        .bearer_auth(token)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    response
}

async fn the_event_stream_tells_the_owner_about_new_mail_and_progress(backend: Backend) {
    let Some(w) = push_wired(backend, |settings| settings.sync.page_size = 50).await else {
        return;
    };
    let email = "ada@contoso.example";
    w.mailbox("microsoft", email, 200).await;
    let mut owner = open_stream(&w, &user_token(7)).await;
    let mut stranger = open_stream(&w, &user_token(8)).await;
    let params = w.connect(&user_token(7), "microsoft", email).await;
    let account: i64 = param(&params, "mailAccountId")
        .and_then(|v| v.parse().ok())
        .expect("id");
    // The initial sync's progress, page by page, then its end.
    let events = read_events(&mut owner, |events| {
        events.iter().any(|(kind, data)| {
            kind == "account.updated"
                && data["status"] == "active"
                && data["lastSyncAt"].is_string()
        })
    })
    .await;
    let progress: Vec<i64> = events
        .iter()
        .filter(|(kind, data)| {
            kind == "account.updated" && data["accountId"] == account && data["syncPhase"] != "idle"
        })
        .filter_map(|(_, data)| data["syncDone"].as_i64())
        .collect();
    assert!(
        progress.len() >= 3 && progress.windows(2).all(|p| p[0] <= p[1]),
        "{events:?}"
    );
    let created: u64 = events
        .iter()
        .filter(|(kind, data)| kind == "message.created" && data["accountId"] == account)
        .filter_map(|(_, data)| data["count"].as_u64())
        .sum();
    assert_eq!(created, 200, "{events:?}");
    wait_push(&w, 30, "a Graph subscription", |s| {
        subscriptions_of(s, email).len() == 1
    })
    .await;
    // New mail, pushed: the page hears of it.
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"subject": "live", "text": "now"}),
    )
    .await;
    let events = read_events(&mut owner, |events| {
        events.iter().any(|(kind, _)| kind == "message.created")
    })
    .await;
    let (_, data) = events
        .iter()
        .find(|(kind, _)| kind == "message.created")
        .expect("created");
    assert_eq!(data["accountId"], account);
    assert_eq!(data["count"], 1);
    // Another user's page heard nothing about this mailbox (keep-alives only).
    let mut heard = String::new();
    while let Ok(Ok(Some(chunk))) =
        tokio::time::timeout(Duration::from_millis(500), stranger.chunk()).await
    {
        heard.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(!heard.contains("accountId"), "{heard}");
}
both_backends!(
    event_stream,
    the_event_stream_tells_the_owner_about_new_mail_and_progress
);

async fn the_event_stream_needs_a_token_and_never_renews_one(backend: Backend) {
    let Some(w) = push_wired(backend, |_| {}).await else {
        return;
    };
    let url = format!("{}/api/mailEvents:stream", w.app.address);
    let none = w.http.get(&url).send().await.expect("stream");
    assert_eq!(none.status(), 401);
    // A token that expires in two seconds: the stream ends when it does.
    let mut claims = common::tokens::user_claims(7);
    claims["exp"] = json!(common::tokens::now() + 2);
    let short = common::tokens::sign(&claims, common::APP_KEY.as_bytes());
    let mut stream = open_stream(&w, &short).await;
    let started = Instant::now();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.chunk()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) | Ok(Err(_)) => break,
            Err(_) => panic!("the stream outlived its token"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let expired = w
        .http
        .get(&url)
        .bearer_auth(&short)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("stream");
    assert_eq!(expired.status(), 401);
    assert!(expired.headers().get("x-new-token").is_none());
}
both_backends!(
    event_stream_tokens,
    the_event_stream_needs_a_token_and_never_renews_one
);

/// A mailbox whose user must reconnect (its refresh token was refused) gets no push
/// upkeep: its push reads failed, "the mailbox must be reconnected", instead of renewing
/// a subscription for mail nobody can sync — or, with the grant really gone, asking the
/// token endpoint again at every check. The check compared the status with a name no code
/// writes (`reauth_required`; the status is `needs_reauth`), so it never held.
async fn a_mailbox_to_reconnect_gets_no_push_upkeep(backend: Backend) {
    let Some(w) = push_wired(backend, |_| {}).await else {
        return;
    };
    let email = "lin@contoso.example";
    let account = connect_synced(&w, "microsoft", email, 2).await;
    wait_push(&w, 30, "a Graph subscription", |s| {
        subscriptions_of(s, email).len() == 1
    })
    .await;
    let state = w.app.state.clone().expect("in-process app");
    let now = chrono::Utc::now().naive_utc();
    state
        .store
        .run(move |c| {
            email_manager::store::mail_accounts::set_status(
                c,
                account,
                email_manager::store::mail_accounts::Status::NeedsReauth,
                Some(("REAUTH_REQUIRED", "refused")),
                now,
            )?;
            // Due now, as a renewal would be.
            email_manager::store::mail_push::ensure(c, account, "microsoft", now)
        })
        .await
        .expect("stored");
    state.push_wake.notify_waiters();
    let started = Instant::now();
    let wanted = "failed|the mailbox must be reconnected";
    loop {
        let push = w.app.db.query_texts(&format!(
            "SELECT status || '|' || COALESCE(last_error, '') AS value FROM mail_push WHERE account_id = {account}"
        ));
        if push.first().cloned().flatten().as_deref() == Some(wanted) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "push of a mailbox to reconnect: {push:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
both_backends!(reconnect, a_mailbox_to_reconnect_gets_no_push_upkeep);
