//! A real Postfix (Debian's `postfix`) as the SMTP submission server of the IMAP tests:
//! its own instance in a throwaway directory (`postfix -c <dir>`, queue and log inside),
//! submission with STARTTLS and SMTPS on loopback ports, logins checked by the test's
//! Dovecot (SASL over TCP) and mail for the test domain delivered into it by LMTP, so what
//! a test sends arrives in a real mailbox.
//!
//! Absent, the tests that need it skip, unless `EMAIL_MANAGER_TEST_DOVECOT=1` asks for
//! the mail servers (as `.ci/run` does).

use super::dovecot::Dovecot;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

const BINARY: &str = "/usr/sbin/postfix";

/// The services a Postfix instance runs, none chrooted (the queue is a temporary
/// directory with nothing in it to chroot into).
const MASTER_CF: &str = "\
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
";

pub struct Postfix {
    dir: tempfile::TempDir,
    /// Submission with STARTTLS (as port 587).
    pub submission_port: u16,
    /// Submission over TLS from the first byte (as port 465).
    pub smtps_port: u16,
}

impl Postfix {
    pub fn available() -> bool {
        let here = Path::new(BINARY).exists();
        if !here && std::env::var("EMAIL_MANAGER_TEST_DOVECOT").as_deref() == Ok("1") {
            panic!(
                "EMAIL_MANAGER_TEST_DOVECOT=1 but {BINARY} is missing (apt-get install postfix)"
            );
        }
        if !here {
            eprintln!("skipped: no Postfix here (apt-get install postfix to run it)");
        }
        here
    }

    /// A running Postfix for `dovecot`'s users and domain `domain`; `None` when there is
    /// no Postfix (or the Dovecot lacks LMTP) here.
    pub fn start(dovecot: &Dovecot, domain: &str) -> Option<Postfix> {
        Self::start_with(dovecot, domain, false)
    }

    /// One that files a copy of what a user submits in their Sent folder itself, as
    /// Gmail's and Microsoft 365's submission servers do (a blind copy of each message
    /// to `sender+Sent@`, which Dovecot's LMTP delivers into Sent).
    pub fn start_filing(dovecot: &Dovecot, domain: &str) -> Option<Postfix> {
        Self::start_with(dovecot, domain, true)
    }

    fn start_with(dovecot: &Dovecot, domain: &str, files_sent: bool) -> Option<Postfix> {
        if !Self::available() {
            return None;
        }
        let (auth_port, lmtp_port) = (dovecot.auth_port?, dovecot.lmtp_port?);
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        // Postfix's own processes run as `postfix` and must reach the queue.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::create_dir_all(root.join("queue")).expect("mkdir");
        std::fs::create_dir_all(root.join("data")).expect("mkdir");
        let owner = Command::new("chown")
            .args(["postfix"])
            .arg(root.join("data"))
            .status()
            .expect("chown");
        assert!(owner.success());
        let (submission_port, smtps_port) =
            (super::dovecot::free_port(), super::dovecot::free_port());
        let r = root.display();
        let cert = dovecot.path("cert.pem");
        let key = dovecot.path("key.pem");
        let main = format!(
            "compatibility_level = 3.6
queue_directory = {r}/queue
data_directory = {r}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = smtp.{domain}
mydestination =
mynetworks =
maillog_file_prefixes = {r}
maillog_file = {r}/maillog
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth_port}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
",
            cert = cert.display(),
            key = key.display(),
        );
        let main = if files_sent {
            std::fs::write(
                root.join("sender_bcc"),
                "/^([^@+]+)@(.+)$/ ${1}+Sent@${2}\n",
            )
            .expect("write");
            format!("{main}recipient_delimiter = +\nsender_bcc_maps = regexp:{r}/sender_bcc\n")
        } else {
            main
        };
        std::fs::write(root.join("main.cf"), main).expect("write");
        let master = format!(
            "{MASTER_CF}127.0.0.1:{submission_port} inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:{smtps_port} inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
"
        );
        std::fs::write(root.join("master.cf"), master).expect("write");
        let postfix = Postfix {
            dir,
            submission_port,
            smtps_port,
        };
        let started = postfix.command("start");
        assert!(started, "postfix did not start: {}", postfix.log());
        postfix.wait_listening();
        Some(postfix)
    }

    fn command(&self, verb: &str) -> bool {
        Command::new(BINARY)
            .arg("-c")
            .arg(self.dir.path())
            .arg(verb)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Until submission greets: a bound port is not yet a server that answers (master
    /// binds first and spawns smtpd on the first connection). Under a loaded suite the
    /// first greeting has taken over 15 s (the imap_crash test's connect then failed on
    /// the service's STARTTLS deadline); the set-up waits for it instead, so what a test
    /// measures starts with a Postfix that answers.
    fn wait_listening(&self) {
        super::dovecot::wait_listening("Postfix", &[self.submission_port, self.smtps_port], || {
            self.log()
        });
        let started = std::time::Instant::now();
        loop {
            if greets(self.submission_port) {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(90),
                "Postfix did not greet on {}: {}",
                self.submission_port,
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// Postfix's log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.command("stop");
    }
}

/// Whether an SMTP server on `port` sends its 220 greeting within 30 seconds.
fn greets(port: u16) -> bool {
    use std::io::Read;
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(30)));
    let mut first = [0u8; 4];
    stream.read_exact(&mut first).is_ok() && first.starts_with(b"220")
}
