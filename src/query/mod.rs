//! The query model: what a listing asks for — a filter tree over declared fields, a sort
//! and a page — apart from how it arrived and how it is answered. `http` parses a request
//! into it (`http::filter`, `QueryParams`); `store` compiles it to diesel. Both import
//! this module; it imports neither (a test in `tests/it/architecture.rs` holds that).
//!
//! Fields and sort keys are enums, so the store's compiler matches every one of them:
//! a field declared here but not compiled there fails the build instead of silently
//! matching nothing.

mod field;
mod filter;
mod page;

pub use field::{FOLDER_FIELDS, Field, FieldKind, MESSAGE_FIELDS};
pub use filter::{Condition, Filter, Operator, Scalar, Value};
pub use page::{MESSAGE_SORTS, Page, SortField, SortKey};
