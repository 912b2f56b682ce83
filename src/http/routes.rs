use super::ApiError;
use actix_web::dev::Handler;
use actix_web::{FromRequest, Responder, web};

/// A route the service answers, as registered: the OpenAPI test holds the document to
/// this list, so a route cannot be served without being documented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub path: String,
    /// Lower-case HTTP methods.
    pub methods: &'static [&'static str],
}

/// Registers routes on actix's configuration and records each one it registers.
pub struct Router<'a> {
    config: &'a mut web::ServiceConfig,
    served: Vec<Served>,
}

impl<'a> Router<'a> {
    pub fn new(config: &'a mut web::ServiceConfig) -> Self {
        Self {
            config,
            served: Vec::new(),
        }
    }

    /// What was registered, in order.
    pub fn into_served(self) -> Vec<Served> {
        self.served
    }

    /// `/api/<resource>:<action>` for GET and POST, as NocoBase accepts both.
    pub fn action<F, Args>(&mut self, name: &str, handler: F)
    where
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = format!("/api/{name}");
        const METHODS: &[&str] = &["get", "post"];
        self.config.service(
            web::resource(path.as_str())
                .route(web::get().to(handler.clone()))
                .route(web::post().to(handler))
                .default_service(web::to(|| method_not_allowed(METHODS))),
        );
        self.served.push(Served {
            path,
            methods: METHODS,
        });
    }

    /// Like [`Router::action`] for POST only: actions that read their own body (a send
    /// streams its uploads under its own size limit).
    pub fn post_action<F, Args>(&mut self, name: &str, handler: F)
    where
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = format!("/api/{name}");
        const METHODS: &[&str] = &["post"];
        self.config.service(
            web::resource(path.as_str())
                .route(web::post().to(handler))
                .default_service(web::to(|| method_not_allowed(METHODS))),
        );
        self.served.push(Served {
            path,
            methods: METHODS,
        });
    }

    /// A plain GET route (health, metrics, the OAuth callback, the API document).
    pub fn get<F, Args>(&mut self, path: &str, handler: F)
    where
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        const METHODS: &[&str] = &["get"];
        self.config.service(
            web::resource(path)
                .route(web::get().to(handler))
                .default_service(web::to(|| method_not_allowed(METHODS))),
        );
        self.served.push(Served {
            path: path.to_string(),
            methods: METHODS,
        });
    }
}

/// A known route asked with another method: 405 with the methods it answers.
async fn method_not_allowed(methods: &'static [&'static str]) -> actix_web::HttpResponse {
    let allow = methods
        .iter()
        .map(|m| m.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ");
    actix_web::HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow.clone()))
        .json(serde_json::json!({"errors": [{
            "message": format!("This route answers {allow} only."),
            "code": "METHOD_NOT_ALLOWED",
        }]}))
}

/// Every unknown route: 404 in the NocoBase error envelope.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found())
}
