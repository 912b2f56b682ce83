//! `mailMessages`: synchronized mail of the mailboxes a caller may see — listing with
//! NocoBase filters, full-text search and record linking by participant address or
//! domain, with fields hidden per the owner's visibility — and the owner's changes
//! (read, star, move, trash), written to the provider first.

pub(crate) mod destroy;
pub(crate) mod get;
pub(crate) mod list;
mod pending_files;
pub(crate) mod prepare_reply;
pub(crate) mod raw;
pub(crate) mod send;
pub(crate) mod update;
mod whole_bodies;
mod write_through;

use crate::http::Router;

pub fn configure(router: &mut Router) {
    router.action("mailMessages:list", list::list_mail_messages);
    router.action("mailMessages:get", get::get_mail_message);
    router.action("mailMessages:update", update::update_mail_messages);
    router.action("mailMessages:destroy", destroy::destroy_mail_messages);
    router.action("mailMessages:prepareReply", prepare_reply::prepare_reply);
    router.action("mailMessages:raw", raw::raw_mail_message);
    router.post_action("mailMessages:send", send::send_mail_message);
}
