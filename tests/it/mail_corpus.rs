//! The corpus (`tests/corpus/`, messages written for this project) through every sync
//! path: a Gmail mailbox synced from `format=full` trees (attachments held by id, the
//! tree rebuilt into MIME; attached e-mails fetched whole) and an Outlook mailbox synced
//! from its delta pages (bodies and headers from the JSON, files from the attachment
//! list; attached e-mails and split-off text parts from whole MIME). Every message must
//! store the same fields on both, every attachment must download as the same bytes, and
//! each must say what it says (charsets decoded, attached e-mails listed and shown, files
//! sized by their bytes).
//!
//! One difference is known and allowed: Graph gives an HTML message one body, so its
//! text alternative is not stored there, and its snippet comes from the HTML.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Backend;
use common::oauth::{Wired, wired_syncing};
use common::tokens::member_token as user_token;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const MAILBOXES: [(&str, &str); 2] = [
    ("google", "corpus@gmail.test"),
    ("microsoft", "corpus@outlook.test"),
];

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "eml"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// A message as `mailMessages:get` shows it, without what differs by mailbox: ids, the
/// account, dates of arrival, and attachment ids inside the HTML.
fn comparable(message: &Value) -> Value {
    let mut shown = json!({});
    for field in [
        "subject",
        "from",
        "to",
        "cc",
        "bcc",
        "replyTo",
        "messageId",
        "inReplyTo",
        "references",
        "bodyText",
        "snippet",
        "hasAttachments",
    ] {
        shown[field] = message[field].clone();
    }
    let html = message["bodyHtml"].as_str().unwrap_or_default();
    shown["bodyHtml"] = json!(regex_free_ids(html));
    shown["attachments"] = json!(
        message["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| json!([
                a["filename"],
                a["contentType"],
                a["size"],
                a["inline"],
                a["contentId"]
            ]))
            .collect::<Vec<_>>()
    );
    shown
}

/// `filterByTk=<digits>` with the digits taken out.
fn regex_free_ids(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("filterByTk=") {
        let (head, tail) = rest.split_at(at + "filterByTk=".len());
        out.push_str(head);
        out.push('N');
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// Every stored message of the mailbox `account`, by Message-ID.
async fn stored(w: &Wired, account: i64) -> BTreeMap<String, Value> {
    let list = w
        .app
        .list_filtered(
            &user_token(7),
            &json!({"accountId": account}),
            "pageSize=200",
        )
        .await;
    let mut out = BTreeMap::new();
    for row in list.json["data"].as_array().unwrap() {
        let got = w
            .app
            .get_message(&user_token(7), row["id"].as_i64().unwrap())
            .await;
        let message = got.json["data"].clone();
        out.insert(message["messageId"].as_str().unwrap().to_string(), message);
    }
    out
}

async fn download(w: &Wired, id: i64) -> Vec<u8> {
    let response = w
        .http
        .get(format!(
            "{}/api/mailAttachments:download?filterByTk={id}",
            w.app.address
        ))
        .bearer_auth(user_token(7))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "attachment {id}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn the_corpus_stores_the_same_on_both_sync_paths() {
    let Some(w) = wired_syncing(Backend::Sqlite).await else {
        return;
    };
    let files = corpus();
    assert!(files.len() >= 15, "the corpus is in tests/corpus");
    let mut accounts = Vec::new();
    for (provider, email) in MAILBOXES {
        w.mailbox(provider, email, 0).await;
        for (_, raw) in &files {
            w.control(
                &format!("/users/{email}/deliver"),
                json!({"raw": STANDARD.encode(raw)}),
            )
            .await;
        }
        let outcome = w.connect(&user_token(7), provider, email).await;
        accounts.push(
            common::oauth::param(&outcome, "mailAccountId")
                .unwrap()
                .parse::<i64>()
                .unwrap(),
        );
    }
    let started = Instant::now();
    loop {
        let list = w
            .app
            .call("mailMessages:list", Some(&user_token(7)), "", None)
            .await;
        if list.json["meta"]["count"] == json!(2 * files.len()) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "{}", list.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let gmail = stored(&w, accounts[0]).await;
    let graph = stored(&w, accounts[1]).await;
    assert_eq!(gmail.len(), files.len());
    assert_eq!(
        gmail.keys().collect::<Vec<_>>(),
        graph.keys().collect::<Vec<_>>()
    );

    // The same fields on both paths, and the same bytes for every attachment.
    for (message_id, from_tree) in &gmail {
        let from_graph = &graph[message_id];
        let (mut left, right) = (comparable(from_tree), comparable(from_graph));
        if right["bodyText"].is_null() && right["bodyHtml"] != json!("") {
            // The one body Graph gives is the HTML: the text alternative is the tree's only.
            assert!(
                !right["snippet"].as_str().unwrap().is_empty(),
                "{message_id}"
            );
            left["bodyText"] = Value::Null;
            left["snippet"] = right["snippet"].clone();
        }
        assert_eq!(
            left, right,
            "{message_id}: the format=full path (left) and the Graph path (right) differ"
        );
        let pairs = from_tree["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .zip(from_graph["attachments"].as_array().unwrap());
        for (a, b) in pairs {
            let (left, right) = (
                download(&w, a["id"].as_i64().unwrap()).await,
                download(&w, b["id"].as_i64().unwrap()).await,
            );
            assert_eq!(left, right, "{message_id} {}", a["filename"]);
            assert_eq!(
                a["size"].as_u64(),
                Some(left.len() as u64),
                "{message_id} {a}"
            );
        }
    }

    // And what each message says.
    let says = |id: &str| comparable(&gmail[id]);
    let text = |id: &str| {
        says(id)["bodyText"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let names = |id: &str| -> Vec<String> {
        says(id)["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a[0].as_str().unwrap().to_string())
            .collect()
    };
    let latin = says("<latin1@corpus.test>");
    assert_eq!(latin["subject"], "Vertrag für März");
    assert_eq!(latin["from"]["name"], "Jürgen Müller");
    assert!(text("<latin1@corpus.test>").contains("Grüße aus München"));
    assert_eq!(says("<koi8r@corpus.test>")["subject"], "Счёт оплачен");
    assert!(text("<koi8r@corpus.test>").contains("Счёт 42 оплачен"));
    assert_eq!(says("<iso2022jp@corpus.test>")["subject"], "見積書");
    assert!(text("<iso2022jp@corpus.test>").contains("見積書を添付"));
    assert_eq!(says("<gb2312@corpus.test>")["subject"], "合同审批");
    assert_eq!(says("<gb2312@corpus.test>")["from"]["name"], "王经理");
    assert!(text("<gb2312@corpus.test>").contains("合同已审批"));
    let nested = says("<nested@corpus.test>");
    assert_eq!(nested["inReplyTo"], "<q1@acme.test>");
    assert_eq!(
        nested["references"],
        json!(["<q0@acme.test>", "<q1@acme.test>"])
    );
    assert_eq!(
        nested["attachments"],
        json!([
            ["logo.png", "image/png", 109, true, "logo-1@acme.test"],
            ["Quote 1001.pdf", "application/pdf", 1033, false, null]
        ])
    );
    assert!(
        nested["bodyHtml"]
            .as_str()
            .unwrap()
            .contains("/api/mailAttachments:download?filterByTk=N"),
        "the cid: image points at its attachment"
    );
    assert!(names("<invite@corpus.test>").contains(&"invite.ics".to_string()));
    assert_eq!(
        names("<unnamed@corpus.test>"),
        ["attachment", "attachment", "report.pdf", "report.pdf"]
    );
    assert_eq!(names("<onefile@corpus.test>"), ["scan-0042.png"]);
    assert!(text("<fwdatt@corpus.test>").contains("Revenue is up 12 %."));
    assert_eq!(names("<fwdatt@corpus.test>"), ["Q3 numbers.eml"]);
    assert_eq!(names("<digest@corpus.test>"), ["Meetup.eml", "Release.eml"]);
    let digest = text("<digest@corpus.test>");
    assert!(digest.contains("The meetup is on Friday.") && digest.contains("Version 2 is out."));
    assert!(text("<bounce@corpus.test>").contains("Please sign."));
    assert!(names("<bounce@corpus.test>").contains(&"Contract.eml".to_string()));
    let banner = says("<banner@corpus.test>")["bodyHtml"]
        .as_str()
        .unwrap()
        .to_string();
    let (warning, contract) = (
        banner.find("Be careful").unwrap(),
        banner.find("signed").unwrap(),
    );
    assert!(warning < contract, "{banner}");
    assert!(text("<bare@corpus.test>").contains("The body of an old mailer."));
    let utf8 = says("<utf8hdr@corpus.test>");
    assert_eq!(utf8["subject"], "Café 🚀 launch");
    assert_eq!(utf8["from"]["name"], "Zoë Ünal");
    assert_eq!(
        says("<csv@corpus.test>")["attachments"],
        json!([["contacts.csv", "text/csv", 37, false, null]])
    );
}
