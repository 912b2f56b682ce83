//! The Gmail and Graph clients against the emulator: every call sync and send need parses
//! the answers, errors arrive classified, and a refused access token is refreshed once.

use crate::common;

use common::Backend;
use common::oauth::{Wired, param, wired};
use common::tokens::user_token;
use email_manager::gateway::{CallError, Mailbox, Urgency};
use email_manager::providers::gmail::{Content, Format, GmailClient};
use email_manager::providers::graph::GraphClient;
use email_manager::providers::{Operation, ProviderError, ProviderKind};
use email_manager::store::account_tokens::{self, SealedTokens};
use serde_json::json;

/// A call through the gateway as the API makes it: once, with the token refreshed on 401.
async fn with_access<T, F, Fut>(
    state: &email_manager::state::AppState,
    id: i64,
    kind: ProviderKind,
    call: F,
) -> Result<T, CallError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, ProviderError>>,
{
    let op = Operation {
        name: "test call",
        cost: 1,
    };
    Mailbox::new(state, id, kind, Urgency::Now)
        .call(op, call)
        .await
}

async fn connected(w: &Wired, provider: &str, email: &str, messages: usize) -> i64 {
    w.mailbox(provider, email, messages).await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    param(&outcome, "mailAccountId").unwrap().parse().unwrap()
}

#[tokio::test]
async fn gmail_calls_parse_and_history_follows_changes() {
    let w = wired(Backend::Sqlite).await.unwrap();
    let id = connected(&w, "google", "ann@gmail.test", 30).await;
    let state = w.app.state.clone().unwrap();
    let gmail = GmailClient::new(state.http.clone(), &w.emulator.google_url());
    let kind = ProviderKind::Google;

    let profile = with_access(&state, id, kind, |t| {
        let g = gmail.clone();
        async move { g.profile(&t).await }
    })
    .await
    .unwrap();
    assert_eq!(
        (profile.email_address.as_str(), profile.messages_total),
        ("ann@gmail.test", 30)
    );
    let labels = with_access(&state, id, kind, |t| {
        let g = gmail.clone();
        async move { g.labels(&t).await }
    })
    .await
    .unwrap();
    assert!(
        labels.iter().any(|l| l.id == "INBOX")
            && labels.iter().any(|l| l.kind.as_deref() == Some("user"))
    );

    let mut ids = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let token = page.clone();
        let list = with_access(&state, id, kind, |t| {
            let (g, token) = (gmail.clone(), token.clone());
            async move { g.list(&t, token.as_deref(), 12, None).await }
        })
        .await
        .unwrap();
        ids.extend(list.messages.iter().map(|m| m.id.clone()));
        match list.next_page_token {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(ids.len(), 30);
    let mut asked: Vec<String> = ids[..3].to_vec();
    asked.push("0000000000000001".into());
    let batch = with_access(&state, id, kind, |t| {
        let (g, a) = (gmail.clone(), asked.clone());
        async move { g.batch_get(&t, &a, Format::Full).await }
    })
    .await
    .unwrap();
    assert_eq!(batch.len(), 4);
    for (k, (asked_id, item)) in batch.iter().enumerate() {
        assert_eq!(asked_id, &asked[k], "answers come back in the order asked");
        if k < 3 {
            let message = item.as_ref().unwrap();
            assert_eq!(&message.id, asked_id);
            let Content::Tree(payload) = &message.content else {
                panic!("format=full gives the tree");
            };
            assert!(payload.header("subject").is_some() && message.size_estimate > 0);
        } else {
            assert!(matches!(item, Err(ProviderError::NotFound)), "{item:?}");
        }
    }
    let first = ids[0].clone();
    let raw = with_access(&state, id, kind, |t| {
        let (g, m) = (gmail.clone(), first.clone());
        async move { g.raw(&t, &m).await }
    })
    .await
    .unwrap();
    let Content::Raw(bytes) = &raw.content else {
        panic!("format=raw gives the bytes");
    };
    assert!(
        mail_parser::MessageParser::default()
            .parse(bytes)
            .unwrap()
            .subject()
            .is_some()
    );
    assert!(raw.internal_date > 0 && raw.history_id > 0);

    let start = profile.history_id.clone();
    w.control("/users/ann@gmail.test/deliver", json!({"subject": "Later"}))
        .await;
    with_access(&state, id, kind, |t| {
        let (g, m) = (gmail.clone(), first.clone());
        async move { g.modify(&t, &m, &["STARRED"], &["UNREAD"]).await }
    })
    .await
    .unwrap();
    let history = with_access(&state, id, kind, |t| {
        let (g, s) = (gmail.clone(), start.clone());
        async move { g.history(&t, &s, None).await }
    })
    .await
    .unwrap();
    assert!(history.history.iter().any(|r| !r.messages_added.is_empty()));
    assert!(history.history.iter().any(|r| {
        r.labels_added
            .iter()
            .any(|l| l.label_ids.contains(&"STARRED".to_string()))
    }));

    w.control("/users/ann@gmail.test/expire-cursors", json!({}))
        .await;
    let expired = with_access(&state, id, kind, |t| {
        let (g, s) = (gmail.clone(), start.clone());
        async move { g.history(&t, &s, None).await }
    })
    .await;
    assert!(
        matches!(
            expired,
            Err(CallError::Provider(ProviderError::CursorExpired))
        ),
        "{expired:?}"
    );
    let missing = with_access(&state, id, kind, |t| {
        let g = gmail.clone();
        async move { g.raw(&t, "0000000000000001").await }
    })
    .await;
    assert!(matches!(
        missing,
        Err(CallError::Provider(ProviderError::NotFound))
    ));

    let mime =
        b"From: ann@gmail.test\r\nTo: zed@acme.com\r\nSubject: Sent by the client\r\n\r\nHi\r\n"
            .to_vec();
    let sent = with_access(&state, id, kind, |t| {
        let (g, m) = (gmail.clone(), mime.clone());
        async move { g.send_raw(&t, &m, None).await }
    })
    .await
    .unwrap();
    assert!(!sent.id.is_empty());
}

#[tokio::test]
async fn a_refused_access_token_is_refreshed_once_and_the_call_retried() {
    let w = wired(Backend::Sqlite).await.unwrap();
    let id = connected(&w, "google", "bob@gmail.test", 2).await;
    let state = w.app.state.clone().unwrap();
    // Replace the stored access token with one the provider never issued, unexpired.
    let row = state
        .store
        .run(move |c| account_tokens::get(c, id))
        .await
        .unwrap()
        .unwrap();
    let bogus = state.vault.seal(
        b"ya29.not-a-real-token",
        account_tokens::identity(&id.to_string(), "access_token"),
    );
    let sealed = SealedTokens {
        access_token_sealed: bogus,
        access_expires_at: chrono::Utc::now().naive_utc() + chrono::Duration::hours(1),
        refresh_token_sealed: row.refresh_token_sealed.clone(),
        scopes: row.scopes.clone(),
    };
    state
        .store
        .run(move |c| account_tokens::put(c, id, &sealed, chrono::Utc::now().naive_utc()))
        .await
        .unwrap();
    let gmail = GmailClient::new(state.http.clone(), &w.emulator.google_url());
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let profile = with_access(&state, id, ProviderKind::Google, |t| {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let g = gmail.clone();
        async move { g.profile(&t).await }
    })
    .await
    .unwrap();
    assert_eq!(profile.email_address, "bob@gmail.test");
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one failed call, one retry"
    );
}

#[tokio::test]
async fn graph_calls_parse_and_delta_rounds_follow_changes() {
    let w = wired(Backend::Sqlite).await.unwrap();
    let id = connected(&w, "microsoft", "cat@contoso.test", 25).await;
    let state = w.app.state.clone().unwrap();
    let graph = GraphClient::new(state.http.clone(), &w.emulator.microsoft_url());
    let kind = ProviderKind::Microsoft;

    let folders = with_access(&state, id, kind, |t| {
        let g = graph.clone();
        async move { g.folders(&t).await }
    })
    .await
    .unwrap();
    let inbox = folders
        .iter()
        .find(|f| f.role == Some("inbox"))
        .unwrap()
        .clone();
    assert!(folders.iter().any(|f| f.role == Some("sent")));
    assert!(
        folders.iter().any(|f| f.display_name == "Clients"
            && f.parent_folder_id.as_deref() == Some(inbox.id.as_str()))
    );

    let select = "subject,isRead,flag,conversationId,receivedDateTime,internetMessageId";
    let mut page = with_access(&state, id, kind, |t| {
        let (g, folder) = (graph.clone(), inbox.id.clone());
        async move { g.delta_start(&t, &folder, select, 7, None).await }
    })
    .await
    .unwrap();
    let mut seen: Vec<String> = page
        .changed
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    while let Some(next) = page.next_link.clone() {
        page = with_access(&state, id, kind, |t| {
            let (g, l) = (graph.clone(), next.clone());
            async move { g.delta_follow(&t, &l, 7).await }
        })
        .await
        .unwrap();
        seen.extend(
            page.changed
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(seen.len() as u64, inbox.total_item_count);
    let delta = page.delta_link.clone().unwrap();

    let delivered = w
        .http
        .post(format!(
            "{}/_emulator/users/cat@contoso.test/deliver",
            w.emulator.url
        ))
        .json(&json!({"subject": "New"}))
        .send()
        .await
        .unwrap();
    let new_id = delivered.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let moved = seen[0].clone();
    let after_move = with_access(&state, id, kind, |t| {
        let (g, m) = (graph.clone(), moved.clone());
        async move { g.move_to(&t, &m, "archive").await }
    })
    .await
    .unwrap();
    assert_eq!(
        after_move["id"],
        moved.as_str(),
        "immutable ids survive moves"
    );
    let read = seen[1].clone();
    with_access(&state, id, kind, |t| {
        let (g, m) = (graph.clone(), read.clone());
        async move { g.patch(&t, &m, &json!({"isRead": true})).await }
    })
    .await
    .unwrap();
    let round = with_access(&state, id, kind, |t| {
        let (g, l) = (graph.clone(), delta.clone());
        async move { g.delta_follow(&t, &l, 50).await }
    })
    .await
    .unwrap();
    assert_eq!(round.removed, [moved]);
    let changed: Vec<&str> = round
        .changed
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(changed.contains(&new_id.as_str()) && changed.contains(&read.as_str()));

    let mime = with_access(&state, id, kind, |t| {
        let (g, m) = (graph.clone(), new_id.clone());
        async move { email_manager::providers::attachment::whole(g.original(&t, &m).await?).await }
    })
    .await
    .unwrap();
    assert!(String::from_utf8_lossy(&mime).contains("Subject: New"));
    w.control("/users/cat@contoso.test/expire-cursors", json!({}))
        .await;
    let expired = with_access(&state, id, kind, |t| {
        let (g, l) = (graph.clone(), delta.clone());
        async move { g.delta_follow(&t, &l, 50).await }
    })
    .await;
    assert!(
        matches!(
            expired,
            Err(CallError::Provider(ProviderError::CursorExpired))
        ),
        "{expired:?}"
    );
    let foreign = with_access(&state, id, kind, |t| {
        let g = graph.clone();
        async move {
            g.delta_follow(&t, "https://attacker.example/v1.0/me", 5)
                .await
        }
    })
    .await;
    assert!(
        matches!(
            foreign,
            Err(CallError::Provider(ProviderError::Permanent { .. }))
        ),
        "tokens never leave for other hosts"
    );

    w.control(
        "/quota",
        json!({"provider": "microsoft", "requestsPer10Min": 1, "windowSecs": 30}),
    )
    .await;
    let mut throttled = None;
    for _ in 0..3 {
        let result = with_access(&state, id, kind, |t| {
            let (g, m) = (graph.clone(), new_id.clone());
            async move { g.original(&t, &m).await.map(|_| ()) }
        })
        .await;
        if let Err(CallError::Provider(error @ ProviderError::RateLimited { .. })) = result {
            throttled = Some(error);
            break;
        }
    }
    let Some(ProviderError::RateLimited {
        retry_after: Some(wait),
    }) = throttled
    else {
        panic!("{throttled:?}")
    };
    assert!(wait.as_secs() >= 1 && wait.as_secs() <= 30);
    let raw = b"From: cat@contoso.test\r\nTo: ann@gmail.test\r\nSubject: Via Graph\r\n\r\nHi\r\n"
        .to_vec();
    w.control(
        "/quota",
        json!({"provider": "microsoft", "requestsPer10Min": 0}),
    )
    .await;
    with_access(&state, id, kind, |t| {
        let (g, m) = (graph.clone(), raw.clone());
        async move { g.send_mime(&t, &m).await }
    })
    .await
    .unwrap();
}
