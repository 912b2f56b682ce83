//! Rich-text sends as a mail client writes them: the HTML is cleaned, a pasted image
//! (`data:` URL) becomes an inline part the HTML names by `cid:`, an inline file the
//! caller gave keeps its Content-ID, a text alternative is written from the HTML, and
//! the parts nest as mixed > related > alternative. A message still holding template
//! variables is refused with their names and never reaches the provider.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Backend;
use common::oauth::{Wired, param, wired_syncing};
use common::tokens::user_token;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use serde_json::json;

async fn connected(w: &Wired, provider: &str, email: &str) -> i64 {
    w.mailbox(provider, email, 0).await;
    let outcome = w.connect(&user_token(7), provider, email).await;
    param(&outcome, "mailAccountId").unwrap().parse().unwrap()
}

/// The media types of a message's parts, depth first, indented by depth.
fn tree(message: &mail_parser::Message<'_>) -> Vec<String> {
    fn walk(message: &mail_parser::Message<'_>, id: u32, depth: usize, out: &mut Vec<String>) {
        let part = &message.parts[id as usize];
        let kind = part
            .content_type()
            .map(|c| format!("{}/{}", c.c_type, c.c_subtype.as_deref().unwrap_or("")))
            .unwrap_or_default();
        out.push(format!("{}{kind}", "  ".repeat(depth)));
        if let PartType::Multipart(children) = &part.body {
            for child in children {
                walk(message, *child, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(message, 0, 0, &mut out);
    out
}

async fn rich_text_goes_out_as_a_mail_client_writes_it(provider: &str, email: &str) {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let account = connected(&w, provider, email).await;
    let pasted = STANDARD.encode(b"\x89PNG\r\n\x1a\npasted chart");
    let logo = STANDARD.encode(b"\x89PNG\r\n\x1a\nlogo");
    let html = format!(
        "<p>Hello <b>Zoë</b>,</p><ul><li>one</li><li>two</li></ul>\
<p><img src=\"data:image/png;base64,{pasted}\" alt=\"chart\"></p>\
<p>--<br><img src=\"cid:logo@acme.test\" alt=\"Acme\"> <a href=\"https://acme.test\">Acme</a></p>\
<script>steal()</script><img src=\"x\" onerror=\"steal()\">"
    );
    let reply = w.send_mail(
        json!({
            "accountId": account, "to": ["zoe@example.test"], "subject": "Numbers",
            "html": html,
            "attachments": [
                {"filename": "logo.png", "contentType": "image/png", "content": logo, "inline": true, "contentId": "<logo@acme.test>"},
                {"filename": "terms.pdf", "contentType": "application/pdf", "content": STANDARD.encode(b"%PDF terms")},
            ],
        }),
    )
    .await;
    assert_eq!(reply.json["data"]["status"], "sent", "{}", reply.text);
    let out = w.sent(email).await;
    let message = MessageParser::default().parse(out.last().unwrap()).unwrap();
    assert_eq!(
        tree(&message),
        [
            "multipart/mixed",
            "  multipart/related",
            "    multipart/alternative",
            "      text/plain",
            "      text/html",
            "    image/png",
            "    image/png",
            "  application/pdf",
        ],
        "{provider}"
    );
    let text = message.body_text(0).unwrap().replace("\r\n", "\n");
    assert_eq!(
        text.trim(),
        "Hello Zoë,\n\n- one\n- two\n\n[chart]\n\n--\n[Acme] Acme <https://acme.test>"
    );
    let sent_html = message.body_html(0).unwrap();
    for gone in ["script", "steal", "data:"] {
        assert!(!sent_html.contains(gone), "{gone}: {sent_html}");
    }
    // Both images are inline parts whose Content-ID the HTML names.
    let inline: Vec<(String, Vec<u8>)> = message
        .parts
        .iter()
        .filter(|p| p.content_id().is_some())
        .map(|p| (p.content_id().unwrap().to_string(), p.contents().to_vec()))
        .collect();
    assert_eq!(inline.len(), 2, "{inline:?}");
    for (cid, _) in &inline {
        assert!(
            sent_html.contains(&format!("cid:{cid}")),
            "{cid}: {sent_html}"
        );
    }
    assert!(
        inline
            .iter()
            .any(|(cid, bytes)| cid == "logo@acme.test" && bytes.ends_with(b"logo"))
    );
    assert!(
        inline
            .iter()
            .any(|(_, bytes)| bytes.ends_with(b"pasted chart"))
    );

    // Template variables left unfilled: refused, naming them; nothing more is sent.
    let refused = w.send_mail(
        json!({"accountId": account, "to": ["zoe@example.test"], "subject": "Offer for {{$nRecord.name}}",
               "html": "<p>Dear {{ $nRecord.contact }}</p>"}),
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error_code(), "TEMPLATE_VARIABLES_MISSING");
    assert!(refused.text.contains("$nRecord.name") && refused.text.contains("$nRecord.contact"));
    assert_eq!(w.sent(email).await.len(), out.len());
    let refused = w
        .send_mail(
            json!({"accountId": account, "to": ["zoe@example.test"], "html": "<img src=\"cid:x\">",
               "attachments": [{"filename": "x.png", "content": logo, "inline": true}]}),
        )
        .await;
    assert_eq!(refused.error_code(), "INVALID_VALUE", "{}", refused.text);
    assert!(
        refused.text.contains("attachments[0].contentId"),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn gmail_rich_text() {
    rich_text_goes_out_as_a_mail_client_writes_it("google", "rich@gmail.test").await;
}

#[tokio::test]
async fn outlook_rich_text() {
    rich_text_goes_out_as_a_mail_client_writes_it("microsoft", "rich@contoso.test").await;
}
