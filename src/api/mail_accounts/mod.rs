//! `mailAccounts` and `mailOAuth:callback`: each user's connected mailboxes — connecting
//! by OAuth (state and PKCE kept in the database, so any replica can take the callback),
//! reconnecting, settings, sync requests and disconnecting.

mod authorize;
mod callback;
mod destroy;
mod get;
mod list;
mod sync;
mod update;
mod view;

use crate::http::action;
use actix_web::web;

pub use view::AccountView;

pub fn configure(config: &mut web::ServiceConfig) {
    action(
        config,
        "mailAccounts:authorize",
        authorize::authorize_mail_account,
    );
    action(config, "mailAccounts:list", list::list_mail_accounts);
    action(config, "mailAccounts:get", get::get_mail_account);
    action(config, "mailAccounts:update", update::update_mail_account);
    action(config, "mailAccounts:sync", sync::sync_mail_account);
    action(
        config,
        "mailAccounts:destroy",
        destroy::destroy_mail_account,
    );
    // Public: the `state` authenticates it, never a NocoBase token.
    config.route(
        "/api/mailOAuth:callback",
        web::get().to(callback::oauth_callback),
    );
}
