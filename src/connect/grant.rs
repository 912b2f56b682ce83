//! Whether a grant is one the service can use: the scopes the user left ticked, and the
//! Microsoft tenant the mailbox lives in.

use crate::oauth::ProviderApp;
use crate::providers::ProviderKind;

/// Whether the admin's allowed-tenants list (Microsoft) lets this mailbox's home tenant in.
pub(super) fn tenant_allowed(app: &ProviderApp, tenant: Option<&str>) -> bool {
    app.allowed_tenants.is_empty()
        || tenant.is_some_and(|t| {
            app.allowed_tenants
                .iter()
                .any(|a| a.eq_ignore_ascii_case(t))
        })
}

/// Google's granular consent lets a user untick the Gmail scope; Microsoft's admins can
/// consent to less. Without read/write and send, the mailbox is no use.
pub(super) fn granted_enough(kind: ProviderKind, scopes: &[String]) -> bool {
    if scopes.is_empty() {
        // The provider did not echo scopes: it granted what was asked.
        return true;
    }
    let has = |wanted: &str| {
        scopes.iter().any(|s| {
            s.eq_ignore_ascii_case(wanted)
                || s.rsplit('/')
                    .next()
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(wanted))
        })
    };
    match kind {
        ProviderKind::Google => {
            has("https://www.googleapis.com/auth/gmail.modify") || has("https://mail.google.com/")
        }
        ProviderKind::Microsoft => has("Mail.ReadWrite") && has("Mail.Send"),
        // No grant: a password opens the whole mailbox.
        ProviderKind::Imap => false,
    }
}
