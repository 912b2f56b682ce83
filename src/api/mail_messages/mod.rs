//! `mailMessages`: synchronized mail of the mailboxes a caller may see — listing with
//! NocoBase filters, full-text search and record linking by participant address or
//! domain, with fields hidden per the owner's visibility — and the owner's changes
//! (read, star, move, trash), written to the provider first.

mod destroy;
mod get;
mod list;
mod send;
mod update;
mod view;
mod write_through;

use crate::http::{action, post_action};
use actix_web::web;

pub use list::{views_with, visible_query};
pub use view::{Level, MessageView};

pub fn configure(config: &mut web::ServiceConfig) {
    action(config, "mailMessages:list", list::list_mail_messages);
    action(config, "mailMessages:get", get::get_mail_message);
    action(config, "mailMessages:update", update::update_mail_messages);
    action(
        config,
        "mailMessages:destroy",
        destroy::destroy_mail_messages,
    );
    post_action(config, "mailMessages:send", send::send_mail_message);
}
