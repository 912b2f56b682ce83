//! The message a send request asks for: the request, completed from the referenced
//! message for a reply or forward, and checked against the limits.

use super::request::SendRequest;
use super::{reference, signature};
use crate::http::ApiError;
use crate::mail::compose::reply::{self, Action};
use crate::mail::compose::{Answering, Outgoing, Person, new_message_id, variables};
use crate::providers::ProviderKind;
use crate::send::identities;
use crate::state::AppState;
use crate::store::mail_accounts::AccountRow;

/// What the message is composed for: a send checks that it can go; a draft may still
/// lack recipients or hold template variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Send,
    Draft,
}

/// The message to send: the request, completed from the referenced message for a
/// reply or forward, and checked against the limits.
pub(crate) async fn compose(
    state: &AppState,
    account: &AccountRow,
    kind: ProviderKind,
    from: Option<Person>,
    asked: &mut SendRequest,
    purpose: Purpose,
) -> Result<Outgoing, ApiError> {
    let (max_bytes, max_recipients) = (
        state.settings.send.max_message_bytes,
        state.settings.send.max_recipients,
    );
    let (signature, referenced) = signature_and_original(state, account, asked).await?;
    let unfilled = variables::names([
        asked.subject.as_deref(),
        asked.text.as_deref(),
        asked.html.as_deref(),
        signature.as_ref().map(|s| s.html.as_str()),
    ]);
    if !unfilled.is_empty() && purpose == Purpose::Send {
        return Err(variables_missing(&unfilled));
    }
    (asked.text, asked.html) = signature::body(
        asked.text.take(),
        asked.html.take(),
        &mut asked.attachments,
        signature.as_ref(),
        referenced
            .as_ref()
            .map(|(r, action)| (&r.original, *action)),
    );
    let mut outgoing = Outgoing {
        from: from
            .clone()
            .unwrap_or_else(|| Person::new(account.display_name.as_deref(), &account.email)),
        to: asked.to.clone(),
        cc: asked.cc.clone(),
        bcc: asked.bcc.clone(),
        subject: asked.subject.clone().unwrap_or_default(),
        text: asked.text.clone(),
        html: asked.html.clone(),
        // Moved, not copied: they may be tens of megabytes.
        attachments: std::mem::take(&mut asked.attachments),
        message_id: new_message_id(&account.email),
        in_reply_to: None,
        references: Vec::new(),
        provider_thread_id: None,
        answers: None,
    };
    if let Some((referenced, action)) = &referenced {
        let action = *action;
        let original = &referenced.original;
        if from.is_none()
            && let Some(alias) = super::from::for_reply(
                account,
                &[original.to.as_slice(), original.cc.as_slice()].concat(),
            )
        {
            outgoing.from = alias;
        }
        let own: Vec<String> = identities::of(account)
            .into_iter()
            .map(|i| i.address)
            .collect();
        if asked.fill_recipients {
            let (to, cc) = reply::recipients(original, action, &own);
            outgoing.to = merged(to, &asked.to, &[]);
            outgoing.cc = merged(cc, &asked.cc, &outgoing.to);
        }
        if asked.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
            outgoing.subject = reply::subject(&original.subject, action);
        }
        (outgoing.in_reply_to, outgoing.references) = reply::threading(original);
        outgoing.provider_thread_id = referenced.provider_thread_id.clone();
        outgoing.answers = referenced
            .provider_message_id
            .clone()
            .map(|provider_message_id| Answering {
                provider_message_id,
                action,
            });
        if action == Action::Forward {
            let budget = max_bytes.saturating_sub(outgoing.estimated_size());
            let mut files =
                reference::attachment_files(state, kind, &referenced.attachment_ids, budget)
                    .await?;
            // The original's files first, as Graph's `createForward` puts them: a draft's
            // file ids (their places) then name the same files in the saved draft.
            files.append(&mut outgoing.attachments);
            outgoing.attachments = files;
        }
    }
    let count = outgoing.recipients().count();
    if count == 0 && purpose == Purpose::Send {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            "to: the message has no recipients",
        ));
    }
    if count > max_recipients as usize {
        return Err(ApiError::bad_request(
            "INVALID_RECIPIENT",
            format!("to, cc, bcc: {count} recipients; at most {max_recipients} are allowed"),
        ));
    }
    if outgoing.estimated_size() > max_bytes {
        return Err(reference::too_large());
    }
    Ok(outgoing)
}

/// What a request names besides its own text: the caller's signature (`signatureId`)
/// and the message it answers or forwards (`reference`, with how), both loaded.
pub(crate) async fn signature_and_original(
    state: &AppState,
    account: &AccountRow,
    asked: &SendRequest,
) -> Result<
    (
        Option<signature::Signature>,
        Option<(reference::Referenced, Action)>,
    ),
    ApiError,
> {
    let signature = signature::load(state, account.user_id, asked.signature_id).await?;
    let referenced = match asked.reference {
        Some((id, action)) => Some((reference::load(state, account.id, id).await?, action)),
        None => None,
    };
    Ok((signature, referenced))
}

/// A message that still holds template variables is never sent with `{{…}}` in it.
pub fn variables_missing(names: &[String]) -> ApiError {
    ApiError::bad_request(
        "TEMPLATE_VARIABLES_MISSING",
        format!(
            "subject, text, html: these template variables have no value: {}",
            names.join(", ")
        ),
    )
}

/// `filled` plus the caller's own additions, each address once and none already in `not`.
fn merged(filled: Vec<Person>, added: &[Person], not: &[Person]) -> Vec<Person> {
    let mut all: Vec<Person> = Vec::new();
    for person in filled.into_iter().chain(added.iter().cloned()) {
        let seen = |p: &Person| p.address.eq_ignore_ascii_case(&person.address);
        if !all.iter().any(seen) && !not.iter().any(seen) {
            all.push(person);
        }
    }
    all
}
