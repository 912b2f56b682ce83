//! A callback that arrives without the binding cookie of the browser that started the
//! connect: someone sent their consent link to somebody else (or the page that asked to
//! connect is on another host than the callback). Nothing is linked, and whatever the
//! consent granted is undone at the provider: Google's code is redeemed only to revoke
//! the grant at once; Microsoft has no revocation endpoint, so its code is never redeemed
//! and no token exists. The person who landed here is told in words, on a page of the
//! service's own (the return address belongs to whoever started the connect).

use super::callback::fallback;
use crate::mail::escape_html;
use crate::providers::ProviderKind;
use crate::state::AppState;
use crate::store::oauth_states::StateRow;
use actix_web::HttpResponse;

/// Revokes what the consent granted (Google) and answers with the explanation.
pub async fn refuse(
    state: &AppState,
    kind: ProviderKind,
    pending: &StateRow,
    hash: &str,
    code: Option<&str>,
) -> HttpResponse {
    if let (ProviderKind::Google, Some(code)) = (kind, code.filter(|c| !c.is_empty())) {
        crate::connect::undo_google_grant(state, pending, hash, code).await;
    }
    let back = fallback(state);
    HttpResponse::Forbidden()
        .insert_header(("content-type", "text/html; charset=utf-8"))
        .insert_header(("cache-control", "no-store"))
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ))
        .insert_header(("x-frame-options", "DENY"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(page(kind, &back))
}

fn page(kind: ProviderKind, back: &str) -> String {
    let undone = match kind {
        ProviderKind::Google => {
            "The access you just gave in Google's consent screen has been withdrawn again."
        }
        ProviderKind::Microsoft => {
            "The access you just gave in Microsoft's consent screen was never used."
        }
        // No consent screen: an IMAP mailbox never comes through the callback.
        ProviderKind::Imap => "",
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Mailbox not connected</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}}h1{{font-size:1.4em}}</style></head>
<body><h1>This mailbox was not connected</h1>
<p>The connection was started in another browser, perhaps by someone else who sent you
the link. Nothing was connected: nobody can read or send your mail through it.
{undone}</p>
<p>If you meant to connect your mailbox, open NocoBase in this browser and connect it
from <b>Email &rarr; My mail accounts</b>. If this keeps happening when you start it
yourself, ask your administrator to check that NocoBase and the email service are
reached at the same address.</p>
<p><a href="{back}">Back to NocoBase</a></p></body></html>
"#,
        back = escape_html(back),
        undone = escape_html(undone),
    )
}
