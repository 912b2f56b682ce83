//! Graph JSON messages (sendMail bodies, drafts) turned into MIME, so every message the
//! emulator holds is MIME and every view of it is derived the same way.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use serde_json::{Value, json};

/// A Graph property, whatever the case of its name (the SDKs send `Message`, the docs
/// `message`).
pub fn prop<'a>(value: &'a Value, name: &str) -> &'a Value {
    value
        .as_object()
        .and_then(|map| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .unwrap_or(&Value::Null)
}

fn recipients(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|r| {
                    let address = prop(prop(r, "emailAddress"), "address")
                        .as_str()?
                        .to_string();
                    let name = prop(prop(r, "emailAddress"), "name")
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    Some((name, address))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn address_list(list: &[(String, String)]) -> Address<'static> {
    Address::new_list(
        list.iter()
            .map(|(name, address)| {
                Address::new_address((!name.is_empty()).then(|| name.clone()), address.clone())
            })
            .collect(),
    )
}

/// Recipients of a Graph message JSON, for validation.
pub fn all_recipients(message: &Value) -> Vec<String> {
    ["toRecipients", "ccRecipients", "bccRecipients"]
        .iter()
        .flat_map(|key| recipients(prop(message, key)))
        .map(|(_, address)| address)
        .collect()
}

/// Builds MIME from a Graph message JSON sent by `from`. Extra threading headers and
/// the original attachments (for forwards) come from the caller.
pub fn to_mime(
    message: &Value,
    from: (&str, &str),
    in_reply_to: Option<&str>,
    references: &[String],
) -> Vec<u8> {
    let body = prop(message, "body");
    let content = prop(body, "content").as_str().unwrap_or("").to_string();
    let html = prop(body, "contentType")
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    // A draft's `from` (a send-as address, checked when it is sent), else the owner.
    let from = match prop(message, "from") {
        Value::Null => (from.0.to_string(), from.1.to_string()),
        given => recipients(&json!([given]))
            .into_iter()
            .next()
            .unwrap_or((from.0.to_string(), from.1.to_string())),
    };
    let mut builder = MessageBuilder::new()
        .from(Address::new_address(Some(from.0), from.1))
        .subject(prop(message, "subject").as_str().unwrap_or("").to_string());
    // Exchange keeps a draft's Message-ID across edits (and lets a draft's be set).
    if let Some(id) = prop(message, "internetMessageId").as_str() {
        builder = builder.message_id(id.trim_matches(['<', '>']).to_string());
    }
    for (key, setter) in [
        ("toRecipients", 0),
        ("ccRecipients", 1),
        ("bccRecipients", 2),
        ("replyTo", 3),
    ] {
        let list = recipients(prop(message, key));
        if list.is_empty() {
            continue;
        }
        let addresses = address_list(&list);
        builder = match setter {
            0 => builder.to(addresses),
            1 => builder.cc(addresses),
            2 => builder.bcc(addresses),
            _ => builder.reply_to(addresses),
        };
    }
    if let Some(parent) = in_reply_to {
        builder = builder.in_reply_to(parent.trim_matches(['<', '>']).to_string());
    }
    if !references.is_empty() {
        builder = builder.references(
            references
                .iter()
                .map(|r| r.trim_matches(['<', '>']).to_string())
                .collect::<Vec<_>>(),
        );
    }
    if let Some(headers) = prop(message, "internetMessageHeaders").as_array() {
        for header in headers {
            if let (Some(name), Some(value)) = (
                prop(header, "name").as_str(),
                prop(header, "value").as_str(),
            ) {
                builder = builder.header(
                    name.to_string(),
                    mail_builder::headers::raw::Raw::new(value.to_string()),
                );
            }
        }
    }
    builder = if html {
        builder.html_body(content)
    } else {
        builder.text_body(content)
    };
    if let Some(attachments) = prop(message, "attachments").as_array() {
        for attachment in attachments {
            let name = prop(attachment, "name")
                .as_str()
                .unwrap_or("attachment")
                .to_string();
            let content_type = prop(attachment, "contentType")
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_string();
            let bytes = STANDARD
                .decode(prop(attachment, "contentBytes").as_str().unwrap_or(""))
                .unwrap_or_default();
            builder = if prop(attachment, "isInline").as_bool() == Some(true) {
                let cid = prop(attachment, "contentId")
                    .as_str()
                    .unwrap_or(&name)
                    .to_string();
                builder.inline(content_type, cid, bytes)
            } else {
                builder.attachment(content_type, name, bytes)
            };
        }
    }
    builder.write_to_vec().unwrap_or_default()
}

/// The Graph JSON shape of a stored message's editable fields (for drafts built from
/// another message).
pub fn recipient_json(name: &str, address: &str) -> Value {
    json!({"emailAddress": {"name": name, "address": address}})
}
