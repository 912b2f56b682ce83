//! Generated mailboxes: the same seed gives the same mail, and the mail looks real.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use provider_emulator::generate::{Placement, generate, render};
use provider_emulator::mail::Person;

fn owner() -> Person {
    Person {
        name: "Ann Example".into(),
        address: "ann@gmail.test".into(),
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let a = generate(&owner(), 300, 42, 1_793_491_200_000);
    let b = generate(&owner(), 300, 42, 1_793_491_200_000);
    let c = generate(&owner(), 300, 43, 1_793_491_200_000);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(render(&x.meta, &x.body), render(&y.meta, &y.body));
    }
    assert_ne!(
        a.iter().map(|g| g.meta.subject.clone()).collect::<Vec<_>>(),
        c.iter().map(|g| g.meta.subject.clone()).collect::<Vec<_>>()
    );
}

#[test]
fn generated_mail_has_threads_attachments_non_ascii_and_every_placement() {
    let mail = generate(&owner(), 2_000, 9, 1_793_491_200_000);
    let replies = mail.iter().filter(|g| g.meta.in_reply_to.is_some()).count();
    let with_attachments = mail
        .iter()
        .filter(|g| !g.body.attachments.is_empty())
        .count();
    assert!(
        replies > 400 && with_attachments > 100,
        "{replies} replies, {with_attachments} with attachments"
    );
    assert!(mail.iter().any(|g| !g.meta.from.name.is_ascii()));
    assert!(mail.iter().any(|g| !g.meta.subject.is_ascii()));
    for placement in [
        Placement::Inbox,
        Placement::Archive,
        Placement::Sent,
        Placement::Clients,
    ] {
        assert!(
            mail.iter().any(|g| g.placement == placement),
            "{placement:?}"
        );
    }
    assert!(
        mail.windows(2)
            .all(|w| w[0].meta.date_ms <= w[1].meta.date_ms + 37 * 60 * 1000)
    );

    // A reply carries its parent's Message-ID in In-Reply-To and References.
    let reply = mail.iter().find(|g| g.meta.in_reply_to.is_some()).unwrap();
    let raw = render(&reply.meta, &reply.body);
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let parent = reply.meta.in_reply_to.clone().unwrap();
    assert_eq!(
        format!("<{}>", parsed.in_reply_to().as_text().unwrap()),
        parent
    );
    assert!(parsed.subject().unwrap().starts_with("Re: "));

    // Attachments with non-ASCII names survive encoding.
    let with_name = mail
        .iter()
        .find(|g| g.body.attachments.iter().any(|a| !a.filename.is_ascii()))
        .unwrap();
    let raw = render(&with_name.meta, &with_name.body);
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let names: Vec<String> = parsed
        .attachments()
        .filter_map(|a| {
            use mail_parser::MimeHeaders;
            a.attachment_name().map(ToString::to_string)
        })
        .collect();
    assert!(
        with_name
            .body
            .attachments
            .iter()
            .all(|a| names.contains(&a.filename)),
        "{names:?}"
    );
    assert!(parsed.body_html(0).is_some() && parsed.body_text(0).is_some());
}

#[test]
fn a_hundred_thousand_messages_are_generated_without_rendering() {
    let mail = generate(&owner(), 100_000, 1, 1_793_491_200_000);
    assert_eq!(mail.len(), 100_000);
}
