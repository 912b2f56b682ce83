//! A real Dovecot (Debian's `dovecot-imapd`) for the IMAP tests, configured in a throwaway
//! directory: IMAP on a loopback port (STARTTLS) and IMAPS on another, a certificate from
//! a CA made for the run, users from a password file, Maildirs with the special-use
//! folders a real server has. Started in the foreground as a child, stopped on drop.
//!
//! A fresh machine has no Dovecot: then the tests that need it say so and pass, unless
//! `EMAIL_MANAGER_TEST_DOVECOT=1` (as `.ci/run` sets) asks for it, which makes its absence
//! a failure.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = "/usr/sbin/dovecot";

pub struct Dovecot {
    dir: tempfile::TempDir,
    child: Child,
    /// IMAP with STARTTLS.
    pub imap_port: u16,
    /// IMAP over TLS from the first byte.
    pub imaps_port: u16,
    /// The CA that signed the server's certificate (for `localhost` and 127.0.0.1).
    pub ca_pem: Vec<u8>,
    /// Dovecot's password check over TCP, for an SMTP server's logins (SASL).
    pub auth_port: Option<u16>,
    /// Delivery into the mailboxes (LMTP), when `dovecot-lmtpd` is installed.
    pub lmtp_port: Option<u16>,
}

const LMTP: &str = "/usr/lib/dovecot/lmtp";

/// A port nothing listens on, for a server the test starts. Below the kernel's
/// ephemeral range (32768 and up): a port the kernel handed out for `bind(0)` goes back
/// to the pool the moment it is closed, and the next outgoing connection of any test may
/// take it before the server binds it ("Address already in use").
pub fn free_port() -> u16 {
    loop {
        let port = rand::random_range(20_000..32_000);
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn run(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success(), "openssl {args:?}");
}

/// A CA, and a certificate it signed for `localhost` and 127.0.0.1.
fn certificates(dir: &Path) {
    run(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Email manager test CA",
        ],
    );
    run(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("san.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .expect("write");
    run(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "san.cnf",
        ],
    );
}

fn dovecot_uid() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.first() != Some(&"dovecot") {
                return None;
            }
            Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?))
        })
        .expect("the dovecot user (Debian's dovecot-core makes it)")
}

/// Waits until a server (`what`) accepts connections on each of `ports`; its `log` tells
/// why not.
pub fn wait_listening(what: &str, ports: &[u16], log: impl Fn() -> String) {
    let started = Instant::now();
    for port in ports {
        while TcpStream::connect(("127.0.0.1", *port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what} did not listen on {port}: {}",
                log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Dovecot {
    /// Whether the tests may use a Dovecot here; panics when one is required and absent.
    pub fn available() -> bool {
        let here = Path::new(BINARY).exists();
        if !here && std::env::var("EMAIL_MANAGER_TEST_DOVECOT").as_deref() == Ok("1") {
            panic!(
                "EMAIL_MANAGER_TEST_DOVECOT=1 but {BINARY} is missing (apt-get install dovecot-imapd)"
            );
        }
        if !here {
            eprintln!("skipped: no Dovecot here (apt-get install dovecot-imapd to run it)");
        }
        here
    }

    /// A running Dovecot with `users` (address, password); `None` when there is none here.
    pub fn start(users: &[(&str, &str)]) -> Option<Dovecot> {
        if !Self::available() {
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        certificates(root);
        let (uid, gid) = dovecot_uid();
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }
        std::os::unix::fs::chown(root.join("home"), Some(uid), Some(gid)).expect("chown");
        let passwd: String = users
            .iter()
            .map(|(user, password)| format!("{user}:{{PLAIN}}{password}::::::\n"))
            .collect();
        std::fs::write(root.join("passwd"), passwd).expect("write");
        let (imap_port, imaps_port) = (free_port(), free_port());
        let lmtp_port = Path::new(LMTP).exists().then(free_port);
        assert!(
            lmtp_port.is_some()
                || std::env::var("EMAIL_MANAGER_TEST_DOVECOT").as_deref() != Ok("1"),
            "EMAIL_MANAGER_TEST_DOVECOT=1 but {LMTP} is missing (apt-get install dovecot-lmtpd)"
        );
        let auth_port = free_port();
        let lmtp = lmtp_port.map_or_else(String::new, |port| {
            // `user+Folder@domain` is delivered into Folder: how the filing Postfix
            // (`Postfix::start_filing`) puts a sender's copy in Sent.
            format!(
                "recipient_delimiter = +\nlmtp_save_to_detail_mailbox = yes\n\
                 service lmtp {{\n  inet_listener lmtp {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n}}\n"
            )
        });
        let protocols = if lmtp_port.is_some() {
            "imap lmtp"
        } else {
            "imap"
        };
        std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let r = root.display();
        let config = format!(
            r#"base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = {protocols}
listen = 127.0.0.1
ssl = yes
ssl_cert = <{r}/cert.pem
ssl_key = <{r}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={r}/home/%u
}}
mail_location = maildir:~/Maildir
# The process title says what each session is doing (`... IDLE]`): `sessions_in_idle`.
verbose_proctitle = yes
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \Junk
    auto = subscribe
  }}
  mailbox Archive {{
    special_use = \Archive
    auto = subscribe
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  inet_listener {{
    address = 127.0.0.1
    port = {auth_port}
  }}
}}
{lmtp}"#
        );
        let conf = root.join("dovecot.conf");
        std::fs::write(&conf, config).expect("write");
        let child = Command::new(BINARY)
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot");
        let ca_pem = std::fs::read(root.join("ca.pem")).expect("ca.pem");
        let dovecot = Dovecot {
            dir,
            child,
            imap_port,
            imaps_port,
            ca_pem,
            auth_port: Some(auth_port),
            lmtp_port,
        };
        dovecot.wait_listening();
        Some(dovecot)
    }

    fn wait_listening(&self) {
        wait_listening("Dovecot", &[self.imap_port, self.imaps_port], || self.log());
    }

    /// How many of this server's IMAP sessions are in IDLE now, by their process titles
    /// (`imap: [user ip IDLE]`; `verbose_proctitle`), among the master's children.
    pub fn sessions_in_idle(&self) -> usize {
        let master = self.child.id().to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return 0;
        };
        entries
            .flatten()
            .filter(|entry| {
                let dir = entry.path();
                let parent = std::fs::read_to_string(dir.join("stat"))
                    .ok()
                    .and_then(|stat| {
                        // `pid (comm) state ppid …`: the fields after the last ')'.
                        let after = stat.rsplit_once(')')?.1.to_string();
                        after.split_whitespace().nth(1).map(ToString::to_string)
                    });
                let title = std::fs::read(dir.join("cmdline"))
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                    .unwrap_or_default();
                parent.as_deref() == Some(master.as_str()) && title.contains(" IDLE]")
            })
            .count()
    }

    /// Dovecot's own log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("dovecot.log")).unwrap_or_default()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // Its own stop takes the login and auth processes down with the master.
        let _ = Command::new(BINARY)
            .arg("-c")
            .arg(self.path("dovecot.conf"))
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
