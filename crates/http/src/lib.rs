//! The actix-web adapter: every API surface, the back office, health, and the OpenAPI document.
//! Handlers translate between HTTP and the domain's use cases; they never talk SQL.

mod admin;
mod admin_auth;
mod app;
mod bearer;
mod body;
mod client_address;
mod domain_errors;
mod export_document;
mod fields;
mod health;
pub mod import_file;
mod metrics;
mod openapi;
mod openapi_conventions;
mod openapi_links;
mod openapi_responses;
mod openapi_values;
mod pages;
mod preconditions;
mod problem;
mod problem_details;
mod rate_limit;
mod render;
mod request_context;
mod request_log;
mod routing;
mod state;
mod surfaces;
mod tenant_header;
mod timing;

pub use app::app;
pub use client_address::{ForwardedHeader, TrustedProxies};
pub use metrics::{exposition as metrics_exposition, MetricsText, CONTENT_TYPE as METRICS_CONTENT_TYPE};
pub use openapi::ApiDoc;
pub use problem::Problem;
pub use rate_limit::{KeyLimits, RateLimits};
pub use request_context::CurrentRequest;
pub use state::AppState;
