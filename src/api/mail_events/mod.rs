//! `mailEvents`: live updates for the caller's pages (server-sent events).

pub(crate) mod stream;

use crate::http::Router;

pub fn configure(router: &mut Router) {
    router.get("/api/mailEvents:stream", stream::stream_mail_events);
}
