//! Outlook's master categories: list, create, recolour, delete. A category's name cannot
//! change (Graph refuses it): messages carry categories by name.

use super::{LabelEdit, RemoteLabel, from_graph_preset, palette_colour};
use crate::providers::ProviderError;
use crate::providers::graph::GraphClient;
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: String,
    pub display_name: String,
    pub color: Option<String>,
}

#[derive(Deserialize)]
struct Categories {
    value: Vec<Category>,
}

impl Category {
    pub fn remote(&self) -> RemoteLabel {
        RemoteLabel {
            provider_id: self.id.clone(),
            name: self.display_name.clone(),
            color: self.color.as_deref().and_then(from_graph_preset),
            kind: "user".into(),
        }
    }
}

fn preset(color: &Option<String>) -> &'static str {
    color
        .as_deref()
        .and_then(palette_colour)
        .map_or("none", |c| c.graph_preset)
}

impl GraphClient {
    fn categories_url(&self) -> String {
        format!("{}/me/outlook/masterCategories", self.base)
    }

    pub async fn categories(&self, token: &str) -> Result<Vec<Category>, ProviderError> {
        let answer: Categories = self
            .json(self.http.get(self.categories_url()).bearer_auth(token))
            .await?;
        Ok(answer.value)
    }

    pub async fn create_category(
        &self,
        token: &str,
        edit: &LabelEdit,
    ) -> Result<Category, ProviderError> {
        let color = edit.color.clone().flatten();
        self.json(
            self.http
                .post(self.categories_url())
                .bearer_auth(token)
                .json(&json!({"displayName": edit.name, "color": preset(&color)})),
        )
        .await
    }

    /// Only the colour changes; the caller refuses a new name before asking.
    pub async fn recolour_category(
        &self,
        token: &str,
        id: &str,
        color: &Option<String>,
    ) -> Result<Category, ProviderError> {
        let mut body = Map::new();
        body.insert("color".into(), json!(preset(color)));
        self.json(
            self.http
                .patch(format!("{}/{id}", self.categories_url()))
                .bearer_auth(token)
                .json(&Value::Object(body)),
        )
        .await
    }

    /// The category names a message carries now.
    pub async fn message_categories(
        &self,
        token: &str,
        id: &str,
    ) -> Result<Vec<String>, ProviderError> {
        let answer: Value = self
            .json(
                self.http
                    .get(format!("{}/me/messages/{id}", self.base))
                    .query(&[("$select", "categories")])
                    .bearer_auth(token),
            )
            .await?;
        Ok(answer["categories"]
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(ToString::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn delete_category(&self, token: &str, id: &str) -> Result<(), ProviderError> {
        self.answer(
            self.http
                .delete(format!("{}/{id}", self.categories_url()))
                .bearer_auth(token),
        )
        .await
        .map(|_| ())
    }
}
