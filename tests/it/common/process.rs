//! The real binary as a process of its own, for what only a separate process shows: its
//! memory (read from /proc), and surviving a kill.

use email_manager::config::Settings;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `email-manager serve`, killed when dropped.
pub struct ServiceProcess {
    pub address: String,
    child: Child,
}

/// The environment that gives the binary `settings` (the parts tests change).
fn environment(settings: &Settings, bind: &str) -> Vec<(String, String)> {
    let google = &settings.providers.google;
    let microsoft = &settings.providers.microsoft;
    [
        ("SERVER__BIND", bind.to_string()),
        (
            "DATABASE__URL",
            settings.database.url.connection_string().into(),
        ),
        (
            "DATABASE__POOL_SIZE",
            settings.database.pool_size.to_string(),
        ),
        (
            "NOCOBASE__APP_KEY",
            settings.nocobase.app_key.expose().into(),
        ),
        (
            "SECURITY__ENCRYPTION_KEY",
            settings.security.encryption_key.expose().into(),
        ),
        (
            "SECURITY__PREVIOUS_KEYS",
            settings
                .security
                .previous_keys
                .iter()
                .map(|k| k.expose().to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
        (
            "SEND__RUN_SCHEDULED",
            settings.send.run_scheduled.to_string(),
        ),
        ("SYNC__ENABLED", settings.sync.enabled.to_string()),
        ("SEND__LEASE_SECS", settings.send.lease_secs.to_string()),
        ("CAMPAIGNS__RUN", settings.campaigns.run.to_string()),
        (
            "CAMPAIGNS__GMAIL_PER_DAY",
            settings.campaigns.gmail_per_day.to_string(),
        ),
        ("PUSH__ENABLED", settings.push.enabled.to_string()),
        (
            "PUSH__POLL_INTERVAL_SECS",
            settings.push.poll_interval_secs.to_string(),
        ),
        ("PROVIDERS__GOOGLE__JWKS_URL", google.jwks_url.clone()),
        (
            "SYNC__INTERVAL_SECS",
            settings.sync.interval_secs.to_string(),
        ),
        (
            "SYNC__GMAIL_UNITS_PER_MINUTE",
            settings.sync.gmail_units_per_minute.to_string(),
        ),
        (
            "CORS__ALLOWED_ORIGINS",
            settings.cors.allowed_origins.join(","),
        ),
        ("SYNC__LEASE_SECS", settings.sync.lease_secs.to_string()),
        (
            "LIMITS__LISTS_PER_USER",
            settings.limits.lists_per_user.to_string(),
        ),
        ("SYNC__PAGE_SIZE", settings.sync.page_size.to_string()),
        (
            "SYNC__QUOTA_WINDOW_SECS",
            settings.sync.quota_window_secs.to_string(),
        ),
        (
            "SYNC__GMAIL_MAX_CONCURRENT",
            settings.sync.gmail_max_concurrent.to_string(),
        ),
        (
            "SYNC__GRAPH_REQUESTS_PER_10_MIN",
            settings.sync.graph_requests_per_10_min.to_string(),
        ),
        ("PROVIDERS__GOOGLE__AUTH_URL", google.auth_url.clone()),
        ("PROVIDERS__GOOGLE__TOKEN_URL", google.token_url.clone()),
        ("PROVIDERS__GOOGLE__REVOKE_URL", google.revoke_url.clone()),
        (
            "PROVIDERS__GOOGLE__USERINFO_URL",
            google.userinfo_url.clone(),
        ),
        (
            "PROVIDERS__GOOGLE__API_BASE_URL",
            google.api_base_url.clone(),
        ),
        (
            "PROVIDERS__MICROSOFT__LOGIN_BASE_URL",
            microsoft.login_base_url.clone(),
        ),
        (
            "PROVIDERS__MICROSOFT__GRAPH_BASE_URL",
            microsoft.graph_base_url.clone(),
        ),
        // Warnings only, unless a run asks for more (e.g. `email_manager::sync=info`).
        (
            "LOG__LEVEL",
            std::env::var("EMAIL_MANAGER_TEST_SERVICE_LOG").unwrap_or_else(|_| "warn".into()),
        ),
    ]
    .into_iter()
    .chain(
        settings
            .imap
            .ca_file
            .as_ref()
            .map(|ca| ("IMAP__CA_FILE", ca.display().to_string())),
    )
    .map(|(key, value)| (format!("EMAIL_MANAGER__{key}"), value))
    .collect()
}

impl ServiceProcess {
    /// Starts the binary with `settings` on a free loopback port and waits for `/healthz`.
    pub async fn start(settings: &Settings, dir: &std::path::Path) -> ServiceProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let bind = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_email-manager"))
            .arg("serve")
            .current_dir(dir)
            .env_clear()
            .envs(environment(settings, &bind))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start email-manager");
        let process = ServiceProcess {
            address: format!("http://{bind}"),
            child,
        };
        let started = Instant::now();
        loop {
            let healthy = reqwest::get(format!("{}/healthz", process.address))
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return process;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the service did not become healthy"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The process id (a sync claim's `lease_owner` starts with it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, what `docker stop` and a rolling update send.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
    }

    /// Waits up to `limit` for the process to exit; its exit status, or `None` if it
    /// still runs.
    pub async fn exited(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the process status") {
                return Some(status);
            }
            if started.elapsed() > limit {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A line of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
    pub fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the process status");
        status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{field}:")))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in /proc status"))
    }

    /// CPU time the process has used so far, user and system, in seconds
    /// (`/proc/<pid>/stat` fields 14 and 15, in clock ticks of 1/100 s on Linux).
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("the process stat");
        // The command name may hold spaces; the fields that follow its closing parenthesis do not.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |index: usize| -> f64 {
            fields
                .get(index)
                .and_then(|v| v.parse::<f64>().ok())
                .expect("utime and stime in /proc stat")
        };
        // After ')': field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
        (ticks(11) + ticks(12)) / 100.0
    }

    /// Starts a new peak: `VmHWM` falls back to the current `VmRSS` (Linux `clear_refs` 5).
    pub fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")
            .expect("reset the peak RSS");
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
