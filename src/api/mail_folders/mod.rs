//! `mailFolders`: the folders (Graph) and labels (Gmail) of the mailboxes a caller may see.

mod list;

use crate::http::action;
use actix_web::web;

pub fn configure(config: &mut web::ServiceConfig) {
    action(config, "mailFolders:list", list::list_mail_folders);
}
