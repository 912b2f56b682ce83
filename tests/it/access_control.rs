//! Who may call what, route by route. One user owns a synced Gmail mailbox (messages,
//! folders, threads, an attachment, a scheduled send). For every route the service
//! serves, another user, an admin, and callers with no token, an expired token or a token
//! signed by another NocoBase or signed out at NocoBase get exactly the status this table
//! documents, and no answer to them holds the owner's mail. A route added without a row
//! here fails the test.

use crate::common;

use common::Backend;
use common::oauth::{Wired, wired_syncing};
use common::stubs::{CheckAnswer, StubNocobase};
use common::tokens::{admin_key, now, sign, user_claims, user_token};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const OWNER: i64 = 7;
const OTHER: i64 = 8;
const ADMIN: i64 = 9;
const MAILBOX: &str = "owner@gmail.test";

/// What the owner's data is called in the table's requests.
struct Ids {
    account: i64,
    message: i64,
    /// The message's read flag, which others try to flip.
    message_read: bool,
    folder: i64,
    thread: String,
    attachment: i64,
    outbox: i64,
    /// One of the owner's trusted image senders.
    trusted: i64,
    /// The owner's note (a to-do) on their message.
    note: i64,
    /// One of the owner's labels.
    label: i64,
    /// The owner's signature, personal template and draft (at the provider).
    signature: i64,
    template: i64,
    draft: String,
    /// The owner's mail-merge campaign (a draft with one recipient).
    campaign: i64,
    /// Words only the owner's mail holds (subjects, a body): no answer to anyone else may
    /// contain them. The mailbox's address is metadata an admin may see.
    secrets: Vec<String>,
}

/// How a caller is turned away (or served) on a route.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// This status, whatever the body.
    Status(u16),
    /// 200 with a list that holds none of the owner's rows.
    EmptyList,
    /// NocoBase's answer for a record the caller cannot reach: 200 with `data` null (get),
    /// `[]` (update) or `0` (destroy), and nothing changed.
    Nothing,
}

/// One route: the request and what another user and an admin get. Every non-public route
/// answers 401 without a valid token.
struct Row {
    path: &'static str,
    method: &'static str,
    query: String,
    body: Option<Value>,
    public: bool,
    other: Expect,
    admin: Expect,
}

fn row(
    path: &'static str,
    method: &'static str,
    query: String,
    body: Option<Value>,
    other: Expect,
    admin: Expect,
) -> Row {
    Row {
        path,
        method,
        query,
        body,
        public: false,
        other,
        admin,
    }
}

fn public(path: &'static str, query: &str) -> Row {
    Row {
        path,
        method: "get",
        query: query.into(),
        body: None,
        public: true,
        other: Expect::Status(0),
        admin: Expect::Status(0),
    }
}

/// A public POST route (the providers' webhooks): it proves itself otherwise.
fn public_post(path: &'static str, body: Value) -> Row {
    Row {
        method: "post",
        body: Some(body),
        ..public(path, "")
    }
}

/// An IMAP mailbox's values for `mailAccounts:test` and `mailAccounts:connect`.
fn imap_values() -> Value {
    json!({
        "provider": "imap", "email": "someone@example.com", "password": "secret",
        "imap": {"host": "imap.example.com"}, "smtp": {"host": "smtp.example.com"}
    })
}

#[rustfmt::skip] // one route per line: a table
fn table(ids: &Ids) -> Vec<Row> {
    use Expect::{EmptyList, Nothing, Status};
    let account = format!("filterByTk={}", ids.account);
    let message = format!("filterByTk={}", ids.message);
    let draft = format!("filterByTk={}", common::urlencode(&ids.draft));
    let by_account = format!(
        "filter={}",
        common::urlencode(&json!({"accountId": ids.account}).to_string())
    );
    vec![
        public("/healthz", ""),
        public("/readyz", ""),
        public("/metrics", ""),
        public("/api/openapi.json", ""),
        // The state parameter, not a token, says whose callback it is: a forged one is refused.
        public("/api/mailOAuth:callback", "state=forged&code=x"),
        // Webhooks are authenticated by the subscription's clientState / Google's OIDC
        // token: a forged one is refused (403) whatever NocoBase token comes with it.
        public_post("/api/mailWebhooks:microsoft", json!({"value": [{"subscriptionId": "forged", "clientState": "forged"}]})),
        public_post("/api/mailWebhooks:google", json!({"message": {"data": "e30="}})),
        // Settings are the admin's; an empty update changes nothing.
        row("/api/mailProviders:list", "get", String::new(), None, Status(403), Status(200)),
        row("/api/mailProviders:get", "get", "filterByTk=google".into(), None, Status(403), Status(200)),
        row("/api/mailProviders:update", "post", "filterByTk=google".into(), Some(json!({})), Status(403), Status(200)),
        row("/api/mailProviders:test", "post", "filterByTk=google".into(), Some(json!({})), Status(403), Status(200)),
        // Anyone signed in may start connecting their own mailbox.
        row("/api/mailAccounts:authorize", "post", String::new(), Some(json!({"provider": "google", "returnUrl": "http://nocobase.test/admin"})), Status(200), Status(200)),
        // Connecting an IMAP mailbox names the caller's own servers; it reaches nobody's
        // mail. Off until the admin enables IMAP.
        row("/api/mailAccounts:test", "post", String::new(), Some(imap_values()), Status(400), Status(400)),
        row("/api/mailAccounts:connect", "post", String::new(), Some(imap_values()), Status(400), Status(400)),
        row("/api/mailAccounts:list", "get", String::new(), None, EmptyList, EmptyList),
        // An admin sees any account's metadata (never its mail), as `mailAccounts:list?scope=all` does.
        row("/api/mailAccounts:get", "get", account.clone(), None, Nothing, Status(200)),
        row("/api/mailAccounts:update", "post", account.clone(), Some(json!({"visibility": "full"})), Nothing, Nothing),
        row("/api/mailAccounts:sync", "post", account.clone(), Some(json!({})), Status(404), Status(404)),
        row("/api/mailAccounts:destroy", "post", account.clone(), Some(json!({})), Nothing, Nothing),
        // Only an admin disconnects a (deleted) user's mailboxes: here a user who has none.
        row("/api/mailAccounts:disconnectUser", "post", String::new(), Some(json!({"userId": 999_999})), Status(403), Status(200)),
        row("/api/mailFolders:list", "get", by_account.clone(), None, EmptyList, EmptyList),
        row("/api/mailMessages:list", "get", by_account.clone(), None, EmptyList, EmptyList),
        row("/api/mailMessages:get", "get", message.clone(), None, Nothing, Nothing),
        row("/api/mailMessages:update", "post", message.clone(), Some(json!({"isRead": !ids.message_read})), Status(404), Status(404)),
        row("/api/mailMessages:destroy", "post", message.clone(), Some(json!({})), Status(404), Status(404)),
        row("/api/mailMessages:prepareReply", "get", message.clone(), None, Status(404), Status(404)),
        // The original holds Bcc and every header: its owner's alone, an admin's neither.
        row("/api/mailMessages:raw", "get", message.clone(), None, Status(404), Status(404)),
        row("/api/mailMessages:send", "post", String::new(), Some(json!({"accountId": ids.account, "to": ["x@example.com"], "subject": "s", "text": "t"})), Status(404), Status(404)),
        row("/api/mailThreads:list", "get", by_account.clone(), None, EmptyList, EmptyList),
        row("/api/mailThreads:get", "get", format!("filterByTk={}", ids.thread), None, Nothing, Nothing),
        row("/api/mailAttachments:download", "get", format!("filterByTk={}", ids.attachment), None, Status(404), Status(404)),
        row("/api/mailOutbox:list", "get", String::new(), None, EmptyList, EmptyList),
        row("/api/mailOutbox:destroy", "post", format!("filterByTk={}", ids.outbox), Some(json!({})), Status(404), Status(404)),
        // Everyone has their own list of senders whose images they always show.
        row("/api/mailTrustedSenders:list", "get", String::new(), None, EmptyList, EmptyList),
        row("/api/mailTrustedSenders:create", "post", String::new(), Some(json!({"address": "news@shop.example"})), Status(200), Status(200)),
        row("/api/mailTrustedSenders:destroy", "post", format!("filterByTk={}", ids.trusted), Some(json!({})), Nothing, Nothing),
        // Notes are read and written by whoever reads the mail's body: nobody else here.
        row("/api/mailLabels:list", "get", String::new(), None, EmptyList, EmptyList),
        row("/api/mailLabels:list", "get", by_account, None, EmptyList, EmptyList),
        row("/api/mailLabels:create", "post", String::new(), Some(json!({"accountId": ids.account, "name": "theirs"})), Status(400), Status(400)),
        row("/api/mailLabels:update", "post", format!("filterByTk={}", ids.label), Some(json!({"color": null})), Status(404), Status(404)),
        row("/api/mailLabels:destroy", "post", format!("filterByTk={}", ids.label), Some(json!({})), Status(404), Status(404)),
        row("/api/mailNotes:list", "get", String::new(), None, EmptyList, EmptyList),
        row("/api/mailNotes:list", "get", format!("filter={}", common::urlencode(&json!({"messageId": ids.message}).to_string())), None, EmptyList, EmptyList),
        row("/api/mailNotes:create", "post", String::new(), Some(json!({"messageId": ids.message, "text": "theirs"})), Status(400), Status(400)),
        row("/api/mailNotes:update", "post", format!("filterByTk={}", ids.note), Some(json!({"done": true})), Nothing, Nothing),
        row("/api/mailNotes:destroy", "post", format!("filterByTk={}", ids.note), Some(json!({})), Nothing, Nothing),
        // Signatures and personal templates are their owner's alone, an admin's neither.
        row("/api/mailSignatures:list", "get", String::new(), None, EmptyList, EmptyList),
        row("/api/mailSignatures:get", "get", format!("filterByTk={}", ids.signature), None, Nothing, Nothing),
        row("/api/mailSignatures:create", "post", String::new(), Some(json!({"name": "Theirs", "html": "<p>x</p>"})), Status(200), Status(200)),
        row("/api/mailSignatures:update", "post", format!("filterByTk={}", ids.signature), Some(json!({"name": "Taken"})), Nothing, Nothing),
        row("/api/mailSignatures:destroy", "post", format!("filterByTk={}", ids.signature), Some(json!({})), Nothing, Nothing),
        row("/api/mailTemplates:list", "get", String::new(), None, EmptyList, EmptyList),
        row("/api/mailTemplates:get", "get", format!("filterByTk={}", ids.template), None, Nothing, Nothing),
        row("/api/mailTemplates:create", "post", String::new(), Some(json!({"name": "Theirs"})), Status(200), Status(200)),
        row("/api/mailTemplates:update", "post", format!("filterByTk={}", ids.template), Some(json!({"name": "Taken"})), Nothing, Nothing),
        row("/api/mailTemplates:destroy", "post", format!("filterByTk={}", ids.template), Some(json!({})), Nothing, Nothing),
        row("/api/mailTemplates:render", "post", String::new(), Some(json!({"templateId": ids.template})), Status(404), Status(404)),
        row("/api/mailCampaigns:list", "get", String::new(), None, EmptyList, EmptyList),
        row("/api/mailCampaigns:get", "get", format!("filterByTk={}", ids.campaign), None, Nothing, Nothing),
        row("/api/mailCampaigns:create", "post", String::new(), Some(json!({"accountId": ids.account, "templateId": ids.template, "source": {"collection": "customers", "ids": [1], "emailField": "email"}})), Status(404), Status(404)),
        row("/api/mailCampaigns:update", "post", format!("filterByTk={}", ids.campaign), Some(json!({"status": "running"})), Nothing, Nothing),
        row("/api/mailCampaigns:destroy", "post", format!("filterByTk={}", ids.campaign), Some(json!({})), Nothing, Nothing),
        row("/api/mailCampaigns:allowance", "get", format!("accountId={}", ids.account), None, Status(404), Status(404)),
        // The organisation's opt-out list: anyone adds, sees their own; an admin sees and removes all.
        row("/api/mailOptOuts:list", "get", String::new(), None, EmptyList, Status(200)),
        row("/api/mailOptOuts:create", "post", String::new(), Some(json!({"entry": "stop@northwind.test"})), Status(200), Status(200)),
        row("/api/mailOptOuts:destroy", "post", "filterByTk=999999".into(), Some(json!({})), Status(403), Nothing),
        // The activity feed shows a caller the mailboxes it may see; readers are each caller's own.
        row("/api/mailActivity:list", "get", format!("after=0&accountId={}", ids.account), None, Nothing, Nothing),
        row("/api/mailActivity:subscribe", "post", String::new(), Some(json!({"reader": "workflow:theirs"})), Status(200), Status(200)),
        row("/api/mailActivity:ack", "post", String::new(), Some(json!({"reader": "never-subscribed", "position": 0})), Status(404), Status(404)),
        row("/api/mailActivity:unsubscribe", "post", String::new(), Some(json!({"reader": "workflow:theirs"})), Status(200), Status(200)),
        row("/api/mailCampaignRecipients:list", "get", format!("filter={}", common::urlencode(&json!({"campaignId": ids.campaign}).to_string())), None, EmptyList, EmptyList),
        // Drafts live at the owner's provider: nobody else reads, saves, sends or removes them.
        row("/api/mailDrafts:list", "get", format!("filter={}", common::urlencode(&json!({"accountId": ids.account}).to_string())), None, EmptyList, EmptyList),
        row("/api/mailDrafts:get", "get", draft.clone(), None, Nothing, Nothing),
        row("/api/mailDrafts:create", "post", String::new(), Some(json!({"accountId": ids.account, "subject": "s"})), Status(404), Status(404)),
        row("/api/mailDrafts:update", "post", draft.clone(), Some(json!({"version": "x", "subject": "Taken"})), Status(404), Status(404)),
        row("/api/mailDrafts:send", "post", draft.clone(), Some(json!({})), Status(404), Status(404)),
        row("/api/mailDrafts:destroy", "post", draft, Some(json!({})), Nothing, Nothing),
        // A stream of the caller's own mailboxes: nothing of the owner's, even replayed
        // from the first event (`send` asks with Last-Event-ID 0).
        row("/api/mailEvents:stream", "get", String::new(), None, Status(200), Status(200)),
    ]
}

async fn send(w: &Wired, row: &Row, token: Option<&str>) -> common::Reply {
    let url = if row.query.is_empty() {
        format!("{}{}", w.app.address, row.path)
    } else {
        format!("{}{}?{}", w.app.address, row.path, row.query)
    };
    let mut request = match (row.method, &row.body) {
        ("post", Some(body)) => w.http.post(url).json(body),
        ("post", None) => w.http.post(url),
        _ => w.http.get(url),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .header("last-event-id", "0")
        .send()
        .await
        .expect("the app answers");
    if response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"))
    {
        return read_stream_for_a_second(response).await;
    }
    common::read(response).await
}

/// An event stream never ends: what it sends in its first second.
async fn read_stream_for_a_second(mut response: reqwest::Response) -> common::Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut text = String::new();
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(1);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(until, response.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    common::Reply {
        status,
        headers,
        text,
        json: Value::Null,
    }
}

/// A read by the mailbox's owner.
async fn as_owner(w: &Wired, action: &str, query: String) -> common::Reply {
    w.app
        .call(action, Some(&user_token(OWNER)), &query, None)
        .await
}

/// The owner's synced mailbox and the ids the table needs.
async fn owner_mailbox(w: &Wired) -> Ids {
    let owner = user_token(OWNER);
    w.mailbox("google", MAILBOX, 30).await;
    let params = w.connect(&owner, "google", MAILBOX).await;
    let account: i64 = common::oauth::param(&params, "mailAccountId")
        .unwrap()
        .parse()
        .unwrap();
    let rows = w.wait_listed(30, "pageSize=100").await;
    let with_file = rows
        .iter()
        .find(|m| m["hasAttachments"] == true)
        .expect("a message with an attachment (change the count)");
    let full = as_owner(
        w,
        "mailMessages:get",
        format!("filterByTk={}", with_file["id"]),
    )
    .await;
    let attachment = full.json["data"]["attachments"][0]["id"].as_i64().unwrap();
    let folders = as_owner(w, "mailFolders:list", String::new()).await;
    let folder = folders.json["data"][0]["id"].as_i64().unwrap();
    let later = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let scheduled = w.app.call("mailMessages:send", Some(&owner), "", Some(json!({
        "accountId": account, "to": ["zoe@acme.com"], "subject": "Owner's scheduled note", "text": "owner-only-words", "sendAt": later,
    }))).await;
    assert_eq!(
        scheduled.json["data"]["status"], "scheduled",
        "{}",
        scheduled.text
    );
    let secrets = rows
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .filter(|s| s.len() > 8)
        .take(5)
        .map(String::from)
        .chain(
            [
                "owner-only-words",
                "owner-signature-words",
                "owner-template-words",
                "owner-draft-words",
                "owner-note-words",
                "owner-label-words",
                "owner-campaign-recipient",
            ]
            .map(String::from),
        )
        .collect();
    let created = |action: &'static str, values: Value| {
        let owner = owner.clone();
        async move {
            let reply = w.app.call(action, Some(&owner), "", Some(values)).await;
            assert_eq!(reply.status, 200, "{action}: {}", reply.text);
            reply.json["data"]["id"].clone()
        }
    };
    let signature = created(
        "mailSignatures:create",
        json!({"name": "Mine", "html": "<p>owner-signature-words</p>", "accountId": account}),
    )
    .await
    .as_i64()
    .unwrap();
    let template = created("mailTemplates:create", json!({"name": "Mine", "subject": "owner-template-words", "html": "<p>owner-template-words</p>"}))
        .await
        .as_i64()
        .unwrap();
    let draft = created(
        "mailDrafts:create",
        json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "owner-draft-words"}),
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let note = created(
        "mailNotes:create",
        json!({"messageId": with_file["id"], "text": "owner-note-words", "dueAt": "2030-01-02"}),
    )
    .await
    .as_i64()
    .unwrap();
    let label = created(
        "mailLabels:create",
        json!({"accountId": account, "name": "owner-label-words", "color": "#16a766"}),
    )
    .await
    .as_i64()
    .unwrap();
    let campaign = {
        use email_manager::store::campaigns::{self, NewCampaign, NewRecipient};
        let new = NewCampaign {
            user_id: OWNER,
            account_id: account,
            from_address: None,
            template_id: Some(template),
            subject: "owner-template-words".into(),
            html: "<p>owner-template-words</p>".into(),
            source: r#"{"collection":"customers","ids":[1],"emailField":"email"}"#.into(),
            user_values: "{}".into(),
            send_at: None,
        };
        let recipients = vec![NewRecipient {
            record_id: "1".into(),
            address: Some("owner-campaign-recipient@northwind.test".into()),
            record: Some(r#"{"id":1,"name":"owner-campaign-recipient"}"#.into()),
            skipped: None,
        }];
        let state = w.app.state.as_ref().expect("the app's state");
        state
            .store
            .run(move |c| campaigns::create(c, &new, &recipients, chrono::Utc::now().naive_utc()))
            .await
            .unwrap()
            .id
    };
    Ids {
        account,
        campaign,
        note,
        label,
        message: with_file["id"].as_i64().unwrap(),
        message_read: full.json["data"]["isRead"].as_bool().unwrap(),
        folder,
        thread: with_file["threadId"]
            .to_string()
            .trim_matches('"')
            .to_string(),
        attachment,
        outbox: scheduled.json["data"]["id"].as_i64().unwrap(),
        trusted: w
            .app
            .call(
                "mailTrustedSenders:create",
                Some(&owner),
                "",
                Some(json!({"address": "owner-trusts@shop.example"})),
            )
            .await
            .json["data"]["id"]
            .as_i64()
            .unwrap(),
        signature,
        template,
        draft,
        secrets,
    }
}

fn leaks<'a>(reply: &common::Reply, ids: &'a Ids) -> Option<&'a str> {
    if reply.text.contains("event: ") && reply.text.contains("accountId") {
        return Some("an event about the owner's mailbox");
    }
    ids.secrets
        .iter()
        .map(String::as_str)
        .find(|secret| reply.text.contains(secret))
}

#[tokio::test]
async fn every_route_turns_away_whoever_may_not_see_the_owners_mail_sqlite() {
    access_table(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_route_turns_away_whoever_may_not_see_the_owners_mail_postgres() {
    access_table(Backend::Postgres).await;
}

async fn access_table(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let ids = owner_mailbox(&w).await;
    let rows = table(&ids);

    // The table covers every route the service serves, and only those.
    let served: BTreeSet<String> = email_manager::api::served_routes()
        .into_iter()
        .map(|r| r.path)
        .collect();
    let listed: BTreeSet<String> = rows.iter().map(|r| r.path.to_string()).collect();
    assert_eq!(
        served, listed,
        "a route without a row in the access table (or a row for no route)"
    );

    let mut expired = user_claims(OWNER);
    expired["iat"] = json!(now() - 86_400 * 30);
    expired["exp"] = json!(now() - 60);
    let expired = sign(&expired, common::APP_KEY.as_bytes());
    let foreign = sign(
        &user_claims(OWNER),
        b"another-nocobase-instance-key-0123456789",
    );
    let other = user_token(OTHER);
    let admin = admin_key(ADMIN);

    let mut wrong = Vec::new();
    for row in &rows {
        for (who, token) in [
            ("no token", None),
            ("an expired token", Some(expired.as_str())),
            ("another NocoBase's token", Some(foreign.as_str())),
        ] {
            let reply = send(&w, row, token).await;
            let fine = if row.public {
                reply.status != 401 && reply.status < 500
            } else {
                reply.status == 401
            };
            if !fine {
                wrong.push(format!(
                    "{} {} with {who}: {} {}",
                    row.method, row.path, reply.status, reply.text
                ));
            }
            if let Some(secret) = leaks(&reply, &ids) {
                wrong.push(format!(
                    "{} {} with {who} shows {secret:?}",
                    row.method, row.path
                ));
            }
        }
        if row.public {
            continue;
        }
        for (who, token, expect) in [
            ("another user", other.as_str(), row.other),
            ("an admin", admin.as_str(), row.admin),
        ] {
            let reply = send(&w, row, Some(token)).await;
            let fine = match expect {
                Expect::Status(status) => reply.status == status,
                Expect::EmptyList => {
                    reply.status == 200
                        && reply.json["meta"]["count"] == 0
                        && reply.json["data"] == json!([])
                }
                Expect::Nothing => {
                    reply.status == 200
                        && [json!(null), json!([]), json!(0)].contains(&reply.json["data"])
                }
            };
            if !fine {
                wrong.push(format!(
                    "{} {} as {who}: expected {expect:?}, got {} {}",
                    row.method,
                    row.path,
                    reply.status,
                    reply.text.chars().take(300).collect::<String>()
                ));
            }
            if let Some(secret) = leaks(&reply, &ids) {
                wrong.push(format!(
                    "{} {} as {who} shows {secret:?}",
                    row.method, row.path
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Nothing the others tried changed the owner's mailbox.
    let owner = user_token(OWNER);
    let account = as_owner(
        &w,
        "mailAccounts:get",
        format!("filterByTk={}", ids.account),
    )
    .await;
    assert_eq!(
        account.status, 200,
        "the owner's account is gone: {}",
        account.text
    );
    assert_eq!(account.json["data"]["visibility"], "private");
    let message = as_owner(
        &w,
        "mailMessages:get",
        format!("filterByTk={}", ids.message),
    )
    .await;
    assert_eq!(message.status, 200, "{}", message.text);
    assert_eq!(
        message.json["data"]["isRead"], ids.message_read,
        "another caller flipped the read flag"
    );
    let outbox = as_owner(&w, "mailOutbox:list", String::new()).await;
    assert_eq!(
        outbox.json["meta"]["count"], 1,
        "the scheduled send was cancelled: {}",
        outbox.text
    );
    assert!(
        w.sent(MAILBOX).await.is_empty(),
        "someone sent from the owner's mailbox"
    );
    let folders = w
        .app
        .call(
            "mailFolders:list",
            Some(&owner),
            &format!(
                "filter={}",
                common::urlencode(&json!({"accountId": ids.account}).to_string())
            ),
            None,
        )
        .await;
    assert!(
        folders.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == ids.folder),
        "{}",
        folders.text
    );
}

/// A token NocoBase has blocked (its user signed out) is refused on every route that needs
/// one, with NocoBase's own code, before any handler runs.
#[tokio::test]
async fn a_signed_out_token_is_refused_on_every_route() {
    let nocobase = StubNocobase::start();
    let Some(db) = common::TestDb::create(Backend::Sqlite) else {
        return;
    };
    let mut settings = common::test_settings(&db);
    settings.nocobase.url = Some(nocobase.url.clone());
    let app = common::spawn_with(db, settings).await;
    let token = user_token(OWNER);
    nocobase.answer(
        &token,
        CheckAnswer::Unauthorized {
            code: "BLOCKED_TOKEN",
            message: "Your session has expired. Please sign in again.",
        },
    );
    let ids = Ids {
        account: 1,
        message: 1,
        message_read: false,
        folder: 1,
        thread: "1".into(),
        attachment: 1,
        outbox: 1,
        trusted: 1,
        note: 1,
        label: 1,
        signature: 1,
        template: 1,
        draft: "1:r1".into(),
        campaign: 1,
        secrets: Vec::new(),
    };
    let w = Wired {
        app,
        emulator: provider_emulator::Emulator::start().expect("emulator"),
        http: reqwest::Client::new(),
        redirect: String::new(),
        browser: Default::default(),
    };
    let mut wrong = Vec::new();
    for row in table(&ids).iter().filter(|row| !row.public) {
        let reply = send(&w, row, Some(&token)).await;
        if reply.status != 401 || reply.error_code() != "BLOCKED_TOKEN" {
            wrong.push(format!(
                "{} {}: {} {}",
                row.method, row.path, reply.status, reply.text
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
