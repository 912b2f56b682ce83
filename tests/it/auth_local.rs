//! Token checks without NocoBase: HS256 with NocoBase's key, NocoBase's 401 codes.

use crate::common;

use common::tokens::{self, now, sign, user_claims};
use common::{APP_KEY, Backend, TestDb, spawn_app, spawn_with, test_settings};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

async fn list_status(app: &common::TestApp, token: Option<&str>) -> (u16, String) {
    let reply = app.call("mailProviders:list", token, "", None).await;
    (reply.status, reply.error_code().to_string())
}

#[tokio::test]
async fn a_request_without_a_token_is_empty_token() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    assert_eq!(list_status(&app, None).await, (401, "EMPTY_TOKEN".into()));
    let reply = app
        .http
        .get(format!("{}/api/mailProviders:list", app.address))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(common::read(reply).await.error_code(), "EMPTY_TOKEN");
}

#[tokio::test]
async fn garbage_and_foreign_signatures_are_invalid_token() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let foreign = sign(&user_claims(1), b"another-nocobase-instance-key");
    for token in ["garbage", "a.b.c", foreign.as_str()] {
        assert_eq!(
            list_status(&app, Some(token)).await,
            (401, "INVALID_TOKEN".into()),
            "{token}"
        );
    }
}

#[tokio::test]
async fn tokens_signed_with_another_algorithm_are_invalid_token() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let claims = tokens::user_claims(1);
    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let token = jsonwebtoken::encode(
            &Header::new(algorithm),
            &claims,
            &EncodingKey::from_secret(APP_KEY.as_bytes()),
        )
        .unwrap();
        assert_eq!(
            list_status(&app, Some(&token)).await,
            (401, "INVALID_TOKEN".into())
        );
    }
    // An unsigned token ("alg": "none") must never pass.
    use base64::Engine;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(claims)
    );
    assert_eq!(
        list_status(&app, Some(&unsigned)).await,
        (401, "INVALID_TOKEN".into())
    );
}

#[tokio::test]
async fn expired_tokens_are_refused_with_nocobase_codes_and_no_leeway() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let mut claims = user_claims(1);
    claims["exp"] = json!(now());
    let expired_session = sign(&claims, APP_KEY.as_bytes());
    assert_eq!(
        list_status(&app, Some(&expired_session)).await,
        (401, "EXPIRED_SESSION".into())
    );
    let expired_key = sign(
        &json!({"userId": 1, "roleName": "admin", "iat": now() - 100, "exp": now() - 1}),
        APP_KEY.as_bytes(),
    );
    assert_eq!(
        list_status(&app, Some(&expired_key)).await,
        (401, "INVALID_TOKEN".into())
    );
}

#[tokio::test]
async fn a_temporary_token_without_jti_is_invalid_token() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let mut claims = user_claims(1);
    claims.as_object_mut().unwrap().remove("jti");
    let token = sign(&claims, APP_KEY.as_bytes());
    assert_eq!(
        list_status(&app, Some(&token)).await,
        (401, "INVALID_TOKEN".into())
    );
}

#[tokio::test]
async fn a_valid_user_token_without_nocobase_has_no_admin_role() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    // userId as a string, as NocoBase on MariaDB writes it.
    let mut claims = user_claims(1);
    claims["userId"] = json!("1");
    let token = sign(&claims, APP_KEY.as_bytes());
    assert_eq!(
        list_status(&app, Some(&token)).await,
        (403, "FORBIDDEN".into())
    );
}

#[tokio::test]
async fn api_keys_act_with_their_role_name() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    assert_eq!(list_status(&app, Some(&tokens::admin_key(1))).await.0, 200);
    assert_eq!(
        list_status(&app, Some(&tokens::api_key(1, "root"))).await.0,
        200
    );
    assert_eq!(
        list_status(&app, Some(&tokens::api_key(1, "member"))).await,
        (403, "FORBIDDEN".into())
    );
}

#[tokio::test]
async fn the_jwt_secret_file_wins_over_app_key() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("jwt_secret.dat");
    let file_key: [u8; 32] = rand::random();
    std::fs::write(&file, file_key).unwrap();
    let mut settings = test_settings(&db);
    settings.nocobase.jwt_secret_file = Some(file);
    let app = spawn_with(db, settings).await;

    let admin = json!({"userId": 1, "roleName": "admin", "iat": now(), "exp": now() + 60});
    assert_eq!(
        list_status(&app, Some(&sign(&admin, &file_key))).await.0,
        200
    );
    assert_eq!(
        list_status(&app, Some(&sign(&admin, APP_KEY.as_bytes()))).await,
        (401, "INVALID_TOKEN".into())
    );
}

#[tokio::test]
async fn nocobase_default_app_keys_are_not_signing_keys() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut settings = test_settings(&db);
    settings.nocobase.app_key = email_manager::config::SecretString::new("your-secret-key");
    let app = spawn_with(db, settings).await;
    let token = sign(
        &json!({"userId": 1, "roleName": "admin", "iat": now(), "exp": now() + 60}),
        b"your-secret-key",
    );
    // Not a sign-out (401): the service is not configured, which is a 503.
    assert_eq!(
        list_status(&app, Some(&token)).await,
        (503, "AUTH_NOT_CONFIGURED".into())
    );
}
