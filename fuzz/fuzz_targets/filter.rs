//! The `filter` parameter's parser on any text: it answers a tree or an error, never a
//! panic, however deep, long or malformed the JSON.
#![no_main]

use email_manager::http::filter::parse_filter;
use email_manager::query::MESSAGE_FIELDS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = parse_filter(text, MESSAGE_FIELDS);
});
