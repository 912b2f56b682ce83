//! Each draft operation at the mailbox's provider, through the gateway (a person waits:
//! counted at once, tried once); an IMAP mailbox's in its Drafts folder.

use crate::api::provider_failure::api_error;
use crate::gateway::{CallError, Mailbox, Urgency};
use crate::http::ApiError;
use crate::imap_account::drafts as imap_drafts;
use crate::mail::compose::Outgoing;
use crate::providers::drafts::{DraftContent, DraftPage, DraftRef, graph_version};
use crate::providers::gmail::GmailClient;
use crate::providers::graph::GraphClient;
use crate::providers::operation::{gmail as gmail_op, graph as graph_op};
use crate::providers::send::Sent;
use crate::providers::{Operation, ProviderError, ProviderKind};
use crate::state::AppState;
use std::future::Future;

/// An IMAP draft operation's answer as the API gives it.
fn imap<T>(answer: Result<T, ProviderError>) -> Result<T, ApiError> {
    answer.map_err(|e| api_error(CallError::Provider(e)))
}

pub struct Drafts<'a> {
    pub state: &'a AppState,
    pub account_id: i64,
    pub kind: ProviderKind,
}

impl<'a> Drafts<'a> {
    pub fn of(
        state: &'a AppState,
        account: &crate::store::mail_accounts::AccountRow,
        kind: ProviderKind,
    ) -> Self {
        Self {
            state,
            account_id: account.id,
            kind,
        }
    }

    /// Runs the Gmail or the Graph form of one operation, whichever the mailbox needs.
    async fn either<T, G, GF, M, MF>(
        &self,
        gmail: (Operation, G),
        graph: (Operation, M),
    ) -> Result<T, CallError>
    where
        G: Fn(GmailClient, String) -> GF,
        GF: Future<Output = Result<T, ProviderError>>,
        M: Fn(GraphClient, String) -> MF,
        MF: Future<Output = Result<T, ProviderError>>,
    {
        let mailbox = Mailbox::new(self.state, self.account_id, self.kind, Urgency::Now);
        match self.kind {
            ProviderKind::Google => {
                let client = self.state.gmail();
                let (op, call) = gmail;
                mailbox.call(op, |t| call(client.clone(), t)).await
            }
            ProviderKind::Microsoft => {
                let client = self.state.graph();
                let (op, call) = graph;
                mailbox.call(op, |t| call(client.clone(), t)).await
            }
            // (Each operation goes to `imap_account::drafts` first.)
            ProviderKind::Imap => Err(CallError::Provider(ProviderError::Unsupported(
                "IMAP drafts go by their own path".into(),
            ))),
        }
    }

    /// Saves `outgoing` as a new draft (in its provider thread at Gmail).
    pub async fn create(&self, outgoing: &Outgoing, date: i64) -> Result<DraftRef, ApiError> {
        let raw = outgoing.to_mime(date);
        if self.kind == ProviderKind::Imap {
            return imap(
                imap_drafts::create(self.state, self.account_id, &raw, &outgoing.message_id).await,
            );
        }
        let thread = outgoing.provider_thread_id.as_deref();
        self.either(
            (gmail_op::DRAFTS_CREATE, |c: GmailClient, t: String| {
                let raw = &raw;
                async move { c.draft_create(&t, raw, thread).await }
            }),
            (
                graph_op::DRAFT_SAVE,
                |c: GraphClient, t: String| async move {
                    let draft = c.save_draft(&t, outgoing, date).await?;
                    Ok(DraftRef {
                        version: graph_version(&draft.id, draft.change_key.as_deref()),
                        id: draft.id,
                        thread_id: draft.conversation_id,
                    })
                },
            ),
        )
        .await
        .map_err(api_error)
    }

    pub async fn get(&self, id: &str) -> Result<DraftContent, ApiError> {
        if self.kind == ProviderKind::Imap {
            return imap(imap_drafts::get(self.state, self.account_id, id).await);
        }
        self.either(
            (
                gmail_op::DRAFTS_GET,
                |c: GmailClient, t: String| async move { c.draft_get(&t, id).await },
            ),
            (
                graph_op::DRAFT_GET,
                |c: GraphClient, t: String| async move { c.draft_get(&t, id).await },
            ),
        )
        .await
        .map_err(api_error)
    }

    pub async fn list(&self, max: u32, page: Option<String>) -> Result<DraftPage, ApiError> {
        let page = page.as_deref();
        if self.kind == ProviderKind::Imap {
            return imap(imap_drafts::list(self.state, self.account_id, max, page).await);
        }
        self.either(
            (
                gmail_op::DRAFTS_LIST,
                |c: GmailClient, t: String| async move { c.draft_list(&t, max, page).await },
            ),
            (
                graph_op::DRAFT_LIST,
                |c: GraphClient, t: String| async move { c.draft_list(&t, max, page).await },
            ),
        )
        .await
        .map_err(api_error)
    }

    /// Replaces draft `current` with `outgoing`. Gmail keeps the draft id; Graph saves a
    /// new draft, then deletes the old one.
    pub async fn update(
        &self,
        current: &DraftRef,
        outgoing: &Outgoing,
        date: i64,
    ) -> Result<DraftRef, ApiError> {
        if matches!(self.kind, ProviderKind::Microsoft | ProviderKind::Imap) {
            let saved = self.create(outgoing, date).await?;
            self.delete(&current.id).await?;
            return Ok(saved);
        }
        let raw = outgoing.to_mime(date);
        let (id, thread) = (current.id.as_str(), current.thread_id.as_deref());
        self.either(
            (gmail_op::DRAFTS_UPDATE, |c: GmailClient, t: String| {
                let raw = &raw;
                async move { c.draft_update(&t, id, raw, thread).await }
            }),
            // Not reached: Graph's update is a new draft (above).
            (
                graph_op::DRAFT_REF,
                |c: GraphClient, t: String| async move { c.draft_ref(&t, id).await },
            ),
        )
        .await
        .map_err(api_error)
    }

    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        if self.kind == ProviderKind::Imap {
            return imap(imap_drafts::delete(self.state, self.account_id, id).await);
        }
        self.either(
            (
                gmail_op::DRAFTS_DELETE,
                |c: GmailClient, t: String| async move { c.draft_delete(&t, id).await },
            ),
            (
                graph_op::DRAFT_DELETE,
                |c: GraphClient, t: String| async move { c.draft_delete(&t, id).await },
            ),
        )
        .await
        .map_err(api_error)
    }

    /// Sends the draft as the provider holds it (tried once: a send is never repeated).
    pub async fn send(&self, draft: &DraftRef) -> Result<Sent, CallError> {
        if self.kind == ProviderKind::Imap {
            return Ok(imap_drafts::send(self.state, self.account_id, draft).await?);
        }
        self.either(
            (
                gmail_op::DRAFTS_SEND,
                |c: GmailClient, t: String| async move { c.draft_send(&t, &draft.id).await },
            ),
            (
                graph_op::DRAFT_SEND,
                |c: GraphClient, t: String| async move { c.draft_send(&t, draft).await },
            ),
        )
        .await
    }
}
