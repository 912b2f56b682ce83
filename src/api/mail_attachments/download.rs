use super::super::provider_failure::api_error;
use crate::auth::Caller;
use crate::gateway::{CallError, Mailbox, Urgency};
use crate::http::{ApiError, QueryParams};
use crate::ids::AccountId;
use crate::providers::ProviderKind;
use crate::providers::attachment::{AttachmentName, Download};
use crate::providers::operation::{gmail, graph};
use crate::state::AppState;
use crate::store::attachments::{self, AttachmentSource};
use crate::store::mail_accounts;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

/// Types a browser may render from our origin without running anything; everything else
/// is served as an opaque download so a hostile attachment cannot script the page.
const RENDERABLE: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "application/pdf",
    "text/plain",
];

/// `Content-Disposition` per RFC 6266: an ASCII fallback for old clients and the exact
/// UTF-8 name in `filename*` (RFC 8187 percent-encoding).
pub fn content_disposition(kind: &str, filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ATTACHMENT_NOT_FOUND",
        "No attachment with this id is visible to you.",
    )
}

/// `mailAttachments:download?filterByTk=<id>[&inline=true]`: the bytes with their type
/// and file name. Only callers who may read the message's body get them.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAttachments:download",
    tag = "mailAttachments",
    params(crate::api::openapi::KeyParam, ("inline" = Option<bool>, Query, description = "Show in the browser (safe types only) instead of downloading")),
    responses(
        (status = 200, description = "The bytes, with their type and a Content-Disposition file name", content_type = "application/octet-stream", body = Vec<u8>),
        crate::api::openapi::Refusals,
        (status = 404, description = "No such attachment the caller may read", body = crate::api::openapi::ErrorBody),
        (status = 502, description = "The provider failed or did not answer", body = crate::api::openapi::ErrorBody)
    )
)]
pub async fn download_attachment(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = params.single_id("an attachment")?;
    let inline = params.flag("inline")?;
    let user = caller.user_id;
    let roles = caller.roles.clone();
    let found = state
        .store
        .run(move |c| {
            let Some(source) = attachments::source(c, id)? else {
                return Ok(None);
            };
            let level = mail_accounts::level_of(c, user, &roles, AccountId(source.account_id))?;
            Ok(level.filter(|l| l.shows_body()).map(|_| source))
        })
        .await?;
    // Hidden and missing answer alike, so ids cannot be probed.
    let source = found.ok_or_else(not_found)?;
    let kind: ProviderKind = source
        .provider
        .parse()
        .map_err(|_| ApiError::internal(format!("unknown provider {:?}", source.provider)))?;
    let download = fetch(&state, &source, kind).await.map_err(api_error)?;
    let content_type = source.content_type.to_ascii_lowercase();
    let renderable = RENDERABLE.contains(&content_type.as_str());
    let served_type = match (&download.charset, renderable) {
        (Some(charset), true) if content_type.starts_with("text/") => {
            format!("{content_type}; charset={charset}")
        }
        (_, true) => content_type.clone(),
        (_, false) => "application/octet-stream".to_string(),
    };
    let disposition = if inline && renderable {
        "inline"
    } else {
        "attachment"
    };
    Ok(streamed(
        &served_type,
        &content_disposition(disposition, &source.filename),
        download,
        source.account_id,
    ))
}

/// A download's answer: its type and file name, the headers that keep a hostile file
/// from running in our origin or staying in a cache, and its bytes as they arrive.
pub(crate) fn streamed(
    content_type: &str,
    disposition: &str,
    download: Download,
    account: i64,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Content-Type", content_type))
        .insert_header(("Content-Disposition", disposition))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .insert_header(("Cache-Control", "private, no-store"));
    if let Some(length) = download.length {
        response.no_chunking(length);
    }
    // The status line is gone once bytes flow: a failure now can only cut the
    // download short, which the client sees as a broken transfer (and we log).
    let body = download.body.map(move |chunk| {
        chunk.map_err(|error| {
            tracing::warn!(account, error = %error, "download cut short");
            std::io::Error::other("the provider stopped sending")
        })
    });
    response.streaming(body)
}

/// Opens the download at the provider, refreshing the token once if it was refused.
pub(crate) async fn fetch(
    state: &AppState,
    source: &AttachmentSource,
    kind: ProviderKind,
) -> Result<Download, CallError> {
    let message = source.provider_message_id.clone();
    let mailbox = Mailbox::new(state, source.account_id, kind, Urgency::Now);
    match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            mailbox
                .call(gmail::ATTACHMENTS_GET, |token| {
                    let (client, message, part) =
                        (client.clone(), message.clone(), source.part_id.clone());
                    async move { client.attachment(&token, &message, &part).await }
                })
                .await
        }
        ProviderKind::Imap => Ok(crate::imap_account::read::attachment(
            state,
            source.account_id,
            &message,
            &source.part_id,
            &source.content_type,
        )
        .await?),
        ProviderKind::Microsoft => {
            let client = state.graph();
            let wanted = AttachmentName {
                filename: source.filename.clone(),
                named: source.named,
                part_id: source.part_id.clone(),
            };
            mailbox
                .call(graph::ATTACHMENT, |token| {
                    let (client, message, wanted) =
                        (client.clone(), message.clone(), wanted.clone());
                    async move { client.attachment(&token, &message, &wanted).await }
                })
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn disposition_has_an_ascii_fallback_and_the_exact_utf8_name() {
        assert_eq!(
            content_disposition("attachment", "Rechnung März \"final\".pdf"),
            "attachment; filename=\"Rechnung M_rz _final_.pdf\"; \
             filename*=UTF-8''Rechnung%20M%C3%A4rz%20%22final%22.pdf"
        );
    }
}
