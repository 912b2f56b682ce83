//! The subset of Gmail's search syntax (`q`) the emulator understands: `from: to: cc:
//! bcc: subject: label: in: is: has:attachment filename: after: before: newer_than:
//! older_than: larger: smaller: rfc822msgid:`, free words, quoted phrases, `-` negation
//! and `OR`. Everything a term does not understand matches nothing rather than
//! everything, so a wrong query is noticed.

use crate::world::GmailMessage;

#[derive(Debug, Clone)]
enum Term {
    Field(String, String),
    Word(String),
}

#[derive(Debug, Clone)]
struct Clause {
    negated: bool,
    /// Alternatives joined by OR.
    any_of: Vec<Term>,
}

/// A parsed query: every clause must hold.
#[derive(Debug, Clone, Default)]
pub struct Query(Vec<Clause>);

fn tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' | ')' | '{' | '}' if !quoted => {}
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn term(token: &str) -> Term {
    match token.split_once(':') {
        Some((field, value))
            if !field.is_empty()
                && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Term::Field(field.to_ascii_lowercase(), value.to_lowercase())
        }
        _ => Term::Word(token.to_lowercase()),
    }
}

impl Query {
    pub fn parse(q: &str) -> Query {
        let mut clauses: Vec<Clause> = Vec::new();
        let mut join_next = false;
        for token in tokens(q) {
            if token == "OR" {
                join_next = true;
                continue;
            }
            let (negated, body) = match token.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, token.as_str()),
            };
            let t = term(body);
            match clauses.last_mut() {
                Some(last) if join_next && !negated => last.any_of.push(t),
                _ => clauses.push(Clause {
                    negated,
                    any_of: vec![t],
                }),
            }
            join_next = false;
        }
        Query(clauses)
    }

    /// `in:trash`, `in:spam`, `label:trash`… make trash and spam part of the search.
    pub fn mentions_spam_or_trash(&self) -> bool {
        self.0.iter().flat_map(|c| &c.any_of).any(|t| {
            matches!(t, Term::Field(f, v) if (f == "in" || f == "label") && (v == "trash" || v == "spam" || v == "anywhere"))
        })
    }

    pub fn matches(&self, message: &GmailMessage, now_ms: i64) -> bool {
        self.0.iter().all(|clause| {
            clause.any_of.iter().any(|t| matches(t, message, now_ms)) != clause.negated
        })
    }
}

fn contains_person(people: &[&crate::mail::Person], needle: &str) -> bool {
    people.iter().any(|p| {
        p.address.to_lowercase().contains(needle) || p.name.to_lowercase().contains(needle)
    })
}

/// `YYYY/MM/DD` (midnight Pacific, as Gmail reads it) or epoch seconds, in ms.
fn date_ms(value: &str) -> Option<i64> {
    if let Ok(seconds) = value.parse::<i64>() {
        return Some(seconds * 1000);
    }
    let normalized = value.replace('-', "/");
    let date = chrono::NaiveDate::parse_from_str(&normalized, "%Y/%m/%d").ok()?;
    Some(date.and_hms_opt(8, 0, 0)?.and_utc().timestamp_millis())
}

fn period_ms(value: &str) -> Option<i64> {
    let (number, unit) = value.split_at(value.len().checked_sub(1)?);
    let n: i64 = number.parse().ok()?;
    let day = 86_400_000;
    Some(match unit {
        "d" => n * day,
        "m" => n * 30 * day,
        "y" => n * 365 * day,
        _ => return None,
    })
}

fn size(value: &str) -> Option<u64> {
    let lower = value.to_ascii_lowercase();
    let (number, factor) = if let Some(n) = lower.strip_suffix('m') {
        (n, 1_000_000)
    } else if let Some(n) = lower.strip_suffix('k') {
        (n, 1_000)
    } else {
        (lower.as_str(), 1)
    };
    number.parse::<u64>().ok().map(|n| n * factor)
}

/// `in:`/`label:` names of system labels, in Gmail's lower-case search spelling.
fn label_alias(value: &str) -> String {
    match value {
        "drafts" => "DRAFT".to_string(),
        "inbox" | "sent" | "trash" | "spam" | "starred" | "unread" | "important" | "draft" => {
            value.to_ascii_uppercase()
        }
        other => other.to_string(),
    }
}

fn has_label(message: &GmailMessage, value: &str) -> bool {
    let wanted = label_alias(value);
    message
        .labels
        .iter()
        .any(|l| l.eq_ignore_ascii_case(&wanted) || l.eq_ignore_ascii_case(value))
        || (value == "clients" && message.labels.contains("Label_1"))
        || (value == "invoices" && message.labels.contains("Label_2"))
}

fn matches(term: &Term, message: &GmailMessage, now_ms: i64) -> bool {
    let meta = &message.message.meta;
    match term {
        Term::Word(word) => {
            meta.subject.to_lowercase().contains(word)
                || meta.snippet.to_lowercase().contains(word)
                || contains_person(&meta.participants().collect::<Vec<_>>(), word)
                || meta
                    .attachment_names
                    .iter()
                    .any(|n| n.to_lowercase().contains(word))
        }
        Term::Field(field, value) => match field.as_str() {
            "from" => contains_person(&[&meta.from], value),
            "to" => contains_person(&meta.to.iter().collect::<Vec<_>>(), value),
            "cc" => contains_person(&meta.cc.iter().collect::<Vec<_>>(), value),
            "bcc" => contains_person(&meta.bcc.iter().collect::<Vec<_>>(), value),
            "subject" => meta.subject.to_lowercase().contains(value),
            "label" => has_label(message, value),
            "in" => match value.as_str() {
                "anywhere" => true,
                "drafts" => message.labels.contains("DRAFT"),
                _ => has_label(message, value),
            },
            "is" => match value.as_str() {
                "read" => !message.labels.contains("UNREAD"),
                "unread" => message.labels.contains("UNREAD"),
                "starred" => message.labels.contains("STARRED"),
                "important" => message.labels.contains("IMPORTANT"),
                _ => false,
            },
            "has" => value == "attachment" && !meta.attachment_names.is_empty(),
            "filename" => meta
                .attachment_names
                .iter()
                .any(|n| n.to_lowercase().contains(value)),
            "after" => date_ms(value).is_some_and(|at| message.internal_date >= at),
            "before" => date_ms(value).is_some_and(|at| message.internal_date < at),
            "newer_than" => period_ms(value).is_some_and(|p| message.internal_date >= now_ms - p),
            "older_than" => period_ms(value).is_some_and(|p| message.internal_date < now_ms - p),
            "larger" => size(value).is_some_and(|s| meta.size > s),
            "smaller" => size(value).is_some_and(|s| meta.size < s),
            "rfc822msgid" => meta
                .message_id
                .trim_matches(['<', '>'])
                .eq_ignore_ascii_case(value.trim_matches(['<', '>'])),
            "category" => message
                .labels
                .contains(&format!("CATEGORY_{}", value.to_ascii_uppercase())),
            _ => false,
        },
    }
}
