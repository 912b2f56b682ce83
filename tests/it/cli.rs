//! The binary's commands: `check-config` output and errors, layering, and `migrate`.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_email-manager"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("run email-manager")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn check_config_prints_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["check-config"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for line in [
        r#"server.bind = "127.0.0.1:13100""#,
        r#"server.public_url = "http://localhost:13100""#,
        r#"database.url = "sqlite://data/email-manager.sqlite3""#,
        r#"nocobase.admin_roles = ["root","admin"]"#,
        "nocobase.check_cache_secs = 30",
        r#"providers.google.token_url = "https://oauth2.googleapis.com/token""#,
        r#"providers.microsoft.login_base_url = "https://login.microsoftonline.com""#,
        "# nocobase.url is not set",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(
        !dir.path().join("data").exists(),
        "check-config must not write anything"
    );
}

#[test]
fn check_config_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let key = "q5K0yvKx3tN1xqXIbV3yD2d9h2C0vQ7Jm0kYg6u0b1E=";
    let output = run(
        dir.path(),
        &["check-config"],
        &[
            ("EMAIL_MANAGER__NOCOBASE__APP_KEY", "very-secret-app-key"),
            ("EMAIL_MANAGER__SECURITY__ENCRYPTION_KEY", key),
            (
                "EMAIL_MANAGER__DATABASE__URL",
                "postgres://mail:hunter2@db:5432/mail",
            ),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        !text.contains("very-secret-app-key") && !text.contains(key) && !text.contains("hunter2")
    );
    assert!(text.contains(r#"nocobase.app_key = "[redacted]""#));
    assert!(text.contains(r#"database.url = "postgres://mail:****@db:5432/mail""#));
}

#[test]
fn check_config_names_every_bad_key_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["check-config"],
        &[
            ("EMAIL_MANAGER__SERVER__BIND", "everywhere"),
            ("EMAIL_MANAGER__SERVER__PUBLIC_URL", "ftp://x"),
            ("EMAIL_MANAGER__SECURITY__ENCRYPTION_KEY", "c2hvcnQ="),
            (
                "EMAIL_MANAGER__CORS__ALLOWED_ORIGINS",
                "https://ok.example,https://bad.example/path",
            ),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    let keys: Vec<&str> = errors
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "server.bind",
            "server.public_url",
            "security.encryption_key",
            "cors.allowed_origins[1]"
        ],
        "{errors}"
    );
    assert!(!errors.contains("c2hvcnQ="), "a secret was echoed");
}

#[test]
fn postgres_without_an_encryption_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["check-config"],
        &[(
            "EMAIL_MANAGER__DATABASE__URL",
            "postgres://postgres@127.0.0.1/mail",
        )],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("security.encryption_key: required with PostgreSQL"));
}

#[test]
fn unknown_keys_are_errors_not_silently_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["check-config"],
        &[("EMAIL_MANAGER__SERVER__BINDD", "x")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("bindd"), "{}", stderr(&output));
}

#[test]
fn environment_overrides_the_file_which_overrides_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("email-manager.toml");
    std::fs::write(
        &file,
        "[server]\nbind = \"0.0.0.0:9000\"\npublic_url = \"https://file.example\"\n\n[nocobase]\nadmin_roles = [\"owner\"]\n",
    )
    .unwrap();
    let output = run(
        dir.path(),
        &["--config", file.to_str().unwrap(), "check-config"],
        &[
            ("EMAIL_MANAGER__SERVER__PUBLIC_URL", "https://env.example"),
            (
                "EMAIL_MANAGER__CORS__ALLOWED_ORIGINS",
                "https://a.example,https://b.example",
            ),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains(r#"server.bind = "0.0.0.0:9000""#));
    assert!(text.contains(r#"server.public_url = "https://env.example""#));
    assert!(text.contains(r#"nocobase.admin_roles = ["owner"]"#));
    assert!(text.contains(r#"cors.allowed_origins = ["https://a.example","https://b.example"]"#));

    let missing = run(dir.path(), &["--config", "nope.toml", "check-config"], &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).starts_with("--config: no such file"));
}

#[test]
fn migrate_applies_pending_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("EMAIL_MANAGER__DATABASE__URL", "sqlite://mail.sqlite3")];
    let first = run(dir.path(), &["migrate"], &env);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("applied"));
    let second = run(dir.path(), &["migrate"], &env);
    assert!(second.status.success());
    assert_eq!(stdout(&second).trim(), "the database is up to date");
}

/// The README's configuration table and the settings the code knows are the same keys:
/// a new setting cannot ship undocumented, nor a removed one stay documented.
#[test]
fn the_readme_documents_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["check-config"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let known: std::collections::BTreeSet<String> = stdout(&output)
        .lines()
        .map(|line| {
            let line = line.trim_start_matches("# ");
            line.split([' ', '=']).next().unwrap_or("").to_string()
        })
        .filter(|key| !key.is_empty())
        .collect();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Configuration")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap();
    let documented: std::collections::BTreeSet<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        documented, known,
        "README's configuration table vs check-config"
    );
}
