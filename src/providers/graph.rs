//! The Microsoft Graph v1.0 mail calls sync and send make, always with
//! `Prefer: IdType="ImmutableId"` so ids survive moves. Failures are classified by
//! [`classify_graph`].

pub mod message;

use super::error::{ProviderError, checked, classify_graph, transport};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const IMMUTABLE: &str = "IdType=\"ImmutableId\"";

/// Folders whose role the service knows, by Graph's well-known names.
pub const WELL_KNOWN: [(&str, &str); 6] = [
    ("inbox", "inbox"),
    ("sentitems", "sent"),
    ("drafts", "drafts"),
    ("deleteditems", "trash"),
    ("junkemail", "spam"),
    ("archive", "archive"),
];

#[derive(Clone)]
pub struct GraphClient {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    pub id: String,
    pub display_name: String,
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub child_folder_count: u64,
    #[serde(default)]
    pub total_item_count: u64,
    #[serde(default)]
    pub unread_item_count: u64,
    /// Filled in here from the well-known names: inbox, sent, drafts, trash, spam, archive.
    #[serde(skip)]
    pub role: Option<&'static str>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Collection<T> {
    #[serde(default = "Vec::new")]
    pub(super) value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

/// One page of a delta round over a folder.
#[derive(Debug, Clone)]
pub struct DeltaPage {
    /// Messages new or changed, as Graph JSON (with the `$select`ed fields).
    pub changed: Vec<Value>,
    /// Ids deleted or moved out of the folder.
    pub removed: Vec<String>,
    /// Keep paging with this.
    pub next_link: Option<String>,
    /// The round is done; start the next one here.
    pub delta_link: Option<String>,
}

/// A Graph subscription, as created or renewed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub expiration_date_time: chrono::DateTime<chrono::Utc>,
}

impl GraphClient {
    pub fn new(http: reqwest::Client, graph_base_url: &str) -> Self {
        Self {
            http,
            base: format!("{}/v1.0", graph_base_url.trim_end_matches('/')),
        }
    }

    /// Links come from the provider; follow them only on the configured host, so a
    /// token is never sent anywhere else.
    fn own_link(&self, link: &str) -> Result<String, ProviderError> {
        if link.starts_with(&self.base) {
            Ok(link.to_string())
        } else {
            Err(ProviderError::Permanent {
                status: 0,
                code: "FOREIGN_LINK".into(),
                message: "a paging link points outside the Graph base URL".into(),
            })
        }
    }

    pub(super) async fn answer(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ProviderError> {
        checked(
            request.header("prefer", IMMUTABLE),
            "microsoft",
            classify_graph,
        )
        .await
    }

    pub(super) async fn json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let response = self.answer(request).await?;
        let body = response.bytes().await.map_err(transport)?;
        let body: &[u8] = if body.is_empty() { b"null" } else { &body };
        serde_json::from_slice(body)
            .map_err(|e| ProviderError::Transient(format!("unexpected answer: {e}")))
    }

    pub(super) fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// Every folder, children included, with roles from the well-known names.
    pub async fn folders(&self, token: &str) -> Result<Vec<Folder>, ProviderError> {
        let mut roles = Vec::new();
        for (name, role) in WELL_KNOWN {
            match self
                .json::<Folder>(self.get(token, &format!("/me/mailFolders/{name}")))
                .await
            {
                Ok(folder) => roles.push((folder.id, role)),
                Err(ProviderError::NotFound) => {}
                Err(error) => return Err(error),
            }
        }
        let mut folders = Vec::new();
        let mut pending = vec![format!("{}/me/mailFolders?$top=100", self.base)];
        while let Some(url) = pending.pop() {
            let page: Collection<Folder> =
                self.json(self.http.get(&url).bearer_auth(token)).await?;
            if let Some(next) = page.next_link {
                pending.push(self.own_link(&next)?);
            }
            for mut folder in page.value {
                if folder.child_folder_count > 0 {
                    pending.push(format!(
                        "{}/me/mailFolders/{}/childFolders?$top=100",
                        self.base, folder.id
                    ));
                }
                folder.role = roles
                    .iter()
                    .find(|(id, _)| *id == folder.id)
                    .map(|(_, role)| *role);
                folders.push(folder);
            }
        }
        Ok(folders)
    }

    /// The first page of a delta round over `folder_id` (`select`: the fields wanted;
    /// `since`: only mail received from then on).
    pub async fn delta_start(
        &self,
        token: &str,
        folder_id: &str,
        select: &str,
        page_size: u32,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<DeltaPage, ProviderError> {
        let url = format!("{}/me/mailFolders/{folder_id}/messages/delta", self.base);
        let mut query = vec![("$select", select.to_string())];
        if let Some(since) = since {
            query.push((
                "$filter",
                format!("receivedDateTime ge {}", since.format("%Y-%m-%dT%H:%M:%SZ")),
            ));
        }
        self.delta_page(
            self.http.get(url).query(&query).bearer_auth(token),
            page_size,
        )
        .await
    }

    /// The next page, from a `nextLink` or a stored `deltaLink`.
    pub async fn delta_follow(
        &self,
        token: &str,
        link: &str,
        page_size: u32,
    ) -> Result<DeltaPage, ProviderError> {
        let url = self.own_link(link)?;
        self.delta_page(self.http.get(url).bearer_auth(token), page_size)
            .await
    }

    async fn delta_page(
        &self,
        request: reqwest::RequestBuilder,
        page_size: u32,
    ) -> Result<DeltaPage, ProviderError> {
        let request = request.header(
            "prefer",
            format!("{IMMUTABLE}, odata.maxpagesize={page_size}"),
        );
        let page: Collection<Value> = self.json(request).await?;
        let (removed, changed): (Vec<Value>, Vec<Value>) = page
            .value
            .into_iter()
            .partition(|item| item.get("@removed").is_some());
        Ok(DeltaPage {
            changed,
            removed: removed
                .iter()
                .filter_map(|item| item["id"].as_str().map(ToString::to_string))
                .collect(),
            next_link: page.next_link,
            delta_link: page.delta_link,
        })
    }

    /// A message's attachment list, metadata only (every page of it).
    pub async fn attachment_list(
        &self,
        token: &str,
        id: &str,
    ) -> Result<Vec<message::ListedAttachment>, ProviderError> {
        let mut listed = Vec::new();
        let mut page: Collection<message::ListedAttachment> = self
            .json(
                self.get(
                    token,
                    &format!("/me/messages/{}/attachments", path_segment(id)),
                )
                .query(&[("$select", message::ATTACHMENT_SELECT)]),
            )
            .await?;
        loop {
            listed.append(&mut page.value);
            let Some(next) = page.next_link.take() else {
                return Ok(listed);
            };
            let url = self.own_link(&next)?;
            page = self.json(self.http.get(url).bearer_auth(token)).await?;
        }
    }

    /// PATCHes a message (`{"isRead": true}`, `{"flag": {"flagStatus": "flagged"}}`).
    pub async fn patch(
        &self,
        token: &str,
        id: &str,
        changes: &Value,
    ) -> Result<Value, ProviderError> {
        self.json(
            self.http
                .patch(format!("{}/me/messages/{id}", self.base))
                .bearer_auth(token)
                .json(changes),
        )
        .await
    }

    /// Moves a message; with immutable ids it keeps its id.
    pub async fn move_to(
        &self,
        token: &str,
        id: &str,
        destination: &str,
    ) -> Result<Value, ProviderError> {
        self.json(
            self.http
                .post(format!("{}/me/messages/{id}/move", self.base))
                .bearer_auth(token)
                .json(&json!({"destinationId": destination})),
        )
        .await
    }

    pub async fn delete(&self, token: &str, id: &str) -> Result<(), ProviderError> {
        self.answer(
            self.http
                .delete(format!("{}/me/messages/{id}", self.base))
                .bearer_auth(token),
        )
        .await
        .map(|_| ())
    }

    /// Subscribes `notification_url` to the mailbox's message changes until `expires`;
    /// Graph first calls the URL with a `validationToken`, which it must echo.
    pub async fn subscribe(
        &self,
        token: &str,
        notification_url: &str,
        client_state: &str,
        expires: chrono::DateTime<chrono::Utc>,
    ) -> Result<Subscription, ProviderError> {
        self.json(
            self.http
                .post(format!("{}/subscriptions", self.base))
                .bearer_auth(token)
                .json(&json!({
                    "changeType": "created,updated,deleted",
                    "notificationUrl": notification_url,
                    "lifecycleNotificationUrl": notification_url,
                    "resource": "me/messages",
                    "expirationDateTime": expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "clientState": client_state,
                })),
        )
        .await
    }

    /// Moves a subscription's expiry; `NotFound` when Graph no longer has it.
    pub async fn renew_subscription(
        &self,
        token: &str,
        id: &str,
        expires: chrono::DateTime<chrono::Utc>,
    ) -> Result<Subscription, ProviderError> {
        self.json(
            self.http
                .patch(format!("{}/subscriptions/{}", self.base, path_segment(id)))
                .bearer_auth(token)
                .json(&json!({
                    "expirationDateTime": expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                })),
        )
        .await
    }

    pub async fn delete_subscription(&self, token: &str, id: &str) -> Result<(), ProviderError> {
        self.answer(
            self.http
                .delete(format!("{}/subscriptions/{}", self.base, path_segment(id)))
                .bearer_auth(token),
        )
        .await
        .map(|_| ())
    }

    /// Sends RFC 5322 bytes (`sendMail` with a base64 MIME body); saved to Sent Items.
    pub async fn send_mime(&self, token: &str, raw: &[u8]) -> Result<(), ProviderError> {
        self.answer(
            self.http
                .post(format!("{}/me/sendMail", self.base))
                .bearer_auth(token)
                .header("content-type", "text/plain")
                .body(STANDARD.encode(raw)),
        )
        .await
        .map(|_| ())
    }
}
/// Graph's ids are base64 and may hold `/` and `+`, which must not split or change the path.
pub(crate) fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.=".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod path_tests {
    #[test]
    fn ids_stay_one_path_segment() {
        assert_eq!(super::path_segment("AAMk/a+b=="), "AAMk%2Fa%2Bb==");
    }
}
