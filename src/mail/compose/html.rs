//! Outgoing HTML, made safe to send the way incoming HTML is made safe to show (no
//! scripts, handlers, forms, frames or `javascript:` URLs; no relative URLs, which would
//! resolve against nobody's server at the recipient). Images pasted into an editor
//! arrive as `data:` URLs: each becomes an inline part referenced by `cid:`, which every
//! mail client shows and none blocks. A `cid:` image must name one of the message's
//! inline parts.

use super::FileAttachment;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The image types a pasted image may have.
const IMAGE_TYPES: [&str; 5] = ["png", "jpeg", "jpg", "gif", "webp"];

/// Cleaned HTML and the inline images taken out of its `data:` URLs.
#[derive(Debug, Default)]
pub struct Cleaned {
    pub html: String,
    pub images: Vec<FileAttachment>,
}

/// A `data:image/<type>;base64,<bytes>` URL's type and bytes.
fn data_image(value: &str) -> Option<(String, Vec<u8>)> {
    let rest = value.trim().strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let meta = meta.to_ascii_lowercase();
    let kind = meta.strip_prefix("image/")?.strip_suffix(";base64")?;
    if !IMAGE_TYPES.contains(&kind) {
        return None;
    }
    let compact: String = data.split_ascii_whitespace().collect();
    let bytes = STANDARD.decode(compact.as_bytes()).ok()?;
    let kind = if kind == "jpg" { "jpeg" } else { kind };
    Some((format!("image/{kind}"), bytes))
}

/// `html` cleaned for sending. `inline` holds the Content-IDs of the inline parts the
/// message already has (without angle brackets); `cid:` images naming others are dropped.
pub fn clean(html: &str, inline: &HashSet<String>) -> Cleaned {
    cleaned(html, inline, false)
}

/// `html` cleaned to be kept and sent later (a signature, a template): pasted images stay
/// `data:` URLs, taken out only when a message is sent; a link or image whose whole URL is
/// one template variable (`href="{{$nRecord.url}}"`) stays, to be filled and cleaned
/// again when the message is sent; `cid:` images are dropped (no part to name yet).
pub fn clean_stored(html: &str) -> String {
    cleaned(html, &HashSet::new(), true).html
}

/// Whether a URL is one template variable and nothing else.
fn is_placeholder(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("{{")
        && url.ends_with("}}")
        && super::variables::names([Some(url)]).len() == 1
        && !url[2..url.len() - 2].contains(['{', '}'])
}

fn keep_placeholder(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    is_placeholder(url).then_some(std::borrow::Cow::Borrowed(url))
}

fn cleaned(html: &str, inline: &HashSet<String>, stored: bool) -> Cleaned {
    let keep_data_images = stored;
    let taken: Arc<Mutex<Vec<FileAttachment>>> = Arc::default();
    let (found, known) = (taken.clone(), Arc::new(inline.clone()));
    let run = format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
    let mut builder = crate::mail::sanitize::mail_builder();
    if stored {
        builder.url_relative(ammonia::UrlRelative::Custom(Box::new(keep_placeholder)));
    }
    let html = builder
        .url_schemes(
            ["http", "https", "mailto", "cid", "data"]
                .into_iter()
                .collect(),
        )
        .link_rel(None)
        .attribute_filter(move |element, attribute, value| {
            if attribute == "style" {
                return (!crate::mail::sanitize::style_may_load(value)).then(|| value.into());
            }
            if !matches!(attribute, "src" | "href") {
                return Some(value.into());
            }
            let is_image = element == "img" && attribute == "src";
            let lower = value.trim().to_ascii_lowercase();
            if lower.starts_with("data:") {
                let (content_type, bytes) = data_image(value).filter(|_| is_image)?;
                if keep_data_images {
                    return Some(value.into());
                }
                let mut images = found.lock().unwrap_or_else(|e| e.into_inner());
                let number = images.len() + 1;
                let content_id = format!("image{number}.{run}@email-manager");
                let extension = content_type.trim_start_matches("image/");
                images.push(FileAttachment {
                    filename: format!("image{number}.{extension}"),
                    content_type,
                    content: bytes,
                    content_id: Some(content_id.clone()),
                    forwarded: false,
                });
                return Some(format!("cid:{content_id}").into());
            }
            if lower.starts_with("cid:") {
                let cid = value.trim()[4..].trim_matches(['<', '>']).to_string();
                return (is_image && known.contains(&cid)).then(|| format!("cid:{cid}").into());
            }
            Some(value.into())
        })
        .clean(html)
        .to_string();
    let images = std::mem::take(&mut *taken.lock().unwrap_or_else(|e| e.into_inner()));
    Cleaned { html, images }
}

/// The bodies an author wrote, ready to send: the HTML cleaned, its pasted images added to
/// `attachments` as inline parts, and a text part written from it when none was given.
pub fn authored(
    text: Option<String>,
    html: Option<String>,
    attachments: &mut Vec<FileAttachment>,
) -> (Option<String>, Option<String>) {
    let Some(html) = html else {
        return (text, None);
    };
    let inline: HashSet<String> = attachments
        .iter()
        .filter_map(|a| a.content_id.clone())
        .collect();
    let cleaned = clean(&html, &inline);
    attachments.extend(cleaned.images);
    let text = text.or_else(|| Some(super::text::to_text(&cleaned.html)));
    (text, Some(cleaned.html))
}

#[cfg(test)]
mod tests {
    use super::clean;
    use std::collections::HashSet;

    #[test]
    fn a_pasted_image_becomes_an_inline_part_and_scripts_go() {
        let png = "iVBORw0KGgo="; // the PNG signature, base64
        let html = format!(
            "<p onclick=\"x()\">Hi<script>alert(1)</script></p>\
<img src=\"data:image/png;base64,{png}\" alt=\"chart\">\
<img src=\"cid:logo@acme\"><img src=\"cid:unknown@x\">\
<a href=\"javascript:alert(1)\">bad</a><a href=\"https://acme.test/\">good</a>\
<a href=\"data:text/html;base64,PHNjcmlwdD4=\">data link</a><img src=\"/relative.png\">"
        );
        let known: HashSet<String> = ["logo@acme".to_string()].into();
        let cleaned = clean(&html, &known);
        assert_eq!(cleaned.images.len(), 1);
        let image = &cleaned.images[0];
        assert_eq!(image.content_type, "image/png");
        assert_eq!(
            image.content,
            [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n']
        );
        let cid = image.content_id.clone().unwrap();
        assert!(
            cleaned.html.contains(&format!("src=\"cid:{cid}\"")),
            "{}",
            cleaned.html
        );
        assert!(cleaned.html.contains("src=\"cid:logo@acme\""));
        for gone in [
            "script",
            "onclick",
            "javascript",
            "cid:unknown",
            "data:",
            "relative.png",
        ] {
            assert!(!cleaned.html.contains(gone), "{gone} in {}", cleaned.html);
        }
        assert!(cleaned.html.contains("href=\"https://acme.test/\""));
    }

    #[test]
    fn a_stored_template_keeps_variable_links_and_pasted_images_only() {
        let html = "<a href=\"{{$nRecord.url}}\">deal</a><a href=\"/admin\">rel</a>\
<a href=\"{{$a}}/x\">mixed</a><img src=\"data:image/gif;base64,R0lGODlh\"><img src=\"cid:x\">";
        let stored = super::clean_stored(html);
        assert!(stored.contains("href=\"{{$nRecord.url}}\""), "{stored}");
        assert!(
            stored.contains("src=\"data:image/gif;base64,R0lGODlh\""),
            "{stored}"
        );
        for gone in ["/admin", "{{$a}}/x", "cid:x"] {
            assert!(!stored.contains(gone), "{gone}: {stored}");
        }
    }
}
