//! IMAP servers that answer badly mid-import (#26), made by a proxy in front of a real
//! Dovecot that reads the answers as IMAP (lines, and literals by their length):
//!
//! - a server that says `BYE` in the middle of a FETCH's answers (a shutdown, an admin
//!   kicking sessions, Gmail's "session expired"): the run fails as one that may pass,
//!   the pages it committed stay, and the next run resumes below them, every message
//!   once;
//! - a server that answers slowly (a congested link, a busy server: answers in small
//!   pieces, and a pause of seconds in the middle of a message): the import waits it
//!   out and finishes in one run, nothing cut or doubled.

use crate::common::{self, TestApp};
use crate::imap_faults::{MESSAGES, connected_through, filled_servers, stored, sync};

use common::tokens::user_token;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// How the proxy treats the server's answers.
#[derive(Clone, Copy)]
enum Answers {
    /// After this many message answers of a FETCH (one-shot, across connections, the
    /// count shared in `Shaper::left`), a `BYE` and the connection closed.
    ByeAfter,
    /// Each answer line and literal passed in pieces of this many bytes with a pause,
    /// and one pause of `stall` once `Shaper::left` message answers have passed.
    Slowly { piece: usize, stall: Duration },
}

#[derive(Clone)]
struct Shaper {
    answers: Answers,
    /// Message answers to pass before the BYE or the stall; negative: done.
    left: Arc<AtomicI64>,
}

/// The length of the literal a line announces (`{123}` or `{123+}` at its end).
fn literal(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"\r\n")?.strip_suffix(b"}")?;
    let open = line.iter().rposition(|b| *b == b'{')?;
    let digits = &line[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A message's answer to a FETCH: `* <n> FETCH (`, with a body literal.
fn message_answer(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    text.starts_with("* ") && text.contains(" FETCH (") && text.contains("BODY[")
}

async fn pass(
    client: &mut tokio::net::tcp::OwnedWriteHalf,
    bytes: &[u8],
    answers: Answers,
) -> std::io::Result<()> {
    match answers {
        Answers::Slowly { piece, .. } => {
            for chunk in bytes.chunks(piece) {
                client.write_all(chunk).await?;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Ok(())
        }
        Answers::ByeAfter => client.write_all(bytes).await,
    }
}

/// The server's answers, read as IMAP and passed as `shaper` says.
async fn shape_answers(
    server: tokio::net::tcp::OwnedReadHalf,
    mut client: tokio::net::tcp::OwnedWriteHalf,
    shaper: Shaper,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(server);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        if message_answer(&line) {
            let left = shaper.left.fetch_sub(1, Ordering::SeqCst);
            if left == 0 {
                match shaper.answers {
                    Answers::ByeAfter => {
                        client
                            .write_all(b"* BYE Server shutting down for maintenance\r\n")
                            .await?;
                        return Ok(());
                    }
                    Answers::Slowly { stall, .. } => tokio::time::sleep(stall).await,
                }
            }
        }
        pass(&mut client, &line, shaper.answers).await?;
        if let Some(length) = literal(&line) {
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).await?;
            pass(&mut client, &body, shaper.answers).await?;
        }
    }
}

/// A plaintext TCP proxy to `upstream` shaping the server's answers.
async fn shaping_proxy(upstream: u16, shaper: Shaper) -> u16 {
    common::imap::proxy_with(upstream, move |client, server| {
        let shaper = shaper.clone();
        async move {
            let (mut client_read, client_write) = client.into_split();
            let (server_read, mut server_write) = server.into_split();
            let up = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
            });
            let _ = shape_answers(server_read, client_write, shaper).await;
            up.abort();
        }
    })
    .await
}

fn expected() -> Vec<String> {
    let mut all: Vec<String> = (0..MESSAGES).map(|i| format!("Message {i}")).collect();
    all.sort();
    all
}

async fn last_error(app: &TestApp, account: i64) -> serde_json::Value {
    let reply = app
        .call(
            "mailAccounts:get",
            Some(&user_token(7)),
            &format!("filterByTk={account}"),
            None,
        )
        .await;
    reply.json["data"]["lastError"].clone()
}

#[tokio::test]
async fn a_bye_mid_fetch_keeps_the_pages_committed_and_the_next_run_resumes() {
    let Some((dovecot, postfix)) = filled_servers().await else {
        return;
    };
    let shaper = Shaper {
        answers: Answers::ByeAfter,
        left: Arc::new(AtomicI64::new(-1)),
    };
    let proxy = shaping_proxy(dovecot.imap_port, shaper.clone()).await;
    let (app, account) = connected_through(&dovecot, &postfix, proxy, "none").await;

    // Pages of 5: the BYE comes in the middle of the third page's answers.
    shaper.left.store(12, Ordering::SeqCst);
    sync(&app, account).await;
    assert!(shaper.left.load(Ordering::SeqCst) < 0, "no BYE was said");
    let after_bye = stored(&app).await;
    assert_eq!(after_bye.len(), 10, "the two committed pages stay");
    assert_eq!(
        last_error(&app, account).await["code"],
        "PROVIDER_UNAVAILABLE"
    );

    sync(&app, account).await;
    let mut subjects = stored(&app).await;
    subjects.sort();
    assert_eq!(subjects, expected(), "every message once");
    assert!(last_error(&app, account).await.is_null());
}

#[tokio::test]
async fn a_slow_server_is_waited_for_and_the_import_finishes_in_one_run() {
    let Some((dovecot, postfix)) = filled_servers().await else {
        return;
    };
    let shaper = Shaper {
        answers: Answers::Slowly {
            piece: 97,
            stall: Duration::from_secs(3),
        },
        left: Arc::new(AtomicI64::new(-1)),
    };
    let proxy = shaping_proxy(dovecot.imap_port, shaper.clone()).await;
    let (app, account) = connected_through(&dovecot, &postfix, proxy, "none").await;

    shaper.left.store(17, Ordering::SeqCst);
    sync(&app, account).await;
    assert!(shaper.left.load(Ordering::SeqCst) < 0, "no stall was made");
    let mut subjects = stored(&app).await;
    subjects.sort();
    assert_eq!(subjects, expected(), "one run, every message once");
    assert!(last_error(&app, account).await.is_null());
}

#[test]
fn literals_are_read_by_their_announced_length() {
    assert_eq!(literal(b"* 1 FETCH (UID 4 BODY[] {2604}\r\n"), Some(2604));
    assert_eq!(literal(b"a1 APPEND INBOX {12+}\r\n"), Some(12));
    assert_eq!(literal(b"* 1 FETCH (UID 4 FLAGS ())\r\n"), None);
}
