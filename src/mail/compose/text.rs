//! The plain-text alternative of an HTML body, as a reader of the text part expects it:
//! paragraphs and line breaks kept, lists as `- ` or `1. ` items, quotes as `> ` lines,
//! links as `text <url>` when the URL says more than the text, images by their alt text,
//! rules as a line of dashes; scripts, styles and the head left out.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

/// Elements that start and end on their own lines.
const BLOCKS: [&str; 21] = [
    "address", "article", "aside", "center", "dd", "div", "dl", "dt", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "p", "section", "table",
];
/// Content that is not text a person reads.
const SKIPPED: [&str; 7] = [
    "head", "script", "style", "template", "title", "noscript", "textarea",
];

/// The text of `html`.
pub fn to_text(html: &str) -> String {
    let sink = Sink(RefCell::default());
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.into_inner().finish()
}

struct Sink(RefCell<Writer>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut writer = self.0.borrow_mut();
        match token {
            Token::CharacterTokens(text) if writer.skipping == 0 => writer.push_text(&text),
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                let attr = |wanted: &str| {
                    tag.attrs
                        .iter()
                        .find(|a| &*a.name.local == wanted)
                        .map(|a| a.value.to_string())
                };
                match tag.kind {
                    TagKind::StartTag => {
                        writer.start(&name, &attr);
                        if tag.self_closing {
                            writer.end(&name);
                        }
                        // What follows these is raw text up to their end tag.
                        match name.as_str() {
                            "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                            "style" | "noscript" => {
                                return TokenSinkResult::RawData(RawKind::Rawtext);
                            }
                            "title" | "textarea" => {
                                return TokenSinkResult::RawData(RawKind::Rcdata);
                            }
                            _ => {}
                        }
                    }
                    TagKind::EndTag => writer.end(&name),
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

#[derive(Default)]
struct Writer {
    lines: Vec<String>,
    line: String,
    /// Inside this many skipped elements.
    skipping: usize,
    /// `> ` per enclosing blockquote.
    quote_depth: usize,
    /// The open lists' counters (None: bulleted).
    lists: Vec<Option<usize>>,
    /// The open links: where their text started and their target.
    links: Vec<(usize, usize, String)>,
    preformatted: usize,
}

impl Writer {
    fn prefix(&self) -> String {
        "> ".repeat(self.quote_depth)
    }

    /// Ends the current line (if it has text).
    fn break_line(&mut self) {
        let text = std::mem::take(&mut self.line);
        let text = text.trim_end();
        if !text.is_empty() {
            let line = format!("{}{text}", self.prefix());
            self.lines.push(line);
        }
    }

    /// A blank line between blocks (one, never two).
    fn paragraph(&mut self) {
        self.break_line();
        if self.lines.last().is_some_and(|l| !is_blank(l)) {
            let blank = self.prefix().trim_end().to_string();
            self.lines.push(blank);
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.preformatted > 0 {
            let mut parts = text.split('\n');
            if let Some(first) = parts.next() {
                self.line.push_str(first);
            }
            for part in parts {
                let line = std::mem::take(&mut self.line);
                self.lines.push(format!("{}{line}", self.prefix()));
                self.line.push_str(part);
            }
            return;
        }
        let text = text.replace('\u{a0}', " ");
        if text.starts_with(char::is_whitespace)
            && !self.line.is_empty()
            && !self.line.ends_with(' ')
        {
            self.line.push(' ');
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        self.line.push_str(&words.join(" "));
        if text.ends_with(char::is_whitespace) && !words.is_empty() {
            self.line.push(' ');
        }
    }

    fn start(&mut self, tag: &str, attr: &dyn Fn(&str) -> Option<String>) {
        if SKIPPED.contains(&tag) {
            self.skipping += 1;
            return;
        }
        if self.skipping > 0 {
            return;
        }
        match tag {
            "br" => self.break_line(),
            "hr" => {
                self.paragraph();
                self.lines
                    .push(format!("{}{}", self.prefix(), "-".repeat(40)));
                self.paragraph();
            }
            "img" => {
                if let Some(alt) = attr("alt").filter(|a| !a.trim().is_empty()) {
                    self.push_text(&format!("[{}]", alt.trim()));
                }
            }
            "a" => {
                let href = attr("href").unwrap_or_default();
                self.links.push((self.lines.len(), self.line.len(), href));
            }
            "blockquote" => {
                self.paragraph();
                self.quote_depth += 1;
            }
            "ul" | "ol" => {
                if self.lists.is_empty() {
                    self.paragraph();
                } else {
                    self.break_line();
                }
                self.lists.push((tag == "ol").then_some(0));
            }
            "li" => {
                self.break_line();
                let indent = "  ".repeat(self.lists.len().saturating_sub(1));
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{n}. ")
                    }
                    _ => "- ".to_string(),
                };
                self.line.push_str(&indent);
                self.line.push_str(&marker);
            }
            "tr" => self.break_line(),
            "td" | "th" if !self.line.trim().is_empty() && !self.line.ends_with(' ') => {
                self.line.push(' ');
            }
            "pre" => {
                self.paragraph();
                self.preformatted += 1;
            }
            _ if BLOCKS.contains(&tag) => self.paragraph(),
            _ => {}
        }
    }

    fn end(&mut self, tag: &str) {
        if SKIPPED.contains(&tag) {
            self.skipping = self.skipping.saturating_sub(1);
            return;
        }
        if self.skipping > 0 {
            return;
        }
        match tag {
            "a" => {
                let Some((lines, at, href)) = self.links.pop() else {
                    return;
                };
                let shown = if self.lines.len() == lines {
                    self.line.get(at..).unwrap_or("").trim().to_string()
                } else {
                    String::new()
                };
                let target = href.strip_prefix("mailto:").unwrap_or(&href).to_string();
                let linkable = href.starts_with("http") || href.starts_with("mailto:");
                if linkable && !shown.is_empty() && shown != target {
                    let spaced = self.line.ends_with(' ');
                    let trimmed = self.line.trim_end().len();
                    self.line.truncate(trimmed);
                    self.line.push_str(&format!(" <{target}>"));
                    if spaced {
                        self.line.push(' ');
                    }
                } else if shown.is_empty() && href.starts_with("http") {
                    self.line.push_str(&href);
                }
            }
            "blockquote" => {
                self.break_line();
                while self.lines.last().is_some_and(|l| is_blank(l)) {
                    self.lines.pop();
                }
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.paragraph();
            }
            "ul" | "ol" => {
                self.lists.pop();
                self.break_line();
                if self.lists.is_empty() {
                    self.paragraph();
                }
            }
            "li" | "tr" => self.break_line(),
            "td" | "th" => self.line.push(' '),
            "pre" => {
                self.preformatted = self.preformatted.saturating_sub(1);
                self.paragraph();
            }
            _ if BLOCKS.contains(&tag) => self.paragraph(),
            _ => {}
        }
    }

    fn finish(mut self) -> String {
        self.break_line();
        while self.lines.last().is_some_and(|l| is_blank(l)) {
            self.lines.pop();
        }
        let start = self
            .lines
            .iter()
            .position(|l| !is_blank(l))
            .unwrap_or(self.lines.len());
        self.lines[start..].join("\n")
    }
}

/// An empty line, or one holding only quote marks.
fn is_blank(line: &str) -> bool {
    line.trim_start_matches(['>', ' ']).is_empty()
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn paragraphs_lists_links_and_quotes_read_as_a_mail_client_writes_them() {
        let html = "<html><head><style>p{color:red}</style><title>x</title></head><body>\
<p>Hello <b>Zoë</b>,</p><p>the offer:<br>line two</p>\
<ul><li>one</li><li>two<ol><li>a</li><li>b</li></ol></li></ul>\
<p>See <a href=\"https://acme.test/o/1\">the offer</a> or <a href=\"mailto:s@acme.test\">s@acme.test</a>.</p>\
<blockquote><p>Earlier text</p><p>more</p></blockquote>\
<img src=\"cid:logo\" alt=\"Acme logo\"><hr><script>alert(1)</script>\
<table><tr><td>Price</td><td>100 &amp; more</td></tr></table></body></html>";
        assert_eq!(
            to_text(html),
            "Hello Zoë,\n\nthe offer:\nline two\n\n- one\n- two\n  1. a\n  2. b\n\n\
See the offer <https://acme.test/o/1> or s@acme.test.\n\n> Earlier text\n>\n> more\n\n\
[Acme logo]\n\n----------------------------------------\n\nPrice 100 & more"
        );
    }

    #[test]
    fn a_fragment_without_markup_is_its_text() {
        assert_eq!(to_text("just   text\n here"), "just text here");
        assert_eq!(to_text(""), "");
    }
}
