//! Mail from an outside sender: tracking pixels hidden where a prefix check misses them,
//! NocoBase-relative URLs aimed at the reader's own API, and the reader's choice to
//! show one sender's images.

use crate::common::Backend;
use crate::common::oauth::{param, wired_syncing};
use crate::common::tokens::user_token;
use base64::Engine;
use serde_json::json;

const MAILBOX: &str = "reader@gmail.test";

/// A newsletter whose images are all remote, written the ways that slipped through:
/// upper-case schemes, a leading space, backslashes, no slashes at all.
fn newsletter() -> String {
    let html = r#"<html><body><p>Big sale</p>
<img src="HTTPS://t.example/open.gif?u=1"><img src=" https://t.example/open.gif?u=2">
<img src="https:\\t.example/open.gif?u=3"><img src="https:t.example/open.gif?u=4">
<img src="/api/mailAttachments:download?filterByTk=999">
<img src="cid:logo@shop"><div style="background:url(https://t.example/bg.gif)">styled</div>
</body></html>"#;
    let logo = base64::engine::general_purpose::STANDARD.encode(b"GIF89a-not-really");
    format!(
        "From: Shop <news@shop.example>\r\nTo: {MAILBOX}\r\nSubject: Sale\r\nMessage-ID: <sale-1@shop.example>\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n\
--b\r\nContent-Type: image/gif\r\nContent-ID: <logo@shop>\r\nContent-Disposition: inline; filename=logo.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n{logo}\r\n--b--\r\n"
    )
}

async fn remote_images_stay_blocked_until_the_reader_trusts_the_sender(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let reader = user_token(7);
    w.mailbox("google", MAILBOX, 0).await;
    let raw = base64::engine::general_purpose::STANDARD.encode(newsletter());
    w.control(&format!("/users/{MAILBOX}/deliver"), json!({"raw": raw}))
        .await;
    let connected = w.connect(&reader, "google", MAILBOX).await;
    assert_eq!(param(&connected, "status"), Some("connected"));
    let rows = w.wait_listed(1, "").await;
    let id = rows[0]["id"].as_i64().unwrap();
    let open = |block: bool| {
        let reader = reader.clone();
        let w = &w;
        async move {
            w.app
                .call(
                    "mailMessages:get",
                    Some(&reader),
                    &format!("filterByTk={id}&blockRemoteImages={block}"),
                    None,
                )
                .await
                .json["data"]
                .clone()
        }
    };
    let blocked = open(true).await;
    let html = blocked["bodyHtml"].as_str().unwrap();
    assert!(!html.contains("t.example"), "a pixel survived: {html}");
    assert_eq!(blocked["remoteImagesBlocked"], true);
    // The sender's own relative URL is gone; the message's own inline part points at its
    // own attachment.
    let logo = blocked["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["contentId"] == "logo@shop")
        .expect("the inline logo")["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        html.matches("mailAttachments:download").count(),
        1,
        "only the message's own part: {html}"
    );
    assert!(html.contains(&format!("filterByTk={logo}\"")), "{html}");
    assert!(!html.contains("filterByTk=999"), "{html}");
    // The reader trusts the sender: images show though the page still asks to block.
    let trusted = w
        .app
        .call(
            "mailTrustedSenders:create",
            Some(&reader),
            "",
            Some(json!({"address": "News@Shop.example"})),
        )
        .await;
    assert_eq!(trusted.json["data"]["address"], "news@shop.example");
    let shown = open(true).await;
    assert_eq!(shown["remoteImagesAllowedForSender"], true);
    assert_eq!(shown["remoteImagesBlocked"], false);
    assert!(
        shown["bodyHtml"]
            .as_str()
            .unwrap()
            .contains("t.example/open.gif")
    );
    // Another user's trust is their own.
    let others = w
        .app
        .call("mailTrustedSenders:list", Some(&user_token(8)), "", None)
        .await;
    assert_eq!(others.json["meta"]["count"], 0);
    let removed = w
        .app
        .call(
            "mailTrustedSenders:destroy",
            Some(&reader),
            &format!("filterByTk={}", trusted.json["data"]["id"]),
            Some(json!({})),
        )
        .await;
    assert_eq!(removed.json["data"], 1);
    assert_eq!(open(true).await["remoteImagesBlocked"], true);
    let bad = w
        .app
        .call(
            "mailTrustedSenders:create",
            Some(&reader),
            "",
            Some(json!({"address": "not an address"})),
        )
        .await;
    assert_eq!((bad.status, bad.error_code()), (400, "INVALID_VALUE"));
}
both_backends!(
    remote_images,
    remote_images_stay_blocked_until_the_reader_trusts_the_sender
);
