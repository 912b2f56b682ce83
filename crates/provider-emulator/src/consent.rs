//! The consent page both authorize endpoints show: a real HTML form a browser (or a test
//! posting the same fields) can submit.

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The form: an `email` input (pre-filled from `login_hint`), one checkbox per requested
/// scope named `granted` (all ticked; untick one to grant less, as with Google's granular
/// consent), and two buttons named `action`: `allow` and `deny`. It posts to the same
/// URL with the same query string.
pub fn page(
    provider_title: &str,
    client_id: &str,
    action_url: &str,
    login_hint: &str,
    scopes: &[&str],
) -> String {
    let boxes: String = scopes
        .iter()
        .map(|scope| {
            let scope = escape(scope);
            format!("<li><label><input type=\"checkbox\" name=\"granted\" value=\"{scope}\" checked> {scope}</label></li>")
        })
        .collect();
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Sign in - {title} (emulator)</title></head>\
<body><h1>{title} account (emulator)</h1>\
<p>The app <code>{client}</code> wants to access your account.</p>\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"granular\" value=\"1\">\
<p><label>Email <input type=\"email\" name=\"email\" value=\"{hint}\" required></label></p>\
<ul>{boxes}</ul>\
<button type=\"submit\" name=\"action\" value=\"allow\">Allow</button> \
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\
</form></body></html>",
        title = escape(provider_title),
        client = escape(client_id),
        action = escape(action_url),
        hint = escape(login_hint),
    )
}

/// An error page: the providers show these (no redirect) for an unknown client or an
/// unregistered redirect URI.
pub fn error_page(title: &str, message: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1><p>{m}</p></body></html>",
        t = escape(title),
        m = escape(message)
    )
}
