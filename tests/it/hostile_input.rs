//! Hostile input: oversized and deeply nested bodies, invalid UTF-8, absurd page sizes,
//! header injection (CRLF) in subjects, names and addresses, and path tricks in attachment
//! file names. Each is refused with a clear 4xx naming the problem, or (file names) made
//! harmless; none leaves a partial write: nothing is sent, queued or stored.

use crate::common;

use base64::Engine;
use common::Backend;
use common::oauth::{Wired, param, wired_with};
use common::tokens::user_token;
use serde_json::{Value, json};

const EMAIL: &str = "target@gmail.test";

async fn connected() -> (Wired, i64) {
    let w = wired_with(Backend::Sqlite, |_| {}).await.unwrap();
    w.mailbox("google", EMAIL, 3).await;
    let outcome = w.connect(&user_token(7), "google", EMAIL).await;
    let account = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    (w, account)
}

/// A raw request: `body` bytes with `content_type`, to `/api/<action>?<query>`.
async fn raw(
    w: &Wired,
    action: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> common::Reply {
    let mut request = w
        .http
        .post(format!("{}/api/{action}?{query}", w.app.address))
        .bearer_auth(user_token(7));
    if !content_type.is_empty() {
        request = request.header("content-type", content_type);
    }
    common::read(request.body(body).send().await.expect("answered")).await
}

async fn get(w: &Wired, action: &str, query: &str) -> common::Reply {
    w.app.call(action, Some(&user_token(7)), query, None).await
}

/// Nothing went out, nothing waits in the outbox.
async fn nothing_written(w: &Wired) {
    assert!(w.sent(EMAIL).await.is_empty(), "something was sent");
    let outbox = get(w, "mailOutbox:list", "").await;
    assert_eq!(outbox.json["meta"]["count"], 0, "{}", outbox.text);
}

fn check(reply: &common::Reply, status: u16, code: &str, what: &str) {
    assert_eq!(
        (reply.status, reply.error_code()),
        (status, code),
        "{what}: {}",
        reply.text
    );
    let message = reply.json["errors"][0]["message"].as_str().unwrap_or("");
    assert!(!message.is_empty(), "{what}: no message");
}

#[tokio::test]
async fn hostile_bodies_and_parameters_get_clear_4xx_and_write_nothing() {
    let (w, account) = connected().await;
    let send = |values: Value| {
        let body = serde_json::to_vec(&values).unwrap();
        raw(&w, "mailMessages:send", "", "application/json", body)
    };
    let file = |filename: &str, content_type: &str| {
        json!({"accountId": account, "to": ["a@x.test"], "text": "t", "attachments": [
            {"filename": filename, "contentType": content_type, "content": base64::engine::general_purpose::STANDARD.encode(b"x")}
        ]})
    };

    // Header injection, in every header a caller writes into.
    for (what, values, code) in [
        (
            "CRLF in the subject",
            json!({"accountId": account, "to": ["a@x.test"], "subject": "Hi\r\nBcc: evil@x.test", "text": "t"}),
            "INVALID_VALUE",
        ),
        (
            "LF in the subject",
            json!({"accountId": account, "to": ["a@x.test"], "subject": "Hi\nBcc: evil@x.test", "text": "t"}),
            "INVALID_VALUE",
        ),
        (
            "CRLF in a recipient",
            json!({"accountId": account, "to": ["a@x.test\r\nBcc: evil@x.test"], "text": "t"}),
            "INVALID_RECIPIENT",
        ),
        (
            "CRLF in a display name",
            json!({"accountId": account, "to": ["Ann\r\nBcc: evil@x.test <a@x.test>"], "text": "t"}),
            "INVALID_RECIPIENT",
        ),
        (
            "CRLF in an attachment's type",
            file("a.txt", "text/plain\r\nX-Evil: 1"),
            "INVALID_VALUE",
        ),
        (
            "CRLF in a file name",
            file("a\r\nContent-Type: text/html", "text/plain"),
            "INVALID_VALUE",
        ),
        // Path tricks in file names.
        (
            "a relative path as file name",
            file("../../etc/passwd", "text/plain"),
            "INVALID_VALUE",
        ),
        (
            "an absolute path as file name",
            file("/etc/passwd", "text/plain"),
            "INVALID_VALUE",
        ),
        (
            "a Windows path as file name",
            file("..\\..\\boot.ini", "text/plain"),
            "INVALID_VALUE",
        ),
    ] {
        check(&send(values).await, 400, code, what);
    }
    let multipart = b"--b\r\nContent-Disposition: form-data; name=\"accountId\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\na@x.test\r\n--b\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"../../etc/passwd\"\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n";
    let reply = raw(
        &w,
        "mailMessages:send",
        "",
        "multipart/form-data; boundary=b",
        multipart.to_vec(),
    )
    .await;
    check(
        &reply,
        400,
        "INVALID_VALUE",
        "a path as an uploaded file's name",
    );

    // Bodies: too big, too deep, not UTF-8.
    let big = vec![b' '; 40 * 1024 * 1024];
    check(
        &raw(&w, "mailMessages:send", "", "application/json", big).await,
        413,
        "PAYLOAD_TOO_LARGE",
        "40 MiB body",
    );
    let deep = format!(
        "{{\"accountId\": {account}, \"to\": {}\"a@x.test\"{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    check(
        &raw(
            &w,
            "mailMessages:send",
            "",
            "application/json",
            deep.into_bytes(),
        )
        .await,
        400,
        "INVALID_JSON",
        "100,000-deep JSON",
    );
    let mut invalid =
        format!("{{\"accountId\": {account}, \"to\": [\"a@x.test\"], \"subject\": \"caf")
            .into_bytes();
    invalid.extend_from_slice(&[0xff, 0xfe]);
    invalid.extend_from_slice(b"\", \"text\": \"t\"}");
    check(
        &raw(&w, "mailMessages:send", "", "application/json", invalid).await,
        400,
        "INVALID_JSON",
        "invalid UTF-8 body",
    );

    // Parameters.
    let deep_filter = format!("filter={}", "%5B".repeat(5_000));
    for (what, query, code) in [
        ("pageSize 10^9", "pageSize=1000000000", "INVALID_PARAMETER"),
        ("page 10^12", "page=1000000000000", "INVALID_PARAMETER"),
        ("a negative page", "page=-1", "INVALID_PARAMETER"),
        (
            "a 5,000-deep filter",
            deep_filter.as_str(),
            "INVALID_FILTER",
        ),
        (
            "a filter that is not UTF-8",
            "filter=%7B%22subject%22%3A%22%FF%FE%22%7D",
            "INVALID_PARAMETER",
        ),
        (
            "sorting by a column that is not offered",
            "sort=body_html",
            "INVALID_SORT",
        ),
    ] {
        check(&get(&w, "mailMessages:list", query).await, 400, code, what);
    }
    for (what, query) in [
        ("a path as id", "filterByTk=..%2F..%2Fetc%2Fpasswd"),
        ("an id beyond 64 bits", "filterByTk=99999999999999999999999"),
    ] {
        check(
            &get(&w, "mailAttachments:download", query).await,
            400,
            "INVALID_PARAMETER",
            what,
        );
    }

    nothing_written(&w).await;
    // And the mailbox still sends what is fine.
    let fine = send(file("report.pdf", "application/pdf")).await;
    assert_eq!(fine.json["data"]["status"], "sent", "{}", fine.text);
}
