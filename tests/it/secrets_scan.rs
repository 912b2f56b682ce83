//! Secrets after a full run: a Gmail and an Outlook mailbox connected, synced with
//! access tokens that expire every two seconds (so refreshes happen), mail sent from both.
//! Then every log line this process wrote (at debug level) is searched for the OAuth
//! client secret, every kind of token the providers issued, the sent body and its
//! recipient; and the database file for the secret and the tokens. None may appear in
//! plain text. (Mail bodies are stored readable on purpose: full-text search and reading
//! need them; the database is the service's own, like a mail server's spool.)

use crate::common;

use common::Backend;
use common::oauth::{param, wired_syncing};
use common::tokens::user_token;
use serde_json::json;
use std::time::Duration;

const CLIENT_SECRET: &str = "app-secret-value-123";
const BODY: &str = "quarterly-figures-body-7781";
const RECIPIENT: &str = "private.recipient@hidden.test";
/// The emulator's token prefixes (authorization codes, refresh and access tokens of each
/// provider), each followed by 32 base64url characters.
const TOKEN_PREFIXES: [&str; 6] = ["4/0A", "1//0g", "ya29.a0", "0.AX", "0.AXrt", "EwB"];

/// Every emulator-issued token in `text`. A token starts a run of base64url
/// characters: "EwB" inside a longer run is part of something else (the database holds
/// random base64url ids by the hundred, and one holds "EwB" and 32 more now and then).
fn tokens_in(text: &str) -> Vec<String> {
    let base64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut found = Vec::new();
    for prefix in TOKEN_PREFIXES {
        for (at, _) in text.match_indices(prefix) {
            if text[..at].chars().next_back().is_some_and(base64url) {
                continue;
            }
            let tail: String = text[at + prefix.len()..].chars().take(32).collect();
            if tail.len() == 32
                && tail
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                found.push(format!("{prefix}{tail}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn no_secret_token_body_or_recipient_reaches_a_log_line_or_the_database_in_the_clear() {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    w.control("/settings", json!({"accessTokenTtlSecs": 2}))
        .await;
    let owner = user_token(7);
    let mut accounts = Vec::new();
    for (provider, email) in [
        ("google", "scan@gmail.test"),
        ("microsoft", "scan@contoso.test"),
    ] {
        w.mailbox(provider, email, 15).await;
        let id: i64 = param(&w.connect(&owner, provider, email).await, "mailAccountId")
            .unwrap()
            .parse()
            .unwrap();
        accounts.push(id);
    }
    w.wait_listed(30, "").await;
    let sealed = || {
        w.app.db.query_texts(
            "SELECT access_token_sealed AS value FROM mail_account_tokens ORDER BY account_id",
        )
    };
    let first_tokens = sealed();
    // Past the tokens' two-second lifetime (time itself is the condition): the sends and
    // the second sync must refresh them.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for id in &accounts {
        let sent = w
            .app
            .call(
                "mailMessages:send",
                Some(&owner),
                "",
                Some(
                    json!({"accountId": id, "to": [RECIPIENT], "subject": "Figures", "text": BODY}),
                ),
            )
            .await;
        assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
        let synced = w
            .app
            .call(
                "mailAccounts:sync",
                Some(&owner),
                &format!("filterByTk={id}"),
                Some(json!({})),
            )
            .await;
        assert_eq!(synced.status, 200, "{}", synced.text);
    }
    // Both sent copies are synced back: the runs asked for above have happened.
    w.wait_listed(32, "").await;

    // The tokens really were refreshed meanwhile (else this would prove little).
    let later_tokens = sealed();
    assert_eq!(later_tokens.len(), 2, "both accounts hold tokens");
    assert!(
        first_tokens.iter().zip(&later_tokens).all(|(a, b)| a != b),
        "no token was refreshed"
    );

    // The scanner itself finds a token when there is one.
    assert_eq!(
        tokens_in("Bearer ya29.a0abcdefghijklmnopqrstuvwxyz012345 sent"),
        ["ya29.a0abcdefghijklmnopqrstuvwxyz012345"]
    );
    let logs = common::logs::text();
    assert!(
        logs.len() > 1_000,
        "hardly anything was logged: is capture on?"
    );
    let leaked_tokens = tokens_in(&logs);
    assert!(
        leaked_tokens.is_empty(),
        "tokens in the logs: {leaked_tokens:?}"
    );
    for secret in [CLIENT_SECRET, BODY, RECIPIENT] {
        let line = logs.lines().find(|line| line.contains(secret));
        assert!(line.is_none(), "{secret:?} is logged: {line:?}");
    }

    // The token columns hold sealed values, never a token itself (the file scan below
    // skips a token glued to the bytes before it; here each value stands alone).
    let columns = w.app.db.query_texts(
        "SELECT access_token_sealed AS value FROM mail_account_tokens \
         UNION ALL SELECT refresh_token_sealed AS value FROM mail_account_tokens",
    );
    for value in columns.iter().flatten() {
        assert!(tokens_in(value).is_empty(), "a token column holds a token");
    }
    let file = w.app.db.sqlite_file().unwrap();
    let mut stored = std::fs::read(&file).unwrap();
    for extra in ["-wal", "-journal"] {
        if let Ok(bytes) = std::fs::read(format!("{}{extra}", file.display())) {
            stored.extend(bytes);
        }
    }
    let stored = String::from_utf8_lossy(&stored);
    let stored_tokens = tokens_in(&stored);
    assert!(
        stored_tokens.is_empty(),
        "tokens in the database file: {stored_tokens:?}"
    );
    assert!(
        !stored.contains(CLIENT_SECRET),
        "the client secret is in the database file"
    );
}
