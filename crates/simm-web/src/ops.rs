//! What a self-hosting operator needs of the server: liveness and
//! readiness probes (`health`), Prometheus metrics with their access rule
//! (`metrics`), and request ids and the span every request is logged in
//! (`request_log`).

mod health;
pub(crate) mod metrics;
pub(crate) mod request_log;

use axum::Router;

use crate::AppState;
use crate::routes::{Route, route};

pub use metrics::MetricsToken;

pub(crate) const ROUTES: &[Route] = &[
    // Also the benchmark's trivial-endpoint baseline: it touches nothing.
    route!(GET "/healthz" => health::healthz),
    route!(GET "/readyz" => health::readyz),
    route!(GET "/metrics" => metrics::scrape),
];

pub fn router() -> Router<AppState> {
    // The recorder must be in place before the first request counts.
    metrics::install();
    crate::routes::router(ROUTES)
}
