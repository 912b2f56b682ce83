//! `mailProviders`: the OAuth apps the admin registered at Google and Microsoft.
//! Admin only. The client secret is write-only and sealed at rest.

pub(crate) mod get;
pub(crate) mod list;
pub(crate) mod test;
pub(crate) mod update;
mod view;

use crate::http::Router;

pub use view::ProviderView;

/// Registers `mailProviders:list|get|update|test`.
pub fn configure(router: &mut Router) {
    router.action("mailProviders:list", list::list_mail_providers);
    router.action("mailProviders:get", get::get_mail_provider);
    router.action("mailProviders:update", update::update_mail_provider);
    router.action("mailProviders:test", test::test_mail_provider);
}
