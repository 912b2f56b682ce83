//! A message as a Graph delta page shows it (the `$select` below) and what sync makes of
//! it without downloading its MIME: the headers and the one body Graph gives are written
//! back into a small MIME message and read by the same parser the whole-MIME path uses,
//! so both paths derive subject, addresses, ids, snippet and bodies one way. Files come
//! from the message's attachment list (metadata only, never bytes), asked at sync only
//! when `hasAttachments` says there are some. Images the HTML shows by `cid:` (Graph
//! does not count them: a signature's logo) are listed when the message is first
//! opened, since only the open shows them (`inline_pending`).
//!
//! What the JSON cannot say, and so differs from the MIME path: the text alternative of
//! an HTML message (Graph gives one body; the snippet then comes from the HTML), and the
//! exact size (the rebuilt message plus its files' sizes as Graph reports them).

use crate::mail::{AttachmentMeta, ParsedMessage, bare_id, eml_filename, parse};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as BuilderAddress;
use serde::Deserialize;
use serde_json::Value;

/// The message properties a delta page carries: state (see `sync::graph`) and content.
pub const SELECT: &str = "isRead,flag,conversationId,receivedDateTime,changeKey,\
subject,from,toRecipients,ccRecipients,bccRecipients,replyTo,internetMessageId,\
internetMessageHeaders,sentDateTime,hasAttachments,body,categories";

/// An attachment listing without bytes. `contentId` lives on `fileAttachment` only, so it
/// is selected with that type's cast (a bare `contentId` is refused by Graph).
pub const ATTACHMENT_SELECT: &str =
    "id,name,contentType,size,isInline,microsoft.graph.fileAttachment/contentId";

/// What marks a stored attachment's `part_id` as Graph's own attachment id rather than a
/// MIME part number: its bytes are then that attachment's `$value`.
pub const ATTACHMENT_ID_MARK: &str = "graph:";

/// The content properties of a listed message.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphMessage {
    subject: Option<String>,
    from: Option<Recipient>,
    to_recipients: Option<Vec<Recipient>>,
    cc_recipients: Option<Vec<Recipient>>,
    bcc_recipients: Option<Vec<Recipient>>,
    reply_to: Option<Vec<Recipient>>,
    internet_message_id: Option<String>,
    internet_message_headers: Option<Vec<Header>>,
    sent_date_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    has_attachments: bool,
    body: Option<Body>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: Option<EmailAddress>,
}

#[derive(Debug, Deserialize)]
struct EmailAddress {
    name: Option<String>,
    address: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Header {
    name: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    content_type: Option<String>,
    content: Option<String>,
}

/// One entry of a message's attachment list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedAttachment {
    #[serde(rename = "@odata.type")]
    kind: Option<String>,
    id: String,
    name: Option<String>,
    content_type: Option<String>,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    is_inline: bool,
    content_id: Option<String>,
}

impl GraphMessage {
    /// The content of a delta item; `None` when the item carries no body (a delta link
    /// from before this `$select`, or a minimal change), so the MIME must be fetched.
    pub fn of(item: &Value) -> Option<Self> {
        let message = Self::deserialize(item).ok()?;
        message.body.as_ref()?.content.as_ref()?;
        Some(message)
    }

    /// Whether it has files to list at sync (Graph's `hasAttachments`, which leaves out
    /// inline images).
    pub fn has_files(&self) -> bool {
        self.has_attachments
    }

    /// Whether its HTML shows images by `cid:`, which its files, if listed, include.
    fn shows_inline_images(&self) -> bool {
        self.html().is_some_and(mentions_cid)
    }

    fn html(&self) -> Option<&str> {
        let body = self.body.as_ref()?;
        body.content_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("html"))
            .then_some(body.content.as_deref())
            .flatten()
    }

    /// The message's ids in a threading header (`In-Reply-To`, `References`), bare.
    fn header_ids(&self, name: &str) -> Vec<String> {
        self.internet_message_headers
            .iter()
            .flatten()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .flat_map(|h| h.value.split(|c: char| c.is_whitespace() || c == ','))
            .map(bare_id)
            .filter(|id| !id.is_empty())
            .map(ToString::to_string)
            .collect()
    }

    /// The MIME the parser reads: headers from the JSON, the one body as its only part.
    fn rebuilt(&self) -> Vec<u8> {
        let list = |people: &Option<Vec<Recipient>>| {
            BuilderAddress::new_list(
                people
                    .iter()
                    .flatten()
                    .filter_map(Recipient::to_builder)
                    .collect(),
            )
        };
        let mut builder = MessageBuilder::new().subject(self.subject.clone().unwrap_or_default());
        if let Some(from) = self.from.as_ref().and_then(Recipient::to_builder) {
            builder = builder.from(from);
        }
        for (header, people) in [
            ("To", &self.to_recipients),
            ("Cc", &self.cc_recipients),
            ("Bcc", &self.bcc_recipients),
            ("Reply-To", &self.reply_to),
        ] {
            if people.as_ref().is_some_and(|p| !p.is_empty()) {
                builder = builder.header(header, list(people));
            }
        }
        // The builder dates and names a message itself when told nothing; what Graph did
        // not give is taken off again after parsing.
        builder = builder.date(self.sent_date_time.map_or(0, |d| d.timestamp()));
        if let Some(id) = &self.internet_message_id {
            builder = builder.message_id(bare_id(id));
        }
        if let Some(parent) = self.header_ids("In-Reply-To").into_iter().next() {
            builder = builder.in_reply_to(parent);
        }
        let references = self.header_ids("References");
        if !references.is_empty() {
            builder = builder.references(references);
        }
        let content = self
            .body
            .as_ref()
            .and_then(|b| b.content.clone())
            .unwrap_or_default();
        builder = if self.html().is_some() {
            builder.html_body(content)
        } else {
            builder.text_body(content)
        };
        builder.write_to_vec().unwrap_or_default()
    }

    /// What the store keeps of it, its files taken from `files` (its attachment list, or
    /// nothing when it has none).
    pub fn parsed(&self, files: &[ListedAttachment]) -> Option<ParsedMessage> {
        let rebuilt = self.rebuilt();
        let mut parsed = parse(&rebuilt)?;
        if self.internet_message_id.is_none() {
            parsed.message_id = None;
        }
        if self.sent_date_time.is_none() {
            parsed.date = None;
        }
        parsed.attachments = files_of(files);
        parsed.inline_pending = !self.has_files() && self.shows_inline_images();
        parsed.size = rebuilt.len() as u64 + parsed.attachments.iter().map(|a| a.size).sum::<u64>();
        Some(parsed)
    }
}

impl Recipient {
    fn to_builder(&self) -> Option<BuilderAddress<'static>> {
        let email = self.email_address.as_ref()?;
        let address = email.address.clone().filter(|a| a.contains('@'))?;
        // Graph gives an address without a display name the address as its name.
        let name = email
            .name
            .clone()
            .filter(|n| !n.trim().is_empty() && !n.trim().eq_ignore_ascii_case(&address));
        Some(BuilderAddress::new_address(name, address))
    }
}

/// A message's listed files as the store keeps them (what is not a file or an e-mail
/// left out).
pub fn files_of(listed: &[ListedAttachment]) -> Vec<AttachmentMeta> {
    listed.iter().filter_map(ListedAttachment::meta).collect()
}

/// Whether a message's files say its JSON is not the whole story, so its MIME must be
/// read: an attached e-mail (shown after the body, as mail clients do) or a text part
/// Exchange split off the body (a banner or a list footer, which it lists as a file it
/// names `ATT00001.txt`; the body shows them in order).
pub fn needs_mime(files: &[ListedAttachment]) -> bool {
    files
        .iter()
        .any(|file| file.is_item() || file.is_split_text())
}

impl ListedAttachment {
    fn is_item(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("#microsoft.graph.itemAttachment"))
    }

    /// `ATT` and five digits, then `.txt`, `.htm` or `.html`: Exchange's name for a
    /// text part it took out of the body.
    fn is_split_text(&self) -> bool {
        let Some(name) = self.name.as_deref() else {
            return false;
        };
        let Some((stem, extension)) = name.split_once('.') else {
            return false;
        };
        stem.len() == 8
            && stem[..3].eq_ignore_ascii_case("ATT")
            && stem[3..].bytes().all(|b| b.is_ascii_digit())
            && ["txt", "htm", "html"]
                .iter()
                .any(|e| e.eq_ignore_ascii_case(extension))
    }

    /// As the store keeps it; `None` for what is not a file or an e-mail (a link to a
    /// cloud file has no bytes to serve).
    fn meta(&self) -> Option<AttachmentMeta> {
        let kind = self
            .kind
            .as_deref()
            .unwrap_or("#microsoft.graph.fileAttachment");
        let item = self.is_item();
        if !item && !kind.eq_ignore_ascii_case("#microsoft.graph.fileAttachment") {
            return None;
        }
        let name = self
            .name
            .as_deref()
            .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        Some(AttachmentMeta {
            part_id: format!("{ATTACHMENT_ID_MARK}{}", self.id),
            filename: if item {
                eml_filename(name.as_deref().unwrap_or_default())
            } else {
                name.unwrap_or_else(|| "attachment".into())
            },
            content_type: if item {
                "message/rfc822".into()
            } else {
                self.content_type
                    .as_deref()
                    .map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "application/octet-stream".into())
            },
            size: self.size,
            inline: self.is_inline && !item,
            content_id: self
                .content_id
                .as_deref()
                .map(|id| id.trim().trim_matches(['<', '>']).to_string())
                .filter(|id| !id.is_empty()),
        })
    }
}

/// Whether HTML names an image by `cid:` (in any case, as `src="CID:…"` also works).
fn mentions_cid(html: &str) -> bool {
    html.as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"cid:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(body: Value, has_attachments: bool) -> Value {
        json!({
            "id": "AAMk1",
            "subject": "Angebot für März",
            "from": {"emailAddress": {"name": "Müller, José", "address": "Jose@Acme.com"}},
            "toRecipients": [{"emailAddress": {"name": "Ann", "address": "ann@example.com"}}],
            "ccRecipients": [],
            "bccRecipients": null,
            "replyTo": [{"emailAddress": {"name": "Sales@acme.com", "address": "sales@acme.com"}}],
            "internetMessageId": "<offer-7@acme.com>",
            "internetMessageHeaders": [
                {"name": "Received", "value": "from x by y"},
                {"name": "In-Reply-To", "value": "<ask-1@example.com>"},
                {"name": "References", "value": "<root@example.com>\r\n <ask-1@example.com>"}
            ],
            "sentDateTime": "2026-11-03T09:00:00Z",
            "hasAttachments": has_attachments,
            "body": body,
        })
    }

    /// The fields come from the JSON as the parser would read them from the MIME: the
    /// sender's name with a comma survives, addresses are lower-cased, the threading
    /// headers are kept (folded References too).
    #[test]
    fn a_delta_item_gives_the_fields_the_mime_would() {
        let html = json!({"contentType": "html", "content": "<p>Hello <b>Ann</b></p>"});
        let message = GraphMessage::of(&item(html, false)).unwrap();
        assert!(!message.has_files());
        let parsed = message.parsed(&[]).unwrap();
        assert_eq!(parsed.subject, "Angebot für März");
        let from = parsed.from.unwrap();
        assert_eq!(from.name.as_deref(), Some("Müller, José"));
        assert_eq!(from.address, "jose@acme.com");
        assert_eq!(parsed.to[0].address, "ann@example.com");
        assert!(parsed.cc.is_empty() && parsed.bcc.is_empty());
        assert_eq!(parsed.reply_to[0].address, "sales@acme.com");
        assert_eq!(
            parsed.reply_to[0].name, None,
            "Graph names a nameless address by itself"
        );
        assert_eq!(parsed.message_id.as_deref(), Some("<offer-7@acme.com>"));
        assert_eq!(parsed.in_reply_to.as_deref(), Some("<ask-1@example.com>"));
        assert_eq!(
            parsed.references,
            ["<root@example.com>", "<ask-1@example.com>"]
        );
        assert_eq!(
            parsed.date.unwrap().to_string(),
            "2026-11-03 09:00:00",
            "the Date header is sentDateTime"
        );
        assert!(parsed.body_html.unwrap().contains("Hello <b>Ann</b>"));
        assert_eq!(parsed.body_text, None);
        assert_eq!(parsed.snippet, "Hello Ann");
    }

    #[test]
    fn a_text_body_stays_text() {
        let text = json!({"contentType": "text", "content": "Line one\r\nLine two"});
        let parsed = GraphMessage::of(&item(text, false))
            .unwrap()
            .parsed(&[])
            .unwrap();
        assert_eq!(parsed.body_text.as_deref(), Some("Line one\r\nLine two"));
        // As the MIME path stores the same text-only message.
        let mime = parse(
            b"From: x@acme.com\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\nLine one\r\nLine two",
        )
        .unwrap();
        assert_eq!(parsed.body_html, mime.body_html);
        assert_eq!(parsed.snippet, mime.snippet);
    }

    /// An item without a body (a delta link made before bodies were selected) is not
    /// taken for an empty message: its MIME is fetched instead.
    #[test]
    fn no_body_means_fetch_the_mime() {
        let mut bare = item(Value::Null, false);
        bare.as_object_mut().unwrap().remove("body");
        assert!(GraphMessage::of(&bare).is_none());
        assert!(GraphMessage::of(&json!({"id": "x", "isRead": true})).is_none());
    }

    /// Outlook's own signatures put their logo inline: `hasAttachments` is false, the
    /// body names it by `cid:`. Not listed at sync; said to be listed on the first open.
    #[test]
    fn an_inline_logo_is_listed_on_open() {
        let html = json!({"contentType": "html", "content": "<img src=\"CID:image001.png@01DA\">"});
        let message = GraphMessage::of(&item(html, false)).unwrap();
        assert!(!message.has_files());
        assert!(message.parsed(&[]).unwrap().inline_pending);
        let plain = json!({"contentType": "html", "content": "<p>no images</p>"});
        let message = GraphMessage::of(&item(plain, false)).unwrap();
        assert!(!message.parsed(&[]).unwrap().inline_pending);
    }

    fn file(kind: &str, name: &str, content_type: &str) -> ListedAttachment {
        serde_json::from_value(json!({"@odata.type": kind, "id": "A", "name": name,
            "contentType": content_type, "size": 10, "isInline": false}))
        .unwrap()
    }

    /// An attached e-mail is shown after the body, and a list footer Exchange split off
    /// as `ATT00001.txt` belongs in it: both need the MIME. A text file someone attached
    /// does not.
    #[test]
    fn what_the_json_cannot_show_is_read_from_the_mime() {
        const FILE: &str = "#microsoft.graph.fileAttachment";
        assert!(!needs_mime(&[file(FILE, "notes.txt", "text/plain")]));
        assert!(!needs_mime(&[file(FILE, "ATT.txt", "text/plain")]));
        assert!(needs_mime(&[file(FILE, "ATT00001.txt", "text/plain")]));
        assert!(needs_mime(&[file(FILE, "att00002.htm", "text/html")]));
        assert!(needs_mime(&[
            file(FILE, "a.pdf", "application/pdf"),
            file(
                "#microsoft.graph.itemAttachment",
                "Re: plan",
                "message/rfc822"
            ),
        ]));
    }

    #[test]
    fn listed_files_become_attachments_by_graph_id() {
        let listed: Vec<ListedAttachment> = serde_json::from_value(json!([
            {"@odata.type": "#microsoft.graph.fileAttachment", "id": "A1", "name": "Rechnung.pdf",
             "contentType": "application/PDF", "size": 1234, "isInline": false, "contentId": null},
            {"@odata.type": "#microsoft.graph.fileAttachment", "id": "A2", "name": "image001.png",
             "contentType": "image/png", "size": 99, "isInline": true, "contentId": "<image001.png@01DA>"},
            {"@odata.type": "#microsoft.graph.itemAttachment", "id": "A3", "name": "Re: Termin/Plan",
             "contentType": null, "size": 5000, "isInline": false},
            {"@odata.type": "#microsoft.graph.referenceAttachment", "id": "A4", "name": "Plan.docx",
             "size": 0, "isInline": false}
        ]))
        .unwrap();
        let text = json!({"contentType": "text", "content": "see attached"});
        let parsed = GraphMessage::of(&item(text, true))
            .unwrap()
            .parsed(&listed)
            .unwrap();
        let files: Vec<String> = parsed
            .attachments
            .iter()
            .map(|a| {
                format!(
                    "{} {} {} {} {} {:?}",
                    a.part_id, a.filename, a.content_type, a.size, a.inline, a.content_id
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                "graph:A1 Rechnung.pdf application/pdf 1234 false None",
                "graph:A2 image001.png image/png 99 true Some(\"image001.png@01DA\")",
                "graph:A3 Re_ Termin_Plan.eml message/rfc822 5000 false None",
            ],
            "a cloud link (referenceAttachment) has no bytes and is not a file here"
        );
        assert!(parsed.size > 6333);
    }
}
