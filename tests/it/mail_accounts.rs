//! Connecting mailboxes: the OAuth flow through the emulator's consent form, every
//! failure ending in a redirect with a code, reconnecting, ownership, tokens sealed,
//! refreshed once however many callers ask, rotation, reauth, and disconnecting.

use crate::common;

use common::Backend;
use common::oauth::{NOCOBASE, param, wired};
use common::tokens::{admin_key, user_token};
use email_manager::oauth::tokens;
use email_manager::providers::ProviderKind;
use provider_emulator::world::TokenKind;
use serde_json::json;

async fn connects_both_providers_and_lists_the_accounts(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let ann = user_token(7);
    w.mailbox("google", "ann@gmail.test", 3).await;
    for (provider, email) in [
        ("google", "ann@gmail.test"),
        ("microsoft", "ann@contoso.test"),
    ] {
        let outcome = w.connect(&ann, provider, email).await;
        assert_eq!(param(&outcome, "status"), Some("connected"), "{outcome:?}");
        assert!(
            param(&outcome, "mailAccountId")
                .unwrap()
                .parse::<i64>()
                .is_ok()
        );
    }
    let list = w.app.call("mailAccounts:list", Some(&ann), "", None).await;
    assert_eq!(list.json["meta"]["count"], 2);
    let rows = list.json["data"].as_array().unwrap();
    let emails: Vec<&str> = rows.iter().map(|r| r["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["ann@contoso.test", "ann@gmail.test"]);
    for row in rows {
        assert_eq!(row["status"], "active");
        assert_eq!(row["userId"], 7);
        assert_eq!(row["visibility"], "private");
        assert_eq!(row["lastError"], serde_json::Value::Null);
    }
    // Tokens are sealed in the database, never plain.
    let sealed = w
        .app
        .db
        .query_texts("SELECT access_token_sealed AS value FROM mail_account_tokens");
    assert_eq!(sealed.len(), 2);
    let plain: Vec<String> = w.emulator.world.lock().tokens.keys().cloned().collect();
    for value in sealed.into_iter().flatten() {
        assert!(value.starts_with("v1."));
        assert!(plain.iter().all(|token| !value.contains(token.as_str())));
    }
    assert!(
        plain
            .iter()
            .all(|token| !common::logs::text().contains(token.as_str())),
        "a token reached the log"
    );
}
both_backends!(
    connect_happy_path,
    connects_both_providers_and_lists_the_accounts
);

async fn every_failure_redirects_with_its_code(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let ann = user_token(7);

    let url = w.authorize(&ann, "google").await;
    let denied = w
        .consent(&url, "ann@gmail.test", &[("action", "deny")])
        .await;
    assert_eq!(
        param(&w.callback(&denied).await, "code"),
        Some("ACCESS_DENIED")
    );

    let url = w.authorize(&ann, "google").await;
    let allowed = w
        .consent(&url, "ann@gmail.test", &[("action", "allow")])
        .await;
    assert_eq!(
        param(&w.callback(&allowed).await, "status"),
        Some("connected")
    );
    assert_eq!(
        param(&w.callback(&allowed).await, "code"),
        Some("INVALID_STATE"),
        "a state works once"
    );
    assert_eq!(
        param(&w.callback("code=x&state=never-issued").await, "code"),
        Some("INVALID_STATE")
    );
    assert_eq!(
        param(&w.callback("code=x").await, "code"),
        Some("INVALID_STATE")
    );

    let url = w.authorize(&ann, "google").await;
    let late = w
        .consent(&url, "ann@gmail.test", &[("action", "allow")])
        .await;
    w.app.db.query_texts(
        "UPDATE oauth_states SET expires_at = '2000-01-01 00:00:00' RETURNING state_hash AS value",
    );
    assert_eq!(
        param(&w.callback(&late).await, "code"),
        Some("INVALID_STATE"),
        "an expired state"
    );

    // The code was issued for another PKCE challenge: the provider refuses the exchange.
    let url = w.authorize(&ann, "microsoft").await;
    let tampered = url.replace("code_challenge=", "code_challenge=x");
    let mismatched = w
        .consent(&tampered, "ann@contoso.test", &[("action", "allow")])
        .await;
    assert_eq!(
        param(&w.callback(&mismatched).await, "code"),
        Some("EXCHANGE_FAILED")
    );

    // Granular consent without the Gmail scope.
    let url = w.authorize(&ann, "google").await;
    let narrow = w
        .consent(
            &url,
            "ann@gmail.test",
            &[
                ("action", "allow"),
                ("granular", "1"),
                ("granted", "openid"),
                ("granted", "email"),
            ],
        )
        .await;
    assert_eq!(
        param(&w.callback(&narrow).await, "code"),
        Some("INSUFFICIENT_SCOPE")
    );

    let list = w.app.call("mailAccounts:list", Some(&ann), "", None).await;
    assert_eq!(
        list.json["meta"]["count"], 1,
        "only the one good connection made an account"
    );
}
both_backends!(connect_failures, every_failure_redirects_with_its_code);

#[tokio::test]
async fn authorize_refuses_foreign_return_urls_and_unconfigured_providers() {
    let w = wired(Backend::Sqlite).await.unwrap();
    let ann = user_token(7);
    for (values, field) in [
        (
            json!({"provider": "google", "returnUrl": "https://evil.example/steal"}),
            "returnUrl",
        ),
        (
            json!({"provider": "google", "returnUrl": "javascript:alert(1)"}),
            "returnUrl",
        ),
        (
            json!({"provider": "yahoo", "returnUrl": format!("{NOCOBASE}/x")}),
            "provider",
        ),
        (
            json!({"provider": "google", "returnUrl": format!("{NOCOBASE}/x"), "loginHint": "not an address"}),
            "loginHint",
        ),
    ] {
        let reply = w
            .app
            .call("mailAccounts:authorize", Some(&ann), "", Some(values))
            .await;
        assert_eq!(reply.status, 400, "{}", reply.text);
        assert!(
            reply.json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{}",
            reply.text
        );
    }
    w.app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=google",
            Some(json!({"enabled": false})),
        )
        .await;
    let reply = w
        .app
        .call(
            "mailAccounts:authorize",
            Some(&ann),
            "",
            Some(json!({"provider": "google", "returnUrl": format!("{NOCOBASE}/x")})),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (400, "PROVIDER_NOT_CONFIGURED")
    );
    let url = w.authorize(&ann, "microsoft").await;
    assert!(url.contains("code_challenge_method=S256") && url.contains("state="));
}

async fn reconnecting_keeps_the_account_and_others_cannot_take_it(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let (ann, bob) = (user_token(7), user_token(8));
    let first = w.connect(&ann, "google", "shared@gmail.test").await;
    let again = w.connect(&ann, "google", "shared@gmail.test").await;
    assert_eq!(
        param(&first, "mailAccountId"),
        param(&again, "mailAccountId")
    );
    let stolen = w.connect(&bob, "google", "shared@gmail.test").await;
    assert_eq!(param(&stolen, "code"), Some("ACCOUNT_OWNED_BY_OTHER_USER"));

    let id = param(&first, "mailAccountId").unwrap().to_string();
    let query = format!("filterByTk={id}");
    assert_eq!(
        w.app
            .call("mailAccounts:get", Some(&bob), &query, None)
            .await
            .json["data"],
        serde_json::Value::Null
    );
    assert_eq!(
        w.app
            .call(
                "mailAccounts:update",
                Some(&bob),
                &query,
                Some(json!({"visibility": "full"}))
            )
            .await
            .json["data"],
        json!([])
    );
    assert_eq!(
        w.app
            .call("mailAccounts:destroy", Some(&bob), &query, Some(json!({})))
            .await
            .json["data"],
        0
    );
    assert_eq!(
        w.app
            .call("mailAccounts:sync", Some(&bob), &query, Some(json!({})))
            .await
            .status,
        404
    );
    assert_eq!(
        w.app
            .call("mailAccounts:list", Some(&bob), "", None)
            .await
            .json["meta"]["count"],
        0
    );
    assert_eq!(
        w.app
            .call("mailAccounts:list", Some(&bob), "scope=all", None)
            .await
            .status,
        403
    );
    let all = w
        .app
        .call("mailAccounts:list", Some(&admin_key(1)), "scope=all", None)
        .await;
    assert_eq!(all.json["meta"]["count"], 1);

    let updated = w
        .app
        .call(
            "mailAccounts:update",
            Some(&ann),
            &query,
            Some(
                json!({"displayName": "Shared box", "visibility": "subject", "sharedWithRoles": ["member"], "syncEnabled": false}),
            ),
        )
        .await;
    let row = &updated.json["data"][0];
    assert_eq!(
        (
            row["displayName"].as_str(),
            row["visibility"].as_str(),
            row["syncEnabled"].as_bool()
        ),
        (Some("Shared box"), Some("subject"), Some(false))
    );
    let bad = w
        .app
        .call(
            "mailAccounts:update",
            Some(&ann),
            &query,
            Some(json!({"visibility": "everyone"})),
        )
        .await;
    assert_eq!((bad.status, bad.error_code()), (400, "INVALID_VALUE"));
    let queued = w
        .app
        .call(
            "mailAccounts:sync",
            Some(&ann),
            &query,
            Some(json!({"full": true})),
        )
        .await;
    assert_eq!(queued.json["data"], json!({"queued": true}));
}
both_backends!(
    reconnect_and_ownership,
    reconnecting_keeps_the_account_and_others_cannot_take_it
);

fn access_tokens_issued(w: &common::oauth::Wired, email: &str) -> usize {
    w.emulator
        .world
        .lock()
        .tokens
        .values()
        .filter(|t| t.kind == TokenKind::Access && t.grant.email == email)
        .count()
}

/// Makes an account's hour-long access token look 20 seconds from expiry.
fn expire_soon(w: &common::oauth::Wired, id: i64) {
    let format = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M:%S").to_string();
    let now = chrono::Utc::now();
    let expires = format(now + chrono::Duration::seconds(20));
    let issued = format(now - chrono::Duration::seconds(3580));
    let changed = w.app.db.query_texts(&format!(
        "UPDATE mail_account_tokens SET access_expires_at = '{expires}', updated_at = '{issued}' \
         WHERE account_id = {id} RETURNING scopes AS value"
    ));
    assert_eq!(changed.len(), 1);
}

async fn twenty_callers_cause_one_refresh_and_rotation_persists(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let outcome = w
        .connect(&user_token(7), "microsoft", "rot@contoso.test")
        .await;
    let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let state = w.app.state.clone().unwrap();
    assert_eq!(access_tokens_issued(&w, "rot@contoso.test"), 1);
    expire_soon(&w, id);
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(
                async move { tokens::access_token(&state, id, ProviderKind::Microsoft).await },
            )
        })
        .collect();
    let mut results = Vec::new();
    for caller in callers {
        results.push(caller.await.unwrap().unwrap());
    }
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "every caller got the same new token"
    );
    assert_eq!(
        access_tokens_issued(&w, "rot@contoso.test"),
        2,
        "exactly one refresh"
    );

    // Microsoft retires each refresh token it replaces; two more refreshes only work if
    // the rotated one was stored each time.
    for _ in 0..2 {
        let revision = tokens::revision(&state, id).await.unwrap();
        tokens::after_unauthorized(&state, id, ProviderKind::Microsoft, revision)
            .await
            .unwrap();
    }
    assert_eq!(access_tokens_issued(&w, "rot@contoso.test"), 4);
    let account = w
        .app
        .call(
            "mailAccounts:get",
            Some(&user_token(7)),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!(account.json["data"]["status"], "active");
}
both_backends!(
    refresh_once,
    twenty_callers_cause_one_refresh_and_rotation_persists
);

async fn a_revoked_grant_marks_the_account_needs_reauth(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let ann = user_token(7);
    let outcome = w.connect(&ann, "google", "gone@gmail.test").await;
    let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let state = w.app.state.clone().unwrap();
    // An unexpired token is used as it is, without asking the provider.
    tokens::access_token(&state, id, ProviderKind::Google)
        .await
        .unwrap();
    assert_eq!(access_tokens_issued(&w, "gone@gmail.test"), 1);
    w.control("/users/gone@gmail.test/revoke", json!({})).await;
    // The provider answers 401 to that token; the refresh that follows is refused.
    let revision = tokens::revision(&state, id).await.unwrap();
    let result = tokens::after_unauthorized(&state, id, ProviderKind::Google, revision).await;
    assert!(
        matches!(result, Err(tokens::AccessError::ReauthRequired)),
        "{result:?}"
    );
    let account = w
        .app
        .call(
            "mailAccounts:get",
            Some(&ann),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!(account.json["data"]["status"], "needs_reauth");
    assert_eq!(account.json["data"]["lastError"]["code"], "REAUTH_REQUIRED");
    // Reconnecting brings it back.
    let again = w.connect(&ann, "google", "gone@gmail.test").await;
    assert_eq!(
        param(&again, "mailAccountId"),
        Some(id.to_string().as_str())
    );
    let account = w
        .app
        .call(
            "mailAccounts:get",
            Some(&ann),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    let data = &account.json["data"];
    assert_eq!(
        (data["status"].as_str(), data["lastError"].is_null()),
        (Some("active"), true)
    );
}
both_backends!(reauth, a_revoked_grant_marks_the_account_needs_reauth);

async fn a_failing_token_endpoint_is_retried_and_does_not_break_the_account(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let ann = user_token(7);
    let outcome = w.connect(&ann, "google", "flaky@gmail.test").await;
    let id: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    let state = w.app.state.clone().unwrap();
    expire_soon(&w, id);
    w.control(
        "/faults",
        json!({"provider": "google", "rate": 1.0, "kinds": ["503"]}),
    )
    .await;
    let result = tokens::access_token(&state, id, ProviderKind::Google).await;
    assert!(
        matches!(result, Err(tokens::AccessError::Transient(_))),
        "{result:?}"
    );
    let account = w
        .app
        .call(
            "mailAccounts:get",
            Some(&ann),
            &format!("filterByTk={id}"),
            None,
        )
        .await;
    assert_eq!(
        account.json["data"]["status"], "active",
        "a passing failure is not a broken account"
    );
    w.http
        .delete(format!("{}/_emulator/faults", w.emulator.url))
        .send()
        .await
        .unwrap();
    tokens::access_token(&state, id, ProviderKind::Google)
        .await
        .unwrap();
    assert_eq!(access_tokens_issued(&w, "flaky@gmail.test"), 2);
}
both_backends!(
    transient_refresh,
    a_failing_token_endpoint_is_retried_and_does_not_break_the_account
);

async fn disconnecting_revokes_and_leaves_no_token_behind(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let ann = user_token(7);
    let outcome = w.connect(&ann, "google", "bye@gmail.test").await;
    let id = param(&outcome, "mailAccountId").unwrap().to_string();
    let query = format!("filterByTk={id}");
    let removed = w
        .app
        .call("mailAccounts:destroy", Some(&ann), &query, Some(json!({})))
        .await;
    assert_eq!(removed.json["data"], 1);
    let left = w.app.db.query_texts(&format!(
        "SELECT access_token_sealed AS value FROM mail_account_tokens WHERE account_id = {id}"
    ));
    assert!(left.is_empty(), "no token row left");
    assert_eq!(
        w.app
            .call("mailAccounts:list", Some(&ann), "", None)
            .await
            .json["meta"]["count"],
        0
    );
    let revoked = w
        .emulator
        .world
        .lock()
        .tokens
        .values()
        .filter(|t| t.grant.email == "bye@gmail.test")
        .all(|t| t.revoked);
    assert!(revoked, "Google was asked to revoke the grant");
    let again = w
        .app
        .call("mailAccounts:destroy", Some(&ann), &query, Some(json!({})))
        .await;
    assert_eq!(again.json["data"], 0);
}
both_backends!(disconnect, disconnecting_revokes_and_leaves_no_token_behind);
