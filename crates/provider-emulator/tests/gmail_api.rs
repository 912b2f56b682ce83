//! The Gmail API's state machine: listing and search, formats, history (increasing,
//! non-contiguous ids; deletions; 404 for a forgotten start), sending into threads,
//! batch, and the id rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use support::setup;

const ME: &str = "/google/gmail/v1/users/me";

async fn gmail(messages: usize) -> (support::Setup, String) {
    let s = setup("google", "ann@gmail.test", messages).await;
    let (access, _) = s.tokens("google", "ann@gmail.test").await;
    (s, access)
}

#[tokio::test]
async fn listing_pages_through_every_message_newest_first() {
    let (s, token) = gmail(120).await;
    let mut ids = Vec::new();
    let mut page_token: Option<String> = None;
    loop {
        let path = match &page_token {
            Some(t) => format!("{ME}/messages?maxResults=50&includeSpamTrash=true&pageToken={t}"),
            None => format!("{ME}/messages?maxResults=50&includeSpamTrash=true"),
        };
        let (status, page) = s.get(&token, &path).await;
        assert_eq!(status, 200);
        ids.extend(
            page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
        match page["nextPageToken"].as_str() {
            Some(next) => page_token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(ids.len(), 120);
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first");
    assert!(
        ids.iter()
            .all(|id| id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()))
    );
}

#[tokio::test]
async fn search_and_label_filters_agree_with_the_truth() {
    let (s, token) = gmail(200).await;
    let truth = s.truth("ann@gmail.test").await;
    let unread_inbox = truth
        .iter()
        .filter(|m| {
            let labels: Vec<&str> = m["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            labels.contains(&"UNREAD") && labels.contains(&"INBOX")
        })
        .count();
    let (_, page) = s
        .get(
            &token,
            &format!("{ME}/messages?maxResults=500&labelIds=INBOX&labelIds=UNREAD"),
        )
        .await;
    assert_eq!(page["resultSizeEstimate"], unread_inbox);
    let (_, by_query) = s
        .get(
            &token,
            &format!("{ME}/messages?maxResults=500&q=is%3Aunread%20in%3Ainbox"),
        )
        .await;
    assert_eq!(by_query["resultSizeEstimate"], unread_inbox);
    let (_, attachments) = s
        .get(
            &token,
            &format!("{ME}/messages?maxResults=500&q=has%3Aattachment"),
        )
        .await;
    let first = attachments["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, full) = s
        .get(&token, &format!("{ME}/messages/{first}?format=full"))
        .await;
    let parts = full["payload"]["parts"].as_array().unwrap();
    assert!(
        parts.iter().any(|p| p["body"]["attachmentId"].is_string()
            && !p["filename"].as_str().unwrap().is_empty())
    );
    let (_, none) = s
        .get(
            &token,
            &format!("{ME}/messages?q=subject%3Anothing-matches-this"),
        )
        .await;
    assert_eq!(none, json!({"resultSizeEstimate": 0}));
}

#[tokio::test]
async fn every_format_has_its_fields_and_raw_round_trips() {
    let (s, token) = gmail(20).await;
    let (_, list) = s.get(&token, &format!("{ME}/messages?maxResults=1")).await;
    let id = list["messages"][0]["id"].as_str().unwrap();
    let (_, minimal) = s
        .get(&token, &format!("{ME}/messages/{id}?format=minimal"))
        .await;
    assert!(
        minimal.get("payload").is_none()
            && minimal["historyId"].is_string()
            && minimal["internalDate"].is_string()
    );
    let (_, metadata) = s
        .get(
            &token,
            &format!(
                "{ME}/messages/{id}?format=metadata&metadataHeaders=Subject&metadataHeaders=From"
            ),
        )
        .await;
    let names: Vec<&str> = metadata["payload"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["From", "Subject"]);
    let (_, raw) = s
        .get(&token, &format!("{ME}/messages/{id}?format=raw"))
        .await;
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(raw["raw"].as_str().unwrap())
        .unwrap();
    let (_, again) = s
        .get(&token, &format!("{ME}/messages/{id}?format=raw"))
        .await;
    assert_eq!(
        raw["raw"], again["raw"],
        "a message renders to the same bytes every time"
    );
    let parsed = mail_parser::MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(
        parsed.subject().unwrap(),
        metadata["payload"]["headers"][1]["value"].as_str().unwrap()
    );
}

#[tokio::test]
async fn ids_follow_googles_400_and_404_rules() {
    let (s, token) = gmail(1).await;
    assert_eq!(
        s.get(&token, &format!("{ME}/messages/0000000000000001"))
            .await
            .0,
        404
    );
    for bad in ["zzzz", "ffffffffffffffff", "12345678901234567"] {
        let (status, body) = s.get(&token, &format!("{ME}/messages/{bad}")).await;
        assert_eq!(
            (status, body["error"]["message"].as_str()),
            (400, Some("Invalid id value")),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn history_records_every_change_with_increasing_ids_and_forgets_old_starts() {
    let (s, token) = gmail(10).await;
    let (_, profile) = s.get(&token, &format!("{ME}/profile")).await;
    let start = profile["historyId"].as_str().unwrap().to_string();
    let delivered = s
        .control(
            "/users/ann@gmail.test/deliver",
            json!({"subject": "New one", "from": "Zed <zed@acme.com>"}),
        )
        .await;
    let id = delivered["id"].as_str().unwrap().to_string();
    s.send(
        Method::POST,
        &token,
        &format!("{ME}/messages/{id}/modify"),
        json!({"removeLabelIds": ["UNREAD"], "addLabelIds": ["STARRED"]}),
    )
    .await;
    let (_, list) = s
        .get(
            &token,
            &format!("{ME}/messages?maxResults=1&q=subject%3A%22New%20one%22"),
        )
        .await;
    assert_eq!(list["messages"][0]["id"], id.as_str());
    s.http
        .delete(format!("{}{ME}/messages/{id}", s.emulator.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    let (status, history) = s
        .get(&token, &format!("{ME}/history?startHistoryId={start}"))
        .await;
    assert_eq!(status, 200);
    let records = history["history"].as_array().unwrap();
    let ids: Vec<u64> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let kinds: Vec<&str> = records
        .iter()
        .flat_map(|r| {
            ["messagesAdded", "labelsAdded", "labelsRemoved"]
                .into_iter()
                .filter(move |k| r.get(*k).is_some())
        })
        .collect();
    assert_eq!(kinds, ["messagesAdded", "labelsAdded", "labelsRemoved"]);
    // Deleting needs the full-access scope; with gmail.modify the record is still absent.
    let deleted = records.iter().any(|r| r.get("messagesDeleted").is_some());
    assert!(!deleted, "gmail.modify cannot delete permanently");
    assert!(
        history["historyId"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= *ids.last().unwrap()
    );

    let changed = s
        .control(
            &format!("/users/ann@gmail.test/messages/{id}/change"),
            json!({"deleted": true}),
        )
        .await;
    assert_eq!(changed["changed"], true);
    let (_, after) = s
        .get(
            &token,
            &format!("{ME}/history?startHistoryId={start}&historyTypes=messageDeleted"),
        )
        .await;
    assert_eq!(
        after["history"][0]["messagesDeleted"][0]["message"]["id"],
        id.as_str()
    );

    s.control("/users/ann@gmail.test/expire-cursors", json!({}))
        .await;
    let (status, body) = s
        .get(&token, &format!("{ME}/history?startHistoryId={start}"))
        .await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    assert_eq!(s.get(&token, &format!("{ME}/history")).await.0, 400);
}

fn raw_message(extra_headers: &str, subject: &str) -> String {
    let mime = format!(
        "From: Ann <ann@gmail.test>\r\nTo: Zed <zed@acme.com>\r\nBcc: secret@hidden.test\r\nSubject: {subject}\r\n{extra_headers}Content-Type: text/plain; charset=utf-8\r\n\r\nHello there\r\n"
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mime)
}

#[tokio::test]
async fn a_reply_joins_the_thread_only_with_thread_id_headers_and_subject() {
    let (s, token) = gmail(0).await;
    let delivered = s
        .control(
            "/users/ann@gmail.test/deliver",
            json!({"subject": "Quote", "from": "Zed <zed@acme.com>"}),
        )
        .await;
    let original = delivered["id"].as_str().unwrap().to_string();
    let (_, full) = s
        .get(
            &token,
            &format!("{ME}/messages/{original}?format=metadata&metadataHeaders=Message-ID"),
        )
        .await;
    let message_id = full["payload"]["headers"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let thread = full["threadId"].as_str().unwrap().to_string();
    let headers = format!("In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n");

    let (status, sent) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/send"),
            json!({"raw": raw_message(&headers, "Re: Quote"), "threadId": thread}),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["threadId"], thread.as_str());
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    let (_, unthreaded) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/send"),
            json!({"raw": raw_message(&headers, "Re: Quote")}),
        )
        .await;
    assert_ne!(
        unthreaded["threadId"],
        thread.as_str(),
        "no threadId, no thread"
    );
    let (_, other_subject) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/send"),
            json!({"raw": raw_message(&headers, "Something else"), "threadId": thread}),
        )
        .await;
    assert_ne!(other_subject["threadId"], thread.as_str());

    let sent_log: Vec<Value> = s
        .http
        .get(format!(
            "{}/_emulator/users/ann@gmail.test/sent",
            s.emulator.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent_log.len(), 3);
    let (_, thread_view) = s
        .get(&token, &format!("{ME}/threads/{thread}?format=minimal"))
        .await;
    assert_eq!(thread_view["messages"].as_array().unwrap().len(), 2);
    let (status, body) = s.send(Method::POST, &token, &format!("{ME}/messages/send"), json!({"raw": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Subject: x\r\n\r\nno recipients")})).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (400, Some("Recipient address required"))
    );
}

#[tokio::test]
async fn mail_sent_to_another_emulator_user_arrives_without_bcc() {
    let (s, token) = gmail(0).await;
    s.control(
        "/users",
        json!({"provider": "microsoft", "email": "zed@acme.com"}),
    )
    .await;
    s.control(
        "/users",
        json!({"provider": "google", "email": "secret@hidden.test"}),
    )
    .await;
    s.send(
        Method::POST,
        &token,
        &format!("{ME}/messages/send"),
        json!({"raw": raw_message("", "Cross provider")}),
    )
    .await;
    let zed = s.truth("zed@acme.com").await;
    assert_eq!(zed[0]["subject"], "Cross provider");
    assert_eq!(zed[0]["labels"], json!(["inbox"]));
    let hidden = s.truth("secret@hidden.test").await;
    assert_eq!(hidden.len(), 1, "the Bcc recipient gets it too");
}

#[tokio::test]
async fn batch_answers_each_part_with_its_content_id() {
    let (s, token) = gmail(5).await;
    let (_, list) = s.get(&token, &format!("{ME}/messages?maxResults=3")).await;
    let ids: Vec<&str> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let mut body = String::new();
    for (k, id) in ids.iter().chain(["0000000000000001"].iter()).enumerate() {
        body.push_str(&format!("--b0undary\r\nContent-Type: application/http\r\nContent-ID: <item-{k}>\r\n\r\nGET /gmail/v1/users/me/messages/{id}?format=metadata&metadataHeaders=Subject HTTP/1.1\r\n\r\n"));
    }
    body.push_str("--b0undary--\r\n");
    let response = s
        .http
        .post(format!("{}/google/batch/gmail/v1", s.emulator.url))
        .bearer_auth(&token)
        .header("content-type", "multipart/mixed; boundary=b0undary")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("multipart/mixed; boundary="));
    let text = response.text().await.unwrap();
    for k in 0..3 {
        assert!(text.contains(&format!("Content-ID: <response-item-{k}>")));
    }
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 3);
    assert_eq!(text.matches("HTTP/1.1 404 Not Found").count(), 1);
}

#[tokio::test]
async fn batch_modify_and_trash_change_labels_and_unknown_labels_are_refused() {
    let (s, token) = gmail(10).await;
    let (_, list) = s.get(&token, &format!("{ME}/messages?maxResults=4")).await;
    let ids: Vec<&str> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let (status, _) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/batchModify"),
            json!({"ids": ids, "addLabelIds": ["Label_1"], "removeLabelIds": ["UNREAD"]}),
        )
        .await;
    assert_eq!(status, 204);
    let truth = s.truth("ann@gmail.test").await;
    for id in &ids {
        let entry = truth.iter().find(|m| m["id"] == *id).unwrap();
        assert_eq!(entry["isRead"], true);
        assert!(
            entry["labels"]
                .as_array()
                .unwrap()
                .contains(&json!("Label_1"))
        );
    }
    let (status, trashed) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/{}/trash", ids[0]),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        trashed["labelIds"]
            .as_array()
            .unwrap()
            .contains(&json!("TRASH"))
    );
    let (_, listed) = s
        .get(&token, &format!("{ME}/messages?maxResults=500"))
        .await;
    assert!(
        !listed["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == ids[0]),
        "trash is not listed"
    );
    let (status, body) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/{}/modify", ids[1]),
            json!({"addLabelIds": ["NoSuchLabel"]}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (400, Some("Invalid label: NoSuchLabel"))
    );
}

#[tokio::test]
async fn attachments_are_fetched_by_their_id() {
    let (s, token) = gmail(60).await;
    let (_, list) = s
        .get(
            &token,
            &format!("{ME}/messages?q=has%3Aattachment&maxResults=1"),
        )
        .await;
    let id = list["messages"][0]["id"].as_str().unwrap();
    let (_, full) = s.get(&token, &format!("{ME}/messages/{id}")).await;
    let part = full["payload"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["body"]["attachmentId"].is_string())
        .unwrap()
        .clone();
    let (status, attachment) = s
        .get(
            &token,
            &format!(
                "{ME}/messages/{id}/attachments/{}",
                part["body"]["attachmentId"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(status, 200);
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(attachment["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(data.len() as u64, part["body"]["size"].as_u64().unwrap());
}

#[tokio::test]
async fn resumable_uploads_send_in_chunks_into_the_named_thread() {
    let (s, token) = gmail(0).await;
    let delivered = s
        .control(
            "/users/ann@gmail.test/deliver",
            json!({"subject": "Chunky", "from": "Zed <zed@acme.com>"}),
        )
        .await;
    let original = delivered["id"].as_str().unwrap().to_string();
    let (_, meta) = s
        .get(
            &token,
            &format!("{ME}/messages/{original}?format=metadata&metadataHeaders=Message-ID"),
        )
        .await;
    let message_id = meta["payload"]["headers"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let thread = meta["threadId"].as_str().unwrap().to_string();
    let mime = format!(
        "From: ann@gmail.test\r\nTo: zed@acme.com\r\nSubject: Re: Chunky\r\nIn-Reply-To: {message_id}\r\nReferences: {message_id}\r\n\r\n{}\r\n",
        "x".repeat(5000)
    )
    .into_bytes();
    let opened = s
        .http
        .post(format!(
            "{}/google/upload/gmail/v1/users/me/messages/send?uploadType=resumable",
            s.emulator.url
        ))
        .bearer_auth(&token)
        .header("x-upload-content-type", "message/rfc822")
        .header("x-upload-content-length", mime.len().to_string())
        .json(&json!({"threadId": thread}))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let upload = opened.headers()["location"].to_str().unwrap().to_string();
    let half = mime.len() / 2;
    let first = s
        .http
        .put(&upload)
        .header(
            "content-range",
            format!("bytes 0-{}/{}", half - 1, mime.len()),
        )
        .body(mime[..half].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 308);
    assert_eq!(
        first.headers()["range"],
        format!("bytes=0-{}", half - 1).as_str()
    );
    let last = s
        .http
        .put(&upload)
        .header(
            "content-range",
            format!("bytes {half}-{}/{}", mime.len() - 1, mime.len()),
        )
        .body(mime[half..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(last.status(), 200);
    let sent: Value = last.json().await.unwrap();
    assert_eq!(sent["threadId"], thread.as_str());
    let log: Vec<Value> = s
        .http
        .get(format!(
            "{}/_emulator/users/ann@gmail.test/sent",
            s.emulator.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored = base64::engine::general_purpose::STANDARD
        .decode(log[0]["raw"].as_str().unwrap())
        .unwrap();
    // The provider adds Message-ID and Date in front; every uploaded byte follows.
    assert!(stored.ends_with(&mime), "the whole upload arrived");
}
