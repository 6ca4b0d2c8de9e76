//! What a self-hosting operator needs of the server: liveness and
//! readiness probes (`health`), Prometheus metrics with their access rule
//! (`metrics`), and request ids and the span every request is logged in
//! (`request_log`).

mod health;
pub(crate) mod metrics;
pub(crate) mod request_log;

use axum::Router;

use crate::AppState;

pub use metrics::MetricsToken;

/// The routes of this module, as `openapi.json` documents them (method,
/// path); the document's completeness test adds them to the API's.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const ROUTES: &[(&str, &str)] =
    &[("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics")];

pub fn router() -> Router<AppState> {
    // The recorder must be in place before the first request counts.
    metrics::install();
    Router::new()
        .merge(health::router())
        .merge(metrics::router())
}
