//! The NocoBase `filter` parameter, parsed into the query model's typed tree
//! ([`crate::query::Filter`]).
//!
//! Every list endpoint declares its fields ([`crate::query::Field`]); the parser accepts
//! only those fields and the operators that fit each field's kind, and types every value,
//! so the store compiles the tree to diesel without ever building SQL from strings.
//! Anything else is an error naming the place in the filter, which the API answers with
//! 400 `INVALID_FILTER` instead of a silent empty result.

mod parse;

pub use parse::{FilterError, parse_filter};
