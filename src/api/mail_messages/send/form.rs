//! `mailMessages:send` as multipart/form-data: the same fields as the JSON values, with
//! files as file parts. Parts are read as they stream in, and the whole form may not
//! exceed the message size limit (413 as soon as it does), so a large upload is refused
//! without being taken in first.
//!
//! Field names follow the JSON values: `accountId`, `subject`, `text`, `html`, `sendAt`;
//! `to`, `cc`, `bcc` repeated (or `to[]`), each an address or a JSON list of them;
//! `reference` as JSON or as `reference[messageId]` and `reference[action]`; every part
//! with a file name is an attachment.

use super::reference::too_large;
use super::request::{checked_content_type, checked_filename};
use crate::http::ApiError;
use crate::mail::compose::FileAttachment;
use actix_multipart::Multipart;
use futures_util::StreamExt;
use serde_json::{Map, Value};

fn unreadable() -> ApiError {
    ApiError::bad_request("INVALID_BODY", "The multipart form could not be read.")
}

/// The form's fields as JSON values, and its files.
pub async fn read(
    mut form: Multipart,
    max_bytes: u64,
) -> Result<(Map<String, Value>, Vec<FileAttachment>), ApiError> {
    let (mut values, mut files, mut used) = (Map::new(), Vec::new(), 0u64);
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        let name = field
            .name()
            .unwrap_or("")
            .trim_end_matches("[]")
            .to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(ToString::to_string);
        let content_type = field.content_type().map(|m| m.essence_str().to_string());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            used += chunk.len() as u64;
            if used > max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        if let Some(filename) = filename {
            let field = format!("attachments[{}]", files.len());
            files.push(FileAttachment {
                filename: checked_filename(&field, &filename)?,
                content_type: checked_content_type(&field, content_type.as_deref())?,
                content: bytes,
                content_id: None,
                forwarded: false,
            });
            continue;
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| ApiError::invalid_field(&name, "not UTF-8 text"))?;
        put(&mut values, &name, text)?;
    }
    Ok((values, files))
}

/// Files one text field into the values, as the JSON form of the request has it.
fn put(values: &mut Map<String, Value>, name: &str, text: String) -> Result<(), ApiError> {
    match name {
        "to" | "cc" | "bcc" => {
            let list = values
                .entry(name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(list) = list else {
                return Ok(());
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(items)) => list.extend(items),
                _ => list.push(Value::String(text)),
            }
        }
        "reference" => {
            let parsed = serde_json::from_str::<Value>(&text).map_err(|_| {
                ApiError::invalid_field("reference", "expected JSON {messageId, action}")
            })?;
            values.insert(name.into(), parsed);
        }
        "reference[messageId]" | "reference[action]" | "reference[fillRecipients]" => {
            let key = &name["reference[".len()..name.len() - 1];
            let reference = values
                .entry("reference")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(reference) = reference {
                reference.insert(key.to_string(), Value::String(text));
            }
        }
        _ => {
            values.insert(name.to_string(), Value::String(text));
        }
    }
    Ok(())
}
