//! Reading messages as a caller may see them, shared by `mailMessages` and `mailThreads`:
//! the visible query a list asks for (`query.rs`), the rows shown at each mailbox's
//! visibility level (`views.rs`), and the message's shape in answers (`view.rs`). The
//! levels themselves are `crate::visibility`'s, answered by the store.

mod query;
mod view;
mod views;

pub use query::{list_slot, visible_query};
pub use view::MessageView;
pub use views::{load_views, views_with};
