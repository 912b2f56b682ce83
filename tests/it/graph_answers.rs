//! Outlook answers stay in their conversation. Exchange files an item by its
//! conversation index, which a draft made from MIME does not carry whatever its
//! In-Reply-To says (the emulator models that: a draft made from scratch starts a
//! conversation of its own). So a reply or forward, drafted or sent, is made with
//! `createReply` / `createReplyAll` / `createForward` and then given our content; a
//! forward's files are not doubled; a reply draft started in Outlook and edited here
//! stays where it was.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::user_token;
use common::{Backend, Reply};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};

const EMAIL: &str = "answers@contoso.test";

async fn call(w: &Wired, action: &str, query: &str, values: Option<Value>) -> Reply {
    w.app
        .call(action, Some(&user_token(7)), query, values)
        .await
}

fn key(draft: &Value) -> String {
    let id = draft["id"].as_str().unwrap();
    format!("filterByTk={}", id.replace(':', "%3A").replace('=', "%3D"))
}

async fn drafts(w: &Wired, account: i64) -> Reply {
    let filter = format!("filter={{\"accountId\":{account}}}");
    call(w, "mailDrafts:list", &filter, None).await
}

/// The conversation the emulator holds message `id` (a Graph id) in.
async fn conversation(w: &Wired, id: &str) -> String {
    let all = w.truth(EMAIL).await;
    let found = all
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not at the provider: {all:?}"));
    found["threadId"].as_str().unwrap().to_string()
}

/// The original, with a file, in the Inbox and listed here; its conversation.
async fn with_original(w: &Wired) -> (i64, i64, String) {
    w.mailbox("microsoft", EMAIL, 0).await;
    let original = "Message-ID: <q-9@globex.test>\r\nFrom: Carl <carl@globex.test>\r\n\
To: answers@contoso.test\r\nCc: dora@globex.test\r\nSubject: Pricing\r\n\
Date: Thu, 05 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n\
How much?\r\n--b1\r\nContent-Type: application/pdf\r\n\
Content-Disposition: attachment; filename=price-list.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
JVBERiBwcmljZXM=\r\n--b1--\r\n";
    w.control(
        &format!("/users/{EMAIL}/deliver"),
        json!({"raw": STANDARD.encode(original)}),
    )
    .await;
    let outcome = w.connect(&user_token(7), "microsoft", EMAIL).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let rows = w
        .wait_listed(1, &format!("filter={{\"accountId\":{account}}}"))
        .await;
    let message = rows[0]["id"].as_i64().unwrap();
    let truth = w.truth(EMAIL).await;
    let thread = truth[0]["threadId"].as_str().unwrap().to_string();
    (account, message, thread)
}

#[tokio::test]
async fn a_reply_drafted_edited_and_sent_here_stays_in_the_outlook_conversation() {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let (account, original, thread) = with_original(&w).await;
    let reference = json!({"messageId": original, "action": "replyAll"});
    let png = STANDARD.encode(b"\x89PNG\r\n\x1a\nlogo");
    let created = call(
        &w,
        "mailDrafts:create",
        "",
        Some(json!({
            "accountId": account, "reference": reference,
            "html": format!("<p>Let me check.</p><img src=\"data:image/png;base64,{png}\">"),
        })),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let draft = created.json["data"].clone();
    let id = draft["providerDraftId"].as_str().unwrap();
    assert_eq!(
        conversation(&w, id).await,
        thread,
        "made with createReplyAll"
    );
    assert_eq!(draft["subject"], "Re: Pricing");
    let read = call(&w, "mailDrafts:get", &key(&draft), None).await.json["data"].clone();
    assert_eq!(read["to"][0]["address"], "carl@globex.test", "{read}");
    assert_eq!(read["cc"][0]["address"], "dora@globex.test", "{read}");
    assert_eq!(
        read["version"], draft["version"],
        "the version after the files"
    );

    // An autosave: a new draft at Graph, still in the conversation, one quote.
    let saved = call(
        &w,
        "mailDrafts:update",
        &key(&read),
        Some(json!({"version": read["version"], "reference": reference,
            "html": format!("<p>Checked: yes.</p><img src=\"data:image/png;base64,{png}\">")})),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let saved = saved.json["data"][0].clone();
    let id = saved["providerDraftId"].as_str().unwrap();
    assert_eq!(conversation(&w, id).await, thread, "kept on update");
    let listed = drafts(&w, account).await;
    assert_eq!(
        listed.json["meta"]["count"], 1,
        "the old one went: {}",
        listed.text
    );

    let sent = call(&w, "mailDrafts:send", &key(&saved), Some(json!({}))).await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    assert_eq!(sent.json["data"]["threadId"], thread.as_str());
    let raw = w.sent(EMAIL).await.pop().unwrap();
    let mime = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mime.in_reply_to().as_text(), Some("q-9@globex.test"));
    assert_eq!(mime.subject(), Some("Re: Pricing"));
    let html = mime.body_html(0).unwrap();
    assert!(html.contains("Checked: yes."), "{html}");
    assert!(!html.contains("Let me check."), "{html}");
    assert_eq!(html.matches("<blockquote").count(), 1, "{html}");
    let logo = mime
        .parts
        .iter()
        .find(|p| p.contents().ends_with(b"logo"))
        .expect("the pasted image");
    let cid = logo.content_id().expect("inline, by cid");
    assert!(html.contains(&format!("cid:{cid}")), "{html}");
    assert_eq!(
        mime.parts
            .iter()
            .filter(|p| p.contents().ends_with(b"logo"))
            .count(),
        1,
        "the image once, though saved twice"
    );
}

#[tokio::test]
async fn a_forward_carries_the_originals_files_once() {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let (account, original, thread) = with_original(&w).await;
    let reference = json!({"messageId": original, "action": "forward"});
    let created = call(
        &w,
        "mailDrafts:create",
        "",
        Some(json!({
            "accountId": account, "reference": reference, "to": ["erin@example.test"],
            "text": "FYI",
            "attachments": [{"filename": "notes.txt", "contentType": "text/plain", "content": STANDARD.encode(b"mine")}],
        })),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let draft = created.json["data"].clone();
    assert_eq!(
        conversation(&w, draft["providerDraftId"].as_str().unwrap()).await,
        thread
    );
    let read = call(&w, "mailDrafts:get", &key(&draft), None).await.json["data"].clone();
    let mut names: Vec<&str> = read["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["notes.txt", "price-list.pdf"], "{read}");

    // The form names the files it keeps by the ids the save answered with: they name
    // the same files in the draft as Graph holds it.
    assert_eq!(draft["attachments"], read["attachments"], "{draft}");
    // Saved again without the original's file: gone, and not copied back in.
    let keep: Vec<usize> = draft["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["filename"] == "notes.txt")
        .map(|a| a["id"].as_u64().unwrap() as usize)
        .collect();
    let saved = call(
        &w,
        "mailDrafts:update",
        &key(&read),
        Some(json!({"version": read["version"], "keepAttachments": keep, "subject": "Fwd: Pricing (notes)"})),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let saved = saved.json["data"][0].clone();
    let read = call(&w, "mailDrafts:get", &key(&saved), None).await.json["data"].clone();
    let names: Vec<&str> = read["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["notes.txt"], "{read}");
    assert_eq!(read["reference"]["messageId"], original, "{read}");
    assert_eq!(read["reference"]["action"], "forward");
    assert_eq!(
        conversation(&w, saved["providerDraftId"].as_str().unwrap()).await,
        thread
    );
}

#[tokio::test]
async fn a_reply_draft_started_in_outlook_and_edited_here_stays_in_its_conversation() {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let (account, original, thread) = with_original(&w).await;
    // Outlook's reply draft: in the conversation, naming the original by In-Reply-To.
    let theirs = "From: <answers@contoso.test>\r\nTo: carl@globex.test\r\nSubject: RE: Pricing\r\n\
In-Reply-To: <q-9@globex.test>\r\nReferences: <q-9@globex.test>\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<p>Started in Outlook</p>\r\n";
    w.control(
        &format!("/users/{EMAIL}/deliver"),
        json!({"raw": STANDARD.encode(theirs), "draft": true}),
    )
    .await;
    let listed = drafts(&w, account).await;
    let draft = listed.json["data"][0].clone();
    assert_eq!(
        conversation(&w, draft["providerDraftId"].as_str().unwrap()).await,
        thread,
        "{}",
        listed.text
    );
    let saved = call(
        &w,
        "mailDrafts:update",
        &key(&draft),
        Some(json!({"version": draft["version"], "html": "<p>Finished here</p>"})),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let saved = saved.json["data"][0].clone();
    assert_eq!(
        conversation(&w, saved["providerDraftId"].as_str().unwrap()).await,
        thread,
        "edited here, still in Outlook's conversation"
    );
    assert_eq!(saved["subject"], "RE: Pricing");
    assert_eq!(saved["inReplyTo"], "q-9@globex.test");
    assert_eq!(saved["reference"]["messageId"], original, "{saved}");
    assert_eq!(saved["reference"]["action"], "reply");
}

#[tokio::test]
async fn a_reply_sent_at_once_joins_the_conversation() {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let (account, original, thread) = with_original(&w).await;
    let sent = w
        .send_mail(json!({
            "accountId": account, "text": "Thanks, Carl.",
            "reference": {"messageId": original, "action": "reply"},
        }))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    w.wait_sent(EMAIL).await;
    let truth = w.truth(EMAIL).await;
    let answer = truth
        .iter()
        .find(|m| m["labels"][0] == "sentitems" || m["labels"][0] == "SENTITEMS")
        .unwrap_or_else(|| panic!("no sent item: {truth:?}"));
    assert_eq!(answer["threadId"], thread.as_str(), "{truth:?}");
}
