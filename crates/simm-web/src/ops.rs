//! What a self-hosting operator needs of the server: liveness and
//! readiness probes (`health`), Prometheus metrics with their access rule
//! (`metrics`), and request ids and the span every request is logged in
//! (`request_log`).

mod health;
pub(crate) mod metrics;
pub(crate) mod request_log;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::extract::{ApiQuery, NoQuery};
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

/// An error of an operator's route, as JSON. Built here rather than as an
/// `AppError`: outside /api/ the error layer turns those into an HTML page
/// or a redirect to the sign-in page, and probes and scrapers read JSON.
pub(crate) fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// The query of an operator's route, which takes no parameter: a
/// misspelt one is refused, as on every API route.
pub(crate) struct NoParameters;

impl<S: Send + Sync> FromRequestParts<S> for NoParameters {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match ApiQuery::<NoQuery>::from_request_parts(parts, state).await {
            Ok(_) => Ok(NoParameters),
            Err(error) => Err(refuse(error.status(), &error.message())),
        }
    }
}
