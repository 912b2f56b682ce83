//! The NocoBase `filter` parameter, parsed into a typed tree.
//!
//! Every list endpoint declares its fields ([`FieldSpec`]); the parser accepts only those
//! fields and the operators that fit each field's kind, and types every value, so the
//! store compiles the tree to diesel without ever building SQL from strings. Anything
//! else is an error naming the place in the filter, which the API answers with
//! 400 `INVALID_FILTER` instead of a silent empty result.

mod fields;
mod parse;
mod tree;

pub use fields::MESSAGE_FIELDS;
pub use parse::{FilterError, parse_filter};
pub use tree::{Condition, FieldKind, FieldSpec, Filter, Operator, Scalar, Value};
