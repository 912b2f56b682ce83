//! IMAP faults mid-import (#26), made by a proxy in front of a real Dovecot:
//!
//! - the server's answers cut off mid-FETCH, as a dropped mobile link or a server restart
//!   would: the run fails as a passing failure, the pages it committed stay, and the next
//!   run resumes below the last committed page: every message once, none lost;
//! - a FETCH answered in part (Dovecot gives what it can and ends with `NO [SERVERBUG]`
//!   for a message it cannot read; a message may be expunged meanwhile): the missing ones
//!   are asked for again in the same run, so none is passed over without a look;
//! - a SEARCH the server refuses: never read as an empty folder (every stored message
//!   gone), only as this run not knowing what was expunged;
//! - a STORE the server refuses (`NO`, a read-only folder): the user is told, and nothing
//!   changes here.

use crate::common::{self, Backend, TestApp, spawn_with, test_settings};

use common::database::TestDb;
use common::dovecot::Dovecot;
use common::postfix::Postfix;
use common::tokens::user_token;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::AsyncWriteExt;

const ANN: &str = "ann@example.test";
const PASSWORD: &str = "correct horse battery";
const USER: i64 = 7;
pub(crate) const MESSAGES: usize = 40;

/// A plaintext TCP proxy to `upstream` that, while `armed` (once, across connections),
/// rewrites the first command `rewrite` changes; QRESYNC is never enabled through it
/// (the session's `ENABLE` goes as a `NOOP`), so the sync takes the path of servers
/// without it, where a SEARCH says what was expunged.
async fn rewriting_proxy(
    upstream: u16,
    armed: Arc<AtomicBool>,
    rewrite: fn(&str) -> Option<String>,
) -> u16 {
    common::imap::proxy_with(upstream, move |client, server| {
        let armed = armed.clone();
        async move {
            let (client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let down = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            });
            // Commands are lines (nothing here sends a literal): forwarded one by one.
            let mut lines = tokio::io::BufReader::new(client_read);
            let mut line = String::new();
            loop {
                line.clear();
                match tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if let Some(changed) = rewrite(&line)
                    && armed.swap(false, Ordering::SeqCst)
                {
                    line = changed;
                } else if let Some((tag, _)) = line.split_once(" ENABLE QRESYNC") {
                    // A server without QRESYNC: the SEARCH for expunges is asked then.
                    line = format!("{tag} NOOP\r\n");
                }
                if server_write.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
            }
            down.abort();
        }
    })
    .await
}

/// The first FETCH of whole messages narrowed to its first UID: the server answers for
/// that one only, as a server answering in part does.
fn narrowed_fetch(line: &str) -> Option<String> {
    if !line.contains(" UID FETCH ") || !line.contains("BODY.PEEK[]") {
        return None;
    }
    let mut words: Vec<&str> = line.split(' ').collect();
    words[3] = words[3].split([',', ':']).next().unwrap_or_default();
    Some(words.join(" "))
}

/// The folder opened read-only (SELECT made EXAMINE): the server then refuses a STORE
/// with `NO`, as it does for any folder the user may read but not change.
fn read_only_folder(line: &str) -> Option<String> {
    let (tag, folder) = line.split_once(" SELECT ")?;
    Some(format!("{tag} EXAMINE {folder}"))
}

/// A SEARCH the server refuses (`BAD`: an unknown key), as one over its limits refuses
/// with `NO [LIMIT]`.
fn refused_search(line: &str) -> Option<String> {
    let (tag, _) = line.split_once(" UID SEARCH ")?;
    Some(format!("{tag} UID SEARCH NOSUCHKEY\r\n"))
}

fn message(index: usize) -> String {
    let body = format!("Line {index} of a message long enough to span pages.\r\n").repeat(40);
    format!(
        "Message-ID: <m{index}@example.test>\r\nFrom: zed@example.test\r\nTo: {ANN}\r\n\
Subject: Message {index}\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\
Content-Type: text/plain\r\n\r\n{body}"
    )
}

pub(crate) async fn stored(app: &TestApp) -> Vec<String> {
    common::imap::listed(app, USER)
        .await
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect()
}

pub(crate) async fn sync(app: &TestApp, account: i64) {
    common::imap::sync(app, USER, account).await;
}

/// Another client of Ann's mailbox, straight to the server (the user's phone).
async fn phone(
    dovecot: &Dovecot,
) -> async_imap::Session<email_manager::providers::imap::stream::Stream> {
    common::imap::phone(dovecot, ANN, PASSWORD).await
}

/// A Dovecot (and the Postfix a connect also signs in to) whose INBOX another client
/// filled with [`MESSAGES`] messages.
pub(crate) async fn filled_servers() -> Option<(Dovecot, Postfix)> {
    let dovecot = Dovecot::start(&[(ANN, PASSWORD)])?;
    let postfix = Postfix::start(&dovecot, "example.test")?;
    let mut phone = phone(&dovecot).await;
    for index in 0..MESSAGES {
        phone
            .append("INBOX", None, None, message(index))
            .await
            .unwrap();
    }
    Some((dovecot, postfix))
}

/// The service (pages of 5) with the mailbox connected through the proxy at `port`.
pub(crate) async fn connected_through(
    dovecot: &Dovecot,
    postfix: &Postfix,
    port: u16,
    tls_mode: &str,
) -> (TestApp, i64) {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    common::imap::trust_test_ca(&mut settings, dovecot);
    settings.sync.page_size = 5;
    let app = spawn_with(db, settings).await;
    // Plaintext only for the proxy that reads the commands: the admin allows it then.
    common::imap::enable(
        &app,
        json!({"allowPrivateNetworks": true, "allowPlaintext": tls_mode == "none"}),
    )
    .await;
    let account = common::imap::connect(
        &app,
        USER,
        (ANN, PASSWORD),
        (port, tls_mode),
        postfix.submission_port,
    )
    .await;
    (app, account)
}

/// Ann's mailbox connected through a proxy whose first sync run is cut about half way
/// through the mail (the run fails as one that may pass); the proxy then passes all.
async fn cut_short_import() -> Option<(Dovecot, Postfix, TestApp, i64)> {
    let (dovecot, postfix) = filled_servers().await?;
    let meter = common::imap::Meter::default();
    let budget = meter.budget.clone();
    let proxy = common::imap::proxy(dovecot.imaps_port, meter).await;
    let (app, account) = connected_through(&dovecot, &postfix, proxy, "implicit").await;
    budget.store((MESSAGES as i64 / 2) * 2_600, Ordering::SeqCst);
    sync(&app, account).await;
    let after_cut = stored(&app).await;
    assert!(
        !after_cut.is_empty() && after_cut.len() < MESSAGES,
        "the cut run stored {} of {MESSAGES}",
        after_cut.len()
    );
    let reply = app
        .call(
            "mailAccounts:get",
            Some(&user_token(USER)),
            &format!("filterByTk={account}"),
            None,
        )
        .await;
    assert_eq!(
        reply.json["data"]["lastError"]["code"], "PROVIDER_UNAVAILABLE",
        "{}",
        reply.text
    );
    assert_ne!(
        reply.json["data"]["status"], "needs_reauth",
        "{}",
        reply.text
    );
    budget.store(-1, Ordering::SeqCst);
    Some((dovecot, postfix, app, account))
}

#[tokio::test]
async fn a_connection_cut_mid_import_resumes_without_duplicates() {
    let Some((_dovecot, _postfix, app, account)) = cut_short_import().await else {
        return;
    };
    // The link is back: the import finishes, every message once.
    sync(&app, account).await;
    let mut subjects = stored(&app).await;
    subjects.sort();
    let mut expected: Vec<String> = (0..MESSAGES).map(|i| format!("Message {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected);
}

/// The user's phone keeps working while the import is cut short (a laptop closed mid
/// first sync, the service restarted): mail that arrives and a message read meanwhile
/// are there once the import has resumed, not passed over because the resumed run took
/// the folder's state as it found it for where the import began.
#[tokio::test]
async fn what_happens_while_an_import_is_cut_short_is_not_passed_over() {
    let Some((dovecot, _postfix, app, account)) = cut_short_import().await else {
        return;
    };
    let mut phone = phone(&dovecot).await;
    phone
        .append("INBOX", None, None, message(MESSAGES))
        .await
        .unwrap();
    // Newest first: the last one appended before is among what the cut run stored.
    phone.select("INBOX").await.unwrap();
    let newest = format!("{MESSAGES}");
    let _: Vec<_> = futures_util::TryStreamExt::try_collect(
        phone.store(newest, "+FLAGS (\\Seen)").await.unwrap(),
    )
    .await
    .unwrap();
    // The import resumes, and the run after it follows up.
    sync(&app, account).await;
    sync(&app, account).await;
    let listed = common::imap::listed(&app, USER).await;
    let mut subjects: Vec<String> = listed
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..=MESSAGES).map(|i| format!("Message {i}")).collect();
    expected.sort();
    assert_eq!(
        subjects, expected,
        "the mail that arrived meanwhile is there"
    );
    let read: Vec<&str> = listed
        .iter()
        .filter(|m| m["isRead"] == true)
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert_eq!(
        read,
        [format!("Message {}", MESSAGES - 1)],
        "read meanwhile"
    );
}

#[tokio::test]
async fn a_fetch_answered_in_part_asks_again_for_what_is_missing() {
    let Some((dovecot, postfix)) = filled_servers().await else {
        return;
    };
    let armed = Arc::new(AtomicBool::new(false));
    let proxy = rewriting_proxy(dovecot.imap_port, armed.clone(), narrowed_fetch).await;
    let (app, account) = connected_through(&dovecot, &postfix, proxy, "none").await;

    armed.store(true, Ordering::SeqCst);
    sync(&app, account).await;
    assert!(!armed.load(Ordering::SeqCst), "the proxy narrowed no FETCH");
    let mut subjects = stored(&app).await;
    subjects.sort();
    let mut expected: Vec<String> = (0..MESSAGES).map(|i| format!("Message {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected, "one run, every message");
}

#[tokio::test]
async fn a_refused_search_is_not_an_empty_folder() {
    let Some((dovecot, postfix)) = filled_servers().await else {
        return;
    };
    let armed = Arc::new(AtomicBool::new(false));
    let proxy = rewriting_proxy(dovecot.imap_port, armed.clone(), refused_search).await;
    let (app, account) = connected_through(&dovecot, &postfix, proxy, "none").await;
    sync(&app, account).await;
    assert_eq!(stored(&app).await.len(), MESSAGES);

    // Another client expunges one message; the run that looks for expunges is refused
    // its SEARCH.
    let mut phone = phone(&dovecot).await;
    phone.select("INBOX").await.unwrap();
    let _: Vec<_> = futures_util::TryStreamExt::try_collect(
        phone.uid_store("1", "+FLAGS (\\Deleted)").await.unwrap(),
    )
    .await
    .unwrap();
    let _: Vec<_> = futures_util::TryStreamExt::try_collect(phone.expunge().await.unwrap())
        .await
        .unwrap();
    armed.store(true, Ordering::SeqCst);
    sync(&app, account).await;
    assert!(!armed.load(Ordering::SeqCst), "the proxy refused no SEARCH");
    assert_eq!(
        stored(&app).await.len(),
        MESSAGES,
        "a refused SEARCH deleted mail here"
    );

    // Answered next time: the one expunged goes, the rest stay.
    sync(&app, account).await;
    let left = stored(&app).await;
    assert_eq!(left.len(), MESSAGES - 1);
    assert!(!left.contains(&"Message 0".to_string()), "{left:?}");
}

#[tokio::test]
async fn a_refused_store_is_not_reported_as_done() {
    let Some((dovecot, postfix)) = filled_servers().await else {
        return;
    };
    let armed = Arc::new(AtomicBool::new(false));
    let proxy = rewriting_proxy(dovecot.imap_port, armed.clone(), read_only_folder).await;
    let (app, account) = connected_through(&dovecot, &postfix, proxy, "none").await;
    sync(&app, account).await;
    let listed = app
        .call(
            "mailMessages:list",
            Some(&user_token(USER)),
            "pageSize=1",
            None,
        )
        .await;
    let message = listed.json["data"][0].clone();
    assert_eq!(message["isRead"], false, "{}", listed.text);
    armed.store(true, Ordering::SeqCst);
    let reply = app
        .call(
            "mailMessages:update",
            Some(&user_token(USER)),
            &format!("filterByTk={}", message["id"]),
            Some(json!({"isRead": true})),
        )
        .await;
    assert!(
        !armed.load(Ordering::SeqCst),
        "the proxy made no folder read-only"
    );
    let outcome = format!("{} {}", reply.status, reply.text);
    assert!(
        reply.status != 200 || reply.text.contains("PROVIDER_REFUSED"),
        "a refused STORE was reported as done: {outcome}"
    );
    let after = app
        .call(
            "mailMessages:get",
            Some(&user_token(USER)),
            &format!("filterByTk={}", message["id"]),
            None,
        )
        .await;
    assert_eq!(after.json["data"]["isRead"], false, "{outcome}");
}
