//! `mailThreads`: conversations — the message filters and `q` pick threads (one matching
//! message is enough), and each thread is summed up over all of its messages.

pub(crate) mod get;
pub(crate) mod list;

use crate::http::Router;

pub fn configure(router: &mut Router) {
    router.action("mailThreads:list", list::list_mail_threads);
    router.action("mailThreads:get", get::get_mail_thread);
}
