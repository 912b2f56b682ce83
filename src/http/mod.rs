//! HTTP: the NocoBase-style `resource:action` routes, envelopes and error bodies, query
//! and `filter` parsing, body limits, CORS, request ids and health endpoints.
//!
//! Handlers live with their resources under `api/`; this folder owns what every one of
//! them shares.

mod body;
mod cors;
mod envelope;
mod error;
pub mod fields;
pub mod filter;
pub(crate) mod health;
mod middleware;
mod params;
mod routes;

pub use body::{BodyLimit, Values, content_type, declared_length, read_values};
pub use cors::cors;
pub use envelope::{Data, ListPage, rfc3339};
pub use error::ApiError;
pub use health::{healthz, readyz};
pub use middleware::{NewToken, RequestId, request_context};
pub use params::QueryParams;
pub use routes::{Router, Served, not_found};
