use crate::config::ProviderEndpoints;
use crate::providers::ProviderKind;
use serde::{Deserialize, Serialize};

/// A made-up authorization code. Redeeming it must fail; *how* it fails tells whether the
/// token endpoint knows the client: `invalid_grant` (the code is bad, so the client
/// passed) or `invalid_client` (it did not).
const PROBE_CODE: &str = "email-manager-client-check";

/// What `mailProviders:test` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProbeOutcome {
    pub ok: bool,
    pub code: String,
    pub message: String,
}

/// The client credentials to check and where the provider's token endpoint is.
pub struct ClientProbe<'a> {
    pub kind: ProviderKind,
    pub endpoints: &'a ProviderEndpoints,
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub redirect_uri: &'a str,
}

#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_codes: Vec<i64>,
}

impl ClientProbe<'_> {
    /// Asks the provider's token endpoint about the client and explains its answer.
    pub async fn run(&self, http: &reqwest::Client) -> ProbeOutcome {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", PROBE_CODE),
            ("client_id", self.client_id),
            ("client_secret", self.client_secret),
            ("redirect_uri", self.redirect_uri),
        ];
        if self.kind == ProviderKind::Microsoft {
            form.push(("scope", "openid offline_access"));
        }
        let title = self.kind.title();
        let Some(url) = super::flow::token_url(self.kind, self.endpoints, self.tenant) else {
            return ProbeOutcome {
                ok: false,
                code: "PROVIDER_NOT_OAUTH".into(),
                message: format!("{title} has no OAuth app to check."),
            };
        };
        let response = match http.post(url).form(&form).send().await {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(provider = %self.kind, error = %error.without_url(), "token endpoint unreachable");
                return outcome(
                    false,
                    "PROVIDER_UNREACHABLE",
                    format!(
                        "{title}'s token endpoint did not answer. Check the network and try again."
                    ),
                );
            }
        };
        let status = response.status();
        let body: TokenError = response.json().await.unwrap_or_default();
        self.explain(status, &body)
    }

    fn explain(&self, status: reqwest::StatusCode, body: &TokenError) -> ProbeOutcome {
        let title = self.kind.title();
        let aadsts = |code: i64| body.error_codes.contains(&code);
        match body.error.as_str() {
            "invalid_grant" => outcome(
                true,
                "OK",
                format!("{title} accepted the client ID and secret."),
            ),
            // AADSTS9002313: the (made-up) code is malformed; the client was accepted.
            "invalid_request" if aadsts(9_002_313) => outcome(
                true,
                "OK",
                format!("{title} accepted the client ID and secret."),
            ),
            "invalid_client" => outcome(
                false,
                "INVALID_CLIENT",
                format!(
                    "{title} does not accept this client ID and secret. Check both, and that the secret has not expired."
                ),
            ),
            "unauthorized_client" if aadsts(700_016) => outcome(
                false,
                "INVALID_CLIENT",
                format!(
                    "{title} does not know this client ID in the tenant \"{}\".",
                    self.tenant
                ),
            ),
            "redirect_uri_mismatch" => outcome(
                false,
                "REDIRECT_URI_MISMATCH",
                format!(
                    "The redirect URI {} is not registered for this client. Add it in the {title} console.",
                    self.redirect_uri
                ),
            ),
            "" => outcome(
                false,
                "UNEXPECTED_ANSWER",
                format!(
                    "{title}'s token endpoint gave an unexpected answer (HTTP {}).",
                    status.as_u16()
                ),
            ),
            other => {
                let code = body
                    .error_codes
                    .first()
                    .map(|c| format!(" (AADSTS{c})"))
                    .unwrap_or_default();
                outcome(
                    false,
                    "PROVIDER_REFUSED",
                    format!("{title} refused the client check: {other}{code}."),
                )
            }
        }
    }
}

fn outcome(ok: bool, code: &str, message: String) -> ProbeOutcome {
    ProbeOutcome {
        ok,
        code: code.into(),
        message,
    }
}
