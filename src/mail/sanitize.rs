//! HTML bodies made safe to show inside NocoBase: no scripts, event handlers, forms,
//! frames, `<style>` sheets or `javascript:` URLs; inline styles only from a list of
//! properties that cannot fetch anything; `cid:` images pointed at this message's own
//! attachments; remote images optionally removed (they tell the sender the mail was
//! opened). Every URL is judged as a browser parses it (`HTTPS://`, a leading space,
//! `https:\\host` and `https:host` are all remote), and no relative URL survives: one
//! written by the sender would resolve against NocoBase's own origin.

use super::markers;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where inline images point once sanitized: the attachment download of this message.
pub const DOWNLOAD_PATH: &str = "/api/mailAttachments:download?";

/// Inline style properties kept: layout, type and colour, none of which can load a
/// resource (no `background`, `background-image`, `list-style`, `border-image`, `content`,
/// `cursor`, `mask`, `filter`, `behavior`, …) or lift content out of the message's frame
/// (no `position`).
const STYLE_PROPERTIES: [&str; 62] = [
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "font-variant",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "text-align",
    "text-decoration",
    "text-decoration-line",
    "text-decoration-color",
    "text-decoration-style",
    "text-transform",
    "text-indent",
    "white-space",
    "word-break",
    "word-wrap",
    "overflow-wrap",
    "vertical-align",
    "direction",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-width",
    "border-style",
    "border-color",
    "border-radius",
    "border-collapse",
    "border-spacing",
    "width",
    "height",
    "max-width",
    "min-width",
    "max-height",
    "min-height",
    "display",
    "float",
    "clear",
    "table-layout",
    "list-style-type",
    "list-style-position",
    "opacity",
    "overflow",
    "box-sizing",
    "text-overflow",
    "caption-side",
];

/// Old-style presentation attributes mail clients still write (Outlook above all).
const PRESENTATION: [(&str, &[&str]); 6] = [
    ("font", &["color", "face", "size"]),
    (
        "table",
        &[
            "width",
            "height",
            "bgcolor",
            "border",
            "cellpadding",
            "cellspacing",
            "align",
        ],
    ),
    ("td", &["width", "height", "bgcolor", "valign", "nowrap"]),
    ("th", &["width", "height", "bgcolor", "valign", "nowrap"]),
    ("tr", &["bgcolor", "valign"]),
    ("img", &["border", "hspace", "vspace"]),
];

/// What sanitizing found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sanitized {
    pub html: String,
    /// A remote image was removed (only when asked to block them).
    pub remote_images_blocked: bool,
}

/// Where a `src` or `href` points, as a browser would read it.
enum Source {
    /// `cid:` — one of the message's own parts.
    Part(String),
    /// Somewhere else, written out in full the way it was judged (`https:host/p` becomes
    /// `https://host/p`: a browser would resolve the short form against NocoBase's own
    /// address); `None` for a relative URL, which ammonia drops.
    Remote(Option<String>),
}

fn source(value: &str) -> Source {
    match url::Url::parse(value) {
        Ok(url) if url.scheme() == "cid" => Source::Part(
            percent_decoded(url.path())
                .trim_matches(['<', '>'])
                .to_string(),
        ),
        Ok(url) => Source::Remote(Some(url.into())),
        Err(_) => Source::Remote(None),
    }
}

fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// A style attribute that could fetch something, or hide a function behind a CSS
/// escape, is dropped whole (the property list already keeps out the properties that
/// load images; this holds even for a value a browser would ignore).
pub(crate) fn style_may_load(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.contains('\\')
        || [
            "url(",
            "image(",
            "image-set(",
            "src(",
            "element(",
            "@import",
            "expression(",
        ]
        .iter()
        .any(|f| lower.contains(f))
}

/// The classes kept (all others go): the ones that tell a message's own text from its
/// signature and quoted original (`markers`), so a draft opened again can keep those
/// out of the editor.
fn kept_classes() -> HashMap<&'static str, HashSet<&'static str>> {
    let div = markers::SIGNATURE_CLASSES
        .iter()
        .chain(&markers::QUOTE_CLASSES)
        .copied()
        .collect();
    let blockquote = markers::BLOCKQUOTE_CLASSES.iter().copied().collect();
    HashMap::from([("div", div), ("blockquote", blockquote)])
}

/// The cleaner both directions share: ammonia's safe tags plus the presentation
/// attributes and inline styles mail layouts use; no relative URLs. Callers add the URL
/// schemes, link rel and the `src`/`href` judgement of their direction.
pub(crate) fn mail_builder() -> ammonia::Builder<'static> {
    let mut tag_attributes: HashMap<&str, HashSet<&str>> = ammonia::Builder::default()
        .clone_tag_attributes()
        .into_iter()
        .collect();
    for (tag, attributes) in PRESENTATION {
        tag_attributes
            .entry(tag)
            .or_default()
            .extend(attributes.iter().copied());
    }
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["font", "center"])
        .tag_attributes(tag_attributes)
        .add_generic_attributes(["style", "dir"])
        .allowed_classes(kept_classes())
        .filter_style_properties(STYLE_PROPERTIES.into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny);
    builder
}

/// The sanitized HTML. `inline` maps this message's attachments' Content-IDs (without
/// angle brackets) to their attachment ids: a `cid:` image resolves to those only.
pub fn sanitize(html: &str, inline: &HashMap<String, i64>, block_remote_images: bool) -> Sanitized {
    // An inline image is first rewritten to a `cid:` marker with a nonce the sender cannot
    // know, then to its download path once ammonia is done: a download path written into
    // the mail by its sender is a relative URL, and those never survive.
    let nonce = format!("em-inline-{:016x}-", rand::random::<u64>());
    let blocked = Arc::new(AtomicBool::new(false));
    let (flag, images, marker) = (blocked.clone(), Arc::new(inline.clone()), nonce.clone());
    let mut builder = mail_builder();
    // Outlook marks its quoted original and signature by id (not class), so a reading
    // pane can fold the quote by them. Other ids are dropped in the filter below.
    builder.add_generic_attributes(["id"]);
    let cleaned = builder
        .url_schemes(["http", "https", "mailto", "cid"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(move |element, attribute, value| {
            if attribute == "style" {
                return (!style_may_load(value)).then(|| value.into());
            }
            if attribute == "id" {
                let kept =
                    markers::QUOTE_IDS.contains(&value) || markers::SIGNATURE_IDS.contains(&value);
                return kept.then(|| value.into());
            }
            let is_image = element == "img" && attribute == "src";
            if !matches!(attribute, "src" | "href") {
                return Some(value.into());
            }
            match source(value) {
                // A link to a part, or a part nobody attached, goes nowhere.
                Source::Part(cid) if is_image => images
                    .get(&cid)
                    .map(|id| format!("cid:{marker}{id}").into()),
                Source::Part(_) => None,
                Source::Remote(_) if is_image && block_remote_images => {
                    flag.store(true, Ordering::Relaxed);
                    None
                }
                Source::Remote(Some(url)) => Some(url.into()),
                Source::Remote(None) => Some(value.into()),
            }
        })
        .clean(html)
        .to_string();
    Sanitized {
        html: cleaned.replace(
            &format!("\"cid:{nonce}"),
            &format!("\"{DOWNLOAD_PATH}filterByTk="),
        ),
        remote_images_blocked: blocked.load(Ordering::Relaxed),
    }
}

#[cfg(test)]
#[path = "sanitize_tests.rs"]
mod tests;
