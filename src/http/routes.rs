use super::ApiError;
use actix_web::dev::Handler;
use actix_web::{FromRequest, Responder, web};

/// Registers `/api/<resource>:<action>` for GET and POST, as NocoBase accepts both.
pub fn action<F, Args>(config: &mut web::ServiceConfig, name: &str, handler: F)
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    config.service(
        web::resource(format!("/api/{name}"))
            .route(web::get().to(handler.clone()))
            .route(web::post().to(handler)),
    );
}

/// Like [`action`] for POST only, reading bodies up to `body_limit` bytes (sends carry
/// attachments; every other action keeps `server.max_body_bytes`).
pub fn post_action<F, Args>(
    config: &mut web::ServiceConfig,
    name: &str,
    handler: F,
    body_limit: usize,
) where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    config.service(
        web::resource(format!("/api/{name}"))
            .app_data(web::Data::new(super::BodyLimit(body_limit)))
            .route(web::post().to(handler)),
    );
}

/// Every unknown route: 404 in the NocoBase error envelope.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found())
}
