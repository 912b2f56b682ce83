//! Both authorization servers: consent, code exchange with PKCE, refresh (Google keeps
//! the refresh token, Microsoft rotates it), revocation, and their error bodies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use sha2::Digest;
use support::{REDIRECT, setup};

#[tokio::test]
async fn the_consent_page_is_a_form_prefilled_from_login_hint() {
    let s = setup("google", "ann@gmail.test", 0).await;
    let query = support::authorize_query("google", "ann@gmail.test", &[]);
    let page = s
        .http
        .get(format!("{}?{query}", s.authorize_url("google")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<form method=\"post\""));
    assert!(page.contains("name=\"email\" value=\"ann@gmail.test\""));
    assert!(
        page.contains("name=\"action\" value=\"allow\"")
            && page.contains("name=\"action\" value=\"deny\"")
    );
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_the_state() {
    let s = setup("microsoft", "bob@contoso.test", 0).await;
    let redirect = s
        .consent("microsoft", "bob@contoso.test", "deny", &[])
        .await;
    assert!(redirect.contains(&("error".into(), "access_denied".into())));
    assert!(redirect.contains(&("state".into(), "st4te".into())));
}

#[tokio::test]
async fn unknown_clients_and_unregistered_redirects_get_an_error_page_not_a_redirect() {
    let s = setup("google", "ann@gmail.test", 0).await;
    for query in [
        support::authorize_query("google", "ann@gmail.test", &[])
            .replace("google-client", "nobody"),
        support::authorize_query("google", "ann@gmail.test", &[])
            .replace("localhost%3A13100", "evil.example"),
    ] {
        let response = s
            .http
            .get(format!("{}?{query}", s.authorize_url("google")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert!(response.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn codes_are_single_use_and_pkce_is_checked() {
    let s = setup("google", "ann@gmail.test", 0).await;
    let verifier = "a-verifier-of-sufficient-length-0123456789abcdef";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let extra = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let code = |redirect: Vec<(String, String)>| {
        redirect.into_iter().find(|(k, _)| k == "code").unwrap().1
    };
    let first = code(s.consent("google", "ann@gmail.test", "allow", &extra).await);
    let form = |code: &str, verifier: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("client_id", "google-client".into()),
            ("client_secret", "s3cret".into()),
            ("redirect_uri", REDIRECT.into()),
            ("code_verifier", verifier.to_string()),
        ]
    };
    let run = |form: Vec<(&'static str, String)>| {
        let s = &s;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.token("google", &pairs).await
        }
    };
    let (status, body) = run(form(&first, "wrong-verifier")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let second = code(s.consent("google", "ann@gmail.test", "allow", &extra).await);
    let (status, body) = run(form(&second, verifier)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["refresh_token"].is_string()
            && body["scope"].as_str().unwrap().contains("gmail.modify")
    );
    let (status, body) = run(form(&second, verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn wrong_client_secrets_get_each_providers_invalid_client() {
    let s = setup("google", "ann@gmail.test", 0).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", "x"),
        ("client_id", "google-client"),
        ("client_secret", "wrong"),
        ("redirect_uri", REDIRECT),
    ];
    let (status, body) = s.token("google", &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let form = [
        ("grant_type", "authorization_code"),
        ("code", "x"),
        ("client_id", "microsoft-client"),
        ("client_secret", "wrong"),
        ("redirect_uri", REDIRECT),
    ];
    let (status, body) = s.token("microsoft", &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(body["error_codes"][0], 7000215);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", "x"),
        ("client_id", "google-client"),
        ("client_secret", "s3cret"),
        ("redirect_uri", REDIRECT),
    ];
    assert_eq!(s.token("google", &form).await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn google_refresh_keeps_the_refresh_token() {
    let s = setup("google", "ann@gmail.test", 0).await;
    let (_, refresh) = s.tokens("google", "ann@gmail.test").await;
    for _ in 0..2 {
        let (status, body) = s
            .token(
                "google",
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh),
                    ("client_id", "google-client"),
                    ("client_secret", "s3cret"),
                ],
            )
            .await;
        assert_eq!(status, 200);
        assert!(body.get("refresh_token").is_none());
        assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
    }
}

#[tokio::test]
async fn microsoft_refresh_rotates_and_retires_the_old_token() {
    let s = setup("microsoft", "bob@contoso.test", 0).await;
    let (_, first) = s.tokens("microsoft", "bob@contoso.test").await;
    let refresh = |token: String| {
        let s = &s;
        async move {
            s.token(
                "microsoft",
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("client_id", "microsoft-client"),
                    ("client_secret", "s3cret"),
                ],
            )
            .await
        }
    };
    let (status, body) = refresh(first.clone()).await;
    assert_eq!(status, 200);
    let second = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    let (status, body) = refresh(first).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS")
    );
    assert_eq!(refresh(second).await.0, 200);
}

#[tokio::test]
async fn revoking_a_user_breaks_every_token_with_the_providers_bodies() {
    let s = setup("google", "ann@gmail.test", 3).await;
    let (access, refresh) = s.tokens("google", "ann@gmail.test").await;
    assert_eq!(
        s.get(&access, "/google/gmail/v1/users/me/profile").await.0,
        200
    );
    s.control("/users/ann@gmail.test/revoke", serde_json::json!({}))
        .await;
    let (status, body) = s.get(&access, "/google/gmail/v1/users/me/profile").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["errors"][0]["reason"], "authError");
    let (status, body) = s
        .token(
            "google",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", "google-client"),
                ("client_secret", "s3cret"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Token has been expired or revoked."))
    );
}

#[tokio::test]
async fn googles_revoke_endpoint_takes_the_refresh_token_with_the_access_token() {
    let s = setup("google", "ann@gmail.test", 0).await;
    let (access, refresh) = s.tokens("google", "ann@gmail.test").await;
    let response = s
        .http
        .post(format!("{}/google/revoke", s.emulator.url))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, _) = s
        .token(
            "google",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", "google-client"),
                ("client_secret", "s3cret"),
            ],
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unticking_the_gmail_scope_grants_less_and_the_api_refuses() {
    let s = setup("google", "ann@gmail.test", 1).await;
    let query = support::authorize_query("google", "ann@gmail.test", &[]);
    let response = s
        .http
        .post(format!("{}?{query}", s.authorize_url("google")))
        .form(&[
            ("email", "ann@gmail.test"),
            ("action", "allow"),
            ("granular", "1"),
            ("granted", "openid"),
            ("granted", "email"),
        ])
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let params: Vec<(String, String)> =
        form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let code = params.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    let (_, body) = s
        .token(
            "google",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", "google-client"),
                ("client_secret", "s3cret"),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert!(!body["scope"].as_str().unwrap().contains("gmail"));
    let (status, body) = s
        .get(
            body["access_token"].as_str().unwrap(),
            "/google/gmail/v1/users/me/profile",
        )
        .await;
    assert_eq!(
        (status, body["error"]["errors"][0]["reason"].as_str()),
        (403, Some("insufficientPermissions"))
    );
}

#[tokio::test]
async fn userinfo_and_me_name_the_mailbox() {
    let s = setup("google", "ann@gmail.test", 0).await;
    let (access, _) = s.tokens("google", "ann@gmail.test").await;
    assert_eq!(
        s.get(&access, "/google/v1/userinfo").await.1["email"],
        "ann@gmail.test"
    );
    s.control("/users", serde_json::json!({"provider": "microsoft", "email": "bob@contoso.test", "name": "Bob Jones"})).await;
    let (access, _) = s.tokens("microsoft", "bob@contoso.test").await;
    let (_, me) = s.get(&access, "/microsoft/v1.0/me").await;
    assert_eq!(
        (me["mail"].as_str(), me["displayName"].as_str()),
        (Some("bob@contoso.test"), Some("Bob Jones"))
    );
}
