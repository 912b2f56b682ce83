//! The listener: every route of both providers and the control API on one port.

use crate::world::{Provider, Shared};
use crate::{control, google, microsoft, oauth, push};
use actix_web::{App, HttpRequest, HttpServer, web};
use std::net::TcpListener;

/// Largest request body (Gmail uploads go to 35 MB; Graph MIME sends are base64; a
/// 40 MB message delivered through the control API is base64 twice over, about 77 MB).
const MAX_BODY: usize = 128 * 1024 * 1024;

fn routes(config: &mut web::ServiceConfig) {
    config
        .app_data(web::PayloadConfig::new(MAX_BODY))
        // Control calls carry whole messages as base64 JSON (a 20 MiB attachment and up).
        .app_data(web::JsonConfig::default().limit(MAX_BODY))
        .route(
            "/google/o/oauth2/v2/auth",
            web::route().to(|w: web::Data<Shared>, r: HttpRequest, b: web::Bytes| {
                oauth::authorize(w, Provider::Google, None, r, b)
            }),
        )
        .route(
            "/google/token",
            web::post().to(|w: web::Data<Shared>, r: HttpRequest, b: web::Bytes| {
                oauth::token(w, Provider::Google, None, r, b)
            }),
        )
        .route("/google/revoke", web::route().to(oauth::revoke))
        .route("/google/v1/userinfo", web::get().to(oauth::userinfo))
        .route("/google/oauth2/v3/userinfo", web::get().to(oauth::userinfo))
        .route(
            "/google/gmail/v1/users/{user}/{tail:.*}",
            web::route().to(google::api),
        )
        .route(
            "/google/upload/gmail/v1/users/{user}/{tail:.*}",
            web::post().to(google::api),
        )
        .route(
            "/google/upload/gmail/v1/users/{user}/{tail:.*}",
            web::put().to(google::resumable_put),
        )
        .route("/google/batch/gmail/v1", web::post().to(google::batch))
        .route("/google/batch", web::post().to(google::batch))
        .route(
            "/microsoft/{tenant}/oauth2/v2.0/authorize",
            web::route().to(
                |w: web::Data<Shared>, t: web::Path<String>, r: HttpRequest, b: web::Bytes| {
                    oauth::authorize(w, Provider::Microsoft, Some(t.into_inner()), r, b)
                },
            ),
        )
        .route(
            "/microsoft/{tenant}/oauth2/v2.0/token",
            web::post().to(
                |w: web::Data<Shared>, t: web::Path<String>, r: HttpRequest, b: web::Bytes| {
                    oauth::token(w, Provider::Microsoft, Some(t.into_inner()), r, b)
                },
            ),
        )
        // Google's official clients resolve API paths against the host root, dropping any
        // path in their root URL, so the Gmail API also answers without the prefix.
        .route(
            "/gmail/v1/users/{user}/{tail:.*}",
            web::route().to(google::api),
        )
        .route(
            "/upload/gmail/v1/users/{user}/{tail:.*}",
            web::post().to(google::api),
        )
        .route(
            "/upload/gmail/v1/users/{user}/{tail:.*}",
            web::put().to(google::resumable_put),
        )
        .route("/batch/gmail/v1", web::post().to(google::batch))
        .route("/batch", web::post().to(google::batch))
        .route("/microsoft/v1.0/me", web::route().to(microsoft::api))
        .route(
            "/microsoft/v1.0/me/{tail:.*}",
            web::route().to(microsoft::api),
        )
        .route(
            "/microsoft/upload/{session}",
            web::put().to(microsoft::upload),
        )
        .route(
            "/microsoft/v1.0/subscriptions",
            web::post().to(push::graph_subscriptions::create),
        )
        .route(
            "/microsoft/v1.0/subscriptions",
            web::get().to(push::graph_subscriptions::list),
        )
        .route(
            "/microsoft/v1.0/subscriptions/{id}",
            web::route().to(push::graph_subscriptions::one),
        )
        .configure(control::configure)
        .configure(push::configure_control);
}

/// Binds `listener` and returns the server, ready to be awaited or spawned.
pub fn serve(listener: TcpListener, world: Shared) -> std::io::Result<actix_web::dev::Server> {
    push::spawn_delivery(world.clone());
    let data = web::Data::new(world);
    Ok(
        HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
            // Longer than clients keep idle connections (reqwest: 90 s), so a pooled
            // connection is never closed under a request that is just being sent.
            .keep_alive(std::time::Duration::from_secs(120))
            // A worker busy rendering a 40 MB message (bodies are parsed in the handler)
            // reads the next request late; actix would then answer it 408 after its 5 s
            // default. Graph's front ends do not, so neither does its stand-in.
            .client_request_timeout(std::time::Duration::from_secs(60))
            .listen(listener)?
            .shutdown_timeout(2)
            .run(),
    )
}
