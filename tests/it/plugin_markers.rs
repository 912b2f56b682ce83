//! The marks of a signature or a quoted original are listed twice: in the server
//! (`src/mail/markers.rs`: what the HTML cleaner keeps, where what the author wrote ends)
//! and in the plugin (`compose/values.mjs`: where a reopened draft is split). A mark
//! added to one and not the other would let a quote into the editor, or a signature be
//! cleaned away; this holds the two to each other.

use email_manager::mail::markers;
use std::collections::BTreeSet;

/// The strings of `const <name> = ['a', 'b'];` in `source`.
fn js_list(source: &str, name: &str) -> BTreeSet<String> {
    let start = source
        .find(&format!("const {name} = ["))
        .unwrap_or_else(|| panic!("values.mjs has no list {name}"));
    let rest = &source[start..];
    let body = &rest[rest.find('[').unwrap() + 1..rest.find("];").unwrap()];
    body.split(',')
        .map(|item| item.trim().trim_matches('\'').to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(ToString::to_string).collect()
}

#[test]
fn the_plugin_splits_drafts_at_the_marks_the_server_keeps() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/nocobase-plugin/src/client/compose/values.mjs"
    );
    let source = std::fs::read_to_string(path).unwrap();
    for (name, server) in [
        ("SIGNATURE_CLASSES", &markers::SIGNATURE_CLASSES[..]),
        ("QUOTE_CLASSES", &markers::QUOTE_CLASSES[..]),
        ("SIGNATURE_IDS", &markers::SIGNATURE_IDS[..]),
        ("QUOTE_IDS", &markers::QUOTE_IDS[..]),
    ] {
        assert_eq!(js_list(&source, name), set(server), "{name}");
    }
}
