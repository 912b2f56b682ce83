//! Keeping each mailbox's labels in step with the provider, before its messages: Gmail's
//! come with the label list the folder sync reads anyway; Outlook's master categories are
//! one more call, which a mailbox connected before labels existed was not granted
//! (`MailboxSettings.ReadWrite`): its categories then wait for a reconnect, and its mail
//! still syncs.

use super::{Run, SyncError};
use crate::gateway::CallError;
use crate::providers::ProviderError;
use crate::providers::gmail::Label;
use crate::providers::labels;
use crate::providers::operation::graph as graph_op;
use crate::store::labels::{RemoteLabel, sync_labels};

async fn store(run: &Run<'_>, remote: Vec<RemoteLabel>) -> Result<(), SyncError> {
    let account = run.account_id();
    run.state
        .store
        .run(move |c| sync_labels(c, account, &remote))
        .await?;
    Ok(())
}

pub(super) async fn gmail(run: &Run<'_>, listed: &[Label]) -> Result<(), SyncError> {
    store(run, labels::from_gmail(listed)).await
}

pub(super) async fn graph(run: &Run<'_>) -> Result<(), SyncError> {
    let client = run.state.graph();
    let answer = run
        .mailbox()
        .call(graph_op::CATEGORIES, |token| {
            let client = client.clone();
            async move { client.categories(&token).await }
        })
        .await;
    match answer {
        Ok(categories) => store(run, categories.iter().map(|c| c.remote()).collect()).await,
        Err(CallError::Provider(ProviderError::Permanent { status: 403, .. })) => {
            tracing::info!(
                account = run.account_id(),
                "no MailboxSettings grant: Outlook categories wait for a reconnect"
            );
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}
