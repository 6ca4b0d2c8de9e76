//! Static assets, compiled into the binary: nothing loads from elsewhere.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::routes::{Route, route};
use crate::{AppError, AppState};

/// (name, content type, bytes) of every asset.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "simm.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/simm.css"),
    ),
    (
        "journey.css",
        "text/css; charset=utf-8",
        simm_report::JOURNEY_CSS.as_bytes(),
    ),
    (
        "respond.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/respond.js"),
    ),
];

pub const ROUTES: &[Route] = &[route!(GET "/assets/{name}" => asset)];

pub fn router() -> Router<AppState> {
    crate::routes::router(ROUTES)
}

async fn asset(Path(name): Path<String>) -> Result<Response, AppError> {
    let (_, content_type, bytes) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or(AppError::NotFound)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}
