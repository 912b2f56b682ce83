//! What an admin and a user would do by hand, done over HTTP against the running service
//! and the emulator: register the OAuth apps at the "providers", seed two mailboxes,
//! save the apps in `mailProviders`, and connect both mailboxes through the real OAuth
//! flow (authorize, the provider's consent page, the callback with the browser's cookie).

use serde_json::{Value, json};

/// The two demo mailboxes: provider, address, generator seed.
pub const MAILBOXES: [(&str, &str, u64); 2] = [
    ("google", "demo@gmail.test", 7),
    ("microsoft", "demo@outlook.test", 8),
];

pub struct Setup<'a> {
    pub http: &'a reqwest::Client,
    /// The service, `http://127.0.0.1:PORT`.
    pub service: &'a str,
    /// The emulator, `http://127.0.0.1:PORT`.
    pub emulator: &'a str,
    /// The demo user's token (an admin of this service).
    pub token: &'a str,
}

fn failed(step: &str, error: impl std::fmt::Display) -> String {
    format!("demo setup, {step}: {error}")
}

impl Setup<'_> {
    async fn post(&self, url: &str, body: &Value, token: Option<&str>) -> Result<Value, String> {
        let mut request = self.http.post(url).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| failed(url, e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| failed(url, e))?;
        if !status.is_success() {
            return Err(failed(url, format!("{status}: {text}")));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The OAuth apps at the emulator and in the service, and the seeded mailboxes.
    pub async fn providers(&self, messages: usize) -> Result<(), String> {
        let redirect = format!("{}/api/mailOAuth:callback", self.service);
        // Gmail's per-user quota would make the first sync of a demo take minutes.
        self.post(
            &format!("{}/_emulator/quota", self.emulator),
            &json!({"provider": "google", "unitsPerMinute": 0}),
            None,
        )
        .await?;
        for (provider, email, seed) in MAILBOXES {
            let (id, secret) = (
                format!("demo-{provider}-client"),
                format!("demo-{provider}-secret"),
            );
            let control = format!("{}/_emulator", self.emulator);
            self.post(
                &format!("{control}/clients"),
                &json!({"provider": provider, "clientId": id, "clientSecret": secret, "redirectUris": [redirect]}),
                None,
            )
            .await?;
            self.post(
                &format!("{control}/users"),
                &json!({"provider": provider, "email": email, "name": "Dana Demo", "messages": messages, "seed": seed}),
                None,
            )
            .await?;
            self.post(
                &format!(
                    "{}/api/mailProviders:update?filterByTk={provider}",
                    self.service
                ),
                &json!({"clientId": id, "clientSecret": secret, "enabled": true}),
                Some(self.token),
            )
            .await?;
        }
        Ok(())
    }

    /// Connects `email` as a browser would; the new account's id.
    pub async fn connect(&self, provider: &str, email: &str) -> Result<i64, String> {
        let return_url = format!("{}/api-docs", self.service);
        let response = self
            .http
            .post(format!("{}/api/mailAccounts:authorize", self.service))
            .bearer_auth(self.token)
            .json(&json!({"provider": provider, "returnUrl": return_url}))
            .send()
            .await
            .map_err(|e| failed("authorize", e))?;
        // The cookie that binds the connect to this "browser".
        let cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(ToString::to_string))
            .collect();
        let answer: Value = response.json().await.map_err(|e| failed("authorize", e))?;
        let consent = answer["data"]["url"]
            .as_str()
            .ok_or_else(|| failed("authorize", answer.to_string()))?;
        // The provider's consent page, answered "allow" for the seeded mailbox.
        let allowed = self
            .http
            .post(consent)
            .form(&[("email", email), ("action", "allow")])
            .send()
            .await
            .map_err(|e| failed("consent", e))?;
        let back = location(&allowed).ok_or_else(|| failed("consent", allowed.status()))?;
        let query = back.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let callback = self
            .http
            .get(format!("{}/api/mailOAuth:callback?{query}", self.service))
            .header("cookie", cookies.join("; "))
            .send()
            .await
            .map_err(|e| failed("callback", e))?;
        let outcome = location(&callback).ok_or_else(|| failed("callback", callback.status()))?;
        url::Url::parse(&outcome)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "mailAccountId")
                    .and_then(|(_, v)| v.parse().ok())
            })
            .ok_or_else(|| failed("callback", outcome))
    }

    /// How many messages the service lists for the demo user.
    pub async fn listed(&self) -> Result<u64, String> {
        let answer: Value = self
            .http
            .get(format!("{}/api/mailMessages:list?pageSize=1", self.service))
            .bearer_auth(self.token)
            .send()
            .await
            .map_err(|e| failed("list", e))?
            .json()
            .await
            .map_err(|e| failed("list", e))?;
        Ok(answer["meta"]["count"].as_u64().unwrap_or(0))
    }
}

fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("location")?
        .to_str()
        .ok()
        .map(ToString::to_string)
}
