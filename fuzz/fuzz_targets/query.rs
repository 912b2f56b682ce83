//! The query string as a request brings it (any bytes an HTTP parser lets through, as
//! text): decoding, then every accessor a list handler uses. Errors are fine; panics and
//! out-of-range pages are not.
#![no_main]

use email_manager::http::QueryParams;
use email_manager::query::{MESSAGE_FIELDS, MESSAGE_SORTS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|query: &str| {
    let Ok(params) = QueryParams::parse(query) else {
        return;
    };
    if let Ok(page) = params.page() {
        assert!(page.number >= 1 && page.size >= 1, "{page:?}");
        let _ = page.offset();
    }
    let _ = params.one("q");
    let _ = params.filter_by_tk();
    let _ = params.filter(MESSAGE_FIELDS);
    let _ = params.sort(MESSAGE_SORTS, &[]);
});
