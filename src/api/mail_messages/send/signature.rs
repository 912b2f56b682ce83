//! The signature a message is signed with (`signatureId`, one of the caller's own): kept
//! out of the editor, whose model would flatten a signature's tables and layout, and put
//! in here as it was saved. In a new message it closes the author's part; in a reply or
//! forward it goes above the quoted original or below it, as its `placement` says.

use crate::http::ApiError;
use crate::mail::compose::reply::{self, Action, Original};
use crate::mail::compose::{FileAttachment, html, text};
use crate::state::AppState;
use crate::store::signatures;

/// A signature's HTML (as stored: cleaned, pasted images still `data:` URLs) and where
/// it goes in an answer.
#[derive(Debug, Clone)]
pub struct Signature {
    pub html: String,
    pub below_quote: bool,
}

/// The signature `id` names, which must be `user`'s own.
pub async fn load(
    state: &AppState,
    user: i64,
    id: Option<i64>,
) -> Result<Option<Signature>, ApiError> {
    let Some(id) = id else {
        return Ok(None);
    };
    let row = state
        .store
        .run(move |c| signatures::get(c, user, id))
        .await?
        .ok_or_else(|| ApiError::invalid_field("signatureId", "no such signature of yours"))?;
    Ok(Some(Signature {
        html: row.html,
        below_quote: row.placement == "belowQuote",
    }))
}

/// Marked, so a reader (or a later tool) can tell the signature from what was written.
fn block(html: &str) -> String {
    format!("<div class=\"email-manager-signature\">{html}</div>")
}

/// The body as it goes out: the author's part (HTML, or HTML made from the text), the
/// signature, and for an answer the quoted original, with images pasted into any of
/// them added to `attachments` as inline parts and a text part written from the HTML.
pub fn body(
    text: Option<String>,
    html: Option<String>,
    attachments: &mut Vec<FileAttachment>,
    signature: Option<&Signature>,
    answering: Option<(&Original, Action)>,
) -> (Option<String>, Option<String>) {
    let below = signature.filter(|s| s.below_quote && answering.is_some());
    let (text, html) = match signature.filter(|_| below.is_none()) {
        Some(signature) => {
            let own = match (html, text) {
                (Some(html), _) => html,
                (None, Some(text)) => reply::text_as_html(&text),
                (None, None) => String::new(),
            };
            // The text part is written from the signed HTML, so it carries the signature.
            (None, Some(format!("{own}<br>{}", block(&signature.html))))
        }
        None => (text, html),
    };
    let (text, html) = html::authored(text, html, attachments);
    let Some((original, action)) = answering else {
        return (text, html);
    };
    let (text, html) = reply::quote(original, action, text.as_deref(), html.as_deref());
    let Some(signature) = below else {
        return (text, html);
    };
    let (_, signed) = html::authored(None, Some(block(&signature.html)), attachments);
    let signed = signed.unwrap_or_default();
    let signed_text = text::to_text(&signed);
    (
        Some(format!(
            "{}\n-- \n{signed_text}\n",
            text.unwrap_or_default()
        )),
        Some(format!("{}<br>{signed}", html.unwrap_or_default())),
    )
}

#[cfg(test)]
mod tests {
    use super::{Signature, body};
    use crate::mail::compose::reply::{Action, Original};

    fn original() -> Original {
        Original {
            text: Some("the original".into()),
            ..Original::default()
        }
    }

    fn signature(below_quote: bool) -> Signature {
        Signature {
            html: "<table><tr><td><b>Ann Lee</b></td><td>Acme</td></tr></table>".into(),
            below_quote,
        }
    }

    #[test]
    fn a_new_message_ends_with_the_signature_as_saved() {
        let mut files = Vec::new();
        let (text, html) = body(
            Some("Hello".into()),
            None,
            &mut files,
            Some(&signature(true)),
            None,
        );
        let html = html.unwrap();
        assert!(html.starts_with("<div>Hello</div>"), "{html}");
        assert!(html.contains("<table>"), "the layout is kept: {html}");
        assert!(
            html.contains("<div class=\"email-manager-signature\">"),
            "marked, so a draft opened again keeps it out of the editor: {html}"
        );
        let stored = crate::mail::compose::html::clean_stored(&format!(
            "{html}<div class=\"gmail_quote x-evil\">q</div><p class=\"x-evil\">p</p>"
        ));
        assert!(
            stored.contains("email-manager-signature")
                && stored.contains("<div class=\"gmail_quote\">")
                && !stored.contains("x-evil"),
            "only the marking classes stay: {stored}"
        );
        let text = text.unwrap();
        assert!(text.contains("Hello") && text.contains("Ann Lee"), "{text}");
    }

    #[test]
    fn placement_puts_it_above_or_below_the_quote() {
        for below in [false, true] {
            let mut files = Vec::new();
            let original = original();
            let (text, html) = body(
                None,
                Some("<p>Thanks</p>".into()),
                &mut files,
                Some(&signature(below)),
                Some((&original, Action::Reply)),
            );
            let (html, text) = (html.unwrap(), text.unwrap());
            let (signed, quoted) = (
                html.find("Ann Lee").unwrap(),
                html.find("the original").unwrap(),
            );
            assert_eq!(signed > quoted, below, "{html}");
            let (signed, quoted) = (
                text.find("Ann Lee").unwrap(),
                text.find("the original").unwrap(),
            );
            assert_eq!(signed > quoted, below, "{text}");
            assert!(html.find("Thanks").unwrap() < quoted);
        }
    }

    #[test]
    fn a_pasted_logo_in_a_signature_below_the_quote_becomes_an_inline_part() {
        let mut files = Vec::new();
        let original = original();
        let logo = Signature {
            html: "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"logo\">".into(),
            below_quote: true,
        };
        let (_, html) = body(
            None,
            Some("<p>ok</p>".into()),
            &mut files,
            Some(&logo),
            Some((&original, Action::Forward)),
        );
        assert_eq!(files.len(), 1);
        let cid = files[0].content_id.clone().unwrap();
        assert!(html.unwrap().contains(&format!("cid:{cid}")));
    }
}
