//! Connecting mailboxes: a consent link sent to someone else, a tenant that gives its
//! user a colleague's address, tenants the admin did not allow.

use crate::common::Backend;
use crate::common::oauth::{Browser, param, wired, wired_with};
use crate::common::tokens::{admin_key, user_token};
use serde_json::json;

const MALLORY: i64 = 8;
const VICTIM: i64 = 7;

/// Account rows of a mailbox address, whoever owns them.
fn owners_of(w: &crate::common::oauth::Wired, email: &str) -> Vec<String> {
    w.app
        .db
        .query_texts(&format!(
            "SELECT CAST(user_id AS TEXT) AS value FROM mail_accounts WHERE email = '{email}'"
        ))
        .into_iter()
        .flatten()
        .collect()
}

/// The attack: Mallory starts a connect with the victim's address as the login hint and
/// sends the consent link to the victim, who consents to the company's own app in their
/// own browser. Before the fix the victim's mailbox became Mallory's: readable, and
/// Mallory could send as the victim.
async fn a_consent_link_finished_in_another_browser_links_nothing(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    w.mailbox("google", "victim@gmail.test", 3).await;
    for (provider, victim) in [
        ("google", "victim@gmail.test"),
        ("microsoft", "victim@contoso.test"),
    ] {
        let mallorys_browser = Browser::default();
        let url = w
            .authorize_in(
                &mallorys_browser,
                &user_token(MALLORY),
                provider,
                json!({"loginHint": victim}),
            )
            .await;
        // The victim's browser never saw Mallory's authorize answer.
        let victims_browser = Browser::default();
        let query = w.consent(&url, victim, &[("action", "allow")]).await;
        let landed = w
            .callback_in(&victims_browser, &w.app.address, &query)
            .await;
        assert_ne!(
            landed.status(),
            302,
            "{provider}: no redirect to Mallory's return page"
        );
        let page = landed.text().await.unwrap();
        assert!(
            page.contains("another browser") && page.contains("Nothing was connected"),
            "{provider}: the page explains what happened: {page}"
        );
        assert!(owners_of(&w, victim).is_empty(), "{provider}: no account");
        let listed = w
            .app
            .call("mailAccounts:list", Some(&user_token(MALLORY)), "", None)
            .await;
        assert_eq!(listed.json["meta"]["count"], 0, "{}", listed.text);
        // The state is spent: Mallory cannot finish it in her own browser afterwards.
        let replay = w
            .callback_in(&mallorys_browser, &w.app.address, &query)
            .await;
        assert_eq!(replay.status(), 302);
        assert!(
            replay.headers()["location"]
                .to_str()
                .unwrap()
                .contains("INVALID_STATE")
        );
        assert!(owners_of(&w, victim).is_empty(), "{provider}: still none");
    }
    // Google's grant was revoked at once (Microsoft has no revocation endpoint; its code
    // was never redeemed, so no token exists to revoke).
    let world = w.emulator.world.lock();
    let victims: Vec<_> = world
        .tokens
        .values()
        .filter(|t| t.grant.email == "victim@gmail.test")
        .collect();
    assert!(
        !victims.is_empty() && victims.iter().all(|t| t.revoked),
        "the victim's consent was revoked at Google"
    );
    assert!(
        world
            .tokens
            .values()
            .all(|t| t.grant.email != "victim@contoso.test"),
        "the Microsoft code was never redeemed"
    );
}
both_backends!(
    consent_link_in_another_browser,
    a_consent_link_finished_in_another_browser_links_nothing
);

/// The same browser still connects, and the binding cookie is HttpOnly, SameSite=Lax,
/// limited to the callback's path and cleared once used.
async fn the_browser_that_started_a_connect_finishes_it(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let reply = w
        .app
        .call(
            "mailAccounts:authorize",
            Some(&user_token(VICTIM)),
            "",
            Some(json!({"provider": "google", "returnUrl": "http://nocobase.test/admin"})),
        )
        .await;
    let cookie = reply
        .header("set-cookie")
        .expect("a binding cookie")
        .to_string();
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/api/mailOAuth:callback",
        "Max-Age=600",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "http public URL: no Secure flag"
    );
    let outcome = w
        .connect(&user_token(VICTIM), "google", "ann@gmail.test")
        .await;
    assert_eq!(param(&outcome, "status"), Some("connected"), "{outcome:?}");
    assert!(w.browser.is_empty(), "the used cookie was cleared");
}
both_backends!(same_browser, the_browser_that_started_a_connect_finishes_it);

/// The attack: an admin of a tenant Mallory controls sets her user's `mail` attribute to
/// the victim's address (Microsoft does not verify it). Before the fix the mailbox
/// address decided ownership: Mallory's account showed the victim's address, and the
/// victim was locked out of connecting their own mailbox (ACCOUNT_OWNED_BY_OTHER_USER).
async fn a_tenant_that_claims_a_colleagues_address_takes_nothing(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    w.control(
        "/users",
        json!({"provider": "microsoft", "email": "mallory@evil.test", "tenantId": "e5e5e5e5-0000-4000-8000-000000000001", "mail": "victim@contoso.test", "messages": 1}),
    )
    .await;
    w.control(
        "/users",
        json!({"provider": "microsoft", "email": "victim@contoso.test", "messages": 4}),
    )
    .await;
    let mallory = w
        .connect(&user_token(MALLORY), "microsoft", "mallory@evil.test")
        .await;
    assert_eq!(param(&mallory, "status"), Some("connected"), "{mallory:?}");
    let victim = w
        .connect(&user_token(VICTIM), "microsoft", "victim@contoso.test")
        .await;
    assert_eq!(
        param(&victim, "status"),
        Some("connected"),
        "the real owner connects their own mailbox: {victim:?}"
    );
    assert_ne!(
        param(&mallory, "mailAccountId"),
        param(&victim, "mailAccountId")
    );
    // Reconnecting finds each one's own account again.
    let again = w
        .connect(&user_token(VICTIM), "microsoft", "victim@contoso.test")
        .await;
    assert_eq!(
        param(&again, "mailAccountId"),
        param(&victim, "mailAccountId")
    );
    // And the same mailbox still has one owner: Mallory cannot connect the victim's.
    let stolen = w
        .connect(&user_token(MALLORY), "microsoft", "victim@contoso.test")
        .await;
    assert_eq!(param(&stolen, "code"), Some("ACCOUNT_OWNED_BY_OTHER_USER"));
}
both_backends!(
    tenant_claims_an_address,
    a_tenant_that_claims_a_colleagues_address_takes_nothing
);

/// With an allowed-tenants list, a mailbox from any other tenant is refused (and its
/// grant forgotten) before an account exists.
async fn only_allowed_tenants_connect(backend: Backend) {
    let Some(w) = wired_with(backend, |_| {}).await else {
        return;
    };
    let contoso = w
        .emulator
        .world
        .lock()
        .directory("victim@contoso.test")
        .tenant_id;
    let set = w
        .app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=microsoft",
            Some(json!({"allowedTenants": [contoso]})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json["data"][0]["allowedTenants"], json!([contoso]));
    let refused = w
        .connect(&user_token(MALLORY), "microsoft", "mallory@evil.test")
        .await;
    assert_eq!(param(&refused, "code"), Some("TENANT_NOT_ALLOWED"));
    assert!(owners_of(&w, "mallory@evil.test").is_empty());
    let allowed = w
        .connect(&user_token(VICTIM), "microsoft", "victim@contoso.test")
        .await;
    assert_eq!(param(&allowed, "status"), Some("connected"), "{allowed:?}");
    let bad = w
        .app
        .call(
            "mailProviders:update",
            Some(&admin_key(1)),
            "filterByTk=microsoft",
            Some(json!({"allowedTenants": ["not a tenant"]})),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("allowedTenants"), "{}", bad.text);
}
both_backends!(allowed_tenants, only_allowed_tenants_connect);

/// Accounts connected before mailboxes were identified by the provider's id: a Gmail
/// address is proof (Google verifies it), so its owner keeps it; a Microsoft address is
/// not, so a legacy row claiming one never locks its real owner out; and the next token
/// refresh fills in the id, after which the address no longer matters.
async fn accounts_from_before_ids_were_kept(backend: Backend) {
    let Some(w) = wired(backend).await else {
        return;
    };
    let forget_ids = || {
        w.app.db.query_texts(
            "UPDATE mail_accounts SET provider_user_id = NULL RETURNING email AS value",
        );
    };
    w.control(
        "/users",
        json!({"provider": "microsoft", "email": "mallory@evil.test", "tenantId": "e5e5e5e5-0000-4000-8000-000000000001", "messages": 1}),
    )
    .await;
    let ann = w
        .connect(&user_token(VICTIM), "google", "ann@gmail.test")
        .await;
    let mallorys = w
        .connect(&user_token(MALLORY), "microsoft", "mallory@evil.test")
        .await;
    forget_ids();
    // Mallory's legacy row claims the victim's Microsoft address.
    w.app.db.query_texts(&format!(
        "UPDATE mail_accounts SET email = 'victim@contoso.test' WHERE id = {} RETURNING email AS value",
        param(&mallorys, "mailAccountId").unwrap()
    ));
    let taken = w
        .connect(&user_token(MALLORY), "google", "ann@gmail.test")
        .await;
    assert_eq!(param(&taken, "code"), Some("ACCOUNT_OWNED_BY_OTHER_USER"));
    let victim = w
        .connect(&user_token(VICTIM), "microsoft", "victim@contoso.test")
        .await;
    assert_eq!(param(&victim, "status"), Some("connected"), "{victim:?}");
    assert_ne!(
        param(&victim, "mailAccountId"),
        param(&mallorys, "mailAccountId")
    );
    assert_eq!(owners_of(&w, "victim@contoso.test").len(), 2);
    // The Gmail row was bound to its id when Mallory tried; Mallory's Microsoft row gets
    // hers at its next refresh.
    let id = |account: &str| {
        w.app.db.query_texts(&format!(
            "SELECT provider_user_id AS value FROM mail_accounts WHERE id = {account}"
        ))[0]
            .clone()
    };
    assert!(id(param(&ann, "mailAccountId").unwrap()).is_some());
    let mallorys_id = param(&mallorys, "mailAccountId").unwrap();
    assert!(id(mallorys_id).is_none());
    w.app.db.query_texts(&format!(
        "UPDATE mail_account_tokens SET access_expires_at = '2000-01-01 00:00:00' WHERE account_id = {mallorys_id} RETURNING scopes AS value"
    ));
    let state = w.app.state.clone().unwrap();
    email_manager::oauth::tokens::access_token(
        &state,
        mallorys_id.parse().unwrap(),
        email_manager::providers::ProviderKind::Microsoft,
    )
    .await
    .unwrap();
    let filled = id(mallorys_id).expect("filled by the refresh");
    let tenant = "e5e5e5e5-0000-4000-8000-000000000001";
    assert!(filled.starts_with(&format!("{tenant}/")), "{filled}");
}
both_backends!(legacy_accounts, accounts_from_before_ids_were_kept);
