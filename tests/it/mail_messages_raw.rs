//! `mailMessages:raw` ("Show original") against the emulator, both providers: the owner
//! gets the message as the provider keeps it, as a `.eml` download; nobody else does,
//! not even a colleague the mailbox is shared with in full (the original holds Bcc and
//! every header); a message the provider no longer has says so.

use crate::common;
use crate::mail_attachments::mailbox_holding;

use common::Backend;
use common::oauth::wired_syncing;
use common::tokens::member_token as user_token;
use serde_json::{Value, json};

fn original(email: &str) -> String {
    format!(
        "Message-ID: <orig@t>\r\nFrom: Zed <zed@acme.com>\r\nTo: {email}\r\n\
Bcc: hidden@acme.com\r\nSubject: Contract / v2: \"final\"\r\n\
Date: Thu, 05 Nov 2026 10:00:00 +0000\r\nX-Spam-Score: 0.1\r\n\r\nThe contract, as agreed.\r\n"
    )
}

async fn raw(w: &common::oauth::Wired, token: &str, query: &str) -> reqwest::Response {
    w.http
        .get(format!("{}/api/mailMessages:raw?{query}", w.app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn the_owner_gets_the_original(provider: &str, email: &str) {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let sent = original(email);
    let account = mailbox_holding(&w, provider, email, sent.as_bytes()).await;
    let list = w
        .app
        .call("mailMessages:list", Some(&user_token(7)), "", None)
        .await;
    let id = list.json["data"][0]["id"].as_i64().unwrap();

    let response = raw(&w, &user_token(7), &format!("filterByTk={id}")).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "message/rfc822");
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"Contract _ v2_ _final_.eml\""),
        "{disposition}"
    );
    assert_eq!(header("cache-control"), "private, no-store");
    let body = String::from_utf8(response.bytes().await.unwrap().to_vec()).unwrap();
    for kept in [
        "Bcc: hidden@acme.com",
        "X-Spam-Score: 0.1",
        "The contract, as agreed.",
    ] {
        assert!(body.contains(kept), "{kept} missing from {body}");
    }

    // A colleague who reads the shared mailbox in full still gets no original, and
    // cannot tell it from a message that does not exist.
    w.app.share(&user_token(7), account, "full").await;
    let colleague = raw(&w, &user_token(8), &format!("filterByTk={id}")).await;
    assert_eq!(colleague.status(), 404);
    let missing = raw(&w, &user_token(7), "filterByTk=999999").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(raw(&w, &user_token(7), "filterByTk=x").await.status(), 400);

    // Gone at the provider (deleted elsewhere, not yet synced): said, not a 500.
    let truth = w.truth(email).await;
    let provider_id = truth[0]["id"].as_str().unwrap().to_string();
    w.control(
        &format!("/users/{email}/messages/{provider_id}/change"),
        json!({"deleted": true}),
    )
    .await;
    // (The running sync may take the message away first: then it is simply not found.)
    let gone = raw(&w, &user_token(7), &format!("filterByTk={id}")).await;
    let status = gone.status().as_u16();
    let body: Value = gone.json().await.unwrap();
    let code = body["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        matches!(
            (status, code.as_str()),
            (422, "PROVIDER_NOT_FOUND") | (404, "MESSAGE_NOT_FOUND")
        ),
        "{status} {body}"
    );
}

#[tokio::test]
async fn gmail_owner_gets_the_original() {
    the_owner_gets_the_original("google", "originals@gmail.test").await;
}

#[tokio::test]
async fn graph_owner_gets_the_original() {
    the_owner_gets_the_original("microsoft", "originals@outlook.test").await;
}
