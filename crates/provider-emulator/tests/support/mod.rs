//! Shared helpers for the emulator's tests: an emulator with one client and one user,
//! the consent flow driven as a browser would, and JSON calls.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use provider_emulator::Emulator;
use serde_json::{Value, json};

pub const REDIRECT: &str = "http://localhost:13100/api/mailOAuth:callback";
pub const GOOGLE_SCOPES: &str = "openid email profile https://www.googleapis.com/auth/gmail.modify";
pub const MICROSOFT_SCOPES: &str =
    "openid email profile offline_access User.Read Mail.ReadWrite Mail.Send";

pub struct Setup {
    pub emulator: Emulator,
    pub http: reqwest::Client,
}

pub async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    http.post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null)
}

/// An emulator with a client for both providers and a user of `provider` holding
/// `messages` generated messages.
pub async fn setup(provider: &str, email: &str, messages: usize) -> Setup {
    let emulator = Emulator::start().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for p in ["google", "microsoft"] {
        post(&http, format!("{}/_emulator/clients", emulator.url),
            json!({"provider": p, "clientId": format!("{p}-client"), "clientSecret": "s3cret", "redirectUris": [REDIRECT]})).await;
    }
    post(
        &http,
        format!("{}/_emulator/users", emulator.url),
        json!({"provider": provider, "email": email, "messages": messages, "seed": 3}),
    )
    .await;
    Setup { emulator, http }
}

/// Query string of an authorize request.
pub fn authorize_query(provider: &str, email: &str, extra: &[(&str, &str)]) -> String {
    let scopes = if provider == "google" {
        GOOGLE_SCOPES
    } else {
        MICROSOFT_SCOPES
    };
    let client = format!("{provider}-client");
    let mut params: Vec<(&str, &str)> = vec![
        ("client_id", &client),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", scopes),
        ("state", "st4te"),
        ("login_hint", email),
        ("access_type", "offline"),
    ];
    params.extend_from_slice(extra);
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

impl Setup {
    pub fn authorize_url(&self, provider: &str) -> String {
        match provider {
            "google" => format!("{}/google/o/oauth2/v2/auth", self.emulator.url),
            _ => format!(
                "{}/microsoft/organizations/oauth2/v2.0/authorize",
                self.emulator.url
            ),
        }
    }

    pub fn token_url(&self, provider: &str) -> String {
        match provider {
            "google" => format!("{}/google/token", self.emulator.url),
            _ => format!(
                "{}/microsoft/organizations/oauth2/v2.0/token",
                self.emulator.url
            ),
        }
    }

    /// Submits the consent form; returns the redirect's query parameters.
    pub async fn consent(
        &self,
        provider: &str,
        email: &str,
        action: &str,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let query = authorize_query(provider, email, extra);
        let response = self
            .http
            .post(format!("{}?{query}", self.authorize_url(provider)))
            .form(&[("email", email), ("action", action)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            302,
            "{}",
            response.text().await.unwrap_or_default()
        );
        let location = response.headers()["location"].to_str().unwrap().to_string();
        assert!(location.starts_with(REDIRECT), "{location}");
        let query = location
            .split_once('?')
            .map(|(_, q)| q.to_string())
            .unwrap_or_default();
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The token endpoint's answer (status, JSON).
    pub async fn token(&self, provider: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(self.token_url(provider))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A full authorization-code exchange: access and refresh tokens.
    pub async fn tokens(&self, provider: &str, email: &str) -> (String, String) {
        let redirect = self.consent(provider, email, "allow", &[]).await;
        let code = redirect
            .iter()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .clone();
        let client = format!("{provider}-client");
        let (status, body) = self
            .token(
                provider,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("client_id", &client),
                    ("client_secret", "s3cret"),
                    ("redirect_uri", REDIRECT),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        (
            body["access_token"].as_str().unwrap().to_string(),
            body["refresh_token"].as_str().unwrap().to_string(),
        )
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.emulator.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.emulator.url))
            .bearer_auth(token)
            .header("prefer", "IdType=\"ImmutableId\"")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        post(
            &self.http,
            format!("{}/_emulator{path}", self.emulator.url),
            body,
        )
        .await
    }

    pub async fn truth(&self, email: &str) -> Vec<Value> {
        self.http
            .get(format!(
                "{}/_emulator/users/{email}/messages",
                self.emulator.url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}
