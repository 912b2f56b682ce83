//! `wrk` (Debian's 4.1) as the benchmarks' HTTP load generator, and its summary parsed.

use std::process::Command;

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Load {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub per_sec: f64,
    /// Answers that were not 2xx or 3xx.
    pub failed: u64,
    /// Requests still unanswered after `timeout_secs` (left out of the latencies).
    pub timeouts: u64,
}

/// `connections` clients for `secs` seconds against `url` (GET, bearer `token`).
pub fn run(url: &str, token: &str, connections: u32, secs: u32, timeout_secs: u32) -> Load {
    let output = Command::new("wrk")
        .args([
            "-t",
            &connections.clamp(1, 2).to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{secs}s"),
            "--timeout",
            &format!("{timeout_secs}s"),
            "--latency",
            "-H",
            &format!("Authorization: Bearer {token}"),
            url,
        ])
        .output()
        .expect("wrk runs (apt-get install wrk)");
    parse(&String::from_utf8_lossy(&output.stdout))
}

fn parse(text: &str) -> Load {
    let ms = |label: &str| -> f64 {
        let Some(line) = text.lines().find(|l| l.trim_start().starts_with(label)) else {
            // No answer at all within the run: no latency to report.
            return f64::NAN;
        };
        let value = line.split_whitespace().nth(1).unwrap_or("0");
        let (number, unit) = value.split_at(
            value
                .find(|c: char| c.is_alphabetic())
                .unwrap_or(value.len()),
        );
        let number: f64 = number.parse().unwrap_or(f64::NAN);
        match unit {
            "us" => number / 1000.0,
            "s" => number * 1000.0,
            "m" => number * 60_000.0,
            _ => number,
        }
    };
    let last_number = |prefix: &str| -> u64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let per_sec = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    // "Socket errors: connect 0, read 0, write 0, timeout 12"
    let timeouts = text
        .lines()
        .find(|l| l.trim_start().starts_with("Socket errors:"))
        .and_then(|l| l.rsplit("timeout").next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Load {
        p50_ms: ms("50%"),
        p99_ms: ms("99%"),
        per_sec,
        failed: last_number("Non-2xx or 3xx responses:"),
        timeouts,
    }
}
