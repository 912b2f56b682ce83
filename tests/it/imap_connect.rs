//! Reaching an IMAP server a user names (#26), against a real Dovecot on loopback: each
//! stage of `mailAccounts:test` (dns, tcp, tls, auth, capabilities) fails where it should
//! and says so in words, and a working server is reached by implicit TLS and by STARTTLS
//! with its special-use folders listed. The SSRF boundary holds first: by default the
//! loopback server is refused before any packet goes to it.

use crate::common;

use common::dovecot::Dovecot;
use email_manager::net::guard::HostPolicy;
use email_manager::providers::imap::{self, Endpoint, Reach, Stage, TlsMode, tls};

const USER: &str = "ann@example.test";
const PASSWORD: &str = "correct horse battery";

fn reach(dovecot: &Dovecot, trust_ca: bool, private: bool, plaintext: bool) -> Reach {
    Reach {
        policy: HostPolicy {
            allowed_hosts: Vec::new(),
            allow_private_networks: private,
        },
        tls: tls::client_config(trust_ca.then_some(dovecot.ca_pem.as_slice())).unwrap(),
        allow_plaintext: plaintext,
    }
}

fn at(host: &str, port: u16, tls: TlsMode) -> Endpoint {
    Endpoint {
        host: host.into(),
        port,
        tls,
    }
}

async fn failed_at(reach: &Reach, endpoint: &Endpoint, password: &str) -> (Stage, String) {
    let failure = imap::probe(reach, endpoint, USER, password)
        .await
        .expect_err("the probe should fail");
    assert!(
        !failure.message.contains(password),
        "the password is in the message: {}",
        failure.message
    );
    (failure.stage, failure.message)
}

#[tokio::test]
async fn a_working_server_is_reached_by_tls_and_by_starttls() {
    let Some(dovecot) = Dovecot::start(&[(USER, PASSWORD)]) else {
        return;
    };
    let lan = reach(&dovecot, true, true, false);
    for endpoint in [
        at("localhost", dovecot.imaps_port, TlsMode::Implicit),
        at("127.0.0.1", dovecot.imap_port, TlsMode::Starttls),
    ] {
        let probed = imap::probe(&lan, &endpoint, USER, PASSWORD)
            .await
            .unwrap_or_else(|f| panic!("{endpoint:?}: {f:?}\n{}", dovecot.log()));
        // Dovecot has every extension sync makes use of.
        for capability in imap::connect::USEFUL {
            assert!(
                probed.capabilities.iter().any(|c| c == capability),
                "{capability} not seen in {:?}",
                probed.capabilities
            );
        }
        for (name, role) in [
            ("INBOX", None),
            ("Sent", Some("sent")),
            ("Trash", Some("trash")),
            ("Junk", Some("spam")),
            ("Archive", Some("archive")),
            ("Drafts", Some("drafts")),
        ] {
            assert!(
                probed
                    .mailboxes
                    .contains(&(name.to_string(), role.map(ToString::to_string))),
                "{name} as {role:?} not in {:?}",
                probed.mailboxes
            );
        }
    }
}

#[tokio::test]
async fn each_stage_says_what_failed() {
    let Some(dovecot) = Dovecot::start(&[(USER, PASSWORD)]) else {
        return;
    };
    let lan = reach(&dovecot, true, true, false);
    let tls_port = at("localhost", dovecot.imaps_port, TlsMode::Implicit);

    // auth: a wrong password, said as such.
    let (stage, message) = failed_at(&lan, &tls_port, "wrong password").await;
    assert_eq!(stage, Stage::Auth, "{message}");
    assert!(
        message.contains("refused the user name or password"),
        "{message}"
    );

    // tls: a certificate from an authority the service does not trust (a self-signed
    // server, an internal CA the admin has not added).
    let untrusted = reach(&dovecot, false, true, false);
    let (stage, message) = failed_at(&untrusted, &tls_port, PASSWORD).await;
    assert_eq!(stage, Stage::Tls, "{message}");
    assert!(message.contains("not signed by an authority"), "{message}");

    // tls: TLS spoken to the STARTTLS port (the wrong port for implicit TLS).
    let (stage, message) = failed_at(
        &lan,
        &at("localhost", dovecot.imap_port, TlsMode::Implicit),
        PASSWORD,
    )
    .await;
    assert_eq!(stage, Stage::Tls, "{message}");

    // tls: no encryption at all, which the admin has not allowed.
    let (stage, message) = failed_at(
        &lan,
        &at("localhost", dovecot.imap_port, TlsMode::None),
        PASSWORD,
    )
    .await;
    assert_eq!(stage, Stage::Tls, "{message}");
    assert!(
        message.contains("not allowed by the administrator"),
        "{message}"
    );
    // ... and which works when they have (a server on the company network).
    let plain = reach(&dovecot, true, true, true);
    imap::probe(
        &plain,
        &at("localhost", dovecot.imap_port, TlsMode::None),
        USER,
        PASSWORD,
    )
    .await
    .unwrap();

    // tcp: nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (stage, message) =
        failed_at(&lan, &at("localhost", closed, TlsMode::Implicit), PASSWORD).await;
    assert_eq!(stage, Stage::Tcp, "{message}");

    // dns: a name that does not resolve.
    let (stage, message) = failed_at(
        &lan,
        &at("no-such-host.invalid", 993, TlsMode::Implicit),
        PASSWORD,
    )
    .await;
    assert_eq!(stage, Stage::Dns, "{message}");
}

/// The SSRF boundary: a user who names the service's own host (or anything on its
/// network) reaches nothing unless the admin allows private networks — not even a TCP
/// connection is made.
#[tokio::test]
async fn a_server_on_the_services_own_network_is_refused_by_default() {
    let Some(dovecot) = Dovecot::start(&[(USER, PASSWORD)]) else {
        return;
    };
    let public_only = reach(&dovecot, true, false, false);
    for host in ["localhost", "127.0.0.1", "[::ffff:127.0.0.1]"] {
        let (stage, message) = failed_at(
            &public_only,
            &at(host, dovecot.imaps_port, TlsMode::Implicit),
            PASSWORD,
        )
        .await;
        assert_eq!(stage, Stage::Dns, "{host}: {message}");
        assert!(message.contains("private or local network"), "{message}");
    }
    assert!(
        !dovecot.log().contains("rip=127.0.0.1"),
        "a connection reached the server: {}",
        dovecot.log()
    );
    // An allow-list the host is not on refuses it even on a private network.
    let listed = Reach {
        policy: HostPolicy {
            allowed_hosts: vec!["mail.example.com".into()],
            allow_private_networks: true,
        },
        ..public_only
    };
    let (stage, message) = failed_at(
        &listed,
        &at("localhost", dovecot.imaps_port, TlsMode::Implicit),
        PASSWORD,
    )
    .await;
    assert_eq!(stage, Stage::Dns, "{message}");
    assert!(message.contains("not among the servers"), "{message}");
}
