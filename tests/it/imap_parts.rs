//! Large IMAP messages in parts (#26): a 3 MB scan on a phone's link must not cost 3 MB
//! at every sync of a new mailbox. The sync brings what a reader sees (headers, text
//! parts, each file's name, type and size) and a file's bytes cross the wire when
//! someone opens it, by its part number. Checked on a real Dovecot through a proxy that
//! counts what the server sends (`common::imap::proxy`); the files then download byte
//! for byte.

use crate::common::{self, TestApp};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::dovecot::Dovecot;
use common::postfix::Postfix;
use common::tokens::user_token;
use serde_json::Value;
use std::sync::atomic::Ordering;

const ANN: &str = "ann@example.test";
const PASSWORD: &str = "correct horse battery";
const USER: i64 = 7;

/// `size` bytes no compressor or deduplication could shrink (a scan, a photo).
fn noise(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..size)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect()
}

/// Base64 in 76-character lines, as mail clients write it.
fn base64_lines(bytes: &[u8]) -> String {
    STANDARD
        .encode(bytes)
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A signed contract as a scan: an HTML body (quoted-printable) showing an inline logo,
/// and the PDF, as Outlook or Apple Mail send them.
fn contract(logo: &[u8], pdf: &[u8]) -> String {
    format!(
        "Message-ID: <contract@example.test>\r\nFrom: Zed <zed@example.test>\r\nTo: {ANN}\r\n\
Subject: The signed contract\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n\
--mix\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
--rel\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
<p>Signed and scanned =E2=80=94 with our logo <img src=3D\"cid:logo@example.test\"></p>\r\n\
--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.test>\r\n\
Content-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
{logo}\r\n--rel--\r\n\
--mix\r\nContent-Type: application/pdf; name=\"contract.pdf\"\r\n\
Content-Disposition: attachment; filename=\"contract.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
{pdf}\r\n--mix--\r\n",
        logo = base64_lines(logo),
        pdf = base64_lines(pdf),
    )
}

/// A long plain-text message with no files (a log someone pasted): its body is wanted.
fn long_text() -> String {
    let body = "A line of the pasted build log, long enough to matter.\r\n".repeat(6_000);
    format!(
        "Message-ID: <log@example.test>\r\nFrom: zed@example.test\r\nTo: {ANN}\r\n\
Subject: The build log\r\nDate: Thu, 05 Nov 2026 11:00:00 +0000\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
}

/// A forward as attachment of a large message: an attached e-mail is fetched whole.
fn forwarded(inner_pdf: &[u8]) -> String {
    format!(
        "Message-ID: <fwd@example.test>\r\nFrom: zed@example.test\r\nTo: {ANN}\r\n\
Subject: Fwd as attachment\r\nDate: Thu, 05 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n\
--f\r\nContent-Type: text/plain\r\n\r\nSee the attached mail.\r\n\
--f\r\nContent-Type: message/rfc822\r\n\r\n\
Message-ID: <inner@example.test>\r\nFrom: bob@example.test\r\nTo: zed@example.test\r\n\
Subject: The original offer\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"i\"\r\n\r\n\
--i\r\nContent-Type: text/plain\r\n\r\nOffer inside.\r\n\
--i\r\nContent-Type: application/pdf; name=\"offer.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
{pdf}\r\n--i--\r\n\r\n--f--\r\n",
        pdf = base64_lines(inner_pdf),
    )
}

async fn list(app: &TestApp) -> Vec<Value> {
    let reply = app
        .call("mailMessages:list", Some(&user_token(USER)), "", None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().cloned().unwrap_or_default()
}

async fn message(app: &TestApp, subject: &str) -> Value {
    let listed = list(app).await;
    let id = listed
        .iter()
        .find(|m| m["subject"] == subject)
        .and_then(|m| m["id"].as_i64())
        .unwrap_or_else(|| panic!("no {subject:?} in {listed:?}"));
    app.get_message(&user_token(USER), id).await.json["data"].clone()
}

async fn download(app: &TestApp, id: i64) -> Vec<u8> {
    let response = app
        .http
        .get(format!(
            "{}/api/mailAttachments:download?filterByTk={id}",
            app.address
        ))
        .bearer_auth(user_token(USER))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

fn attachment<'a>(message: &'a Value, filename: &str) -> &'a Value {
    message["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == filename)
        .unwrap_or_else(|| panic!("no {filename} in {message}"))
}

#[tokio::test]
async fn a_large_attachment_crosses_the_wire_when_opened_not_at_sync() {
    let Some(dovecot) = Dovecot::start(&[(ANN, PASSWORD)]) else {
        return;
    };
    let Some(postfix) = Postfix::start(&dovecot, "example.test") else {
        return;
    };
    let (logo, pdf, inner) = (noise(40_000, 1), noise(3_000_000, 2), noise(400_000, 3));
    let mut phone = common::imap::phone(&dovecot, ANN, PASSWORD).await;
    for raw in [contract(&logo, &pdf), long_text(), forwarded(&inner)] {
        phone.append("INBOX", None, None, raw).await.unwrap();
    }

    let meter = common::imap::Meter::default();
    let from_server = meter.passed.clone();
    let proxy = common::imap::proxy(dovecot.imaps_port, meter).await;
    let (app, account) = common::imap::connected_app(
        &dovecot,
        USER,
        (ANN, PASSWORD),
        (proxy, "implicit"),
        postfix.submission_port,
    )
    .await;

    let before = from_server.load(Ordering::SeqCst);
    common::imap::sync(&app, USER, account).await;
    let synced = from_server.load(Ordering::SeqCst) - before;
    // The contract's 4.1 MB of base64 stay on the server (its first 256 KB come, with
    // the page); the log (0.34 MB, its first 256 KB then its text) and the forward
    // (0.55 MB, its first 256 KB then whole) come: 1.7 MB where the whole was 5 MB.
    assert!(
        synced < 2_000_000,
        "the sync brought {synced} bytes: the scan came with it"
    );
    assert_eq!(list(&app).await.len(), 3);

    // What a reader sees is all there, the same as from the whole message.
    let contract = message(&app, "The signed contract").await;
    assert!(
        contract["bodyHtml"]
            .as_str()
            .unwrap_or_default()
            .contains("Signed and scanned — with our logo"),
        "{contract}"
    );
    let pdf_meta = attachment(&contract, "contract.pdf");
    assert_eq!(pdf_meta["contentType"], "application/pdf");
    let size = pdf_meta["size"].as_u64().unwrap();
    assert!(size.abs_diff(3_000_000) <= 3, "{size}");
    let logo_meta = attachment(&contract, "logo.png");
    assert_eq!(logo_meta["inline"], true);
    assert_eq!(logo_meta["contentId"], "logo@example.test");
    let log = message(&app, "The build log").await;
    assert_eq!(
        log["bodyText"].as_str().unwrap_or_default().lines().count(),
        6_000,
        "the long body is whole"
    );
    let forward = message(&app, "Fwd as attachment").await;
    assert_eq!(
        attachment(&forward, "The original offer.eml")["contentType"],
        "message/rfc822"
    );

    // Opened: each file by its part, byte for byte; the logo without the scan beside it.
    let before = from_server.load(Ordering::SeqCst);
    assert_eq!(
        download(&app, logo_meta["id"].as_i64().unwrap()).await,
        logo
    );
    let opened = from_server.load(Ordering::SeqCst) - before;
    assert!(
        opened < 200_000,
        "opening the 40 KB logo brought {opened} bytes: the whole message came"
    );
    assert_eq!(download(&app, pdf_meta["id"].as_i64().unwrap()).await, pdf);
    let eml = download(
        &app,
        attachment(&forward, "The original offer.eml")["id"]
            .as_i64()
            .unwrap(),
    )
    .await;
    assert!(String::from_utf8_lossy(&eml).contains("Subject: The original offer"));
}
