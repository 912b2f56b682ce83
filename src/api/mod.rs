//! API: one handler per `resource:action`, grouped by resource, each with its request
//! and response types beside it. Handlers check permission, validate, make one store or
//! provider call, and shape the answer; the SQL lives in `store/`.

mod account_filter;
pub mod docs_page;
pub mod mail_accounts;
pub mod mail_activity;
pub mod mail_attachments;
pub mod mail_campaigns;
pub mod mail_drafts;
pub mod mail_events;
pub mod mail_folders;
pub mod mail_labels;
pub mod mail_messages;
pub mod mail_notes;
pub mod mail_opt_outs;
pub mod mail_outbox;
pub mod mail_providers;
pub mod mail_signatures;
pub mod mail_templates;
pub mod mail_threads;
pub mod mail_trusted_senders;
pub mod mail_webhooks;
pub mod message_reads;
pub mod openapi;
pub(crate) mod provider_failure;

use crate::http::{self, Router, Served};
use actix_web::web;

/// Registers every route the service answers (operations and resources) and returns
/// them as registered.
pub fn configure(config: &mut web::ServiceConfig) -> Vec<Served> {
    let mut router = Router::new(config);
    router.get("/healthz", http::healthz);
    router.get("/readyz", http::readyz);
    router.get("/metrics", crate::metrics::metrics_endpoint);
    router.get("/api/openapi.json", openapi::openapi_json);
    mail_providers::configure(&mut router);
    mail_accounts::configure(&mut router);
    mail_folders::configure(&mut router);
    mail_messages::configure(&mut router);
    mail_outbox::configure(&mut router);
    mail_attachments::configure(&mut router);
    mail_threads::configure(&mut router);
    mail_labels::configure(&mut router);
    mail_notes::configure(&mut router);
    mail_drafts::configure(&mut router);
    mail_signatures::configure(&mut router);
    mail_templates::configure(&mut router);
    mail_campaigns::configure(&mut router);
    mail_opt_outs::configure(&mut router);
    mail_trusted_senders::configure(&mut router);
    mail_webhooks::configure(&mut router);
    mail_events::configure(&mut router);
    mail_activity::configure(&mut router);
    router.into_served()
}

/// The routes [`configure`] registers, without starting a server.
pub fn served_routes() -> Vec<Served> {
    let mut served = Vec::new();
    let _app = actix_web::App::new().configure(|config| served = configure(config));
    served
}
