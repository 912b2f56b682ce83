//! Text put into HTML: one escape for every place that does it (a quoted original, a
//! text body shown as HTML, a filled template variable, a page the service writes).

/// `text` with `&`, `<`, `>`, `"` and `'` escaped: safe as element text and inside a
/// quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escapes_what_breaks_out_of_text_or_an_attribute() {
        assert_eq!(
            escape_html(r#"<a href="x">O'Brien & Co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Brien &amp; Co&lt;/a&gt;"
        );
        assert_eq!(escape_html("Zoë"), "Zoë");
    }
}
