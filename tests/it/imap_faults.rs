//! An IMAP first import that loses its connection half way (#26): a proxy in front of a
//! real Dovecot cuts the server's answers off mid-FETCH, as a dropped mobile link or a
//! server restart would. The run fails as a passing failure, the pages it committed stay,
//! and the next run resumes below the last committed page: every message once, none lost.

use crate::common::{self, Backend, TestApp, spawn_with, test_settings, tokens::admin_key};

use common::database::TestDb;
use common::dovecot::Dovecot;
use common::postfix::Postfix;
use common::tokens::user_token;
use email_manager::net::guard::HostPolicy;
use email_manager::providers::imap::{Endpoint, Reach, TlsMode, connect, tls};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ANN: &str = "ann@example.test";
const PASSWORD: &str = "correct horse battery";
const USER: i64 = 7;
const MESSAGES: usize = 40;

/// A TCP proxy to `upstream` that passes at most `budget` bytes of the server's answers
/// per connection (negative: no limit), then drops both sides.
async fn cutting_proxy(upstream: u16, budget: Arc<AtomicI64>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                continue;
            };
            let mut left = budget.load(Ordering::SeqCst);
            tokio::spawn(async move {
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                let mut buffer = vec![0u8; 16 * 1024];
                while let Ok(read) = server_read.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                    let pass = if left < 0 {
                        read
                    } else {
                        read.min(left as usize)
                    };
                    if client_write.write_all(&buffer[..pass]).await.is_err() {
                        break;
                    }
                    if left >= 0 {
                        left -= pass as i64;
                        if left == 0 {
                            break;
                        }
                    }
                }
                up.abort();
            });
        }
    });
    port
}

fn message(index: usize) -> String {
    let body = format!("Line {index} of a message long enough to span pages.\r\n").repeat(40);
    format!(
        "Message-ID: <m{index}@example.test>\r\nFrom: zed@example.test\r\nTo: {ANN}\r\n\
Subject: Message {index}\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\n\
Content-Type: text/plain\r\n\r\n{body}"
    )
}

async fn stored(app: &TestApp) -> Vec<String> {
    let reply = app
        .call(
            "mailMessages:list",
            Some(&user_token(USER)),
            "pageSize=200",
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn sync(app: &TestApp, account: i64) {
    let reply = app
        .call(
            "mailAccounts:sync",
            Some(&user_token(USER)),
            &format!("filterByTk={account}"),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let state = app.state.clone().unwrap();
    while email_manager::sync::run_one(&state).await.unwrap() {}
}

#[tokio::test]
async fn a_connection_cut_mid_import_resumes_without_duplicates() {
    let Some(dovecot) = Dovecot::start(&[(ANN, PASSWORD)]) else {
        return;
    };
    let Some(postfix) = Postfix::start(&dovecot, "example.test") else {
        return;
    };
    // The mailbox, filled by another client.
    let reach = Reach {
        policy: HostPolicy {
            allowed_hosts: Vec::new(),
            allow_private_networks: true,
        },
        tls: tls::client_config(Some(&dovecot.ca_pem)).unwrap(),
        allow_plaintext: false,
    };
    let direct = Endpoint {
        host: "localhost".into(),
        port: dovecot.imaps_port,
        tls: TlsMode::Implicit,
    };
    let mut phone = connect::open(&reach, &direct, ANN, PASSWORD).await.unwrap();
    for index in 0..MESSAGES {
        phone
            .append("INBOX", None, None, message(index))
            .await
            .unwrap();
    }

    let budget = Arc::new(AtomicI64::new(-1));
    let proxy = cutting_proxy(dovecot.imaps_port, budget.clone()).await;
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    let ca = dovecot.path("service-ca.pem");
    std::fs::write(&ca, &dovecot.ca_pem).unwrap();
    settings.imap.ca_file = Some(ca);
    settings.sync.page_size = 5;
    let app = spawn_with(db, settings).await;
    let enabled = app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=imap",
            Some(json!({"enabled": true, "allowPrivateNetworks": true})),
        )
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    let connected = app
        .call(
            "mailAccounts:connect",
            Some(&user_token(USER)),
            "",
            Some(json!({
                "provider": "imap", "email": ANN, "password": PASSWORD,
                "imap": {"host": "localhost", "port": proxy, "tls": "implicit"},
                "smtp": {"host": "localhost", "port": postfix.submission_port, "tls": "starttls"},
            })),
        )
        .await;
    assert_eq!(connected.status, 200, "{}", connected.text);
    let account = connected.json["data"]["id"].as_i64().unwrap();

    // The first run's connection is cut about half way through the mail.
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

    // The link is back: the import finishes, every message once.
    budget.store(-1, Ordering::SeqCst);
    sync(&app, account).await;
    let mut subjects = stored(&app).await;
    subjects.sort();
    let mut expected: Vec<String> = (0..MESSAGES).map(|i| format!("Message {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected);
}
