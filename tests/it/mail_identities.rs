//! Send-as identities: the addresses a mailbox may put in From (Gmail's verified
//! aliases, Microsoft's proxy addresses) are listed on the account, a send from one of
//! them goes out from it, anything else is 400 `INVALID_FROM` before the provider is
//! asked, an alias added at the provider a moment ago is found by asking again, and a
//! reply goes out from the alias the original was sent to.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Backend;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::user_token;
use mail_parser::MessageParser;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Connects `email` with `aliases` set at the emulator; waits for them to be listed.
async fn connected_with_aliases(w: &Wired, provider: &str, email: &str, aliases: Value) -> i64 {
    w.mailbox(provider, email, 0).await;
    w.control(
        &format!("/users/{email}/send-as"),
        json!({"aliases": aliases}),
    )
    .await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    let account = param(&outcome, "mailAccountId").unwrap().to_string();
    let started = Instant::now();
    loop {
        let view = w.account(&account).await;
        if view["identities"].as_array().is_some_and(|l| l.len() > 1) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "identities never listed: {view}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    account.parse().unwrap()
}

/// The From address and name of the last message `email` handed the provider.
async fn last_from(w: &Wired, email: &str) -> (String, Option<String>) {
    let out = w.sent(email).await;
    let message = MessageParser::default().parse(out.last().unwrap()).unwrap();
    let from = message.from().unwrap().first().unwrap();
    (
        from.address().unwrap().to_lowercase(),
        from.name().map(str::to_string),
    )
}

async fn gmail_sends_from_verified_aliases_only(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let me = "ann@gmail.test";
    let account = connected_with_aliases(
        &w,
        "google",
        me,
        json!([
            {"address": "sales@acme.test", "name": "Acme Sales", "signature": "<p>Acme</p>"},
            {"address": "ceo@acme.test", "name": "CEO", "verified": false},
        ]),
    )
    .await;
    let view = w.account(&account.to_string()).await;
    let listed: Vec<(&str, bool)> = view["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["address"].as_str().unwrap(), i["isDefault"] == true))
        .collect();
    // The pending alias is not one: Gmail would rewrite its From to the primary address.
    assert_eq!(listed, [(me, true), ("sales@acme.test", false)], "{view}");
    assert_eq!(view["identities"][1]["name"], "Acme Sales");
    assert!(view["identities"][1]["signatureId"].is_null());

    let sent = w.send_mail(
        json!({"accountId": account, "from": "sales@acme.test", "to": ["bob@x.test"], "subject": "Offer", "text": "hi"}),
    )
    .await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    assert_eq!(
        last_from(&w, me).await,
        ("sales@acme.test".into(), Some("Acme Sales".into()))
    );

    // Not an identity: refused before the provider sees it, naming the allowed ones.
    for from in ["ceo@acme.test", "Someone Else <boss@other.test>"] {
        let refused = w
            .send_mail(
                json!({"accountId": account, "from": from, "to": ["bob@x.test"], "text": "hi"}),
            )
            .await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(refused.error_code(), "INVALID_FROM");
        assert!(refused.text.contains("sales@acme.test"), "{}", refused.text);
    }
    assert_eq!(w.sent(me).await.len(), 1, "nothing more reached Gmail");

    // An alias the user added at Gmail after the last look: the send asks again.
    w.control(
        &format!("/users/{me}/send-as"),
        json!({"aliases": [{"address": "sales@acme.test", "name": "Acme Sales"}, {"address": "new@acme.test"}]}),
    )
    .await;
    let state = w.app.state.clone().unwrap();
    let a_while_ago = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(5);
    let row = state
        .store
        .run(move |c| email_manager::store::mail_accounts::get(c, account))
        .await
        .unwrap()
        .unwrap();
    let listed = row.identities.clone().unwrap();
    state
        .store
        .run(move |c| {
            email_manager::store::mail_accounts::set_identities(c, account, &listed, a_while_ago)
        })
        .await
        .unwrap();
    let sent = w.send_mail(
        json!({"accountId": account, "from": "new@acme.test", "to": ["bob@x.test"], "text": "hi"}),
    )
    .await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    assert_eq!(last_from(&w, me).await.0, "new@acme.test");

    // Mail to the alias is answered from the alias.
    let raw = "Message-ID: <q-1@globex.test>\r\nFrom: Carl <carl@globex.test>\r\nTo: sales@acme.test\r\n\
Subject: Pricing?\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\r\nHow much?\r\n";
    w.control(
        &format!("/users/{me}/deliver"),
        json!({"raw": STANDARD.encode(raw)}),
    )
    .await;
    let rows = w.wait_listed(1, "q=Pricing").await;
    // The form is told beforehand which address the answer leaves from.
    let prepared = w
        .app
        .call(
            "mailMessages:prepareReply",
            Some(&user_token(7)),
            &format!("filterByTk={}&action=reply", rows[0]["id"]),
            None,
        )
        .await;
    assert_eq!(
        prepared.json["data"]["identity"]["address"], "sales@acme.test",
        "{}",
        prepared.text
    );
    let replied = w.send_mail(
        json!({"accountId": account, "text": "100 EUR", "reference": {"messageId": rows[0]["id"], "action": "reply"}}),
    )
    .await;
    assert_eq!(replied.json["data"]["status"], "sent", "{}", replied.text);
    assert_eq!(
        last_from(&w, me).await,
        ("sales@acme.test".into(), Some("Acme Sales".into()))
    );
}
both_backends!(gmail_aliases, gmail_sends_from_verified_aliases_only);

async fn outlook_sends_from_proxy_addresses(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let me = "kim@contoso.test";
    let account = connected_with_aliases(
        &w,
        "microsoft",
        me,
        json!([{"address": "Sales@Contoso.test"}]),
    )
    .await;
    let view = w.account(&account.to_string()).await;
    let listed: Vec<&str> = view["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["address"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [me, "sales@contoso.test"], "{view}");
    let sent = w.send_mail(
        json!({"accountId": account, "from": {"address": "sales@contoso.test", "name": "Contoso Sales"}, "to": ["bob@x.test"], "text": "hi"}),
    )
    .await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    assert_eq!(
        last_from(&w, me).await,
        ("sales@contoso.test".into(), Some("Contoso Sales".into()))
    );
    let refused = w.send_mail(
        json!({"accountId": account, "from": "ceo@contoso.test", "to": ["bob@x.test"], "text": "hi"}),
    )
    .await;
    assert_eq!(refused.error_code(), "INVALID_FROM", "{}", refused.text);
}
both_backends!(outlook_aliases, outlook_sends_from_proxy_addresses);
