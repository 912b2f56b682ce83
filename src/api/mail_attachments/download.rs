use super::super::mail_messages::Level;
use super::super::provider_failure::api_error;
use crate::auth::Caller;
use crate::http::{ApiError, QueryParams};
use crate::mail::part_bytes;
use crate::providers::session::with_access;
use crate::providers::{ProviderError, ProviderKind};
use crate::state::AppState;
use crate::store::attachments;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

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
pub async fn download_attachment(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = params.single_id("an attachment")?;
    let inline = params.flag("inline")?;
    let user = caller.user_id.0;
    let found = state
        .store
        .run(move |c| {
            let Some(source) = attachments::source(c, id)? else {
                return Ok(None);
            };
            let level = Level::of(c, user, source.account_id)?;
            Ok(level.filter(|l| l.shows_body()).map(|_| source))
        })
        .await?;
    // Hidden and missing answer alike, so ids cannot be probed.
    let source = found.ok_or_else(not_found)?;
    let kind: ProviderKind = source
        .provider
        .parse()
        .map_err(|_| ApiError::internal(format!("unknown provider {:?}", source.provider)))?;
    let message_id = source.provider_message_id.clone();
    let raw = match kind {
        ProviderKind::Google => {
            let client = state.gmail();
            with_access(&state, source.account_id, kind, |token| {
                let (client, id) = (client.clone(), message_id.clone());
                async move { client.raw(&token, &id).await.map(|m| m.raw) }
            })
            .await
        }
        ProviderKind::Microsoft => {
            let client = state.graph();
            with_access(&state, source.account_id, kind, |token| {
                let (client, id) = (client.clone(), message_id.clone());
                async move { client.mime(&token, &id).await }
            })
            .await
        }
    }
    .map_err(api_error)?;
    let bytes = part_bytes(&raw, &source.part_id)
        .ok_or_else(|| api_error(ProviderError::NotFound.into()))?;
    let content_type = source.content_type.to_ascii_lowercase();
    let renderable = RENDERABLE.contains(&content_type.as_str());
    let served_type = if renderable {
        content_type.clone()
    } else {
        "application/octet-stream".to_string()
    };
    let disposition = if inline && renderable {
        "inline"
    } else {
        "attachment"
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", served_type))
        .insert_header((
            "Content-Disposition",
            content_disposition(disposition, &source.filename),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
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
