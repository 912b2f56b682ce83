//! Who sees a shared mailbox, and what ordering gives away. Before the fix a "shared"
//! mailbox was shown to every signed-in user and every API key, and `sort=subject`
//! worked on mailboxes shared at `metadata`, so a binary search over one's own subjects
//! placed a hidden one. Also: who may connect at all, and what happens to the mailboxes
//! of a NocoBase user who is deleted.

use crate::common::Backend;
use crate::common::oauth::{param, wired_syncing};
use crate::common::tokens::{admin_key, api_key, user_token};
use serde_json::json;

const OWNER: i64 = 7;
const MAILBOX: &str = "owner@gmail.test";

async fn shared_mail_reaches_the_chosen_roles_only_and_never_by_its_order(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    w.mailbox("google", MAILBOX, 12).await;
    let owner = user_token(OWNER);
    let connected = w.connect(&owner, "google", MAILBOX).await;
    let account: i64 = param(&connected, "mailAccountId").unwrap().parse().unwrap();
    w.wait_listed(12, "").await;
    let (sales, member, plain) = (api_key(8, "sales"), api_key(9, "member"), user_token(10));
    let count = |token: String, query: &'static str| {
        let w = &w;
        async move {
            let reply = w
                .app
                .call("mailMessages:list", Some(&token), query, None)
                .await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.json["meta"]["count"].as_i64().unwrap()
        }
    };
    // Sharing needs roles.
    let refused = w
        .app
        .call(
            "mailAccounts:update",
            Some(&owner),
            &format!("filterByTk={account}"),
            Some(json!({"visibility": "metadata"})),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("sharedWithRoles"), "{}", refused.text);
    let shared = w
        .app
        .call(
            "mailAccounts:update",
            Some(&owner),
            &format!("filterByTk={account}"),
            Some(json!({"visibility": "metadata", "sharedWithRoles": ["sales"]})),
        )
        .await;
    assert_eq!(shared.json["data"][0]["sharedWithRoles"], json!(["sales"]));
    assert_eq!(count(sales.clone(), "").await, 12);
    assert_eq!(
        count(member.clone(), "").await,
        0,
        "another role sees nothing"
    );
    assert_eq!(
        count(plain.clone(), "").await,
        0,
        "a user without the role neither"
    );
    // The attack: order by the hidden subject. The metadata share is left out.
    assert_eq!(count(sales.clone(), "sort=subject").await, 0);
    assert_eq!(count(sales.clone(), "sort=-subject&pageSize=1").await, 0);
    let threads = w
        .app
        .call("mailThreads:list", Some(&sales), "sort=subject", None)
        .await;
    assert_eq!(threads.json["meta"]["count"], 0, "{}", threads.text);
    // Shared with subjects, ordering by them is fine.
    w.app
        .call(
            "mailAccounts:update",
            Some(&owner),
            &format!("filterByTk={account}"),
            Some(json!({"visibility": "subject"})),
        )
        .await;
    assert_eq!(count(sales.clone(), "sort=subject").await, 12);
    // Folders and a message follow the same rule.
    let folders = w
        .app
        .call("mailFolders:list", Some(&member), "", None)
        .await;
    assert_eq!(folders.json["meta"]["count"], 0);
    // Back to private: nobody else.
    w.app
        .call(
            "mailAccounts:update",
            Some(&owner),
            &format!("filterByTk={account}"),
            Some(json!({"visibility": "private"})),
        )
        .await;
    assert_eq!(count(sales, "").await, 0);
}
both_backends!(
    shared_by_role,
    shared_mail_reaches_the_chosen_roles_only_and_never_by_its_order
);

async fn only_the_chosen_roles_may_connect(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    let set = w
        .app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=google",
            Some(json!({"connectRoles": ["sales"]})),
        )
        .await;
    assert_eq!(
        set.json["data"][0]["connectRoles"],
        json!(["sales"]),
        "{}",
        set.text
    );
    let values = json!({"provider": "google", "returnUrl": "http://nocobase.test/admin"});
    let refused = w
        .app
        .call(
            "mailAccounts:authorize",
            Some(&user_token(10)),
            "",
            Some(values.clone()),
        )
        .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (403, "CONNECT_NOT_ALLOWED")
    );
    let allowed = w
        .app
        .call(
            "mailAccounts:authorize",
            Some(&api_key(8, "sales")),
            "",
            Some(values.clone()),
        )
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    // Microsoft has its own list (none: anyone).
    let microsoft = w
        .app
        .call(
            "mailAccounts:authorize",
            Some(&user_token(10)),
            "",
            Some(json!({"provider": "microsoft", "returnUrl": "http://nocobase.test/admin"})),
        )
        .await;
    assert_eq!(microsoft.status, 200, "{}", microsoft.text);
}
both_backends!(connect_roles, only_the_chosen_roles_may_connect);

/// A deleted NocoBase user's mailboxes: grants revoked, tokens and mail gone.
async fn a_deleted_users_mailboxes_are_disconnected(backend: Backend) {
    let Some(w) = wired_syncing(backend).await else {
        return;
    };
    w.mailbox("google", MAILBOX, 5).await;
    let owner = user_token(OWNER);
    w.connect(&owner, "google", MAILBOX).await;
    w.connect(&owner, "microsoft", "owner@contoso.test").await;
    w.wait_listed(
        5,
        &format!(
            "filter={}",
            url::form_urlencoded::byte_serialize(
                json!({"accountId": {"$gt": 0}}).to_string().as_bytes()
            )
            .collect::<String>()
        ),
    )
    .await;
    let not_admin = w
        .app
        .call(
            "mailAccounts:disconnectUser",
            Some(&user_token(8)),
            "",
            Some(json!({"userId": OWNER})),
        )
        .await;
    assert_eq!(not_admin.status, 403);
    let removed = w
        .app
        .call(
            "mailAccounts:disconnectUser",
            Some(&admin_key(1)),
            "",
            Some(json!({"userId": OWNER})),
        )
        .await;
    assert_eq!(removed.json["data"], 2, "{}", removed.text);
    let left = w
        .app
        .db
        .query_texts("SELECT CAST(COUNT(*) AS TEXT) AS value FROM mail_messages");
    assert_eq!(left, [Some("0".to_string())]);
    let tokens = w
        .app
        .db
        .query_texts("SELECT CAST(COUNT(*) AS TEXT) AS value FROM mail_account_tokens");
    assert_eq!(tokens, [Some("0".to_string())]);
    let revoked = w
        .emulator
        .world
        .lock()
        .tokens
        .values()
        .filter(|t| t.grant.email == MAILBOX)
        .all(|t| t.revoked);
    assert!(revoked, "Google was asked to revoke the grant");
    let bad = w
        .app
        .call(
            "mailAccounts:disconnectUser",
            Some(&admin_key(1)),
            "",
            Some(json!({"userId": "x"})),
        )
        .await;
    assert_eq!(bad.status, 400);
}
both_backends!(deleted_user, a_deleted_users_mailboxes_are_disconnected);
