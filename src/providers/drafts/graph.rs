//! Graph drafts: messages with `isDraft` in Drafts, made from the MIME
//! (`GraphClient::save_draft`, shared with sending), read back as MIME (`$value`), sent
//! with `/send`.

use super::{DraftContent, DraftPage, DraftRef};
use crate::providers::ProviderError;
use crate::providers::error::{classify_graph, retry_after_of, transport};
use crate::providers::graph::{GraphClient, path_segment};
use crate::providers::send::{Sent, hand_over};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: String,
    conversation_id: Option<String>,
    change_key: Option<String>,
    #[serde(default)]
    is_draft: bool,
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    value: Vec<Item>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// A draft's version: its id (a save makes a new draft) and its change key.
pub fn version(id: &str, change_key: Option<&str>) -> String {
    format!("{id}/{}", change_key.unwrap_or(""))
}

const SELECT: &str = "id,conversationId,changeKey,isDraft";

impl Item {
    fn reference(&self) -> DraftRef {
        DraftRef {
            id: self.id.clone(),
            thread_id: self.conversation_id.clone(),
            version: version(&self.id, self.change_key.as_deref()),
        }
    }
}

impl GraphClient {
    /// The draft `id` as it is now (not a draft any more: not found).
    pub async fn draft_ref(&self, token: &str, id: &str) -> Result<DraftRef, ProviderError> {
        let item: Item = self
            .json(self.get(
                token,
                &format!("/me/messages/{}?$select={SELECT}", path_segment(id)),
            ))
            .await?;
        if !item.is_draft {
            return Err(ProviderError::NotFound);
        }
        Ok(item.reference())
    }

    pub async fn draft_get(&self, token: &str, id: &str) -> Result<DraftContent, ProviderError> {
        let draft = self.draft_ref(token, id).await?;
        let response = self
            .answer(self.get(token, &format!("/me/messages/{}/$value", path_segment(id))))
            .await?;
        let raw = response.bytes().await.map_err(transport)?.to_vec();
        Ok(DraftContent { draft, raw })
    }

    /// One page of the Drafts folder; `page` is the previous page's next link.
    pub async fn draft_list(
        &self,
        token: &str,
        max: u32,
        page: Option<&str>,
    ) -> Result<DraftPage, ProviderError> {
        let request = match page {
            // Only a link this client's base made is followed (it carries the token).
            Some(link) if link.starts_with(&self.base) => self.http.get(link).bearer_auth(token),
            Some(_) => return Err(ProviderError::NotFound),
            None => self.get(
                token,
                &format!(
                    "/me/mailFolders/drafts/messages?$select={SELECT}&$top={}",
                    max.clamp(1, 100)
                ),
            ),
        };
        let page: Page = self.json(request).await?;
        Ok(DraftPage {
            drafts: page.value.iter().map(Item::reference).collect(),
            next: page.next_link,
        })
    }

    pub async fn draft_delete(&self, token: &str, id: &str) -> Result<(), ProviderError> {
        self.delete(token, &path_segment(id)).await
    }

    /// Sends the draft as it is at Graph (202). A failure after the request went out is
    /// `OutcomeUnknown`.
    pub async fn draft_send(&self, token: &str, draft: &DraftRef) -> Result<Sent, ProviderError> {
        let request = self
            .http
            .post(format!(
                "{}/me/messages/{}/send",
                self.base,
                path_segment(&draft.id)
            ))
            .bearer_auth(token)
            .header("content-length", "0");
        let (response, status) = hand_over(request, "microsoft").await?;
        if !(200..300).contains(&status) {
            let retry_after = retry_after_of(&response);
            let body = response.bytes().await.map_err(transport)?;
            return Err(classify_graph(status, retry_after.as_deref(), &body));
        }
        Ok(Sent {
            provider_message_id: Some(draft.id.clone()),
            provider_thread_id: draft.thread_id.clone(),
        })
    }
}
