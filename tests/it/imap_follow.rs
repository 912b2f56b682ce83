//! A follow-up IMAP sync on a server with QRESYNC (#26; Dovecot, Fastmail, Yahoo,
//! Zoho have it): what changed since the last run, flags and expunges alike, comes
//! from one answer (`UID FETCH … (CHANGEDSINCE n VANISHED)`) instead of listing every
//! UID of the folder again, which costs minutes on a 100,000-message folder.
//! The commands are read off a proxy in front of a real Dovecot.

use crate::common::{self, TestApp};
use crate::imap_faults::{MESSAGES, connected_through, filled_servers, sync};

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A plaintext proxy to `upstream` that keeps every command the service sends.
async fn recording_proxy(upstream: u16, commands: Arc<Mutex<Vec<String>>>) -> u16 {
    common::imap::proxy_with(upstream, move |client, server| {
        let commands = commands.clone();
        async move {
            let (client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let down = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            });
            let mut lines = BufReader::new(client_read);
            let mut line = String::new();
            while lines.read_line(&mut line).await.is_ok_and(|read| read > 0) {
                commands.lock().unwrap().push(line.clone());
                if server_write.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
                line.clear();
            }
            down.abort();
        }
    })
    .await
}

async fn inbox(app: &TestApp) -> Vec<serde_json::Value> {
    common::imap::listed(app, 7).await
}

#[tokio::test]
async fn expunges_and_flag_changes_come_in_one_answer_without_listing_every_uid() {
    let Some((dovecot, postfix)) = filled_servers().await else {
        return;
    };
    let commands = Arc::new(Mutex::new(Vec::new()));
    let proxy = recording_proxy(dovecot.imap_port, commands.clone()).await;
    let (app, account) = connected_through(&dovecot, &postfix, proxy, "none").await;
    sync(&app, account).await;
    assert_eq!(inbox(&app).await.len(), MESSAGES);

    // On the phone: two read, one starred, three deleted for good.
    let mut phone =
        common::imap::phone(&dovecot, "ann@example.test", "correct horse battery").await;
    phone.select("INBOX").await.unwrap();
    for (set, flag) in [
        ("1:2", "\\Seen"),
        ("3", "\\Flagged"),
        ("10:12", "\\Deleted"),
    ] {
        common::imap::store(&mut phone, set, &format!("+FLAGS ({flag})")).await;
    }
    common::imap::expunge(&mut phone).await;

    commands.lock().unwrap().clear();
    sync(&app, account).await;
    let listed = inbox(&app).await;
    assert_eq!(listed.len(), MESSAGES - 3, "the three expunged are gone");
    let subject_of = |flag: &str| -> Vec<String> {
        let mut found: Vec<String> = listed
            .iter()
            .filter(|m| m[flag] == true)
            .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
            .collect();
        found.sort();
        found
    };
    assert_eq!(subject_of("isRead"), ["Message 0", "Message 1"]);
    assert_eq!(subject_of("isStarred"), ["Message 2"]);
    let sent = commands.lock().unwrap().join("");
    assert!(
        sent.contains("VANISHED"),
        "no QRESYNC FETCH was asked:\n{sent}"
    );
    assert!(
        !sent.contains("UID SEARCH"),
        "the folder's UIDs were listed again:\n{sent}"
    );
}
