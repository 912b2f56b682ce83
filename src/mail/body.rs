//! The readable body of a message as mail clients show it: every inline text part, in
//! the order they come, not only the first. A scanner or a list server that puts a
//! banner before the real text (multipart/mixed: banner, text), or a footer after it,
//! makes several text parts; keeping the first showed the banner and dropped the
//! message. A part of `Content-Type: text` with no subtype is text/plain (RFC 2045 §5.2
//! reads an unknown subtype of text as plain text); the parser files it nowhere, and its
//! body was lost.
//!
//! An attached e-mail (a forward as attachment, a digest's entries, the original a
//! bounce returns) is shown after the body, its From, Date, To and Subject first, as
//! mail clients show it; it is listed as an attachment too.

use super::escape_html;
use mail_parser::decoders::html::text_to_html;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

/// Attached e-mails inside attached e-mails are shown this deep, no deeper.
const MAX_ATTACHED_DEPTH: usize = 3;
/// The line that opens an attached e-mail in the text body.
const ATTACHED_RULE: &str = "---------- Attached message ----------";

/// The e-mails attached to `message`, in the order they come.
fn attached<'a>(message: &'a Message<'a>) -> impl Iterator<Item = &'a Message<'a>> {
    message.parts.iter().filter_map(|part| match &part.body {
        PartType::Message(inner) => Some(inner),
        _ => None,
    })
}

/// An attached e-mail's From, Date, To and Subject, as `(label, value)`.
fn header_lines(message: &Message<'_>) -> Vec<(&'static str, String)> {
    let people = |value: Option<&mail_parser::Address<'_>>| {
        value.map(|list| {
            list.iter()
                .map(|a| match (a.name.as_deref(), a.address.as_deref()) {
                    (Some(name), Some(address)) => format!("{name} <{address}>"),
                    (None, Some(address)) => address.to_string(),
                    (Some(name), None) => name.to_string(),
                    (None, None) => String::new(),
                })
                .filter(|one| !one.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    let mut lines = Vec::new();
    let mut add = |label, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            let flat: String = value
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            lines.push((label, flat));
        }
    };
    add("From", people(message.from()));
    add("Date", message.date().map(|d| d.to_rfc822()));
    add("To", people(message.to()));
    add("Subject", message.subject().map(ToString::to_string));
    lines
}

/// A `Content-Type: text` part, with no subtype, not marked as an attachment.
fn bare_text(part: &MessagePart<'_>) -> bool {
    matches!(part.body, PartType::Text(_))
        && part
            .content_type()
            .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("text") && ct.subtype().is_none())
        && part.attachment_name().is_none()
        && !part
            .content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
}

/// The parts of one body (`listed`: the parser's text or HTML body list) with the bare
/// text parts, in the order they stand in the message (part ids are in parse order).
fn body_parts<'a>(message: &'a Message<'a>, listed: &[u32]) -> Vec<&'a MessagePart<'a>> {
    let mut ids: Vec<u32> = listed.to_vec();
    ids.extend(
        (0u32..)
            .zip(&message.parts)
            .filter(|(_, part)| bare_text(part))
            .map(|(id, _)| id),
    );
    ids.sort_unstable();
    ids.dedup();
    ids.iter()
        .filter_map(|id| message.parts.get(*id as usize))
        .collect()
}

/// Every plain-text part of the body, blank-line separated; never a binary part (an
/// inline image can stand among the text bodies; its bytes are no text, and may have
/// been taken out). Attached e-mails follow.
pub fn text(message: &Message<'_>) -> Option<String> {
    text_at(message, 0)
}

fn text_at(message: &Message<'_>, depth: usize) -> Option<String> {
    let mut texts: Vec<String> = body_parts(message, &message.text_body)
        .into_iter()
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.to_string()),
            _ => None,
        })
        .filter(|text| !text.trim().is_empty())
        .collect();
    if depth < MAX_ATTACHED_DEPTH {
        for inner in attached(message) {
            let mut block = vec![ATTACHED_RULE.to_string()];
            block.extend(
                header_lines(inner)
                    .into_iter()
                    .map(|(k, v)| format!("{k}: {v}")),
            );
            if let Some(body) = text_at(inner, depth + 1) {
                block.push(String::new());
                block.push(body);
            }
            texts.push(block.join("\n"));
        }
    }
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

/// Every part of the HTML body in order, plain-text ones turned into HTML. Attached
/// e-mails follow, each in its own block.
pub fn html(message: &Message<'_>) -> Option<String> {
    html_at(message, 0)
}

fn html_at(message: &Message<'_>, depth: usize) -> Option<String> {
    let mut htmls: Vec<String> = body_parts(message, &message.html_body)
        .into_iter()
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            PartType::Text(text) => Some(text_to_html(text)),
            _ => None,
        })
        .filter(|html| !html.trim().is_empty())
        .collect();
    if depth < MAX_ATTACHED_DEPTH {
        for inner in attached(message) {
            let heads: Vec<String> = header_lines(inner)
                .into_iter()
                .map(|(k, v)| format!("<b>{k}:</b> {}", escape_html(&v)))
                .collect();
            htmls.push(format!(
                "<blockquote class=\"attached-message\"><p>{}</p>{}</blockquote>",
                heads.join("<br>"),
                html_at(inner, depth + 1).unwrap_or_default()
            ));
        }
    }
    (!htmls.is_empty()).then(|| htmls.join("\n"))
}

#[cfg(test)]
mod tests {
    use crate::mail::parse;

    /// A scanner's mail: its banner first, then the text someone wrote.
    #[test]
    fn every_inline_text_part_is_shown_in_order() {
        let raw = "From: scanner@acme.test\r\nTo: ann@acme.test\r\nSubject: Scan\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nScanned by SafeMail. Do not reply.\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nHere is the signed contract.\r\n\
--b--\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        let text = parsed.body_text.unwrap();
        let (banner, real) = (
            text.find("Scanned by SafeMail").unwrap(),
            text.find("signed contract").unwrap(),
        );
        assert!(banner < real, "{text}");
        let html = parsed.body_html.unwrap();
        assert!(html.contains("Scanned by SafeMail") && html.contains("signed contract"));
        assert!(parsed.attachments.is_empty());
    }

    /// A delivery-status bounce returns the original: the report is read first, then
    /// the original (who it was to, what it said) in both bodies, and the original is
    /// listed as an `.eml` named by its subject.
    #[test]
    fn a_bounce_shows_the_original_it_returns() {
        let raw = "From: MAILER-DAEMON@mx.acme.test\r\nTo: ann@acme.test\r\n\
Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n\
--r\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n\
--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.test\r\n\r\n\
Final-Recipient: rfc822; nobody@globex.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\
--r\r\nContent-Type: message/rfc822\r\n\r\n\
From: Ann <ann@acme.test>\r\nTo: nobody@globex.test\r\nSubject: Contract <draft>\r\n\
Date: Mon, 02 Nov 2026 09:00:00 +0000\r\n\r\nPlease sign the contract.\r\n--r--\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        let text = parsed.body_text.unwrap();
        let (report, original) = (
            text.find("could not be delivered").unwrap(),
            text.find("Please sign the contract.").unwrap(),
        );
        assert!(report < original, "{text}");
        assert!(text.contains("To: nobody@globex.test"), "{text}");
        let html = parsed.body_html.unwrap();
        assert!(html.contains("Please sign the contract."), "{html}");
        assert!(
            html.contains("Contract &lt;draft&gt;") && !html.contains("<draft>"),
            "{html}"
        );
        let eml = parsed
            .attachments
            .iter()
            .find(|a| a.content_type == "message/rfc822")
            .unwrap();
        assert_eq!(eml.filename, "Contract _draft_.eml");
        assert!(!eml.inline);
    }

    /// A list server's footer after a text-and-HTML message: both bodies get it.
    #[test]
    fn a_footer_after_an_alternative_joins_both_bodies() {
        let raw = "From: a@acme.test\r\nTo: list@acme.test\r\nSubject: News\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n\
--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n\
--inner\r\nContent-Type: text/plain\r\n\r\nThe news.\r\n\
--inner\r\nContent-Type: text/html\r\n\r\n<p>The <b>news</b>.</p>\r\n\
--inner--\r\n\
--outer\r\nContent-Type: text/plain\r\n\r\nTo unsubscribe, write to list-off@acme.test\r\n\
--outer--\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        let text = parsed.body_text.unwrap();
        assert!(
            text.contains("The news.") && text.contains("To unsubscribe"),
            "{text}"
        );
        let html = parsed.body_html.unwrap();
        assert!(
            html.contains("<b>news</b>") && html.contains("To unsubscribe"),
            "{html}"
        );
        assert!(!text.contains("<b>"), "the text body stays text");
    }

    /// RFC 2045 §5.2: an unrecognized subtype of text is treated as text/plain; a bare
    /// `text` is no less text.
    #[test]
    fn text_without_a_subtype_is_plain_text() {
        let raw = "From: old@mailer.test\r\nTo: ann@acme.test\r\nSubject: Old mailer\r\n\
MIME-Version: 1.0\r\nContent-Type: text\r\n\r\nThe body of an old mailer.\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        assert_eq!(
            parsed.body_text.as_deref().map(str::trim),
            Some("The body of an old mailer.")
        );
        assert!(parsed.snippet.starts_with("The body of an old mailer"));
        assert!(parsed.attachments.is_empty());
    }

    /// A scanner's mail whose whole body is the scan: no text, and the scan listed as the
    /// root part's attachment (Gmail numbers it "").
    #[test]
    fn a_message_that_is_one_file_lists_the_file() {
        let raw = "From: scanner@acme.test\r\nTo: ann@acme.test\r\nSubject: Scan\r\n\
MIME-Version: 1.0\r\nContent-Type: image/png\r\n\
Content-Disposition: attachment; filename=scan.png\r\n\
Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUg==\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        assert_eq!(parsed.attachments.len(), 1, "{:?}", parsed.attachments);
        let scan = &parsed.attachments[0];
        assert_eq!(
            (
                scan.part_id.as_str(),
                scan.filename.as_str(),
                scan.content_type.as_str()
            ),
            ("", "scan.png", "image/png")
        );
        assert_eq!(scan.size, 16);
        assert!(parsed.body_text.is_none() && parsed.body_html.is_none());
    }

    /// A Latin-1 text file is as long as its bytes, not as its text in UTF-8.
    #[test]
    fn a_text_attachment_counts_its_own_bytes() {
        use base64::Engine;
        let latin1: &[u8] = b"Gr\xfc\xdfe aus M\xe4rz\n";
        let raw = format!(
            "From: a@acme.test\r\nTo: b@acme.test\r\nSubject: Notes\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nSee the notes.\r\n\
--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Disposition: attachment; filename=notes.txt\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
            base64::engine::general_purpose::STANDARD.encode(latin1)
        );
        let parsed = parse(raw.as_bytes()).unwrap();
        let notes = parsed
            .attachments
            .iter()
            .find(|a| a.filename == "notes.txt")
            .unwrap();
        assert_eq!(notes.size, latin1.len() as u64);
    }

    /// The single-part mail whose bodies were right before stays as it was.
    #[test]
    fn one_text_part_is_the_body_as_before() {
        let raw = "From: a@acme.test\r\nTo: b@acme.test\r\nSubject: Hi\r\n\r\nJust this.\r\n";
        let parsed = parse(raw.as_bytes()).unwrap();
        assert_eq!(
            parsed.body_text.as_deref().map(str::trim),
            Some("Just this.")
        );
        assert!(parsed.body_html.unwrap().contains("Just this."));
    }
}
