//! `/metrics`: Prometheus text with the HTTP, sync, provider and send counters and the
//! waiting-work gauges — and nothing that names a user, an address or a token.

use crate::common;

use common::Backend;
use common::oauth::{param, wired_syncing};
use common::tokens::{admin_key, user_token};
use serde_json::json;

#[tokio::test]
async fn metrics_count_requests_syncs_provider_calls_and_sends() {
    let w = wired_syncing(Backend::Sqlite).await.unwrap();
    let email = "counted@gmail.test";
    w.mailbox("google", email, 12).await;
    let outcome = w.connect(&user_token(7), "google", email).await;
    let account: i64 = param(&outcome, "mailAccountId").unwrap().parse().unwrap();
    w.wait_listed(12, "").await;
    let sent = w
        .app
        .call(
            "mailMessages:send",
            Some(&user_token(7)),
            "",
            Some(
                json!({"accountId": account, "to": ["zoe@acme.com"], "subject": "s", "text": "t"}),
            ),
        )
        .await;
    assert_eq!(sent.json["data"]["status"], "sent", "{}", sent.text);
    let unauthorized = w.app.call("mailProviders:list", None, "", None).await;
    assert_eq!(unauthorized.status, 401);
    let listed = w
        .app
        .call("mailProviders:list", Some(&admin_key(1)), "", None)
        .await;
    assert_eq!(listed.status, 200);

    let response = w
        .http
        .get(format!("{}/metrics", w.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{series} in\n{text}"))
    };
    assert!(
        value(
            "email_manager_http_requests_total{route=\"/api/mailProviders:list\",status=\"200\"}"
        ) >= 1.0
    );
    assert!(
        value(
            "email_manager_http_requests_total{route=\"/api/mailProviders:list\",status=\"401\"}"
        ) >= 1.0
    );
    assert!(value("email_manager_sync_runs_total{provider=\"google\",outcome=\"ok\"}") >= 1.0);
    assert!(value("email_manager_messages_synced_total{provider=\"google\"}") >= 12.0);
    assert!(
        value("email_manager_provider_requests_total{provider=\"google\",status=\"2xx\"}") >= 2.0
    );
    assert!(value("email_manager_sends_total{provider=\"google\",status=\"sent\"}") >= 1.0);
    assert!(value("email_manager_sync_queue_due") >= 0.0);
    assert_eq!(value("email_manager_outbox_scheduled"), 0.0);
    for private in [email, "zoe@acme.com", &user_token(7), "mailAccountId"] {
        assert!(!text.contains(private), "{private} leaked into /metrics");
    }
    // Ids in paths never become labels: every route label is a pattern.
    let unknown = w
        .http
        // Letters no metric value holds: the digits used before can turn up in a value
        // (a duration's sum, a byte count), which most likely failed one CI run.
        .get(format!("{}/api/no-such-thing-qzxv", w.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let text = w
        .http
        .get(format!("{}/metrics", w.app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("qzxv"), "an unmatched path is not a label");
}
