//! `mailAttachments`: an attachment's bytes, fetched from the provider on demand (the
//! store keeps only where each one sits in its message).

mod download;

pub(crate) use download::fetch;

use crate::http::action;
use actix_web::web;

pub fn configure(config: &mut web::ServiceConfig) {
    action(
        config,
        "mailAttachments:download",
        download::download_attachment,
    );
}
