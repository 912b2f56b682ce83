//! `mailDrafts`: drafts that live at the provider (Gmail `drafts.*`; Graph messages with
//! `isDraft`), so a draft started here opens in Gmail or Outlook and one started there
//! opens here. A draft's id is `<accountId>:<providerDraftId>`. Every save says which
//! version it replaces: one changed elsewhere since is `409 DRAFT_CHANGED`, never
//! overwritten. Values are `mailMessages:send`'s; a draft may lack recipients or still
//! hold template variables, which `send` refuses.

mod handlers;
mod provider;
mod view;

pub use handlers::*;

use crate::http::Router;

pub fn configure(router: &mut Router) {
    router.action("mailDrafts:list", list_drafts);
    router.action("mailDrafts:get", get_draft);
    router.action("mailDrafts:create", create_draft);
    router.action("mailDrafts:update", update_draft);
    router.action("mailDrafts:destroy", destroy_draft);
    router.action("mailDrafts:send", send_draft);
}
