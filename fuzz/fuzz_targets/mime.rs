//! A synced message's bytes, as a provider might hand them over: parsing never panics,
//! gives what parsing the bytes whole gives (attachment bodies are taken out first), and
//! whatever HTML it holds comes out of the sanitizer without a script element, an
//! event handler attribute, or (remote images blocked, no inline parts) anything that
//! loads: no `src` at all, no `url(` in a style.
#![no_main]

use email_manager::mail::{parse, parse_original, sanitize};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

/// The tags of sanitized HTML (the text between `<` and its `>`, a `>` inside a quoted
/// value not ending it): text there has `<` escaped, so each `<` opens a real tag.
fn tags(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (at, c) in html.char_indices() {
        match (start, c) {
            (None, '<') => start = Some(at + 1),
            (Some(_), '"') => quoted = !quoted,
            (Some(from), '>') if !quoted => {
                found.push(&html[from..at]);
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// The attribute names of a tag as html5ever serializes it (`name="value"`, with `"`
/// escaped inside values), so text inside a value is never taken for an attribute.
fn attribute_names(tag: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = tag.trim_start_matches('/');
    // Skip the element's name.
    rest = rest.trim_start_matches(|c: char| !c.is_ascii_whitespace());
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return names;
        }
        let end = rest
            .find(|c: char| c == '=' || c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        names.push(rest[..end].to_ascii_lowercase());
        rest = &rest[end..];
        if let Some(value) = rest.strip_prefix("=\"") {
            rest = value.split_once('"').map_or("", |(_, after)| after);
        }
    }
}

fuzz_target!(|raw: &[u8]| {
    let parsed = parse(raw);
    assert_eq!(
        format!("{parsed:?}"),
        format!("{:?}", parse_original(raw)),
        "taking attachment bodies out changed what is kept"
    );
    let Some(message) = parsed else {
        return;
    };
    if let Some(html) = message.body_html.as_deref() {
        let clean = sanitize(html, &HashMap::new(), true).html;
        for tag in tags(&clean) {
            let name = tag
                .trim_start_matches('/')
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or("");
            assert!(
                !name.eq_ignore_ascii_case("script"),
                "a script survived: {clean}"
            );
            let handler = attribute_names(tag)
                .into_iter()
                .find(|name| name.starts_with("on"));
            assert!(
                handler.is_none(),
                "{handler:?} survived in <{tag}>: {clean}"
            );
            assert!(
                !attribute_names(tag).iter().any(|name| name == "src"),
                "a source survived blocking in <{tag}>: {clean}"
            );
            let style = tag
                .split_once(" style=\"")
                .and_then(|(_, value)| value.split_once('"'))
                .map(|(value, _)| value.to_ascii_lowercase());
            assert!(
                !style.is_some_and(|s| s.contains("url(")),
                "a style that loads survived in <{tag}>: {clean}"
            );
        }
    }
});
