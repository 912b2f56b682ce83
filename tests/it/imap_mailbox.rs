//! An IMAP mailbox end to end (#26), against a real Dovecot and Postfix on loopback: the
//! admin enables IMAP, a user tests and connects a mailbox, the sync imports it (folders by
//! special use, threads by References) and follows what another client does on the server
//! (new mail, flags, expunges, a folder rebuilt with a new UIDVALIDITY), the user's own
//! changes reach the server first, and a message sent through the mailbox's SMTP server
//! arrives without its Bcc while the sender's copy lands in Sent.

use crate::common::{self, Backend, TestApp, spawn_with, test_settings, tokens::admin_key};

use async_imap::Session;
use common::database::TestDb;
use common::dovecot::Dovecot;
use common::postfix::Postfix;
use common::tokens::user_token;
use email_manager::providers::imap::stream::Stream;
use futures_util::TryStreamExt;
use serde_json::{Value, json};

const ANN: &str = "ann@example.test";
const BOB: &str = "bob@example.test";
const PASSWORD: &str = "correct horse battery";
const USER: i64 = 7;

struct Servers {
    dovecot: Dovecot,
    postfix: Postfix,
}

fn servers() -> Option<Servers> {
    let dovecot = Dovecot::start(&[(ANN, PASSWORD), (BOB, PASSWORD)])?;
    let postfix = Postfix::start(&dovecot, "example.test")?;
    Some(Servers { dovecot, postfix })
}

/// Settings trusting the test CA (`imap.ca_file`); sync and push off (run by the test).
fn settings_for(db: &TestDb, servers: &Servers) -> email_manager::config::Settings {
    let mut settings = test_settings(db);
    common::imap::trust_test_ca(&mut settings, &servers.dovecot);
    settings
}

/// The same, with the sync and push running on their own (the poll five minutes away).
fn live_settings(db: &TestDb, servers: &Servers) -> email_manager::config::Settings {
    let mut settings = settings_for(db, servers);
    settings.sync.enabled = true;
    settings.push.enabled = true;
    settings.sync.interval_secs = 300;
    settings
}

/// The service, with sync run by the test.
async fn app(backend: Backend, servers: &Servers) -> Option<TestApp> {
    let db = TestDb::create(backend)?;
    let settings = settings_for(&db, servers);
    Some(spawn_with(db, settings).await)
}

/// Another mail client on the same server (the user's phone).
async fn client(servers: &Servers, user: &str) -> Session<Stream> {
    common::imap::phone(&servers.dovecot, user, PASSWORD).await
}

async fn append(session: &mut Session<Stream>, folder: &str, raw: &str, flags: Option<&str>) {
    session
        .append(folder, flags, None, raw.replace('\n', "\r\n"))
        .await
        .expect("APPEND");
}

fn message(id: &str, subject: &str, extra: &str) -> String {
    format!(
        "Message-ID: <{id}@example.test>\nFrom: Zed <zed@example.test>\nTo: {ANN}\n\
Subject: {subject}\nDate: Thu, 05 Nov 2026 10:00:00 +0000\n{extra}\
Content-Type: text/plain; charset=utf-8\n\n{subject}: the body.\n"
    )
}

fn values(servers: &Servers, password: &str) -> Value {
    json!({
        "provider": "imap",
        "email": ANN,
        "imap": {"host": "localhost", "port": servers.dovecot.imaps_port, "tls": "implicit"},
        "smtp": {"host": "localhost", "port": servers.postfix.submission_port, "tls": "starttls"},
        "password": password,
    })
}

/// `mailAccounts:test` or `mailAccounts:connect` as Ann, with her values and `password`.
async fn servers_call(
    app: &TestApp,
    action: &str,
    servers: &Servers,
    password: &str,
) -> common::Reply {
    app.call(
        action,
        Some(&user_token(USER)),
        "",
        Some(values(servers, password)),
    )
    .await
}

/// Ann connects her mailbox (the admin has allowed the test servers); its id.
async fn connect_ann(app: &TestApp, servers: &Servers) -> i64 {
    common::imap::connect(
        app,
        USER,
        (ANN, PASSWORD),
        (servers.dovecot.imaps_port, "implicit"),
        servers.postfix.submission_port,
    )
    .await
}

async fn enable(app: &TestApp, rules: Value) {
    common::imap::enable(app, rules).await;
}

/// Asks for a sync of the user's mailboxes (`mailAccounts:sync`) and runs it to the end.
async fn sync(app: &TestApp) {
    let accounts = app
        .call("mailAccounts:list", Some(&user_token(USER)), "", None)
        .await;
    for account in accounts.json["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let id = account["id"].as_i64().unwrap();
        let reply = app
            .call(
                "mailAccounts:sync",
                Some(&user_token(USER)),
                &format!("filterByTk={id}"),
                None,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let state = app.state.clone().unwrap();
    while email_manager::sync::run_one(&state).await.unwrap() {}
}

async fn messages(app: &TestApp) -> Vec<Value> {
    let reply = app
        .call(
            "mailMessages:list",
            Some(&user_token(USER)),
            "pageSize=200",
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().cloned().unwrap_or_default()
}

fn by_subject<'a>(list: &'a [Value], subject: &str) -> Vec<&'a Value> {
    list.iter().filter(|m| m["subject"] == subject).collect()
}

async fn folders(app: &TestApp) -> Vec<Value> {
    let reply = app
        .call("mailFolders:list", Some(&user_token(USER)), "", None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().cloned().unwrap_or_default()
}

async fn folder_id(app: &TestApp, role: &str) -> i64 {
    folders(app)
        .await
        .iter()
        .find(|f| f["role"] == role)
        .and_then(|f| f["id"].as_i64())
        .unwrap_or_else(|| panic!("no {role} folder"))
}

/// The first message in `user`'s inbox, waited for (Postfix delivers in the background).
async fn first_delivered(servers: &Servers, user: &str) -> String {
    let mut session = client(servers, user).await;
    for _ in 0..100 {
        session.select("INBOX").await.unwrap();
        let fetched: Vec<async_imap::types::Fetch> = session
            .uid_fetch("1:*", "(BODY.PEEK[])")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        if let Some(body) = fetched.first().and_then(|f| f.body()) {
            return String::from_utf8_lossy(body).to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("nothing arrived for {user}\n{}", servers.postfix.log());
}

/// UIDs in `folder` with their flags, as the server holds them.
async fn server_state(session: &mut Session<Stream>, folder: &str) -> Vec<(u32, Vec<String>)> {
    session.select(folder).await.unwrap();
    let fetched: Vec<async_imap::types::Fetch> = session
        .uid_fetch("1:*", "(UID FLAGS)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    fetched
        .iter()
        .map(|f| {
            (
                f.uid.unwrap(),
                f.flags().map(|flag| format!("{flag:?}")).collect(),
            )
        })
        .collect()
}

async fn imap_mailbox_end_to_end(backend: Backend) {
    let Some(servers) = servers() else { return };
    let Some(app) = app(backend, &servers).await else {
        return;
    };
    let ann = user_token(USER);

    // Off until the admin turns it on.
    let reply = servers_call(&app, "mailAccounts:test", &servers, PASSWORD).await;
    assert_eq!(
        reply.error_code(),
        "PROVIDER_NOT_CONFIGURED",
        "{}",
        reply.text
    );

    // On, with its default rules: the loopback server is refused before any packet.
    enable(&app, json!({})).await;
    let reply = servers_call(&app, "mailAccounts:test", &servers, PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["data"]["ok"], false, "{}", reply.text);
    assert_eq!(reply.json["data"]["stage"], "dns", "{}", reply.text);
    assert!(
        reply.json["data"]["message"]
            .as_str()
            .unwrap()
            .contains("private or local network"),
        "{}",
        reply.text
    );
    let refused = servers_call(&app, "mailAccounts:connect", &servers, PASSWORD).await;
    assert_eq!(refused.status, 422, "{}", refused.text);

    // The admin allows the company network: a wrong password is said as such, and never
    // echoed.
    enable(&app, json!({"allowPrivateNetworks": true})).await;
    let provider = app
        .call(
            "mailProviders:get",
            Some(&admin_key(1)),
            "filterByTk=imap",
            None,
        )
        .await;
    assert_eq!(
        provider.json["data"]["allowPrivateNetworks"], true,
        "{}",
        provider.text
    );
    assert_eq!(
        provider.json["data"]["allowPlaintext"], false,
        "{}",
        provider.text
    );
    let reply = servers_call(&app, "mailAccounts:test", &servers, "wrong horse").await;
    assert_eq!(reply.json["data"]["ok"], false, "{}", reply.text);
    assert_eq!(reply.json["data"]["stage"], "auth", "{}", reply.text);
    assert_eq!(reply.json["data"]["protocol"], "imap", "{}", reply.text);
    assert!(!reply.text.contains("wrong horse"));

    // What another client put there before the mailbox was connected.
    let mut phone = client(&servers, ANN).await;
    append(&mut phone, "INBOX", &message("root", "Kick-off", ""), None).await;
    append(
        &mut phone,
        "INBOX",
        &message(
            "reply",
            "Re: Kick-off",
            "In-Reply-To: <root@example.test>\nReferences: <root@example.test>\n",
        ),
        Some("(\\Seen)"),
    )
    .await;
    append(
        &mut phone,
        "INBOX",
        &message("gone", "Soon expunged", ""),
        None,
    )
    .await;
    append(
        &mut phone,
        "Sent",
        &message("sent-1", "Sent earlier", ""),
        Some("(\\Seen)"),
    )
    .await;
    phone.create("Projekte &- Entw&APw-rfe").await.unwrap();
    append(
        &mut phone,
        "Projekte &- Entw&APw-rfe",
        &message("old", "In a folder", ""),
        None,
    )
    .await;

    let reply = servers_call(&app, "mailAccounts:test", &servers, PASSWORD).await;
    assert_eq!(
        reply.json["data"]["ok"],
        true,
        "{}\n{}",
        reply.text,
        servers.dovecot.log()
    );
    let connected = servers_call(&app, "mailAccounts:connect", &servers, PASSWORD).await;
    assert_eq!(connected.status, 200, "{}", connected.text);
    assert_eq!(
        connected.json["data"]["provider"], "imap",
        "{}",
        connected.text
    );
    let account = connected.json["data"]["id"].as_i64().unwrap();
    assert!(!connected.text.contains(PASSWORD));

    // The first import: every folder by its special use, every message once.
    sync(&app).await;
    let list = messages(&app).await;
    assert_eq!(list.len(), 5, "{list:#?}");
    let names: Vec<String> = folders(&app)
        .await
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["name"].as_str().unwrap(),
                f["role"].as_str().unwrap_or("")
            )
        })
        .collect();
    for wanted in [
        "Inbox:inbox",
        "Sent:sent",
        "Trash:trash",
        "Junk:spam",
        "Drafts:drafts",
    ] {
        assert!(
            names.iter().any(|n| n == wanted),
            "{wanted} not in {names:?}"
        );
    }
    assert!(
        names.iter().any(|n| n == "Projekte & Entwürfe:"),
        "{names:?}"
    );
    let (root, reply_message) = (
        by_subject(&list, "Kick-off")[0].clone(),
        by_subject(&list, "Re: Kick-off")[0].clone(),
    );
    assert_eq!(
        root["threadId"], reply_message["threadId"],
        "one conversation"
    );
    assert_eq!(root["isRead"], false);
    assert_eq!(reply_message["isRead"], true);

    // What the phone does next: new mail, a flag, an expunge.
    append(
        &mut phone,
        "INBOX",
        &message("new", "Arrived later", ""),
        None,
    )
    .await;
    let inbox = server_state(&mut phone, "INBOX").await;
    let (root_uid, gone_uid) = (inbox[0].0, inbox[2].0);
    phone
        .uid_store(root_uid.to_string(), "+FLAGS (\\Seen \\Flagged)")
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    phone
        .uid_store(gone_uid.to_string(), "+FLAGS (\\Deleted)")
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    phone
        .expunge()
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    sync(&app).await;
    let list = messages(&app).await;
    assert_eq!(by_subject(&list, "Arrived later").len(), 1, "{list:#?}");
    assert!(by_subject(&list, "Soon expunged").is_empty(), "{list:#?}");
    let root = by_subject(&list, "Kick-off")[0].clone();
    assert_eq!(
        (root["isRead"].clone(), root["isStarred"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(list.len(), 5);

    // The user's own changes go to the server first.
    let id = root["id"].as_i64().unwrap();
    let reply = app
        .call(
            "mailMessages:update",
            Some(&ann),
            &format!("filterByTk={id}"),
            Some(json!({"isRead": false, "isStarred": false})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let inbox = server_state(&mut phone, "INBOX").await;
    let flags = &inbox.iter().find(|(uid, _)| *uid == root_uid).unwrap().1;
    assert!(
        !flags.iter().any(|f| f == "Seen" || f == "Flagged"),
        "{flags:?}"
    );

    // A move: on the server at once, and the row follows without a duplicate.
    let archive = folder_id(&app, "archive").await;
    let reply = app
        .call(
            "mailMessages:update",
            Some(&ann),
            &format!("filterByTk={id}"),
            Some(json!({"folderId": archive})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(server_state(&mut phone, "Archive").await.len(), 1);
    assert!(
        server_state(&mut phone, "INBOX")
            .await
            .iter()
            .all(|(uid, _)| *uid != root_uid)
    );
    sync(&app).await;
    let list = messages(&app).await;
    let moved = by_subject(&list, "Kick-off");
    assert_eq!(moved.len(), 1, "{list:#?}");
    assert_eq!(moved[0]["folderIds"], json!([archive]), "{list:#?}");

    // Delete: to the Trash folder.
    let id = moved[0]["id"].as_i64().unwrap();
    let reply = app
        .call(
            "mailMessages:destroy",
            Some(&ann),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(server_state(&mut phone, "Trash").await.len(), 1);

    // A folder deleted and made again has a new UIDVALIDITY: its old UIDs name nothing.
    phone.select("INBOX").await.unwrap();
    phone.delete("Projekte &- Entw&APw-rfe").await.unwrap();
    phone.create("Projekte &- Entw&APw-rfe").await.unwrap();
    append(
        &mut phone,
        "Projekte &- Entw&APw-rfe",
        &message("fresh", "Fresh in the folder", ""),
        None,
    )
    .await;
    sync(&app).await;
    let list = messages(&app).await;
    assert!(by_subject(&list, "In a folder").is_empty(), "{list:#?}");
    assert_eq!(
        by_subject(&list, "Fresh in the folder").len(),
        1,
        "{list:#?}"
    );

    // Reading it whole: "Show original" comes from the server.
    let fresh = by_subject(&list, "Fresh in the folder")[0]["id"]
        .as_i64()
        .unwrap();
    let raw = app
        .call(
            "mailMessages:raw",
            Some(&ann),
            &format!("filterByTk={fresh}"),
            None,
        )
        .await;
    assert_eq!(raw.status, 200, "{}", raw.text);
    assert!(
        raw.text.contains("Message-ID: <fresh@example.test>"),
        "{}",
        raw.text
    );

    // Sending: through Postfix to Bob, Bcc to Carl's address kept off what Bob gets; the
    // copy lands in Ann's Sent with the Bcc.
    let reply = app
        .call(
            "mailMessages:send",
            Some(&ann),
            "",
            Some(json!({
                "accountId": account,
                "to": [BOB],
                "bcc": ["ann@example.test"],
                "subject": "Numbers for Q1",
                "text": "Here they are.",
            })),
        )
        .await;
    assert_eq!(
        reply.status,
        200,
        "{}\n{}",
        reply.text,
        servers.postfix.log()
    );
    let delivered = first_delivered(&servers, BOB).await;
    assert!(
        delivered.contains("Subject: Numbers for Q1"),
        "{delivered}\n{}",
        servers.postfix.log()
    );
    assert!(!delivered.to_lowercase().contains("bcc:"), "{delivered}");
    let sent = server_state(&mut phone, "Sent").await;
    assert_eq!(sent.len(), 2, "the sent copy is filed");
    sync(&app).await;
    assert_eq!(
        by_subject(&messages(&app).await, "Numbers for Q1").len(),
        2,
        "Sent, and the Bcc to herself in Inbox"
    );
}

both_backends!(imap_mailbox_end_to_end_both, imap_mailbox_end_to_end);

/// A changed password (or a revoked app password) is a mailbox to reconnect, said on the
/// account, not a sync that fails forever.
#[tokio::test]
async fn a_refused_password_asks_for_a_reconnect() {
    let Some(servers) = servers() else { return };
    let Some(app) = app(Backend::Sqlite, &servers).await else {
        return;
    };
    enable(&app, json!({"allowPrivateNetworks": true})).await;
    let account = connect_ann(&app, &servers).await;
    let state = app.state.clone().unwrap();
    // The password as stored no longer opens the mailbox.
    let id = account.to_string();
    let sealed = state.vault.seal(
        b"an old password",
        email_manager::store::account_servers::password_identity(&id),
    );
    state
        .store
        .run(move |c| {
            let mut row = email_manager::store::account_servers::get(c, account)?.unwrap();
            row.password_sealed = sealed;
            email_manager::store::account_servers::put(c, &row)
        })
        .await
        .unwrap();
    sync(&app).await;
    let reply = app
        .call(
            "mailAccounts:get",
            Some(&user_token(USER)),
            &format!("filterByTk={account}"),
            None,
        )
        .await;
    assert_eq!(
        reply.json["data"]["status"], "needs_reauth",
        "{}",
        reply.text
    );
}

/// Gmail's and Microsoft 365's submission servers file what a user sends in Sent
/// themselves: a copy of ours beside it would show every sent mail twice, in the
/// sidecar and on the user's phone. Here Postfix files it (a blind copy Dovecot delivers
/// into Sent), a moment after it accepted the message, as Microsoft 365 does.
#[tokio::test]
async fn a_server_that_files_sent_mail_itself_gets_no_second_copy() {
    let Some(dovecot) = Dovecot::start(&[(ANN, PASSWORD), (BOB, PASSWORD)]) else {
        return;
    };
    let Some(postfix) = Postfix::start_filing(&dovecot, "example.test") else {
        return;
    };
    let servers = Servers { dovecot, postfix };
    let Some(app) = app(Backend::Sqlite, &servers).await else {
        return;
    };
    enable(&app, json!({"allowPrivateNetworks": true})).await;
    let account = connect_ann(&app, &servers).await;
    let mut phone = client(&servers, ANN).await;
    for (round, subject) in ["First offer", "Second offer"].iter().enumerate() {
        let reply = app
            .call(
                "mailMessages:send",
                Some(&user_token(USER)),
                "",
                Some(json!({
                    "accountId": account, "to": [BOB], "subject": subject, "text": "Terms inside.",
                })),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert!(
            first_delivered(&servers, BOB)
                .await
                .contains("Subject: First offer"),
            "{}",
            servers.postfix.log()
        );
        // Longer than the server takes to file, and than the service waits for it.
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        assert_eq!(
            server_state(&mut phone, "Sent").await.len(),
            round + 1,
            "one copy of each sent message in Sent\n{}",
            servers.postfix.log()
        );
    }
}

/// New mail shows in seconds, as with Gmail's and Graph's pushes: the connection held in
/// IDLE hears it and wakes the sync, long before the next poll (five minutes).
#[tokio::test]
async fn new_mail_arrives_by_idle_not_by_the_next_poll() {
    let Some(servers) = servers() else { return };
    let Some(db) = TestDb::create(Backend::Sqlite) else {
        return;
    };
    let settings = live_settings(&db, &servers);
    let app = spawn_with(db, settings).await;
    enable(&app, json!({"allowPrivateNetworks": true})).await;
    let mut phone = client(&servers, ANN).await;
    append(
        &mut phone,
        "INBOX",
        &message("first", "Already there", ""),
        None,
    )
    .await;
    let account = connect_ann(&app, &servers).await;

    // The first sync done and the IDLE connection up.
    let ready = std::time::Instant::now();
    loop {
        let reply = app
            .call(
                "mailAccounts:get",
                Some(&user_token(USER)),
                &format!("filterByTk={account}"),
                None,
            )
            .await;
        let data = &reply.json["data"];
        if data["lastSyncAt"].is_string() && data["push"]["status"] == "active" {
            break;
        }
        assert!(ready.elapsed().as_secs() < 60, "not ready: {}", reply.text);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The watcher's session is in IDLE, as the server sees it.
    let waited = std::time::Instant::now();
    while servers.dovecot.sessions_in_idle() == 0 {
        assert!(waited.elapsed().as_secs() < 30, "no session went into IDLE");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let sent = std::time::Instant::now();
    append(
        &mut phone,
        "INBOX",
        &message("pushed", "Pushed in", ""),
        None,
    )
    .await;
    loop {
        if !by_subject(&messages(&app).await, "Pushed in").is_empty() {
            break;
        }
        assert!(
            sent.elapsed().as_secs() < 30,
            "the new message did not arrive by IDLE (the poll is 5 minutes away)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    eprintln!(
        "new mail visible {} ms after it was delivered",
        sent.elapsed().as_millis()
    );
}

/// Drafts live in the mailbox's own Drafts folder (with `\Draft`), so the user's other
/// clients see them; a save replaces the one there, and sending one delivers it without
/// its Bcc and leaves Drafts empty.
#[tokio::test]
async fn drafts_live_in_the_drafts_folder() {
    let Some(servers) = servers() else { return };
    let Some(app) = app(Backend::Sqlite, &servers).await else {
        return;
    };
    enable(&app, json!({"allowPrivateNetworks": true})).await;
    let account = connect_ann(&app, &servers).await;
    let ann = user_token(USER);
    let key = |draft: &Value| {
        format!(
            "filterByTk={}",
            common::urlencode(draft["id"].as_str().unwrap())
        )
    };

    let created = app
        .call(
            "mailDrafts:create",
            Some(&ann),
            "",
            Some(json!({"accountId": account, "to": [BOB], "bcc": ["carl@example.test"], "subject": "Plan", "text": "First go."})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let draft = created.json["data"].clone();
    let mut phone = client(&servers, ANN).await;
    let held = server_state(&mut phone, "Drafts").await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].1.iter().any(|f| f == "Draft"), "{held:?}");

    let read = app
        .call("mailDrafts:get", Some(&ann), &key(&draft), None)
        .await;
    assert_eq!(read.json["data"]["subject"], "Plan", "{}", read.text);
    let saved = app
        .call(
            "mailDrafts:update",
            Some(&ann),
            &key(&draft),
            Some(json!({"version": read.json["data"]["version"], "subject": "Plan (v2)"})),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let saved = saved.json["data"][0].clone();
    assert_eq!(
        server_state(&mut phone, "Drafts").await.len(),
        1,
        "the old version is gone"
    );
    let listed = app
        .call(
            "mailDrafts:list",
            Some(&ann),
            &format!(
                "filter={}",
                common::urlencode(&json!({"accountId": account}).to_string())
            ),
            None,
        )
        .await;
    assert_eq!(listed.json["meta"]["count"], 1, "{}", listed.text);
    assert_eq!(
        listed.json["data"][0]["subject"], "Plan (v2)",
        "{}",
        listed.text
    );

    let sent = app
        .call("mailDrafts:send", Some(&ann), &key(&saved), Some(json!({})))
        .await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    assert!(server_state(&mut phone, "Drafts").await.is_empty());
    let delivered = first_delivered(&servers, BOB).await;
    assert!(delivered.contains("Subject: Plan (v2)"), "{delivered}");
    assert!(
        !delivered.to_lowercase().contains("carl@example.test"),
        "{delivered}"
    );
    assert_eq!(
        server_state(&mut phone, "Sent").await.len(),
        1,
        "the sent copy is filed"
    );
}

/// Two replicas on one PostgreSQL: the mailbox gets one IDLE connection, whichever
/// process looks at its push row (both are made to, again and again), and new mail still
/// arrives by it.
#[tokio::test]
async fn replicas_hold_one_idle_connection_per_mailbox() {
    let Some(servers) = servers() else { return };
    let Some(db) = TestDb::create(Backend::Postgres) else {
        return;
    };
    let settings = live_settings(&db, &servers);
    let first = spawn_with(db, settings.clone()).await;
    let second = email_manager::startup::Application::build(
        settings,
        email_manager::startup::BuildOptions { migrate: false },
    )
    .await
    .expect("the second replica starts");
    let second_state = second.state();
    tokio::spawn(second.run_until(std::future::pending()));
    let first_state = first.state.clone().unwrap();
    enable(&first, json!({"allowPrivateNetworks": true})).await;
    let connected = servers_call(&first, "mailAccounts:connect", &servers, PASSWORD).await;
    assert_eq!(connected.status, 200, "{}", connected.text);
    let account = connected.json["data"]["id"].as_i64().unwrap();
    let watchers = || first_state.imap_idle.count() + second_state.imap_idle.count();

    let started = std::time::Instant::now();
    while watchers() == 0 {
        assert!(
            started.elapsed().as_secs() < 30,
            "no replica watches the mailbox"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Both replicas are made to look at the row, over and over.
    for _ in 0..4 {
        let now = chrono::Utc::now().naive_utc();
        first_state
            .store
            .run(move |c| email_manager::store::mail_push::check_by(c, account, now))
            .await
            .unwrap();
        first_state.push_wake.notify_waiters();
        second_state.push_wake.notify_waiters();
        // Watched while both act on the row: never a second connection.
        let watching = std::time::Instant::now();
        while watching.elapsed() < std::time::Duration::from_secs(2) {
            assert_eq!(watchers(), 1, "one IDLE connection for the mailbox");
            assert!(
                servers.dovecot.sessions_in_idle() <= 1,
                "two sessions in IDLE"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    let mut phone = client(&servers, ANN).await;
    append(
        &mut phone,
        "INBOX",
        &message("replicas", "Heard once", ""),
        None,
    )
    .await;
    let sent = std::time::Instant::now();
    while by_subject(&messages(&first).await, "Heard once").is_empty() {
        assert!(
            sent.elapsed().as_secs() < 30,
            "the new message did not arrive by IDLE"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
