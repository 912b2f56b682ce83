//! `mailAttachments`: an attachment's bytes, fetched from the provider on demand (the
//! store keeps only where each one sits in its message).

pub(crate) mod download;

pub(crate) use download::fetch;

use crate::http::Router;

pub fn configure(router: &mut Router) {
    router.action("mailAttachments:download", download::download_attachment);
}
