//! `mailMessages:send` values, read and checked: every problem is a 400 naming its field,
//! found before anything is recorded or sent.

use crate::config::SendSettings;
use crate::http::ApiError;
use crate::http::fields::optional_text;
use crate::mail::compose::address::{BadRecipient, recipients};
use crate::mail::compose::reply::Action;
use crate::mail::compose::{FileAttachment, Person};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// What the caller asked to send.
#[derive(Debug)]
pub struct SendRequest {
    pub account_id: i64,
    /// The `from` the caller gave, if any (it must be one of the account's identities).
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub bcc: Vec<Person>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<FileAttachment>,
    /// The message answered or forwarded (our id) and how.
    pub reference: Option<(i64, Action)>,
    /// Add the recipients a reply goes to (the original's Reply-To or From, and for
    /// reply-all its To and Cc) to those given. `false` (`reference.fillRecipients`) when
    /// the form showed them and sends exactly what the user kept.
    pub fill_recipients: bool,
    pub send_at: Option<DateTime<Utc>>,
    /// The caller's signature to sign with (`signatureId`), placed as it says.
    pub signature_id: Option<i64>,
    /// A digest of the whole request, to tell a retry from a different request that
    /// reuses an Idempotency-Key.
    pub digest: String,
}

fn bad_recipient(error: BadRecipient) -> ApiError {
    ApiError::bad_request(
        "INVALID_RECIPIENT",
        format!("{}: {}", error.field, error.reason),
    )
}

fn text(values: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    Ok(optional_text(values, field)?.map(ToString::to_string))
}

/// A file name without folders or control characters (it names a part in a header).
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "attachment".into()
    } else {
        cleaned.chars().take(255).collect()
    }
}

/// An attachment's file name as given, checked: a path (`/` or `\`) or a control character
/// (a line break would start a new header) is refused, naming the field; the rest is
/// [`clean_filename`]'s.
pub fn checked_filename(field: &str, name: &str) -> Result<String, ApiError> {
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            &format!("{field}.filename"),
            "has line breaks or control characters",
        ));
    }
    if name.contains(['/', '\\']) {
        return Err(ApiError::invalid_field(
            &format!("{field}.filename"),
            "must be a file name, not a path",
        ));
    }
    Ok(clean_filename(name))
}

/// An attachment's media type, checked: a control character is refused (it would end
/// the header); anything else that is not `type/subtype` becomes a generic binary type.
pub fn checked_content_type(field: &str, value: Option<&str>) -> Result<String, ApiError> {
    if value.is_some_and(|v| v.chars().any(char::is_control)) {
        return Err(ApiError::invalid_field(
            &format!("{field}.contentType"),
            "has line breaks or control characters",
        ));
    }
    Ok(clean_content_type(value))
}

/// `type/subtype` made of token characters, else a generic binary type.
pub fn clean_content_type(value: Option<&str>) -> String {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match value.map(str::trim).and_then(|v| v.split_once('/')) {
        Some((kind, sub)) if token(kind) && token(sub) => {
            format!("{kind}/{sub}").to_ascii_lowercase()
        }
        _ => "application/octet-stream".into(),
    }
}

fn attachments(values: &Map<String, Value>) -> Result<Vec<FileAttachment>, ApiError> {
    let items = match values.get("attachments") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::invalid_field("attachments", "expected a list")),
    };
    items
        .iter()
        .enumerate()
        .map(|(at, item)| {
            let field = format!("attachments[{at}]");
            let Value::Object(file) = item else {
                return Err(ApiError::invalid_field(
                    &field,
                    "expected {filename, contentType, content}",
                ));
            };
            let content = file.get("content").and_then(Value::as_str).ok_or_else(|| {
                ApiError::invalid_field(&format!("{field}.content"), "required (base64)")
            })?;
            let compact: String = content.split_ascii_whitespace().collect();
            let content = STANDARD
                .decode(compact.as_bytes())
                .map_err(|_| ApiError::invalid_field(&format!("{field}.content"), "not base64"))?;
            Ok(FileAttachment {
                filename: checked_filename(
                    &field,
                    file.get("filename").and_then(Value::as_str).unwrap_or(""),
                )?,
                content_type: checked_content_type(
                    &field,
                    file.get("contentType").and_then(Value::as_str),
                )?,
                content,
                content_id: content_id(&field, file)?,
                forwarded: false,
            })
        })
        .collect()
}

/// An inline part's Content-ID (`inline: true, contentId`), without angle brackets: the
/// name the HTML's `cid:` uses. It goes into a header, so only visible ASCII is taken.
fn content_id(field: &str, file: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let inline = match file.get("inline") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(inline)) => *inline,
        Some(_) => {
            return Err(ApiError::invalid_field(
                &format!("{field}.inline"),
                "expected true or false",
            ));
        }
    };
    if !inline {
        return Ok(None);
    }
    let id = file
        .get("contentId")
        .and_then(Value::as_str)
        .map(|id| id.trim().trim_matches(['<', '>']))
        .unwrap_or("");
    if id.is_empty()
        || id.len() > 250
        || !id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !br#"<>"\()[],;"#.contains(&b))
    {
        return Err(ApiError::invalid_field(
            &format!("{field}.contentId"),
            "an inline file needs a contentId of visible ASCII (what the HTML's cid: names)",
        ));
    }
    Ok(Some(id.to_string()))
}

fn reference(values: &Map<String, Value>) -> Result<Option<(i64, Action)>, ApiError> {
    let reference = match values.get("reference") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(reference)) => reference,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "reference",
                "expected {messageId, action}",
            ));
        }
    };
    let id = match reference.get("messageId") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::invalid_field("reference.messageId", "expected a message id"))?;
    let action = reference
        .get("action")
        .and_then(Value::as_str)
        .and_then(Action::parse)
        .ok_or_else(|| {
            ApiError::invalid_field("reference.action", "expected reply, replyAll or forward")
        })?;
    Ok(Some((id, action)))
}

/// `reference.fillRecipients`: true (the default) or false, as JSON or a form field.
fn fill_recipients(values: &Map<String, Value>) -> Result<bool, ApiError> {
    match values
        .get("reference")
        .and_then(|r| r.get("fillRecipients"))
    {
        None | Some(Value::Null) => Ok(true),
        Some(Value::Bool(fill)) => Ok(*fill),
        Some(Value::String(text)) if text == "true" || text == "false" => Ok(text == "true"),
        Some(_) => Err(ApiError::invalid_field(
            "reference.fillRecipients",
            "expected true or false",
        )),
    }
}

impl SendRequest {
    /// Adds files uploaded as form parts; they count in the request's digest.
    pub fn add_files(&mut self, files: Vec<FileAttachment>) {
        let mut digest = Sha256::new();
        digest.update(self.digest.as_bytes());
        for file in &files {
            digest.update(file.filename.as_bytes());
            digest.update(Sha256::digest(&file.content));
        }
        self.digest = format!("{:x}", digest.finalize());
        self.attachments.extend(files);
    }
}

/// Reads and checks the values of a send.
pub fn parse(values: &Map<String, Value>, limits: &SendSettings) -> Result<SendRequest, ApiError> {
    let request = parse_draft(values, limits)?;
    if (request
        .reference
        .is_none_or(|(_, action)| action == Action::Forward)
        || !request.fill_recipients)
        && request.to.is_empty()
        && request.cc.is_empty()
        && request.bcc.is_empty()
    {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            "to: at least one recipient is needed",
        ));
    }
    Ok(request)
}

/// `signatureId`: a signature's id, or nothing.
fn signature_id(values: &Map<String, Value>) -> Result<Option<i64>, ApiError> {
    match values.get("signatureId") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.parse::<i64>().is_ok() => Ok(s.parse().ok()),
        Some(_) => Err(ApiError::invalid_field(
            "signatureId",
            "the id of one of your signatures",
        )),
    }
}

/// The values as a draft takes them: like a send's, recipients not required yet.
pub fn parse_draft(
    values: &Map<String, Value>,
    limits: &SendSettings,
) -> Result<SendRequest, ApiError> {
    let account_id = match values.get("accountId") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::invalid_field("accountId", "required: the mail account to send from")
    })?;
    let from = match values.get("from") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let mut people = recipients(Some(value), "from").map_err(|e| {
                ApiError::bad_request("INVALID_FROM", format!("{}: {}", e.field, e.reason))
            })?;
            if people.len() > 1 {
                return Err(ApiError::bad_request(
                    "INVALID_FROM",
                    "from: one address, not a list",
                ));
            }
            people.pop()
        }
    };
    let to = recipients(values.get("to"), "to").map_err(bad_recipient)?;
    let cc = recipients(values.get("cc"), "cc").map_err(bad_recipient)?;
    let bcc = recipients(values.get("bcc"), "bcc").map_err(bad_recipient)?;
    let count = to.len() + cc.len() + bcc.len();
    if count > limits.max_recipients as usize {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            format!(
                "to, cc, bcc: {count} recipients; at most {} are allowed",
                limits.max_recipients
            ),
        ));
    }
    // A line break in a subject is a header injection attempt, never something typed.
    let subject = text(values, "subject")?;
    if subject.as_deref().is_some_and(|s| s.contains(['\r', '\n'])) {
        return Err(ApiError::invalid_field("subject", "has line breaks"));
    }
    let subject = subject.map(|s| s.chars().take(2000).collect());
    let send_at = match values.get("sendAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(at)) => Some(
            DateTime::parse_from_rfc3339(at)
                .map_err(|_| {
                    ApiError::invalid_field("sendAt", "expected an ISO 8601 date and time")
                })?
                .with_timezone(&Utc),
        ),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "sendAt",
                "expected an ISO 8601 date and time",
            ));
        }
    };
    let request = SendRequest {
        account_id,
        from,
        to,
        cc,
        bcc,
        subject,
        text: text(values, "text")?,
        html: text(values, "html")?,
        attachments: attachments(values)?,
        reference: reference(values)?,
        fill_recipients: fill_recipients(values)?,
        send_at,
        signature_id: signature_id(values)?,
        digest: format!(
            "{:x}",
            Sha256::digest(Value::Object(values.clone()).to_string().as_bytes())
        ),
    };
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::{
        checked_content_type, checked_filename, clean_content_type, clean_filename, parse,
    };
    use crate::config::SendSettings;
    use serde_json::{Value, json};

    fn values(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn code(v: Value) -> String {
        parse(&values(v), &SendSettings::default())
            .err()
            .map(|e| format!("{} {}", e.code(), e.message()))
            .unwrap_or_default()
    }

    #[test]
    fn names_the_field_of_each_problem() {
        assert_eq!(
            code(json!({"to": ["a@x.test"]})),
            "INVALID_VALUE accountId: required: the mail account to send from"
        );
        assert_eq!(
            code(json!({"accountId": 1, "to": ["a@x.test", "nope"]})),
            "INVALID_RECIPIENT to[1]: is not a valid email address"
        );
        assert_eq!(
            code(json!({"accountId": 1})),
            "INVALID_RECIPIENT to: at least one recipient is needed"
        );
        let many: Vec<String> = (0..101).map(|n| format!("p{n}@x.test")).collect();
        assert!(
            code(json!({"accountId": 1, "bcc": many}))
                .starts_with("INVALID_RECIPIENT to, cc, bcc: 101 recipients")
        );
        assert_eq!(
            code(
                json!({"accountId": 1, "to": ["a@x.test"], "attachments": [{"filename": "a", "content": "@@"}]})
            ),
            "INVALID_VALUE attachments[0].content: not base64"
        );
        assert_eq!(
            code(json!({"accountId": 1, "to": ["a@x.test"], "sendAt": "tomorrow"})),
            "INVALID_VALUE sendAt: expected an ISO 8601 date and time"
        );
        assert_eq!(
            code(json!({"accountId": 1, "reference": {"messageId": 4, "action": "bounce"}})),
            "INVALID_VALUE reference.action: expected reply, replyAll or forward"
        );
        assert_eq!(
            code(json!({"accountId": 1, "reference": {"messageId": 4, "action": "reply"}})),
            "",
            "a reply fills its recipients"
        );
    }

    #[test]
    fn file_names_and_types_are_made_safe() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\a\\Report\r\n.pdf"), "Report.pdf");
        assert_eq!(clean_filename(".."), "attachment");
        for (name, problem) in [
            (
                "../../etc/passwd",
                "attachments[0].filename: must be a file name, not a path",
            ),
            (
                "C:\\Users\\a.pdf",
                "attachments[0].filename: must be a file name, not a path",
            ),
            (
                "a\r\nContent-Type: text/html",
                "attachments[0].filename: has line breaks or control characters",
            ),
        ] {
            let error = checked_filename("attachments[0]", name).unwrap_err();
            assert_eq!(error.message(), problem, "{name:?}");
        }
        assert_eq!(
            checked_filename("f", " .hidden report.pdf ").unwrap(),
            "hidden report.pdf"
        );
        assert!(checked_content_type("f", Some("text/plain\r\nX-Evil: 1")).is_err());
        assert_eq!(
            checked_content_type("f", Some("weird")).unwrap(),
            "application/octet-stream"
        );
        assert_eq!(
            checked_content_type("f", None).unwrap(),
            "application/octet-stream"
        );
        assert_eq!(clean_content_type(Some("Image/PNG")), "image/png");
        assert_eq!(
            clean_content_type(Some("text/html\r\nX: y")),
            "application/octet-stream"
        );
    }
}
