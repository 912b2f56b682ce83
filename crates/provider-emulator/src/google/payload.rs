//! A message's MIME tree as Gmail's `payload` (format=full / metadata).

use crate::mail::file_bytes as contents;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde_json::{Value, json};

/// An attachment id that names the message and part it came from.
pub fn attachment_id(message_id: u64, part_id: &str) -> String {
    format!(
        "ANGjdJ{}",
        URL_SAFE_NO_PAD.encode(format!("emu:{message_id:016x}:{part_id}"))
    )
}

/// The (message id, part id) an attachment id names.
pub fn parse_attachment_id(id: &str) -> Option<(u64, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id.strip_prefix("ANGjdJ")?).ok()?).ok()?;
    let mut parts = text.splitn(3, ':');
    (parts.next()? == "emu").then_some(())?;
    let message = u64::from_str_radix(parts.next()?, 16).ok()?;
    Some((message, parts.next()?.to_string()))
}

/// Header name/value pairs of one part, in their original order, values unfolded.
fn headers(raw: &[u8], part: &MessagePart<'_>, only: Option<&[String]>) -> Vec<Value> {
    part.headers
        .iter()
        .filter_map(|header| {
            let name = String::from_utf8_lossy(
                raw.get(header.offset_field as usize..header.offset_start as usize)?,
            )
            .trim_end()
            .trim_end_matches(':')
            .trim()
            .to_string();
            if only.is_some_and(|wanted| !wanted.iter().any(|w| w.eq_ignore_ascii_case(&name))) {
                return None;
            }
            let value = if name.eq_ignore_ascii_case("subject") {
                header.value.as_text().map(ToString::to_string)
            } else {
                None
            }
            .unwrap_or_else(|| {
                let raw_value = String::from_utf8_lossy(
                    raw.get(header.offset_start as usize..header.offset_end as usize)
                        .unwrap_or_default(),
                )
                .into_owned();
                raw_value
                    .replace("\r\n", "")
                    .replace('\n', "")
                    .trim()
                    .to_string()
            });
            Some(json!({"name": name, "value": value}))
        })
        .collect()
}

fn mime_type(part: &MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| match &ct.c_subtype {
            Some(sub) => format!("{}/{}", ct.c_type, sub).to_ascii_lowercase(),
            None => ct.c_type.to_ascii_lowercase(),
        })
        .unwrap_or_else(|| "text/plain".to_string())
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.attachment_name().is_some()
        || part
            .content_disposition()
            .is_some_and(|d| d.c_type.eq_ignore_ascii_case("attachment"))
        || (matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_))
            && part.content_id().is_some())
}

fn part_json(
    message: &Message<'_>,
    raw: &[u8],
    index: u32,
    part_id: String,
    message_id: u64,
    only: Option<&[String]>,
    root: bool,
) -> Value {
    let Some(part) = message.part(index) else {
        return json!({});
    };
    let mut value = json!({
        "partId": part_id,
        "mimeType": mime_type(part),
        "filename": part.attachment_name().unwrap_or(""),
        "headers": headers(raw, part, if root { only } else { None }),
    });
    match &part.body {
        PartType::Multipart(children) => {
            value["body"] = json!({"size": 0});
            let parts: Vec<Value> = children
                .iter()
                .enumerate()
                .map(|(k, child)| {
                    let id = if part_id.is_empty() {
                        k.to_string()
                    } else {
                        format!("{part_id}.{k}")
                    };
                    part_json(message, raw, *child, id, message_id, only, false)
                })
                .collect();
            value["parts"] = Value::Array(parts);
        }
        _ => {
            let contents = contents(raw, part);
            value["body"] = if is_attachment(part) {
                json!({"attachmentId": attachment_id(message_id, &part_id), "size": contents.len()})
            } else {
                json!({"size": contents.len(), "data": URL_SAFE_NO_PAD.encode(&contents)})
            };
        }
    }
    value
}

/// The `payload` of format=full (all of it) or format=metadata (top-level headers only,
/// filtered by `metadataHeaders` when given).
pub fn payload(
    raw: &[u8],
    message_id: u64,
    metadata_only: bool,
    metadata_headers: &[String],
) -> Value {
    let Some(message) = MessageParser::default().parse(raw) else {
        return json!({"partId": "", "mimeType": "text/plain", "filename": "", "headers": [], "body": {"size": 0}});
    };
    let only = (!metadata_headers.is_empty()).then_some(metadata_headers);
    if metadata_only {
        let Some(root) = message.part(0) else {
            return json!({});
        };
        return json!({"partId": "", "mimeType": mime_type(root), "filename": "", "headers": headers(raw, root, only), "body": {"size": 0}});
    }
    part_json(&message, raw, 0, String::new(), message_id, None, true)
}

/// The decoded bytes of one part (`partId` as in the payload).
pub fn part_bytes(raw: &[u8], part_id: &str) -> Option<Vec<u8>> {
    let message = MessageParser::default().parse(raw)?;
    let mut index = 0u32;
    if !part_id.is_empty() {
        for step in part_id.split('.') {
            let k: usize = step.parse().ok()?;
            index = *message.part(index)?.sub_parts()?.get(k)?;
        }
    }
    Some(contents(raw, message.part(index)?).into_owned())
}
