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

/// Like [`action`] for POST only: actions that read their own body (a send streams its
/// uploads under its own size limit).
pub fn post_action<F, Args>(config: &mut web::ServiceConfig, name: &str, handler: F)
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    config.service(web::resource(format!("/api/{name}")).route(web::post().to(handler)));
}

/// Every unknown route: 404 in the NocoBase error envelope.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found())
}
