//! The bodies of a message the store keeps in part (one longer than
//! `store::messages::KEPT_BODY_BYTES`, a 40 MB text sent as the mail itself): read whole
//! from the provider's original when someone opens it. A failure keeps what is stored,
//! said as cut, rather than failing the open.

use super::raw::fetch_original;
use crate::mail::parse;
use crate::providers::ProviderKind;
use crate::providers::attachment::whole;
use crate::state::AppState;
use crate::store::message_targets;

/// The text and HTML bodies of message `id` as its provider has them; `None` when they
/// could not be read (logged).
pub(super) async fn whole_bodies(
    state: &AppState,
    id: i64,
) -> Option<(Option<String>, Option<String>)> {
    let original = state
        .store
        .run(move |c| message_targets::original(c, id))
        .await
        .ok()??;
    let kind: ProviderKind = original.provider.parse().ok()?;
    let account = original.account_id;
    let raw = match fetch_original(state, &original, kind).await {
        Ok(download) => whole(download).await.map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    let raw = match raw {
        Ok(raw) => raw,
        Err(error) => {
            tracing::warn!(account, error = %error, "a cut body could not be read whole");
            return None;
        }
    };
    let parsed = tokio::task::spawn_blocking(move || parse(&raw))
        .await
        .ok()??;
    Some((parsed.body_text, parsed.body_html))
}
