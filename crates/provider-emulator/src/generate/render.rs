use super::Rng;
use super::words::{SENTENCES, TINY_PNG};
use crate::mail::{GeneratedBody, MessageMeta};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};

/// The plain-text body of a generated message (also the source of its snippet).
pub fn body_text(seed: u64, greeting: &str) -> String {
    let mut rng = Rng::derive(seed, 1);
    let sentences: Vec<&str> = (0..2 + rng.below(5))
        .map(|_| *rng.pick(SENTENCES))
        .collect();
    format!(
        "Hi {greeting},\n\n{}\n\nBest regards\n",
        sentences.join(" ")
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Builds the MIME bytes of a generated message. Boundaries are derived from the body's
/// seed, so the same message renders to the same bytes every time.
pub fn render(meta: &MessageMeta, body: &GeneratedBody) -> Vec<u8> {
    let greeting = meta
        .to
        .first()
        .map_or("there", |p| p.name.split(' ').next().unwrap_or("there"));
    let text = body_text(body.seed, greeting);
    let mut html = String::from("<html><body>");
    for paragraph in text.split("\n\n") {
        html.push_str(&format!(
            "<p>{}</p>",
            html_escape(paragraph).replace('\n', "<br>")
        ));
    }
    let cid = format!("logo-{:x}@emulator", body.seed);
    if body.inline_image {
        html.push_str(&format!("<p><img src=\"cid:{cid}\" alt=\"logo\"></p>"));
    }
    if body.remote_image {
        html.push_str("<p><img src=\"https://images.example.com/banner.png\" width=\"600\"></p>");
    }
    html.push_str("<p><a href=\"https://www.example.com/details\">Details</a></p></body></html>");

    let boundary = |n: u32| format!("emu_{:016x}_{n}", body.seed);
    let multipart = |kind: &str, n: u32, parts: Vec<MimePart<'static>>| {
        MimePart::new(
            ContentType::new(kind.to_string()).attribute("boundary", boundary(n)),
            BodyPart::Multipart(parts),
        )
    };
    let alternative = multipart(
        "multipart/alternative",
        1,
        vec![
            MimePart::new(
                ContentType::new("text/plain").attribute("charset", "utf-8"),
                text,
            ),
            MimePart::new(
                ContentType::new("text/html").attribute("charset", "utf-8"),
                html,
            ),
        ],
    );
    let content = if body.inline_image {
        multipart(
            "multipart/related",
            2,
            vec![
                alternative,
                MimePart::new(ContentType::new("image/png"), TINY_PNG.to_vec())
                    .inline()
                    .cid(cid),
            ],
        )
    } else {
        alternative
    };
    let content = if body.attachments.is_empty() {
        content
    } else {
        let mut parts = vec![content];
        for (k, attachment) in body.attachments.iter().enumerate() {
            let mut bytes = vec![0u8; attachment.size as usize];
            Rng::derive(body.seed, 100 + k as u64).fill(&mut bytes);
            parts.push(
                MimePart::new(ContentType::new(attachment.content_type.clone()), bytes)
                    .attachment(attachment.filename.clone()),
            );
        }
        multipart("multipart/mixed", 3, parts)
    };

    let people = |list: &[crate::mail::Person]| {
        Address::new_list(
            list.iter()
                .map(|p| Address::new_address(Some(p.name.clone()), p.address.clone()))
                .collect(),
        )
    };
    let mut builder = MessageBuilder::new()
        .message_id(meta.message_id.trim_matches(['<', '>']).to_string())
        .from(Address::new_address(
            Some(meta.from.name.clone()),
            meta.from.address.clone(),
        ))
        .to(people(&meta.to))
        .subject(meta.subject.clone())
        .date(meta.date_ms / 1000)
        .body(content);
    if !meta.cc.is_empty() {
        builder = builder.cc(people(&meta.cc));
    }
    if let Some(parent) = &meta.in_reply_to {
        builder = builder.in_reply_to(parent.trim_matches(['<', '>']).to_string());
    }
    if !meta.references.is_empty() {
        let references: Vec<String> = meta
            .references
            .iter()
            .map(|r| r.trim_matches(['<', '>']).to_string())
            .collect();
        builder = builder.references(references);
    }
    builder.write_to_vec().unwrap_or_default()
}
