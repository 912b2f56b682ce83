//! Graph mail's state machine: folders, paging with nextLink, OData filters, delta
//! rounds with @removed and 410, moves that change ids (unless immutable), sendMail,
//! replies as drafts, and attachment upload sessions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use support::setup;

const ME: &str = "/microsoft/v1.0/me";

async fn graph(messages: usize) -> (support::Setup, String) {
    let s = setup("microsoft", "bob@contoso.test", messages).await;
    let (access, _) = s.tokens("microsoft", "bob@contoso.test").await;
    (s, access)
}

async fn get_immutable(s: &support::Setup, token: &str, url: &str) -> Value {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        format!("{}{url}", s.emulator.url)
    };
    s.http
        .get(url)
        .bearer_auth(token)
        .header("prefer", "IdType=\"ImmutableId\", odata.maxpagesize=25")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn well_known_folders_resolve_to_real_ids() {
    let (s, token) = graph(30).await;
    let (_, folders) = s.get(&token, &format!("{ME}/mailFolders")).await;
    let names: Vec<&str> = folders["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Inbox") && names.contains(&"Sent Items") && names.contains(&"Archive")
    );
    let (_, inbox) = s.get(&token, &format!("{ME}/mailFolders/inbox")).await;
    let (_, same) = s
        .get(
            &token,
            &format!("{ME}/mailFolders/{}", inbox["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(inbox, same);
    assert_eq!(inbox["childFolderCount"], 1);
    let (_, children) = s
        .get(&token, &format!("{ME}/mailFolders/inbox/childFolders"))
        .await;
    assert_eq!(children["value"][0]["displayName"], "Clients");
}

#[tokio::test]
async fn listing_follows_next_links_and_filters_work() {
    let (s, token) = graph(60).await;
    let mut url = format!("{ME}/messages?$select=subject,isRead,receivedDateTime&$top=7");
    let mut seen = Vec::new();
    loop {
        let page = get_immutable(&s, &token, &url).await;
        for m in page["value"].as_array().unwrap() {
            assert!(m.get("body").is_none(), "$select limits the fields");
            seen.push(m["id"].as_str().unwrap().to_string());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 60);
    let unread = s
        .truth("bob@contoso.test")
        .await
        .iter()
        .filter(|m| m["isRead"] == false)
        .count();
    let (_, filtered) = s
        .get(
            &token,
            &format!("{ME}/messages?$filter=isRead%20eq%20false&$top=1000&$count=true"),
        )
        .await;
    assert_eq!(filtered["@odata.count"], unread);
    let (status, body) = s
        .get(
            &token,
            &format!("{ME}/messages?$filter=isRead%20eq%20false&$orderby=receivedDateTime%20desc"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("InefficientFilter"))
    );
}

/// Microsoft's Python SDK addresses the function as `delta()`; Graph answers both
/// spellings, and so must the emulator (it answered 404, which broke that SDK).
#[tokio::test]
async fn delta_answers_with_the_function_parentheses_too() {
    let (s, token) = graph(12).await;
    let plain = get_immutable(
        &s,
        &token,
        &format!("{ME}/mailFolders/inbox/messages/delta"),
    )
    .await;
    let called = get_immutable(
        &s,
        &token,
        &format!("{ME}/mailFolders/inbox/messages/delta()"),
    )
    .await;
    let ids = |page: &Value| {
        page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(!ids(&plain).is_empty());
    assert_eq!(ids(&plain), ids(&called));
    let next = called["@odata.nextLink"]
        .as_str()
        .or(called["@odata.deltaLink"].as_str())
        .unwrap();
    assert!(next.contains("/messages/delta()?"), "{next}");
}

#[tokio::test]
async fn delta_rounds_report_new_changed_and_removed_messages() {
    let (s, token) = graph(40).await;
    let inbox_count = s
        .truth("bob@contoso.test")
        .await
        .iter()
        .filter(|m| m["labels"] == json!(["inbox"]))
        .count();
    let mut url = format!("{ME}/mailFolders/inbox/messages/delta?$select=subject,isRead");
    let mut ids = Vec::new();
    let delta_link = loop {
        let page = get_immutable(&s, &token, &url).await;
        ids.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
        if let Some(next) = page["@odata.nextLink"].as_str() {
            url = next.to_string();
        } else {
            break page["@odata.deltaLink"].as_str().unwrap().to_string();
        }
    };
    assert_eq!(ids.len(), inbox_count);

    let delivered = s
        .control(
            "/users/bob@contoso.test/deliver",
            json!({"subject": "Fresh"}),
        )
        .await;
    let new_id = delivered["id"].as_str().unwrap().to_string();
    let (status, _) = s
        .send(
            Method::PATCH,
            &token,
            &format!("{ME}/messages/{}", ids[0]),
            json!({"isRead": true}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, moved) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/{}/move", ids[1]),
            json!({"destinationId": "archive"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(moved["id"], ids[1].as_str(), "immutable ids survive moves");

    let round = get_immutable(&s, &token, &delta_link).await;
    let values = round["value"].as_array().unwrap();
    let removed: Vec<&str> = values
        .iter()
        .filter(|v| v.get("@removed").is_some())
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let present: Vec<&str> = values
        .iter()
        .filter(|v| v.get("@removed").is_none())
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(removed, [ids[1].as_str()]);
    assert!(present.contains(&new_id.as_str()) && present.contains(&ids[0].as_str()));
    let next_link = round["@odata.deltaLink"].as_str().unwrap().to_string();
    assert!(
        get_immutable(&s, &token, &next_link).await["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    s.control("/users/bob@contoso.test/expire-cursors", json!({}))
        .await;
    let gone = s
        .http
        .get(&next_link)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["error"]["code"], "SyncStateNotFound");
}

#[tokio::test]
async fn a_move_without_immutable_ids_gives_a_new_id() {
    let (s, token) = graph(5).await;
    let (_, list) = s
        .get(&token, &format!("{ME}/mailFolders/inbox/messages?$top=1"))
        .await;
    let id = list["value"][0]["id"].as_str().unwrap().to_string();
    let response = s
        .http
        .post(format!("{}{ME}/messages/{id}/move", s.emulator.url))
        .bearer_auth(&token)
        .json(&json!({"DestinationId": "archive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let moved: Value = response.json().await.unwrap();
    assert_ne!(moved["id"], id.as_str());
    assert_eq!(s.get(&token, &format!("{ME}/messages/{id}")).await.0, 404);
}

#[tokio::test]
async fn send_mail_stores_a_sent_copy_and_keeps_the_mime() {
    let (s, token) = graph(0).await;
    let message = json!({"Message": {"subject": "Quarterly numbers", "body": {"contentType": "Text", "content": "See attached."},
        "toRecipients": [{"emailAddress": {"address": "ann@gmail.test", "name": "Ann"}}],
        "attachments": [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "Zahlen.csv", "contentType": "text/csv",
                          "contentBytes": base64::engine::general_purpose::STANDARD.encode("a,b\n1,2\n")}]},
        "SaveToSentItems": true});
    let (status, _) = s
        .send(Method::POST, &token, &format!("{ME}/sendMail"), message)
        .await;
    assert_eq!(status, 202);
    let truth = s.truth("bob@contoso.test").await;
    assert_eq!(
        (truth[0]["subject"].as_str(), truth[0]["labels"].clone()),
        (Some("Quarterly numbers"), json!(["sentitems"]))
    );
    let sent: Vec<Value> = s
        .http
        .get(format!(
            "{}/_emulator/users/bob@contoso.test/sent",
            s.emulator.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sent[0]["raw"].as_str().unwrap())
        .unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.attachments().count(), 1);
    let (status, body) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/sendMail"),
            json!({"message": {"subject": "x", "toRecipients": []}}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("ErrorInvalidRecipients"))
    );
    let mime = base64::engine::general_purpose::STANDARD
        .encode("From: bob@contoso.test\r\nTo: ann@gmail.test\r\nSubject: As MIME\r\n\r\nbody\r\n");
    let response = s
        .http
        .post(format!("{}{ME}/sendMail", s.emulator.url))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(mime)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn create_reply_makes_a_threaded_draft_that_sends() {
    let (s, token) = graph(0).await;
    let delivered = s
        .control(
            "/users/bob@contoso.test/deliver",
            json!({"subject": "Offer", "from": "Zed <zed@acme.com>"}),
        )
        .await;
    let original = delivered["id"].as_str().unwrap().to_string();
    let (status, draft) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/{original}/createReply"),
            json!({"comment": "Thanks!"}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["subject"], "RE: Offer");
    assert_eq!(draft["isDraft"], true);
    assert_eq!(
        draft["toRecipients"][0]["emailAddress"]["address"],
        "zed@acme.com"
    );
    let (_, source) = s
        .send(
            Method::GET,
            &token,
            &format!("{ME}/messages/{original}"),
            json!({}),
        )
        .await;
    assert_eq!(draft["conversationId"], source["conversationId"]);
    let draft_id = draft["id"].as_str().unwrap();
    let (status, _) = s
        .send(
            Method::PATCH,
            &token,
            &format!("{ME}/messages/{draft_id}"),
            json!({"subject": "RE: Offer (revised)"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, session) = s.send(Method::POST, &token, &format!("{ME}/messages/{draft_id}/attachments/createUploadSession"),
        json!({"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": 5_000_000}})).await;
    assert_eq!(status, 201, "{session}");
    let upload = session["uploadUrl"].as_str().unwrap().to_string();
    let bytes = vec![7u8; 5_000_000];
    for (start, chunk) in [
        (0usize, &bytes[..3_000_000]),
        (3_000_000, &bytes[3_000_000..]),
    ] {
        let end = start + chunk.len() - 1;
        let response = s
            .http
            .put(&upload)
            .header("content-range", format!("bytes {start}-{end}/5000000"))
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            if end + 1 == 5_000_000 { 201 } else { 200 }
        );
    }
    let (status, _) = s
        .send(
            Method::POST,
            &token,
            &format!("{ME}/messages/{draft_id}/send"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202);
    let sent: Vec<Value> = s
        .http
        .get(format!(
            "{}/_emulator/users/bob@contoso.test/sent",
            s.emulator.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sent[0]["raw"].as_str().unwrap())
        .unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some("RE: Offer (revised)"));
    assert!(parsed.in_reply_to().as_text().is_some());
    assert_eq!(
        parsed.attachments().next().unwrap().contents().len(),
        5_000_000
    );
}

#[tokio::test]
async fn attachments_and_mime_are_readable() {
    let (s, token) = graph(80).await;
    let (_, list) = s
        .get(
            &token,
            &format!("{ME}/messages?$filter=hasAttachments%20eq%20true&$top=1"),
        )
        .await;
    let id = list["value"][0]["id"].as_str().unwrap();
    let (_, attachments) = s
        .get(
            &token,
            &format!("{ME}/messages/{id}/attachments?$select=id,name,size,contentType"),
        )
        .await;
    let first = &attachments["value"][0];
    assert!(first.get("contentBytes").is_none());
    // `contentId` is a fileAttachment's: Graph refuses it bare on the attachment list
    // and takes it with the type's cast.
    let (status, refused) = s
        .get(
            &token,
            &format!("{ME}/messages/{id}/attachments?$select=id,contentId"),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    let (status, cast) = s
        .get(
            &token,
            &format!(
                "{ME}/messages/{id}/attachments?$select=id,name,microsoft.graph.fileAttachment/contentId"
            ),
        )
        .await;
    assert_eq!(status, 200);
    let file = &cast["value"][0];
    assert_eq!(file["@odata.type"], "#microsoft.graph.fileAttachment");
    assert!(file.get("contentId").is_some() && file.get("contentBytes").is_none());
    let bytes = s
        .http
        .get(format!(
            "{}{ME}/messages/{id}/attachments/{}/$value",
            s.emulator.url,
            first["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len() as u64, first["size"].as_u64().unwrap());
    let mime = s
        .http
        .get(format!("{}{ME}/messages/{id}/$value", s.emulator.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mime.contains("Content-Type: multipart/mixed"));
}
