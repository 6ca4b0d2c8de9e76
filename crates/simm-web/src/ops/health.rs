//! `/healthz` (the process answers) and `/readyz` (it can save answers
//! now), for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use simm_store::StoreError;

use super::NoParameters;
use crate::AppState;

pub(super) async fn healthz(_: NoParameters) -> &'static str {
    "ok"
}

/// Ready when the database takes a write within the configured time, so
/// that a balancer stops sending respondents to an instance that could
/// not save their answers (a read-only or full disk, a standby, a lock
/// held too long). The body says why not; the log has the details.
pub(super) async fn readyz(State(state): State<AppState>, _: NoParameters) -> Response {
    let limit = state.config.readiness_timeout;
    let reason = match tokio::time::timeout(limit, state.store.check_writable()).await {
        Ok(Ok(())) => return Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(Err(StoreError::DiskFull)) => "the database disk is full".to_owned(),
        Ok(Err(error)) => {
            let error = format!("{:#}", anyhow::Error::new(error));
            tracing::error!(error = %error, "not ready: the database takes no writes");
            "the database takes no writes".to_owned()
        }
        Err(_) => format!(
            "the database did not take a write within {} ms",
            limit.as_millis()
        ),
    };
    tracing::warn!(reason = %reason, "not ready");
    super::refuse(StatusCode::SERVICE_UNAVAILABLE, &reason)
}
