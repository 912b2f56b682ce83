use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Signs `claims` the way NocoBase does (HS256) with `key`.
pub fn sign(claims: &Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .expect("sign")
}

/// The claims of a NocoBase sign-in token, valid for an hour.
pub fn user_claims(user_id: i64) -> Value {
    json!({
        "userId": user_id,
        "temp": true,
        "iat": now(),
        "signInTime": now() * 1000,
        "exp": now() + 3600,
        "jti": format!("{:032x}", rand::random::<u128>()),
    })
}

/// A sign-in token for `user_id` signed with the test APP_KEY.
pub fn user_token(user_id: i64) -> String {
    sign(&user_claims(user_id), super::APP_KEY.as_bytes())
}

/// A NocoBase API key for `user_id` acting as `role`.
pub fn api_key(user_id: i64, role: &str) -> String {
    sign(
        &json!({"userId": user_id, "roleName": role, "iat": now(), "exp": now() + 86_400 * 365}),
        super::APP_KEY.as_bytes(),
    )
}

/// An admin's API key (role `admin`): the only way to be an admin without NocoBase.
pub fn admin_key(user_id: i64) -> String {
    api_key(user_id, "admin")
}

/// A NocoBase user acting with the `member` role (every NocoBase user has it), as an API
/// key: without NocoBase to ask, only an API key carries roles, and a mailbox is shared
/// with roles.
pub fn member_token(user_id: i64) -> String {
    api_key(user_id, "member")
}
