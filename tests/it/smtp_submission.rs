//! Reaching the SMTP submission server of an IMAP mailbox (#26), against a real Postfix
//! whose logins Dovecot checks and whose mail for the test domain Dovecot stores: STARTTLS
//! and implicit TLS both reached, each failing stage said in words, and a message handed
//! over on the session arriving in the recipient's real mailbox.

use crate::common;

use common::dovecot::Dovecot;
use common::postfix::Postfix;
use email_manager::net::guard::HostPolicy;
use email_manager::providers::imap::{self, Endpoint, Reach, Stage, TlsMode, smtp, tls};
use lettre::address::Envelope;

const ANN: &str = "ann@example.test";
const BOB: &str = "bob@example.test";
const PASSWORD: &str = "correct horse battery";
const HELLO: &str = "sidecar.example.test";

fn servers() -> Option<(Dovecot, Postfix)> {
    let dovecot = Dovecot::start(&[(ANN, PASSWORD), (BOB, PASSWORD)])?;
    let postfix = Postfix::start(&dovecot, "example.test")?;
    Some((dovecot, postfix))
}

fn reach(dovecot: &Dovecot, trust_ca: bool) -> Reach {
    Reach {
        policy: HostPolicy {
            allowed_hosts: Vec::new(),
            allow_private_networks: true,
        },
        tls: tls::client_config(trust_ca.then_some(dovecot.ca_pem.as_slice())).unwrap(),
        allow_plaintext: false,
    }
}

fn at(port: u16, tls: TlsMode) -> Endpoint {
    Endpoint {
        host: "localhost".into(),
        port,
        tls,
    }
}

#[tokio::test]
async fn submission_is_reached_by_starttls_and_by_tls() {
    let Some((dovecot, postfix)) = servers() else {
        return;
    };
    let lan = reach(&dovecot, true);
    for endpoint in [
        at(postfix.submission_port, TlsMode::Starttls),
        at(postfix.smtps_port, TlsMode::Implicit),
    ] {
        let probed = smtp::probe(&lan, &endpoint, HELLO, ANN, PASSWORD)
            .await
            .unwrap_or_else(|f| panic!("{endpoint:?}: {f:?}\n{}", postfix.log()));
        assert!(
            probed.extensions.iter().any(|e| e == "SMTPUTF8"),
            "{probed:?}"
        );
    }
}

#[tokio::test]
async fn each_smtp_stage_says_what_failed() {
    let Some((dovecot, postfix)) = servers() else {
        return;
    };
    let lan = reach(&dovecot, true);
    let failed = |reach: Reach, endpoint: Endpoint, password: &'static str| async move {
        let failure = smtp::probe(&reach, &endpoint, HELLO, ANN, password)
            .await
            .expect_err("the probe should fail");
        assert!(!failure.message.contains(password), "{}", failure.message);
        (failure.stage, failure.message)
    };
    let (stage, message) = failed(
        lan.clone(),
        at(postfix.submission_port, TlsMode::Starttls),
        "wrong",
    )
    .await;
    assert_eq!(stage, Stage::Auth, "{message}");
    assert!(
        message.contains("refused the user name or password"),
        "{message}"
    );

    let (stage, message) = failed(
        reach(&dovecot, false),
        at(postfix.smtps_port, TlsMode::Implicit),
        PASSWORD,
    )
    .await;
    assert_eq!(stage, Stage::Tls, "{message}");
    assert!(message.contains("not signed by an authority"), "{message}");

    // The STARTTLS port spoken to as if it were TLS from the first byte.
    let (stage, message) = failed(
        lan.clone(),
        at(postfix.submission_port, TlsMode::Implicit),
        PASSWORD,
    )
    .await;
    assert_eq!(stage, Stage::Tls, "{message}");

    // An IMAP port named as the SMTP server.
    let (stage, message) = failed(lan, at(dovecot.imap_port, TlsMode::Starttls), PASSWORD).await;
    assert_eq!(stage, Stage::Tcp, "{message}");
    assert!(message.contains("SMTP"), "{message}");
}

#[tokio::test]
async fn a_message_handed_over_arrives_in_the_recipients_mailbox() {
    let Some((dovecot, postfix)) = servers() else {
        return;
    };
    if dovecot.lmtp_port.is_none() {
        eprintln!("skipped: no dovecot-lmtpd here to deliver into");
        return;
    }
    let lan = reach(&dovecot, true);
    let mut session = smtp::open(
        &lan,
        &at(postfix.submission_port, TlsMode::Starttls),
        HELLO,
        ANN,
        PASSWORD,
    )
    .await
    .unwrap();
    let raw = format!(
        "From: Ann <{ANN}>\r\nTo: Bob <{BOB}>\r\nSubject: Quote Q-7 ready\r\nMessage-ID: <q7@example.test>\r\n\r\nThe quote is attached.\r\n.starts with a dot\r\n"
    );
    let envelope = Envelope::new(Some(ANN.parse().unwrap()), vec![BOB.parse().unwrap()]).unwrap();
    session.send(&envelope, raw.as_bytes()).await.unwrap();
    let _ = session.quit().await;

    // Bob reads it by IMAP: Postfix took it, Dovecot stored it whole.
    let endpoint = at(dovecot.imaps_port, TlsMode::Implicit);
    let started = std::time::Instant::now();
    loop {
        let mut imap = imap::connect::open(&lan, &endpoint, BOB, PASSWORD)
            .await
            .unwrap();
        let inbox = imap.examine("INBOX").await.unwrap();
        if inbox.exists > 0 {
            use futures_util::TryStreamExt;
            let fetched: Vec<_> = imap
                .fetch("1", "BODY.PEEK[]")
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            let body = String::from_utf8_lossy(fetched[0].body().unwrap()).to_string();
            assert!(body.contains("Subject: Quote Q-7 ready"), "{body}");
            assert!(
                body.contains("\r\n.starts with a dot\r\n"),
                "dot-stuffing lost a dot: {body}"
            );
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "not delivered: {}",
            postfix.log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
