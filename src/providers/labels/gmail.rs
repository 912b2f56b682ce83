//! Gmail's `labels.create`, `patch` and `delete`.

use super::{LabelEdit, palette_colour};
use crate::providers::ProviderError;
use crate::providers::gmail::{GmailClient, Label};
use serde_json::{Map, Value, json};

fn body(edit: &LabelEdit) -> Value {
    let mut body = Map::new();
    if let Some(name) = &edit.name {
        body.insert("name".into(), json!(name));
    }
    match &edit.color {
        Some(Some(hex)) => {
            let text = palette_colour(hex).map_or("#000000", |c| c.gmail_text);
            body.insert(
                "color".into(),
                json!({"backgroundColor": hex.to_ascii_lowercase(), "textColor": text}),
            );
        }
        // Gmail takes a missing colour as "unchanged"; none is asked for as null.
        Some(None) => {
            body.insert("color".into(), Value::Null);
        }
        None => {}
    }
    Value::Object(body)
}

impl GmailClient {
    pub async fn create_label(
        &self,
        token: &str,
        edit: &LabelEdit,
    ) -> Result<Label, ProviderError> {
        let mut request = body(edit);
        request["labelListVisibility"] = json!("labelShow");
        request["messageListVisibility"] = json!("show");
        self.send(
            self.http
                .post(format!("{}/labels", self.base))
                .bearer_auth(token)
                .json(&request),
        )
        .await
    }

    pub async fn patch_label(
        &self,
        token: &str,
        id: &str,
        edit: &LabelEdit,
    ) -> Result<Label, ProviderError> {
        self.send(
            self.http
                .patch(format!("{}/labels/{id}", self.base))
                .bearer_auth(token)
                .json(&body(edit)),
        )
        .await
    }

    pub async fn delete_label(&self, token: &str, id: &str) -> Result<(), ProviderError> {
        self.answer(
            self.http
                .delete(format!("{}/labels/{id}", self.base))
                .bearer_auth(token),
        )
        .await
        .map(|_| ())
    }
}
