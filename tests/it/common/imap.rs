//! What the IMAP tests share: another client of a test mailbox straight to Dovecot (the
//! user's phone), settings that trust the test CA, the admin's switch for IMAP, a
//! mailbox connected by the user, and a proxy that counts (and can cut) what a server
//! sends.

use super::TestApp;
use super::dovecot::Dovecot;
use super::tokens::admin_key;
use async_imap::Session;
use email_manager::config::Settings;
use email_manager::net::guard::HostPolicy;
use email_manager::providers::imap::stream::Stream;
use email_manager::providers::imap::{Endpoint, Reach, TlsMode, connect, tls};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Another mail client of `user`'s mailbox (the user's phone), over implicit TLS.
pub async fn phone(dovecot: &Dovecot, user: &str, password: &str) -> Session<Stream> {
    let reach = Reach {
        policy: HostPolicy {
            allowed_hosts: Vec::new(),
            allow_private_networks: true,
        },
        tls: tls::client_config(Some(&dovecot.ca_pem)).unwrap(),
        allow_plaintext: false,
    };
    let endpoint = Endpoint {
        host: "localhost".into(),
        port: dovecot.imaps_port,
        tls: TlsMode::Implicit,
    };
    connect::open(&reach, &endpoint, user, password)
        .await
        .expect("the test's own client logs in")
}

/// `UID STORE <set> <change>` on the phone's open folder (`+FLAGS (\\Seen)`, …).
pub async fn store(phone: &mut Session<Stream>, set: &str, change: &str) {
    use futures_util::TryStreamExt;
    let _: Vec<_> = phone
        .uid_store(set, change)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
}

/// EXPUNGE on the phone's open folder.
pub async fn expunge(phone: &mut Session<Stream>) {
    use futures_util::TryStreamExt;
    let _: Vec<_> = phone.expunge().await.unwrap().try_collect().await.unwrap();
}

/// The first 200 messages `user` lists (`mailMessages:list`).
pub async fn listed(app: &TestApp, user: i64) -> Vec<Value> {
    let reply = app
        .call(
            "mailMessages:list",
            Some(&super::tokens::user_token(user)),
            "pageSize=200",
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().cloned().unwrap_or_default()
}

/// `settings` trusting the test servers' CA (`imap.ca_file`).
pub fn trust_test_ca(settings: &mut Settings, dovecot: &Dovecot) {
    let ca = dovecot.path("service-ca.pem");
    std::fs::write(&ca, &dovecot.ca_pem).unwrap();
    settings.imap.ca_file = Some(ca);
}

/// The admin turns IMAP on with `rules` (`allowPrivateNetworks`, …).
pub async fn enable(app: &TestApp, rules: Value) {
    let mut values = json!({"enabled": true});
    values
        .as_object_mut()
        .unwrap()
        .extend(rules.as_object().unwrap().clone());
    let reply = app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=imap",
            Some(values),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// The service on SQLite trusting the test CA, IMAP enabled for private networks, and
/// `user`'s mailbox connected (IMAP at `imap`: port and TLS mode; submission with
/// STARTTLS at `smtp_port`): the app and the account's id.
pub async fn connected_app(
    dovecot: &Dovecot,
    user: i64,
    login: (&str, &str),
    imap: (u16, &str),
    smtp_port: u16,
) -> (TestApp, i64) {
    let db = super::database::TestDb::create(super::Backend::Sqlite).unwrap();
    let mut settings = super::test_settings(&db);
    trust_test_ca(&mut settings, dovecot);
    let app = super::spawn_with(db, settings).await;
    enable(&app, json!({"allowPrivateNetworks": true})).await;
    let account = connect(&app, user, login, imap, smtp_port).await;
    (app, account)
}

/// `mailAccounts:connect` as user `user` for `email`, IMAP at `imap_port` (`tls`) and
/// SMTP submission with STARTTLS at `smtp_port`; the new account's id.
pub async fn connect(
    app: &TestApp,
    user: i64,
    (email, password): (&str, &str),
    (imap_port, tls): (u16, &str),
    smtp_port: u16,
) -> i64 {
    let connected = app
        .call(
            "mailAccounts:connect",
            Some(&super::tokens::user_token(user)),
            "",
            Some(json!({
                "provider": "imap", "email": email, "password": password,
                "imap": {"host": "localhost", "port": imap_port, "tls": tls},
                "smtp": {"host": "localhost", "port": smtp_port, "tls": "starttls"},
            })),
        )
        .await;
    assert_eq!(connected.status, 200, "{}", connected.text);
    connected.json["data"]["id"].as_i64().unwrap()
}

/// Asks for a sync of `account` (`mailAccounts:sync` as `user`) and runs it to the end.
pub async fn sync(app: &TestApp, user: i64, account: i64) {
    let reply = app
        .call(
            "mailAccounts:sync",
            Some(&super::tokens::user_token(user)),
            &format!("filterByTk={account}"),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let state = app.state.clone().unwrap();
    while email_manager::sync::run_one(&state).await.unwrap() {}
}

/// What a [`proxy`] passes and has passed of the server's answers.
#[derive(Clone)]
pub struct Meter {
    /// Bytes each connection may still pass (negative: no limit); at 0 it is dropped.
    pub budget: Arc<AtomicI64>,
    /// Bytes passed so far, over every connection.
    pub passed: Arc<AtomicU64>,
}

impl Default for Meter {
    fn default() -> Self {
        Self {
            budget: Arc::new(AtomicI64::new(-1)),
            passed: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// A TCP proxy to `upstream` on a port of its own: each connection is handed to
/// `serve` with a fresh connection to the server.
pub async fn proxy_with<F, Fut>(upstream: u16, serve: F) -> u16
where
    F: Fn(TcpStream, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await {
                tokio::spawn(serve(client, server));
            }
        }
    });
    port
}

/// A TCP proxy to `upstream` that counts the bytes of the server's answers and passes
/// at most `meter.budget` of them per connection, then drops both sides (a lost link).
pub async fn proxy(upstream: u16, meter: Meter) -> u16 {
    proxy_with(upstream, move |client, server| {
        let mut left = meter.budget.load(Ordering::SeqCst);
        let passed = meter.passed.clone();
        async move {
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let up = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
            });
            let mut buffer = vec![0u8; 64 * 1024];
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
                passed.fetch_add(pass as u64, Ordering::SeqCst);
                if left >= 0 {
                    left -= pass as i64;
                    if left == 0 {
                        break;
                    }
                }
            }
            up.abort();
        }
    })
    .await
}
