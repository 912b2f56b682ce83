//! `mailAttachments:download` against the emulator, both providers: the exact bytes come
//! back from the provider with a safe type and an RFC 6266 file name; callers who may not
//! read the body get nothing; a provider failure reads as one.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Backend;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::{admin_key, member_token as user_token};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PDF: &[u8] = b"%PDF-1.4 \x00\x01\x02\xff binary";
const PAGE: &str = "<script>alert(document.cookie)</script>";

fn raw_message() -> Vec<u8> {
    format!(
        "Message-ID: <att@t>\r\nFrom: Zed <zed@acme.com>\r\nTo: owner@x.test\r\n\
Subject: Contract\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n\
Content-Type: application/pdf\r\n\
Content-Disposition: attachment; filename*=UTF-8''Vertrag%20M%C3%A4rz.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b\r\n\
Content-Type: text/html\r\n\
Content-Disposition: attachment; filename=page.html\r\n\r\n{PAGE}\r\n--b--\r\n",
        STANDARD.encode(PDF)
    )
    .into_bytes()
}

/// Connects a mailbox holding the message above and waits for its first sync.
async fn mailbox_with_attachments(w: &Wired, provider: &str, email: &str) -> i64 {
    mailbox_holding(w, provider, email, &raw_message()).await
}

/// Connects a mailbox holding the one message `raw` and waits for its first sync.
pub(crate) async fn mailbox_holding(w: &Wired, provider: &str, email: &str, raw: &[u8]) -> i64 {
    w.mailbox(provider, email, 0).await;
    w.control(
        &format!("/users/{email}/deliver"),
        json!({"raw": STANDARD.encode(raw)}),
    )
    .await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let started = Instant::now();
    loop {
        let list = w
            .app
            .call("mailMessages:list", Some(&user_token(7)), "", None)
            .await;
        if list.json["meta"]["count"] == 1 {
            return id;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{}", list.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What `mailMessages:get` shows of the mailbox's one message.
async fn only_message(w: &Wired) -> Value {
    let list = w
        .app
        .call("mailMessages:list", Some(&user_token(7)), "", None)
        .await;
    let message = list.json["data"][0]["id"].as_i64().unwrap();
    w.app.get_message(&user_token(7), message).await.json["data"].clone()
}

/// The attachments `mailMessages:get` shows of the mailbox's one message.
async fn only_message_attachments(w: &Wired) -> Vec<Value> {
    only_message(w).await["attachments"]
        .as_array()
        .unwrap()
        .clone()
}

async fn download(w: &Wired, token: &str, query: &str) -> reqwest::Response {
    w.http
        .get(format!(
            "{}/api/mailAttachments:download?{query}",
            w.app.address
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn attachments_download_from_the_provider(backend: Backend, provider: &str, email: &str) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let account = mailbox_with_attachments(&w, provider, email).await;
    let attachments = only_message_attachments(&w).await;
    let find = |name: &str| {
        attachments
            .iter()
            .find(|a| a["filename"] == name)
            .unwrap_or_else(|| panic!("{name} in {attachments:?}"))["id"]
            .as_i64()
            .unwrap()
    };
    let (pdf, page) = (find("Vertrag März.pdf"), find("page.html"));

    let response = download(&w, &user_token(7), &format!("filterByTk={pdf}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/pdf");
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"Vertrag M_rz.pdf\"; filename*=UTF-8''Vertrag%20M%C3%A4rz.pdf"
    );
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
    let response = download(&w, &user_token(7), &format!("filterByTk={pdf}&inline=true")).await;
    assert!(header(&response, "content-disposition").starts_with("inline;"));

    // HTML is never rendered from our origin: it comes as an opaque download.
    let response = download(
        &w,
        &user_token(7),
        &format!("filterByTk={page}&inline=true"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "application/octet-stream"
    );
    assert!(header(&response, "content-disposition").starts_with("attachment;"));
    assert!(header(&response, "content-security-policy").contains("sandbox"));
    assert_eq!(response.text().await.unwrap().trim_end(), PAGE);

    // Others get nothing until the owner shares bodies, and an unknown id reads the same.
    for token in [user_token(8), admin_key(1)] {
        let response = download(&w, &token, &format!("filterByTk={pdf}")).await;
        assert_eq!(response.status(), 404);
    }
    let response = download(&w, &user_token(7), "filterByTk=999999").await;
    assert_eq!(response.status(), 404);
    let response = download(&w, &user_token(7), "filterByTk=x").await;
    assert_eq!(response.status(), 400);
    w.app.share(&user_token(7), account, "subject").await;
    assert_eq!(
        download(&w, &user_token(8), &format!("filterByTk={pdf}"))
            .await
            .status(),
        404
    );
    w.app.share(&user_token(7), account, "full").await;
    let response = download(&w, &user_token(8), &format!("filterByTk={pdf}")).await;
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);

    // The provider failing reads as 502; a revoked grant asks for a reconnect.
    w.control("/faults", json!({"rate": 1.0, "kinds": ["500"], "seed": 1}))
        .await;
    let response = download(&w, &user_token(7), &format!("filterByTk={pdf}")).await;
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "PROVIDER_UNAVAILABLE");
    w.http
        .delete(format!("{}/_emulator/faults", w.emulator.url))
        .send()
        .await
        .unwrap();
    w.control(&format!("/users/{email}/revoke"), json!({}))
        .await;
    let response = download(&w, &user_token(7), &format!("filterByTk={pdf}")).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "REAUTH_REQUIRED");
}

#[tokio::test]
async fn gmail_attachments_on_sqlite() {
    attachments_download_from_the_provider(Backend::Sqlite, "google", "owner@gmail.test").await;
}

#[tokio::test]
async fn graph_attachments_on_sqlite() {
    attachments_download_from_the_provider(Backend::Sqlite, "microsoft", "owner@outlook.test")
        .await;
}

#[tokio::test]
async fn gmail_attachments_on_postgres() {
    if Backend::Postgres.available() {
        attachments_download_from_the_provider(Backend::Postgres, "google", "owner@gmail.test")
            .await;
    }
}

/// A scanner's mail whose whole body is the scan (top-level `Content-Disposition:
/// attachment`): it showed neither a body nor an attachment. The scan is listed and its
/// bytes come back from either provider.
async fn a_message_that_is_one_file_serves_the_file(provider: &str, email: &str) {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let scan: &[u8] = b"\x89PNG\r\n\x1a\n scanned page";
    let raw = format!(
        "Message-ID: <scan@t>\r\nFrom: Scanner <scanner@acme.com>\r\nTo: {email}\r\n\
Subject: Scan\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: image/png\r\nContent-Disposition: attachment; filename=scan.png\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        STANDARD.encode(scan)
    );
    mailbox_holding(&w, provider, email, raw.as_bytes()).await;
    let attachments = only_message_attachments(&w).await;
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    assert_eq!(attachments[0]["filename"], "scan.png");
    let id = attachments[0]["id"].as_i64().unwrap();
    let response = download(&w, &user_token(7), &format!("filterByTk={id}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), scan);
}

#[tokio::test]
async fn gmail_serves_a_message_that_is_one_file() {
    a_message_that_is_one_file_serves_the_file("google", "scans@gmail.test").await;
}

#[tokio::test]
async fn graph_serves_a_message_that_is_one_file() {
    a_message_that_is_one_file_serves_the_file("microsoft", "scans@outlook.test").await;
}

/// The forwarded e-mail Outlook's "Forward as attachment" puts in a message.
const FORWARDED: &str = "Message-ID: <q3@globex.test>\r\nFrom: Carl <carl@globex.test>\r\n\
To: ann@acme.test\r\nSubject: Q3 numbers\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\n\r\n\
Revenue is up 12 %.\r\n";

/// Real-world mail that lost parts or could mix them up: a forward as attachment (the
/// attached e-mail was dropped: neither listed nor shown) next to two unnamed files (Graph
/// names unnamed parts itself, so matching them by name and position could hand one the
/// other's bytes). Each is listed, and each download is its own bytes, exactly.
async fn attached_emails_and_unnamed_files_come_back_exact(provider: &str, email: &str) {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let (first, second): (&[u8], &[u8]) = (b"\x00first file\xff", b"\x01second file\xfe");
    let raw = format!(
        "Message-ID: <fwd@t>\r\nFrom: Ann <ann@acme.test>\r\nTo: {email}\r\n\
Subject: Fw: Q3 numbers\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nSee the attached mail.\r\n\
--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\
--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n{FORWARDED}\
--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        STANDARD.encode(first),
        STANDARD.encode(second)
    );
    mailbox_holding(&w, provider, email, raw.as_bytes()).await;
    let attachments = only_message_attachments(&w).await;
    let names: Vec<&str> = attachments
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["attachment", "Q3 numbers.eml", "attachment"],
        "{attachments:?}"
    );
    assert_eq!(attachments[1]["contentType"], "message/rfc822");
    for (attachment, expected) in
        attachments
            .iter()
            .zip([first, FORWARDED.trim_end().as_bytes(), second])
    {
        let id = attachment["id"].as_i64().unwrap();
        let response = download(&w, &user_token(7), &format!("filterByTk={id}")).await;
        assert_eq!(response.status(), 200, "{attachment}");
        let body = response.bytes().await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&body).trim_end(),
            String::from_utf8_lossy(expected).trim_end(),
            "{attachment}"
        );
        assert_eq!(attachment["size"].as_u64(), Some(body.len() as u64));
    }
    // The attached e-mail is readable in the message view too.
    let message = only_message(&w).await;
    let text = message["bodyText"].as_str().unwrap();
    assert!(
        text.contains("See the attached mail.") && text.contains("Revenue is up 12 %."),
        "{text}"
    );
}

#[tokio::test]
async fn gmail_serves_attached_emails_and_unnamed_files_exactly() {
    attached_emails_and_unnamed_files_come_back_exact("google", "forwards@gmail.test").await;
}

#[tokio::test]
async fn graph_serves_attached_emails_and_unnamed_files_exactly() {
    attached_emails_and_unnamed_files_come_back_exact("microsoft", "forwards@outlook.test").await;
}

/// An Outlook signature's logo: the message's only file is an image its HTML shows by
/// `cid:`, which Graph's hasAttachments leaves out. Sync does not ask for its attachment
/// list (the emulator would refuse it here); the first open lists it, the logo shows and
/// downloads, and a second open lists nothing again.
#[tokio::test]
async fn graph_lists_an_inline_logo_when_the_message_is_first_opened() {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let email = "logo@outlook.test";
    let logo: &[u8] = b"\x89PNG\r\n\x1a\n logo bytes";
    let raw = format!(
        "Message-ID: <sig@acme.test>\r\nFrom: Dana <dana@acme.test>\r\nTo: {email}\r\n\
Subject: Regards\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n\
<p>Regards, Dana</p><img src=\"cid:image001.png@01DA\">\r\n--r\r\nContent-Type: image/png\r\n\
Content-ID: <image001.png@01DA>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--r--\r\n",
        STANDARD.encode(logo)
    );
    w.control(
        "/faults",
        json!({"provider": "microsoft", "path": "/attachments", "rate": 1.0, "kinds": ["500"], "seed": 1}),
    )
    .await;
    mailbox_holding(&w, "microsoft", email, raw.as_bytes()).await;
    assert!(
        w.app
            .db
            .query_texts("SELECT filename AS value FROM mail_attachments")
            .is_empty(),
        "nothing listed at sync"
    );
    let _ = w
        .http
        .delete(format!("{}/_emulator/faults", w.emulator.url))
        .send()
        .await
        .unwrap();
    let message = only_message(&w).await;
    let attachments = message["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{message}");
    assert_eq!(attachments[0]["inline"], true);
    assert_eq!(attachments[0]["contentId"], "image001.png@01DA");
    let id = attachments[0]["id"].as_i64().unwrap();
    assert!(
        message["bodyHtml"]
            .as_str()
            .unwrap()
            .contains(&format!("mailAttachments:download?filterByTk={id}")),
        "{message}"
    );
    let response = download(&w, &user_token(7), &format!("filterByTk={id}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(&response.bytes().await.unwrap()[..], logo);
    let again = only_message_attachments(&w).await;
    assert_eq!(again.len(), 1, "listed once");
    assert_eq!(again[0]["id"], id);
}
