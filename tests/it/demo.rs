//! `email-manager demo`, as a newcomer runs it: one command, then the printed token and
//! address work — two mailboxes connected and synced, a send goes out, the API page
//! loads from the binary under a strict CSP — and Ctrl-C (SIGTERM) removes its data.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the demo printed until it said it is ready.
fn until_ready(stdout: std::process::ChildStdout) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut printed = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("Ctrl-C stops the demo") {
                let _ = sender.send(printed);
                return;
            }
        }
    });
    receiver
        .recv_timeout(Duration::from_secs(120))
        .expect("the demo did not say it was ready in two minutes")
}

/// The demo process, killed if a check fails before it is stopped (never left running).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn one_command_gives_connected_mailboxes_a_working_token_and_the_api_page() {
    let scratch = tempfile::tempdir().unwrap();
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_email-manager"))
            .args(["demo", "--port", "0", "--messages", "12"])
            .current_dir(scratch.path())
            .env("EMAIL_MANAGER__LOG__LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let printed = until_ready(child.0.stdout.take().unwrap());
    let service = printed
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap()
        .to_string();
    let token = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("export TOKEN="))
        .unwrap()
        .to_string();
    assert!(
        printed.contains(&format!("{service}/api-docs#token={token}")),
        "{printed}"
    );
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{service}{path}")).bearer_auth(&token);
    let accounts = json(get("/api/mailAccounts:list")).await;
    let emails: Vec<&str> = accounts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 2, "{accounts}");
    assert!(emails.contains(&"demo@gmail.test") && emails.contains(&"demo@outlook.test"));
    let started = Instant::now();
    loop {
        let listed = json(get("/api/mailMessages:list?pageSize=1")).await;
        if listed["meta"]["count"].as_u64() == Some(24) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{listed}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let sent = json(
        http.post(format!("{service}/api/mailMessages:send"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"accountId": 1, "to": ["someone@example.test"], "subject": "Hello", "text": "From the demo"})),
    )
    .await;
    assert_eq!(sent["data"]["status"], "sent", "{sent}");

    // The API page and its script, from the binary, under a policy that allows nothing else.
    let page = http
        .get(format!("{service}/api-docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self'") && policy.contains("default-src 'none'"));
    assert!(page.text().await.unwrap().contains("/api-docs/app.js"));
    let script = http.get(format!("{service}/api-docs/app.js")).send();
    let script = script.await.unwrap().text().await.unwrap();
    assert!(script.contains("/api/openapi.json"));
    // A token of another key is refused: the printed one is this run's.
    let forged = http
        .get(format!("{service}/api/mailAccounts:list"))
        .bearer_auth(crate::common::tokens::user_token(1));
    assert_eq!(forged.send().await.unwrap().status(), 401);

    // Ctrl-C: the service stops and the demo's folder is gone.
    let pid = child.0.id();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    while child.0.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "still running");
        std::thread::sleep(Duration::from_millis(100));
    }
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("email-manager-demo-{pid}-"))
        })
        .collect();
    assert!(left.is_empty(), "the demo left {left:?}");
    assert_eq!(
        std::fs::read_dir(scratch.path()).unwrap().count(),
        0,
        "nothing written where it was started"
    );
}
