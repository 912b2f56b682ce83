//! The OIDC tokens Cloud Pub/Sub attaches to push requests, signed with the emulator's
//! key, and the JWKS that publishes it (Google's is `https://www.googleapis.com/oauth2/v3/certs`).
//!
//! The key is a fixed RSA key committed with the emulator, so tokens are reproducible
//! and nothing is generated at start (RSA key generation is slow in debug builds). It
//! signs nothing but the emulator's own test tokens.

use actix_web::HttpResponse;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// PKCS#1 DER of the emulator's RSA key.
const SIGNING_KEY_DER: &[u8] = include_bytes!("emulator_signing_key.der");
/// The `kid` of that key.
pub const KEY_ID: &str = "emulator-push-key-1";
/// The issuer Google writes into push tokens.
pub const ISSUER: &str = "https://accounts.google.com";

fn key() -> EncodingKey {
    EncodingKey::from_rsa_der(SIGNING_KEY_DER)
}

/// A push token for `audience`, naming `service_account` (valid one hour).
pub fn push_token(audience: &str, service_account: &str, now_ms: i64) -> String {
    let iat = now_ms / 1000;
    let claims = serde_json::json!({
        "iss": ISSUER,
        "aud": audience,
        "azp": "113774264463038321964",
        "sub": "113774264463038321964",
        "email": service_account,
        "email_verified": true,
        "iat": iat,
        "exp": iat + 3600,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KEY_ID.into());
    jsonwebtoken::encode(&header, &claims, &key()).unwrap_or_default()
}

/// `GET /google/oauth2/v3/certs`: the JWKS with the emulator's public key.
pub async fn jwks() -> HttpResponse {
    let set = Jwk::from_encoding_key(&key(), Algorithm::RS256).map(|mut jwk| {
        jwk.common.key_id = Some(KEY_ID.into());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
        JwkSet { keys: vec![jwk] }
    });
    match set {
        Ok(set) => HttpResponse::Ok()
            .insert_header(("cache-control", "public, max-age=300"))
            .json(set),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}
