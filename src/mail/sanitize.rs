//! HTML bodies made safe to show inside NocoBase: no scripts, event handlers, styles,
//! forms, frames or `javascript:` URLs; `cid:` images pointed at the attachment download;
//! remote images optionally removed (they tell the sender the mail was opened).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where inline images point (the one relative URL kept).
pub const DOWNLOAD_PATH: &str = "/api/mailAttachments:download?";

fn keep_downloads(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    url.starts_with(DOWNLOAD_PATH).then_some(url.into())
}

/// The sanitized HTML and whether any remote image was removed.
pub fn sanitize(
    html: &str,
    inline_images: &HashMap<String, String>,
    block_remote_images: bool,
) -> (String, bool) {
    // The filter must own what it uses (ammonia keeps it beyond this call's borrows).
    let blocked = Arc::new(AtomicBool::new(false));
    let (flag, images) = (blocked.clone(), Arc::new(inline_images.clone()));
    let cleaned = ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "cid"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        // Relative links would resolve against NocoBase's own origin: only the attachment
        // downloads this function wrote may stay relative.
        .url_relative(ammonia::UrlRelative::Custom(Box::new(keep_downloads)))
        .attribute_filter(move |element, attribute, value| {
            if element != "img" || attribute != "src" {
                return Some(value.into());
            }
            if let Some(cid) = value.strip_prefix("cid:") {
                // Unknown cids are dropped rather than left pointing nowhere.
                return images
                    .get(cid.trim_matches(['<', '>']))
                    .map(|url| url.clone().into());
            }
            if block_remote_images
                && (value.starts_with("http://")
                    || value.starts_with("https://")
                    || value.starts_with("//"))
            {
                flag.store(true, Ordering::Relaxed);
                return None;
            }
            Some(value.into())
        })
        .clean(html)
        .to_string();
    (cleaned, blocked.load(Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_markup_is_removed() {
        let html = r#"<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a></p><script>bad()</script>
            <form action="https://evil.example"><input name=p></form><iframe src="https://evil.example"></iframe>
            <div style="background:url(https://track.example/p.gif)">styled</div><a href="https://ok.example">ok</a>"#;
        let (clean, blocked) = sanitize(html, &HashMap::new(), false);
        for bad in [
            "onclick",
            "javascript:",
            "<script",
            "bad()",
            "<form",
            "<input",
            "<iframe",
            "style=",
            "track.example",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(
            clean.contains("Hi")
                && clean.contains("styled")
                && clean.contains(r#"href="https://ok.example""#)
        );
        assert!(clean.contains("noopener"));
        assert!(!blocked);
    }

    #[test]
    fn inline_images_point_at_downloads_and_remote_ones_can_be_blocked() {
        let images: HashMap<String, String> = [(
            "logo@x".to_string(),
            "/api/mailAttachments:download?filterByTk=7".to_string(),
        )]
        .into();
        let html = r#"<img src="cid:logo@x"><img src="cid:unknown@x"><img src="https://images.example/banner.png">"#;
        let (shown, blocked) = sanitize(html, &images, false);
        assert!(shown.contains(r#"src="/api/mailAttachments:download?filterByTk=7""#));
        assert!(!shown.contains("cid:"));
        assert!(shown.contains("images.example") && !blocked);
        let (hidden, blocked) = sanitize(html, &images, true);
        assert!(!hidden.contains("images.example") && blocked);
    }

    /// Attacks from the usual XSS cheat sheets and what must come out (reviewed by hand:
    /// every output is inert). A change in ammonia that alters these is a review point.
    #[test]
    fn corpus_comes_out_inert() {
        let none = HashMap::new();
        let rel = r#"rel="noopener noreferrer nofollow""#;
        let cases: [(&str, String); 14] = [
            (r#"<img src="x" onerror="alert(1)">"#, "<img>".into()),
            (
                r#"<img src="/api/users:destroy?filterByTk=1">"#,
                "<img>".into(),
            ),
            (
                r#"<a href="javascript:alert(1)">a</a>"#,
                format!("<a {rel}>a</a>"),
            ),
            (
                r#"<a href="JaVaScRiPt&colon;alert(1)">b</a>"#,
                format!("<a {rel}>b</a>"),
            ),
            (
                r#"<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">"#,
                "<img>".into(),
            ),
            (
                r#"<object data="data:image/svg+xml,<svg onload=alert(1)>"></object>"#,
                String::new(),
            ),
            ("<svg><script>alert(1)</script></svg>", String::new()),
            (
                r#"<div style="width: expression(alert(1))">c</div>"#,
                "<div>c</div>".into(),
            ),
            (
                "<style>body{background:url(https://t.example/x)}</style><p>d</p>",
                "<p>d</p>".into(),
            ),
            (
                r#"<form><form action="https://evil.example"><input name=p><button>go</button></form></form>e"#,
                "goe".into(),
            ),
            (
                r#"<iframe srcdoc="<script>alert(1)</script>"></iframe>f"#,
                "f".into(),
            ),
            (
                r#"<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">g"#,
                "g".into(),
            ),
            (
                r#"<table><tr><td background="https://t.example/bg.png">h</td></tr></table>"#,
                "<table><tbody><tr><td>h</td></tr></tbody></table>".into(),
            ),
            (
                r#"<a href="https://ok.example" target="_blank">i</a>"#,
                format!(r#"<a href="https://ok.example" {rel}>i</a>"#),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input, &none, false).0, expected, "{input}");
        }
    }
}
