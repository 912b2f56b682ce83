//! What a mail client fills in when answering a message: who it goes to, the subject,
//! the threading headers and the quoted original. Pure functions of the original.

use super::Person;
use crate::mail::{bare_id, escape_html, markers, sanitize};
use serde::{Deserialize, Serialize};

/// How the new message answers the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Reply,
    ReplyAll,
    Forward,
}

impl Action {
    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "reply" => Some(Action::Reply),
            "replyAll" => Some(Action::ReplyAll),
            "forward" => Some(Action::Forward),
            _ => None,
        }
    }
}

/// The message being answered, as stored.
#[derive(Debug, Clone, Default)]
pub struct Original {
    pub from: Option<Person>,
    pub reply_to: Vec<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub subject: String,
    /// With or without angle brackets.
    pub message_id: Option<String>,
    pub references: Vec<String>,
    /// As shown in the quote header, e.g. "Thu, 5 Nov 2026 at 10:00 UTC".
    pub date: String,
    pub text: Option<String>,
    pub html: Option<String>,
}

fn is_own(person: &Person, own: &[String]) -> bool {
    own.iter().any(|o| o.eq_ignore_ascii_case(&person.address))
}

/// Adds `people` to `into`, skipping own addresses and anyone already in `seen`.
fn add_new(into: &mut Vec<Person>, people: &[Person], own: &[String], seen: &mut Vec<String>) {
    for person in people {
        let key = person.address.to_lowercase();
        if is_own(person, own) || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        into.push(person.clone());
    }
}

/// To and Cc of a reply: the original's Reply-To, else its From; reply-all adds its To
/// and Cc. The account's own addresses are left out and nobody appears twice. Answering
/// one's own sent message goes to its recipients, as mail clients do.
pub fn recipients(
    original: &Original,
    action: Action,
    own: &[String],
) -> (Vec<Person>, Vec<Person>) {
    let (mut to, mut cc, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    if action == Action::Forward {
        return (to, cc);
    }
    let sent_by_us = original.from.as_ref().is_some_and(|f| is_own(f, own));
    let first: Vec<Person> = if sent_by_us {
        original.to.clone()
    } else if !original.reply_to.is_empty() {
        original.reply_to.clone()
    } else {
        original.from.iter().cloned().collect()
    };
    add_new(&mut to, &first, own, &mut seen);
    if action == Action::ReplyAll {
        if !sent_by_us {
            add_new(&mut to, &original.to, own, &mut seen);
        }
        add_new(&mut cc, &original.cc, own, &mut seen);
    }
    (to, cc)
}

/// `Re: …` or `Fwd: …`, not stacked on a subject that already carries one.
pub fn subject(original: &str, action: Action) -> String {
    let trimmed = original.trim();
    let lower = trimmed.to_lowercase();
    let (prefix, already) = match action {
        Action::Reply | Action::ReplyAll => ("Re: ", ["re:", "aw:", "sv:"].as_slice()),
        Action::Forward => ("Fwd: ", ["fwd:", "fw:", "wg:"].as_slice()),
    };
    if already.iter().any(|p| lower.starts_with(p)) {
        trimmed.to_string()
    } else {
        format!("{prefix}{trimmed}")
    }
}

/// `In-Reply-To` and `References` (without angle brackets): the original's references
/// and the original itself, the last 20 at most.
pub fn threading(original: &Original) -> (Option<String>, Vec<String>) {
    let parent = original
        .message_id
        .as_deref()
        .map(|id| bare_id(id).to_string())
        .filter(|id| !id.is_empty());
    let mut references: Vec<String> = original
        .references
        .iter()
        .map(|r| bare_id(r).to_string())
        .collect();
    if let Some(parent) = &parent {
        references.retain(|r| r != parent);
        references.push(parent.clone());
    }
    references.retain(|r| !r.is_empty());
    let skip = references.len().saturating_sub(20);
    (parent, references.split_off(skip))
}

fn who(person: Option<&Person>) -> String {
    match person {
        Some(Person {
            name: Some(name),
            address,
        }) => format!("{name} <{address}>"),
        Some(Person { address, .. }) => address.clone(),
        None => "unknown sender".into(),
    }
}

fn list(people: &[Person]) -> String {
    people
        .iter()
        .map(|p| who(Some(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Tags that end a line of text when an HTML body is read as plain text.
const LINE_TAGS: [&str; 12] = [
    "br",
    "p",
    "/p",
    "div",
    "/div",
    "li",
    "tr",
    "/tr",
    "h1",
    "h2",
    "h3",
    "blockquote",
];
/// Tags inside a line (no space left where they were).
const INLINE_TAGS: [&str; 10] = [
    "b", "i", "u", "a", "em", "strong", "span", "font", "small", "code",
];

/// An HTML body as plain-text lines, for the text part of a reply to a message that has
/// no text body: lines where blocks and breaks were, no space where inline tags were.
fn html_lines(html: &str) -> String {
    let mut marked = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        marked.push_str(&rest[..at]);
        rest = &rest[at..];
        let name: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .collect::<String>()
            .to_ascii_lowercase();
        let name = name.trim_end_matches('/');
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        if LINE_TAGS.contains(&name) {
            marked.push('\n');
        } else if INLINE_TAGS.contains(&name.trim_start_matches('/')) {
            rest = &rest[end..];
            continue;
        }
        // Every other tag (and style and script, with their contents) is the text
        // reader's to take out.
        marked.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    marked.push_str(rest);
    let text = crate::mail::html_text(&marked);
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !line.is_empty() || lines.last().is_some_and(|l| !l.is_empty()) {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

/// Plain text as HTML: escaped, its line breaks kept.
pub fn text_as_html(text: &str) -> String {
    format!("<div>{}</div>", escape_html(text).replace('\n', "<br>"))
}

/// The new text and HTML bodies with the original quoted under them: `>` lines for a
/// reply, a "Forwarded message" block for a forward. The original's HTML is sanitized
/// before it is quoted (it goes out under the sender's name).
pub fn quote(
    original: &Original,
    action: Action,
    text: Option<&str>,
    html: Option<&str>,
) -> (Option<String>, Option<String>) {
    let original_text = match (&original.text, &original.html) {
        (Some(text), _) => text.clone(),
        (None, Some(html)) => html_lines(html),
        (None, None) => String::new(),
    };
    let (text_intro, html_intro) = match action {
        Action::Forward => {
            let header = format!(
                "---------- Forwarded message ---------\nFrom: {}\nDate: {}\nSubject: {}\nTo: {}",
                who(original.from.as_ref()),
                original.date,
                original.subject,
                list(&original.to)
            );
            let html_header = escape_html(&header).replace('\n', "<br>");
            (header, html_header)
        }
        _ => {
            let line = format!(
                "On {}, {} wrote:",
                original.date,
                who(original.from.as_ref())
            );
            let html_line = escape_html(&line);
            (line, html_line)
        }
    };
    let quoted_text = match action {
        Action::Forward => format!("{text_intro}\n\n{original_text}"),
        _ => {
            let lines: Vec<String> = original_text
                .lines()
                .map(|l| {
                    if l.is_empty() {
                        ">".into()
                    } else {
                        format!("> {l}")
                    }
                })
                .collect();
            format!("{text_intro}\n{}", lines.join("\n"))
        }
    };
    let new_text = format!("{}\n\n{quoted_text}\n", text.unwrap_or_default());
    let original_html = match &original.html {
        Some(html) => sanitize(html, &std::collections::HashMap::new(), false).html,
        None => escape_html(&original_text).replace('\n', "<br>"),
    };
    let own_html = match (html, text) {
        (Some(html), _) => html.to_string(),
        (None, Some(text)) => text_as_html(text),
        (None, None) => String::new(),
    };
    let new_html = match action {
        Action::Forward => format!(
            "{own_html}<br><div class=\"forwarded\">{html_intro}<br><br>{original_html}</div>"
        ),
        _ => format!(
            "{own_html}<br><div class=\"quote\">{html_intro}<br><blockquote style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex\">{original_html}</blockquote></div>"
        ),
    };
    (Some(new_text), Some(new_html))
}

/// What the author wrote of a message's HTML: the part above the quoted original (ours,
/// Gmail's, Outlook's), which is the author's to answer for. A quote may hold anything
/// the original held, `{{…}}` included.
pub fn written_html(html: &str) -> &str {
    let starts = markers::QUOTE_CLASSES
        .iter()
        .map(|class| format!("<div class=\"{class}"))
        .chain(
            markers::QUOTE_IDS
                .iter()
                .map(|id| format!("<div id=\"{id}\"")),
        )
        .chain(["<blockquote".to_string()]);
    let lower = html.to_ascii_lowercase();
    let end = starts
        .filter_map(|start| lower.find(&start.to_ascii_lowercase()))
        .min()
        .unwrap_or(html.len());
    &html[..end]
}

/// What the author wrote of a plain-text message: the lines above the quote (`>` lines,
/// the "On … wrote:" line before them, a "Forwarded message" block).
pub fn written_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .position(|l| l.starts_with('>') || l.starts_with("---------- Forwarded message"))
        .map(|at| {
            // The "On …, … wrote:" line introduces the `>` lines.
            if at > 0 && lines[at].starts_with('>') && lines[at - 1].ends_with("wrote:") {
                at - 1
            } else {
                at
            }
        })
        .unwrap_or(lines.len());
    lines[..end].join("\n")
}

#[cfg(test)]
mod tests {
    use super::{
        Action, Original, Person, quote, recipients, subject, threading, written_html, written_text,
    };

    fn original() -> Original {
        Original {
            from: Some(Person::new(Some("Zed"), "zed@acme.com")),
            reply_to: vec![],
            to: vec![
                Person::new(None, "Owner@X.test"),
                Person::new(None, "amy@acme.com"),
            ],
            cc: vec![
                Person::new(None, "carl@globex.io"),
                Person::new(None, "ZED@acme.com"),
            ],
            subject: "Contract".into(),
            message_id: Some("<orig@acme.com>".into()),
            references: vec!["<root@acme.com>".into()],
            date: "Thu, 5 Nov 2026 at 10:00 UTC".into(),
            text: Some("line one\n\nline two".into()),
            html: Some("<p onclick=\"x()\">hi<script>bad()</script></p>".into()),
        }
    }

    fn addresses(people: &[Person]) -> Vec<&str> {
        people.iter().map(|p| p.address.as_str()).collect()
    }

    #[test]
    fn reply_goes_to_reply_to_or_from_and_reply_all_adds_the_rest_without_self() {
        let own = vec!["owner@x.test".to_string()];
        let (to, cc) = recipients(&original(), Action::Reply, &own);
        assert_eq!(
            (addresses(&to), addresses(&cc)),
            (vec!["zed@acme.com"], vec![])
        );
        let (to, cc) = recipients(&original(), Action::ReplyAll, &own);
        assert_eq!(addresses(&to), ["zed@acme.com", "amy@acme.com"]);
        assert_eq!(
            addresses(&cc),
            ["carl@globex.io"],
            "self and duplicates left out"
        );
        let mut with_reply_to = original();
        with_reply_to.reply_to = vec![Person::new(None, "desk@acme.com")];
        let (to, _) = recipients(&with_reply_to, Action::Reply, &own);
        assert_eq!(addresses(&to), ["desk@acme.com"]);
        let mut own_sent = original();
        own_sent.from = Some(Person::new(None, "owner@x.test"));
        let (to, _) = recipients(&own_sent, Action::Reply, &own);
        assert_eq!(
            addresses(&to),
            ["amy@acme.com"],
            "answering one's own message"
        );
        assert_eq!(
            recipients(&original(), Action::Forward, &own),
            (vec![], vec![])
        );
    }

    /// Most mail is HTML only, and an Outlook message synced from Graph carries its HTML
    /// only: the plain-text part of a reply to one quoted nothing.
    #[test]
    fn the_text_part_quotes_an_html_only_original() {
        let mut html_only = original();
        html_only.text = None;
        html_only.html =
            Some("<p>Please sign <b>today</b>.<br/>Thanks</p><style>p{}</style>".into());
        let (text, _) = quote(&html_only, Action::Reply, Some("Done."), None);
        let text = text.unwrap();
        assert!(text.contains("> Please sign today.\n> Thanks"), "{text}");
        assert!(!text.contains("p{}"), "{text}");
        let (forward, _) = quote(&html_only, Action::Forward, None, None);
        assert!(forward.unwrap().contains("Please sign today"));
    }

    #[test]
    fn prefixes_do_not_stack() {
        assert_eq!(subject("Contract", Action::Reply), "Re: Contract");
        assert_eq!(subject("RE: Contract", Action::ReplyAll), "RE: Contract");
        assert_eq!(
            subject("Re: Contract", Action::Forward),
            "Fwd: Re: Contract"
        );
        assert_eq!(subject("Fw: Contract", Action::Forward), "Fw: Contract");
    }

    #[test]
    fn threading_appends_the_original_to_its_references() {
        let (parent, references) = threading(&original());
        assert_eq!(parent.as_deref(), Some("orig@acme.com"));
        assert_eq!(references, ["root@acme.com", "orig@acme.com"]);
    }

    /// A reply to mail about templates quotes `{{$user.name}}`: the author did not write it.
    #[test]
    fn what_the_author_wrote_stops_at_the_quote() {
        let original = Original {
            text: Some("Use {{$user.name}} in the subject.".into()),
            html: Some("<p>Use {{$user.name}} in the subject.</p>".into()),
            ..Original::default()
        };
        for action in [Action::Reply, Action::Forward] {
            let (text, html) = quote(
                &original,
                action,
                Some("Thanks, done."),
                Some("<p>Thanks, done.</p>"),
            );
            let (text, html) = (text.unwrap(), html.unwrap());
            assert_eq!(written_html(&html), "<p>Thanks, done.</p><br>");
            assert_eq!(written_text(&text).trim(), "Thanks, done.");
        }
        assert_eq!(written_html("<p>{{$x}}</p>"), "<p>{{$x}}</p>");
    }

    #[test]
    fn quotes_the_original_sanitized() {
        let (text, html) = quote(&original(), Action::Reply, Some("Agreed."), None);
        let (text, html) = (text.unwrap_or_default(), html.unwrap_or_default());
        assert!(text.starts_with("Agreed.\n\nOn Thu, 5 Nov 2026 at 10:00 UTC, Zed <zed@acme.com> wrote:\n> line one\n>\n> line two"), "{text}");
        assert!(
            html.contains("<blockquote") && html.contains("hi"),
            "{html}"
        );
        assert!(
            !html.contains("script") && !html.contains("onclick"),
            "{html}"
        );
        let (text, _) = quote(&original(), Action::Forward, None, Some("<b>fyi</b>"));
        assert!(
            text.unwrap_or_default()
                .contains("---------- Forwarded message ---------\nFrom: Zed <zed@acme.com>")
        );
    }
}
