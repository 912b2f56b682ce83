//! A real NocoBase serving the benchmark's messages as its own collections, for the
//! comparison in `api_latency --nocobase`: `benches/nocobase/serve_million.mjs` installs a
//! fresh NocoBase, makes the collections through its API and copies the rows in; this
//! side reads its protocol lines (one JSON object per line on its stdout).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

pub struct NocoBaseServer {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    pub url: String,
    pub token: String,
    pub load_secs: f64,
}

impl NocoBaseServer {
    /// Starts NocoBase from the install at `app` with the rows of the SQLite file `source`.
    pub fn start(app: &Path, source: &Path) -> NocoBaseServer {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/nocobase/serve_million.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("NB_APP", app)
            .env("SOURCE_DB", source)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("a pipe"));
        let mut server = NocoBaseServer {
            child,
            stdin,
            stdout,
            url: String::new(),
            token: String::new(),
            load_secs: 0.0,
        };
        let ready = server.next_line();
        server.url = ready["url"].as_str().expect("url").to_string();
        server.token = ready["token"].as_str().expect("token").to_string();
        server.load_secs = ready["loadSecs"].as_f64().unwrap_or(0.0);
        server
    }

    /// Adds the indexes an admin can add in NocoBase's field settings; which ones.
    pub fn add_indexes(&mut self) -> Vec<String> {
        let stdin = self.stdin.as_mut().expect("running");
        stdin.write_all(b"index\n").expect("the script reads");
        stdin.flush().expect("the script reads");
        let done = self.next_line();
        done["indexes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn next_line(&mut self) -> serde_json::Value {
        let mut line = String::new();
        let read = self.stdout.read_line(&mut line).expect("the script writes");
        assert!(
            read > 0,
            "the NocoBase script ended early (its log is above)"
        );
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a protocol line: {line}"))
    }
}

impl Drop for NocoBaseServer {
    /// Closing its input stops NocoBase and deletes its storage.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
