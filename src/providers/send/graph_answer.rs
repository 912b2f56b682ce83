//! Graph answers: a reply or forward is made from the original (`createReply`,
//! `createReplyAll`, `createForward`), so Exchange files it in the original's
//! conversation — a MIME draft with In-Reply-To is not reliably threaded there — then
//! given our subject, body, recipients, From and Message-ID (`PATCH`) and our files.
//! Exchange writes the MIME when it sends.

use super::graph::Draft;
use crate::mail::compose::reply::Action;
use crate::mail::compose::{Answering, Outgoing, Person};
use crate::providers::ProviderError;
use crate::providers::graph::{GraphClient, path_segment};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
struct Listed {
    #[serde(default)]
    value: Vec<ListedFile>,
}

#[derive(Debug, Deserialize)]
struct ListedFile {
    id: String,
}

impl GraphClient {
    /// Saves `outgoing`, which answers `answering`, as a draft in the original's
    /// conversation. The original gone at Graph is `NotFound` (nothing was made).
    pub(super) async fn save_answer(
        &self,
        token: &str,
        outgoing: &Outgoing,
        answering: &Answering,
    ) -> Result<Draft, ProviderError> {
        let action = match answering.action {
            Action::Reply => "createReply",
            Action::ReplyAll => "createReplyAll",
            Action::Forward => "createForward",
        };
        let made: Draft = self
            .json(
                self.http
                    .post(format!(
                        "{}/me/messages/{}/{action}",
                        self.base,
                        path_segment(&answering.provider_message_id)
                    ))
                    .bearer_auth(token)
                    .json(&json!({})),
            )
            .await?;
        let id = path_segment(&made.id);
        match self.complete(token, &id, outgoing, answering.action).await {
            Ok(draft) => Ok(draft),
            Err(error) => {
                self.discard(token, &id).await;
                // Made, then failed: not the original's absence.
                Err(match error {
                    ProviderError::NotFound => {
                        ProviderError::Transient("the answer draft went missing".into())
                    }
                    other => other,
                })
            }
        }
    }

    /// Gives the draft Graph made our content; answers it as it is now.
    async fn complete(
        &self,
        token: &str,
        id: &str,
        outgoing: &Outgoing,
        action: Action,
    ) -> Result<Draft, ProviderError> {
        self.patch(token, id, &fields(outgoing)).await?;
        // `createForward` copied the original's files. A new forward sends those on
        // (ours are the same files: not added twice); a saved draft's files are the
        // ones it keeps, so the copies go.
        let copies_kept =
            action == Action::Forward && outgoing.attachments.iter().any(|f| f.forwarded);
        if action == Action::Forward && !copies_kept {
            self.remove_files(token, id).await?;
        }
        for file in &outgoing.attachments {
            if copies_kept && file.forwarded {
                continue;
            }
            self.attach(token, id, file).await?;
        }
        self.draft_as_now(token, id).await
    }

    async fn remove_files(&self, token: &str, id: &str) -> Result<(), ProviderError> {
        let listed: Listed = self
            .json(self.get(token, &format!("/me/messages/{id}/attachments?$select=id")))
            .await?;
        for file in listed.value {
            self.answer(
                self.http
                    .delete(format!(
                        "{}/me/messages/{id}/attachments/{}",
                        self.base,
                        path_segment(&file.id)
                    ))
                    .bearer_auth(token),
            )
            .await?;
        }
        Ok(())
    }
}

fn person(person: &Person) -> Value {
    json!({"emailAddress": {
        "address": person.address,
        "name": person.name.as_deref().unwrap_or(""),
    }})
}

/// What a `PATCH` sets on the answer draft: everything but the files.
fn fields(outgoing: &Outgoing) -> Value {
    let people = |list: &[Person]| list.iter().map(person).collect::<Vec<_>>();
    let body = match (&outgoing.html, &outgoing.text) {
        (Some(html), _) => json!({"contentType": "html", "content": html}),
        (None, text) => json!({"contentType": "text", "content": text.as_deref().unwrap_or("")}),
    };
    json!({
        "subject": outgoing.subject,
        "body": body,
        "toRecipients": people(&outgoing.to),
        "ccRecipients": people(&outgoing.cc),
        "bccRecipients": people(&outgoing.bcc),
        "from": person(&outgoing.from),
        // Updatable while it is a draft: the Message-ID the rest of the system knows.
        "internetMessageId": format!("<{}>", outgoing.message_id),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::fields;
    use crate::mail::compose::{Outgoing, Person};

    #[test]
    fn the_patch_carries_html_recipients_from_and_message_id() {
        let outgoing = Outgoing {
            from: Person::new(Some("Acme Sales"), "sales@acme.test"),
            to: vec![Person::new(Some("Ann"), "ann@northwind.test")],
            cc: vec![],
            bcc: vec![Person::new(None, "boss@acme.test")],
            subject: "RE: Offer".into(),
            text: Some("Thanks".into()),
            html: Some("<p>Thanks</p>".into()),
            attachments: vec![],
            message_id: "abc.em@acme.test".into(),
            in_reply_to: Some("orig@northwind.test".into()),
            references: vec!["orig@northwind.test".into()],
            provider_thread_id: None,
            answers: None,
        };
        let patch = fields(&outgoing);
        assert_eq!(patch["body"]["contentType"], "html");
        assert_eq!(patch["body"]["content"], "<p>Thanks</p>");
        assert_eq!(
            patch["toRecipients"][0]["emailAddress"]["address"],
            "ann@northwind.test"
        );
        assert_eq!(
            patch["bccRecipients"][0]["emailAddress"]["address"],
            "boss@acme.test"
        );
        assert_eq!(patch["from"]["emailAddress"]["address"], "sales@acme.test");
        assert_eq!(patch["internetMessageId"], "<abc.em@acme.test>");
    }
}
