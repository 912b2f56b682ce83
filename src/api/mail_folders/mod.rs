//! `mailFolders`: the folders (Graph) and labels (Gmail) of the mailboxes a caller may see.

pub(crate) mod list;

use crate::http::Router;

pub fn configure(router: &mut Router) {
    router.action("mailFolders:list", list::list_mail_folders);
}
