//! Who may touch an IMAP mailbox (#26), as `access_control` proves it for Gmail: Ann's
//! mailbox on a real Dovecot, synced; another user and an admin get, route by route, the
//! status the access table documents, no answer to them holds Ann's mail or her password,
//! and nothing they asked for reached her server (her message is still unread and there).

use crate::common::{self, Reply, TestApp};

use common::dovecot::Dovecot;
use common::postfix::Postfix;
use common::tokens::{admin_key, user_token};
use serde_json::{Value, json};

const ANN: &str = "ann@example.test";
const PASSWORD: &str = "correct horse battery";
const OWNER: i64 = 7;
/// Words only Ann's mail holds.
const SECRETS: [&str; 3] = ["Merger terms", "walk-away price", "term-sheet.pdf"];

fn confidential() -> String {
    format!(
        "Message-ID: <merger@example.test>\r\nFrom: cfo@example.test\r\nTo: {ANN}\r\n\
Subject: Merger terms\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nOur walk-away price is in the sheet.\r\n\
--b\r\nContent-Type: application/pdf; name=\"term-sheet.pdf\"\r\n\
Content-Disposition: attachment; filename=\"term-sheet.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Status(u16),
    /// 200 with an empty list.
    EmptyList,
    /// 200 with `data` null, `[]` or 0: NocoBase's answer for a record out of reach.
    Nothing,
    /// 200: an admin sees a mailbox's metadata, never its mail.
    Metadata,
}

fn fine(reply: &Reply, expect: Expect) -> bool {
    match expect {
        Expect::Status(status) => reply.status == status,
        Expect::EmptyList => reply.status == 200 && reply.json["data"] == json!([]),
        Expect::Nothing => {
            reply.status == 200 && [json!(null), json!([]), json!(0)].contains(&reply.json["data"])
        }
        Expect::Metadata => reply.status == 200,
    }
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
    let (action, query) = path.split_once('?').unwrap_or((path, ""));
    let body = if method == "post" {
        Some(body.unwrap_or_else(|| json!({})))
    } else {
        None
    };
    app.call(action, Some(token), query, body).await
}

#[tokio::test]
async fn others_and_admins_reach_nothing_of_an_imap_mailbox() {
    let Some(dovecot) = Dovecot::start(&[(ANN, PASSWORD)]) else {
        return;
    };
    let Some(postfix) = Postfix::start(&dovecot, "example.test") else {
        return;
    };
    let mut phone = common::imap::phone(&dovecot, ANN, PASSWORD).await;
    phone
        .append("INBOX", None, None, confidential())
        .await
        .unwrap();
    let (app, account) = common::imap::connected_app(
        &dovecot,
        OWNER,
        (ANN, PASSWORD),
        (dovecot.imaps_port, "implicit"),
        postfix.submission_port,
    )
    .await;
    common::imap::sync(&app, OWNER, account).await;
    let mine = common::imap::listed(&app, OWNER).await;
    assert_eq!(mine.len(), 1);
    let message = mine[0]["id"].as_i64().unwrap();
    let thread = mine[0]["threadId"].clone();
    let opened = app.get_message(&user_token(OWNER), message).await.json["data"].clone();
    let attachment = opened["attachments"][0]["id"].as_i64().unwrap();

    let by_account = format!(
        "filter={}",
        common::urlencode(&json!({"accountId": account}).to_string())
    );
    let routes: Vec<(&str, String, Option<Value>, Expect, Expect)> = vec![
        (
            "get",
            format!("mailAccounts:get?filterByTk={account}"),
            None,
            Expect::Nothing,
            Expect::Metadata,
        ),
        (
            "post",
            format!("mailAccounts:update?filterByTk={account}"),
            Some(json!({"visibility": "full"})),
            Expect::Nothing,
            Expect::Nothing,
        ),
        (
            "post",
            format!("mailAccounts:sync?filterByTk={account}"),
            None,
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "get",
            format!("mailFolders:list?{by_account}"),
            None,
            Expect::EmptyList,
            Expect::EmptyList,
        ),
        (
            "get",
            format!("mailMessages:list?{by_account}"),
            None,
            Expect::EmptyList,
            Expect::EmptyList,
        ),
        (
            "get",
            format!("mailThreads:list?{by_account}"),
            None,
            Expect::EmptyList,
            Expect::EmptyList,
        ),
        (
            "get",
            format!(
                "mailThreads:get?filterByTk={}",
                thread
                    .as_str()
                    .map_or_else(|| thread.to_string(), ToString::to_string)
            ),
            None,
            Expect::Nothing,
            Expect::Nothing,
        ),
        (
            "get",
            format!("mailMessages:get?filterByTk={message}"),
            None,
            Expect::Nothing,
            Expect::Nothing,
        ),
        (
            "post",
            format!("mailMessages:update?filterByTk={message}"),
            Some(json!({"isRead": true})),
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "post",
            format!("mailMessages:destroy?filterByTk={message}"),
            None,
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "get",
            format!("mailMessages:prepareReply?filterByTk={message}"),
            None,
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "get",
            format!("mailMessages:raw?filterByTk={message}"),
            None,
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "get",
            format!("mailAttachments:download?filterByTk={attachment}"),
            None,
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "post",
            "mailMessages:send".to_string(),
            Some(
                json!({"accountId": account, "to": ["x@example.com"], "subject": "s", "text": "t"}),
            ),
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "post",
            "mailDrafts:create".to_string(),
            Some(json!({"accountId": account, "subject": "s"})),
            Expect::Status(404),
            Expect::Status(404),
        ),
        (
            "post",
            format!("mailAccounts:destroy?filterByTk={account}"),
            None,
            Expect::Nothing,
            Expect::Nothing,
        ),
    ];
    let mut wrong = Vec::new();
    for (who, token) in [("another user", user_token(8)), ("an admin", admin_key(9))] {
        for (method, path, body, other, admin) in &routes {
            let expect = if who == "an admin" { *admin } else { *other };
            let reply = call(&app, &token, method, path, body.clone()).await;
            if !fine(&reply, expect) {
                wrong.push(format!(
                    "{method} {path} as {who}: expected {expect:?}, got {} {}",
                    reply.status, reply.text
                ));
            }
            for secret in SECRETS.iter().chain([&PASSWORD]) {
                if reply.text.contains(secret) {
                    wrong.push(format!("{method} {path} as {who} shows {secret:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Nothing reached the server: the message is there, unread.
    phone.select("INBOX").await.unwrap();
    let unseen = phone.uid_search("UNSEEN").await.unwrap();
    assert_eq!(unseen.len(), 1, "another's request changed Ann's mailbox");
    assert_eq!(
        common::imap::listed(&app, OWNER).await.len(),
        1,
        "Ann's mail is still hers"
    );
}
