//! `mailProviders`: the OAuth apps the admin registered at Google and Microsoft.
//! Admin only. The client secret is write-only and sealed at rest.

mod get;
mod list;
mod test;
mod update;
mod view;

use crate::http::action;
use actix_web::web;

pub use view::ProviderView;

/// Registers `mailProviders:list|get|update|test`.
pub fn configure(config: &mut web::ServiceConfig) {
    action(config, "mailProviders:list", list::list_mail_providers);
    action(config, "mailProviders:get", get::get_mail_provider);
    action(config, "mailProviders:update", update::update_mail_provider);
    action(config, "mailProviders:test", test::test_mail_provider);
}
