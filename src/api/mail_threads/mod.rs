//! `mailThreads`: conversations — the message filters and `q` pick threads (one matching
//! message is enough), and each thread is summed up over all of its messages.

mod get;
mod list;

use crate::http::action;
use actix_web::web;

pub fn configure(config: &mut web::ServiceConfig) {
    action(config, "mailThreads:list", list::list_mail_threads);
    action(config, "mailThreads:get", get::get_mail_thread);
}
