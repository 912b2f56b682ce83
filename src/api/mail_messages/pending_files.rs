//! The inline images of an Outlook message synced without them (its only files are
//! images its HTML shows by `cid:`, a signature's logo, which Graph's `hasAttachments`
//! leaves out, so sync does not ask for its attachment list): listed at Graph when the
//! message is first opened, stored, and shown from then on. A failure shows the message
//! without them (logged); the next open tries again.

use crate::gateway::{Mailbox, Urgency};
use crate::providers::ProviderKind;
use crate::providers::graph::message::files_of;
use crate::providers::operation::graph;
use crate::state::AppState;
use crate::store::message_query::{self, AttachmentRow};
use crate::store::{message_targets, messages};

/// Message `id`'s files once its pending ones are listed and stored; `None` when they
/// could not be.
pub(super) async fn listed_on_open(state: &AppState, id: i64) -> Option<Vec<AttachmentRow>> {
    let original = state
        .store
        .run(move |c| message_targets::original(c, id))
        .await
        .ok()??;
    if original.provider.parse::<ProviderKind>().ok()? != ProviderKind::Microsoft {
        return None;
    }
    let account = original.account_id;
    let client = state.graph();
    let message = original.provider_message_id;
    let listed = Mailbox::new(state, account, ProviderKind::Microsoft, Urgency::Now)
        .call(graph::ATTACHMENT_LIST, |token| {
            let (client, message) = (client.clone(), message.clone());
            async move { client.attachment_list(&token, &message).await }
        })
        .await;
    let files = match listed {
        Ok(listed) => files_of(&listed),
        Err(error) => {
            tracing::warn!(account, error = %error, "a message's inline images could not be listed");
            return None;
        }
    };
    state
        .store
        .run(move |c| {
            messages::fill_pending_files(c, id, &files)?;
            message_query::detail(c, id)
        })
        .await
        .ok()?
        .map(|full| full.attachments)
}
