//! Unknown sends settled by asking the provider. A send whose process stopped while the
//! provider had the message (its lease ran out), or whose answer never came, may or may
//! not have gone; it is never sent again blindly. Gmail is asked instead: its Sent is
//! searched for the message's Message-ID. There: the send is `sent`, with Gmail's ids (a
//! campaign's recipient becomes sent). Not there: it never arrived, and goes again when
//! its message is kept (scheduled sends, campaigns), or is failed as not sent (a send
//! someone waited for; they send again). Graph and IMAP are not asked: Graph files a sent
//! copy later and a draft can carry the same Message-ID, and an SMTP send's copy in Sent
//! is the service's own append, so not finding one there proves nothing. Their unknown
//! sends stay unknown.

use crate::gateway::{CallError, Mailbox, Urgency};
use crate::providers::ProviderKind;
use crate::providers::gmail::MessageRef;
use crate::providers::operation::gmail;
use crate::state::AppState;
use crate::store::outbox::{self, Unsettled};
use crate::store::{StoreError, mail_accounts};
use chrono::{Duration, Utc};

/// Sends looked up in one pass.
const AT_ONCE: i64 = 10;

/// When a lookup that could not be made is tried again.
const RETRY: Duration = Duration::minutes(1);

/// Settles what unknown sends it can now; returns how many it settled.
pub async fn settle_unknown(state: &AppState) -> Result<usize, StoreError> {
    let now = Utc::now().naive_utc();
    // As long as a lease: Gmail has long finished with a request whose answer was lost.
    let quiet_since = now - super::lease::length(state);
    let rows = state
        .store
        .run(move |c| outbox::unsettled(c, now, quiet_since, now + RETRY, AT_ONCE))
        .await?;
    let mut settled = 0;
    for row in rows {
        if settle(state, &row).await? {
            settled += 1;
        }
    }
    Ok(settled)
}

/// Settles one send; false when the provider could not be asked now.
async fn settle(state: &AppState, row: &Unsettled) -> Result<bool, StoreError> {
    let (id, account_id) = (row.id, row.account_id);
    let kind = state
        .store
        .run(move |c| mail_accounts::get(c, account_id))
        .await?
        .and_then(|a| a.kind());
    if kind != Some(ProviderKind::Google) {
        state
            .store
            .run(move |c| outbox::stop_settling(c, id))
            .await?;
        return Ok(true);
    }
    let found = match in_gmail_sent(state, account_id, &row.rfc_message_id).await {
        Ok(found) => found,
        Err(error) => {
            tracing::info!(send = id, %error, "an unknown send could not be looked up yet");
            return Ok(false);
        }
    };
    let now = Utc::now().naive_utc();
    match found {
        Some(message) => {
            state
                .store
                .run(move |c| {
                    outbox::settle_sent(c, id, &message.id, &message.thread_id, now)?;
                    mail_accounts::request_sync(c, account_id, false, now)?;
                    Ok(())
                })
                .await?;
            tracing::info!(send = id, "an unknown send was found in Sent: sent");
        }
        None => {
            let again = state
                .store
                .run(move |c| outbox::send_again(c, id, now))
                .await?;
            tracing::info!(
                send = id,
                again,
                "an unknown send never reached Gmail: {}",
                if again {
                    "sent again"
                } else {
                    "failed as not sent"
                }
            );
        }
    }
    Ok(true)
}

/// The sent message carrying `message_id` in the mailbox, if Gmail has one.
async fn in_gmail_sent(
    state: &AppState,
    account_id: i64,
    message_id: &str,
) -> Result<Option<MessageRef>, CallError> {
    let query = format!(
        "rfc822msgid:{} in:sent",
        message_id.trim_matches(['<', '>'])
    );
    let client = state.gmail();
    let mailbox = Mailbox::new(state, account_id, ProviderKind::Google, Urgency::Background);
    let list = mailbox
        .call(gmail::MESSAGES_LIST, |token| {
            let (client, query) = (client.clone(), query.clone());
            async move { client.list(&token, None, 1, Some(&query)).await }
        })
        .await?;
    Ok(list.messages.into_iter().next())
}
