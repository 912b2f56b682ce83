//! `mailAccounts` and `mailOAuth:callback`: each user's connected mailboxes — connecting
//! by OAuth (state and PKCE kept in the database, so any replica can take the callback;
//! a binding cookie, so only the browser that started a connect can finish it),
//! reconnecting, settings, sync requests and disconnecting; and any other mailbox by its
//! IMAP and SMTP servers and a password (`test`, `connect`).

pub(crate) mod authorize;
pub(crate) mod callback;
pub(crate) mod destroy;
pub(crate) mod disconnect_user;
pub(crate) mod get;
pub(crate) mod imap_connect;
mod imap_values;
pub(crate) mod list;
mod other_browser;
pub(crate) mod sync;
pub(crate) mod update;
mod view;

use crate::http::Router;

pub use update::role_names;
pub use view::AccountView;

pub fn configure(router: &mut Router) {
    router.action("mailAccounts:authorize", authorize::authorize_mail_account);
    router.action("mailAccounts:test", imap_connect::test_mail_account);
    router.action("mailAccounts:connect", imap_connect::connect_mail_account);
    router.action("mailAccounts:list", list::list_mail_accounts);
    router.action("mailAccounts:get", get::get_mail_account);
    router.action("mailAccounts:update", update::update_mail_account);
    router.action("mailAccounts:sync", sync::sync_mail_account);
    router.action("mailAccounts:destroy", destroy::destroy_mail_account);
    router.action(
        "mailAccounts:disconnectUser",
        disconnect_user::disconnect_user,
    );
    // Public: the `state` authenticates it, never a NocoBase token.
    router.get("/api/mailOAuth:callback", callback::oauth_callback);
}
