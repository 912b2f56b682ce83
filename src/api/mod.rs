//! API: one handler per `resource:action`, grouped by resource, each with its request
//! and response types beside it. Handlers check permission, validate, make one store or
//! provider call, and shape the answer; the SQL lives in `store/`.

pub mod mail_accounts;
pub mod mail_attachments;
pub mod mail_folders;
pub mod mail_messages;
pub mod mail_outbox;
pub mod mail_providers;
pub mod mail_threads;
pub(crate) mod provider_failure;

use actix_web::web;

/// Registers every resource's actions.
pub fn configure(config: &mut web::ServiceConfig) {
    mail_providers::configure(config);
    mail_accounts::configure(config);
    mail_folders::configure(config);
    mail_messages::configure(config);
    mail_outbox::configure(config);
    mail_attachments::configure(config);
    mail_threads::configure(config);
}
