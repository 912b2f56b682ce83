//! `mailDrafts` against the emulator, both providers: a draft saved here is a draft at
//! the provider (and its inline image and file survive a round trip), one written at the
//! provider is listed here and sent from here, a save over a version changed since is
//! refused (409 `DRAFT_CHANGED`), a reply draft keeps its thread, sending checks what a
//! send checks, and nobody else sees or removes a user's drafts.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::user_token;
use common::{Backend, Reply};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};

async fn call(w: &Wired, user: i64, action: &str, query: &str, values: Option<Value>) -> Reply {
    w.app
        .call(action, Some(&user_token(user)), query, values)
        .await
}

async fn list(w: &Wired, account: i64) -> Reply {
    call(
        w,
        7,
        "mailDrafts:list",
        &format!("filter={{\"accountId\":{account}}}"),
        None,
    )
    .await
}

fn key(draft: &Value) -> String {
    format!("filterByTk={}", urlencoding(draft["id"].as_str().unwrap()))
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn drafts_live_at_the_provider(provider: &str, email: &str) {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    w.mailbox(provider, email, 0).await;
    let original = "Message-ID: <q-7@globex.test>\r\nFrom: Carl <carl@globex.test>\r\nTo: someone@x.test\r\n\
Subject: Pricing\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\r\nHow much? Your page says {{$price}}.\r\n";
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"raw": STANDARD.encode(original)}),
    )
    .await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let rows = w
        .wait_listed(1, &format!("filter={{\"accountId\":{account}}}"))
        .await;

    // Saved here: a draft at the provider, the pasted image inline, the file attached.
    let png = STANDARD.encode(b"\x89PNG\r\n\x1a\nchart");
    let created = call(
        &w,
        7,
        "mailDrafts:create",
        "",
        Some(json!({
            "accountId": account, "to": ["zoe@example.test"], "subject": "Numbers",
            "html": format!("<p>Hello <b>Zoë</b></p><img src=\"data:image/png;base64,{png}\" alt=\"chart\">"),
            "attachments": [{"filename": "terms.pdf", "contentType": "application/pdf", "content": STANDARD.encode(b"%PDF terms")}],
        })),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let draft = created.json["data"].clone();
    assert!(
        draft["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{account}:"))
    );
    let listed = list(&w, account).await;
    assert_eq!(listed.json["meta"]["count"], 1, "{}", listed.text);
    let read = call(&w, 7, "mailDrafts:get", &key(&draft), None).await;
    let read = read.json["data"].clone();
    assert_eq!(read["subject"], "Numbers", "{read}");
    assert_eq!(read["to"][0]["address"], "zoe@example.test");
    assert!(
        read["html"]
            .as_str()
            .unwrap()
            .contains("data:image/png;base64,"),
        "the inline image comes back: {read}"
    );
    assert_eq!(read["attachments"][0]["filename"], "terms.pdf");
    assert_eq!(read["version"], draft["version"]);
    assert!(read["reference"].is_null(), "a new message answers nothing");

    // Saved again with the version read: the file kept, the subject changed.
    let saved = call(
        &w,
        7,
        "mailDrafts:update",
        &key(&read),
        Some(json!({"version": read["version"], "to": ["zoe@example.test"], "subject": "Numbers (v2)", "html": read["html"]})),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let saved = saved.json["data"][0].clone();
    assert_ne!(saved["version"], read["version"]);
    // A save over the old version (another tab, or an edit in Gmail since): refused.
    let stale = call(
        &w,
        7,
        "mailDrafts:update",
        &key(&saved),
        Some(json!({"version": read["version"], "subject": "lost?"})),
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(stale.error_code(), "DRAFT_CHANGED");
    let now = call(&w, 7, "mailDrafts:get", &key(&saved), None).await;
    assert_eq!(now.json["data"]["subject"], "Numbers (v2)", "{}", now.text);
    assert_eq!(now.json["data"]["attachments"][0]["filename"], "terms.pdf");
    // A save naming only the subject keeps the recipients, the body and the file.
    let renamed = call(
        &w,
        7,
        "mailDrafts:update",
        &key(&saved),
        Some(json!({"version": saved["version"], "subject": "Numbers (v3)"})),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let saved = renamed.json["data"][0].clone();
    assert_eq!(saved["subject"], "Numbers (v3)");
    assert_eq!(saved["to"][0]["address"], "zoe@example.test", "{saved}");
    assert!(
        saved["html"].as_str().unwrap().contains("<b>Zoë</b>"),
        "{saved}"
    );
    assert_eq!(saved["attachments"][0]["filename"], "terms.pdf");

    // Somebody else: sees nothing, removes nothing.
    let other = call(&w, 8, "mailDrafts:get", &key(&saved), None).await;
    assert!(other.json["data"].is_null(), "{}", other.text);
    let other = call(&w, 8, "mailDrafts:destroy", &key(&saved), None).await;
    assert_eq!(other.json["data"], 0);
    let other = call(
        &w,
        8,
        "mailDrafts:list",
        &format!("filter={{\"accountId\":{account}}}"),
        None,
    )
    .await;
    assert_eq!(other.json["meta"]["count"], 0);

    // Sent from here: the provider got the saved content, and the draft is gone.
    let sent = call(&w, 7, "mailDrafts:send", &key(&saved), Some(json!({}))).await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    let out = w.sent(email).await;
    let message = MessageParser::default().parse(out.last().unwrap()).unwrap();
    assert_eq!(message.subject(), Some("Numbers (v3)"));
    assert!(
        message
            .parts
            .iter()
            .any(|p| p.attachment_name() == Some("terms.pdf"))
    );
    assert!(
        message
            .parts
            .iter()
            .any(|p| p.content_id().is_some() && p.contents().ends_with(b"chart"))
    );
    assert_eq!(list(&w, account).await.json["meta"]["count"], 0);

    // Written at the provider: listed here, checked and sent from here.
    let elsewhere = "From: <{email}>\r\nTo: amy@example.test\r\nSubject: From the web app\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<p>Dear {{$nRecord.name}}</p>\r\n"
        .replace("{email}", email);
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"raw": STANDARD.encode(&elsewhere), "draft": true}),
    )
    .await;
    let listed = list(&w, account).await;
    assert_eq!(listed.json["meta"]["count"], 1, "{}", listed.text);
    let theirs = listed.json["data"][0].clone();
    assert_eq!(theirs["subject"], "From the web app");
    let refused = call(&w, 7, "mailDrafts:send", &key(&theirs), Some(json!({}))).await;
    assert_eq!(
        refused.error_code(),
        "TEMPLATE_VARIABLES_MISSING",
        "{}",
        refused.text
    );
    let fixed = call(
        &w,
        7,
        "mailDrafts:update",
        &key(&theirs),
        Some(json!({"version": theirs["version"], "to": ["amy@example.test"], "subject": "From the web app", "html": "<p>Dear Amy</p>"})),
    )
    .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    let fixed = fixed.json["data"][0].clone();
    let sent = call(&w, 7, "mailDrafts:send", &key(&fixed), Some(json!({}))).await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    let gone = call(&w, 7, "mailDrafts:send", &key(&fixed), Some(json!({}))).await;
    assert_eq!(
        gone.error_code(),
        "DRAFT_NOT_FOUND",
        "sent once: {}",
        gone.text
    );

    // A reply draft: answered from the original, in its thread; no recipients: not sendable.
    let reply = call(
        &w,
        7,
        "mailDrafts:create",
        "",
        Some(json!({"accountId": account, "text": "Let me check.", "reference": {"messageId": rows[0]["id"], "action": "reply"}})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut reply = reply.json["data"].clone();
    assert_eq!(reply["subject"], "Re: Pricing");
    assert_eq!(reply["inReplyTo"], "q-7@globex.test");
    assert_eq!(reply["to"][0]["address"], "carl@globex.test");
    // What it answers, read back from its headers: the form can quote it again.
    assert_eq!(reply["reference"]["messageId"], rows[0]["id"], "{reply}");
    assert_eq!(reply["reference"]["action"], "reply");

    // The form keeps the author's part apart: each save sends it with `reference` and
    // `signatureId`, and the draft holds it, the quote once, and the signature as saved
    // (a table layout an editor would flatten), below the quote as its placement says.
    let signature = call(
        &w,
        7,
        "mailSignatures:create",
        "",
        Some(json!({"name": "Work", "html": "<table><tr><td>Ann Lee</td><td>Acme</td></tr></table>", "placement": "belowQuote"})),
    )
    .await;
    assert_eq!(signature.status, 200, "{}", signature.text);
    let signature_id = signature.json["data"]["id"].clone();
    let reference = json!({"messageId": rows[0]["id"], "action": "reply"});
    for text in ["<p>Let me check, Carl.</p>", "<p>Checked: yes.</p>"] {
        let current = call(&w, 7, "mailDrafts:get", &key(&reply), None).await.json["data"].clone();
        let saved = call(
            &w,
            7,
            "mailDrafts:update",
            &key(&current),
            Some(json!({"version": current["version"], "html": text, "reference": reference, "signatureId": signature_id})),
        )
        .await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        let saved = saved.json["data"][0].clone();
        let html = saved["html"].as_str().unwrap().to_string();
        let (written, quoted, signed) = (
            html.find(&text[3..12]).expect("the new text"),
            html.find("<blockquote").expect("the quote"),
            html.find("Ann Lee").expect("the signature"),
        );
        assert!(written < quoted && quoted < signed, "{html}");
        assert_eq!(html.matches("<blockquote").count(), 1, "one quote: {html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(saved["text"].as_str().unwrap().contains("Ann Lee"));
        assert_eq!(saved["inReplyTo"], "q-7@globex.test", "still in its thread");
        reply = saved;
    }
    let foreign = call(
        &w,
        8,
        "mailSignatures:create",
        "",
        Some(json!({"name": "Not yours", "html": "<p>Mallory</p>"})),
    )
    .await;
    let refused = call(
        &w,
        7,
        "mailDrafts:update",
        &key(&reply),
        Some(json!({"version": reply["version"], "html": "<p>x</p>", "signatureId": foreign.json["data"]["id"]})),
    )
    .await;
    assert_eq!(
        refused.status, 400,
        "another user's signature: {}",
        refused.text
    );
    assert!(refused.text.contains("signatureId"), "{}", refused.text);
    // The quote holds the original's own `{{$price}}`: the author did not write it, so
    // the reply draft goes.
    let sent = call(&w, 7, "mailDrafts:send", &key(&reply), Some(json!({}))).await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    let empty = call(
        &w,
        7,
        "mailDrafts:create",
        "",
        Some(json!({"accountId": account, "subject": "later"})),
    )
    .await;
    assert_eq!(
        empty.status, 200,
        "a draft may lack recipients: {}",
        empty.text
    );
    let refused = call(
        &w,
        7,
        "mailDrafts:send",
        &key(&empty.json["data"]),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        refused.error_code(),
        "INVALID_RECIPIENT",
        "{}",
        refused.text
    );
    let removed = call(&w, 7, "mailDrafts:destroy", &key(&empty.json["data"]), None).await;
    assert_eq!(removed.json["data"], 1, "{}", removed.text);
    let removed = call(&w, 7, "mailDrafts:destroy", &key(&empty.json["data"]), None).await;
    assert_eq!(removed.json["data"], 0, "{}", removed.text);
}

#[tokio::test]
async fn gmail_drafts() {
    drafts_live_at_the_provider("google", "drafts@gmail.test").await;
}

#[tokio::test]
async fn outlook_drafts() {
    drafts_live_at_the_provider("microsoft", "drafts@contoso.test").await;
}
