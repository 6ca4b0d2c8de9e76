//! The web layer's one error type.
//!
//! Client errors carry a message for the user; internal errors are logged
//! with their cause chain and shown only as "something went wrong". Errors
//! render as JSON `{"error": "…"}`; [`error_bodies`] gives the router's and
//! the extractors' own refusals the same shape under `/api/`, and on pages
//! turns errors into an HTML page with the same message.

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use simm_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// The request is malformed or its content invalid.
    BadRequest(String),
    /// No credentials, or credentials that do not hold.
    Unauthorized(String),
    /// Signed in, but the role may not do this.
    Forbidden(String),
    /// Missing, or another tenant's: both look the same.
    NotFound,
    /// The state of the object forbids the request (closed, submitted…).
    Conflict(String),
    /// The request body is larger than the server accepts.
    PayloadTooLarge(String),
    TooManyRequests(String),
    /// The server cannot take the request for now, through no fault of
    /// the request (a full disk): the same request succeeds later.
    Unavailable(String),
    Internal(anyhow::Error),
}

/// What a user sees while the database disk is full.
pub const DISK_FULL: &str = "the database disk is full; nothing was saved, try again later";

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::BadRequest(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::Conflict(message.into())
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(error.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> String {
        match self {
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::Conflict(m)
            | AppError::PayloadTooLarge(m)
            | AppError::TooManyRequests(m)
            | AppError::Unavailable(m) => m.clone(),
            AppError::NotFound => "not found".to_owned(),
            AppError::Internal(_) => {
                "something went wrong on our side; it has been logged".to_owned()
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::Conflict(message) => AppError::Conflict(message),
            StoreError::DiskFull => AppError::Unavailable(DISK_FULL.to_owned()),
            other => AppError::Internal(other.into()),
        }
    }
}

/// The message of an error response, kept so that page routes can render
/// it as HTML.
#[derive(Clone)]
pub struct ErrorMessage(pub String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
            }
            // The operator has to act: say so on every refused request.
            AppError::Unavailable(message) => {
                tracing::error!(reason = %message, "service unavailable")
            }
            _ => {}
        }
        let message = self.message();
        let mut response =
            (self.status(), Json(serde_json::json!({ "error": message }))).into_response();
        response.extensions_mut().insert(ErrorMessage(message));
        response
    }
}

/// The message of the 413 for a request body above `limit` bytes.
pub fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "the request body is larger than the limit of {limit} bytes"
    ))
}

/// Gives every error response its body: JSON `{"error": "…"}` under
/// `/api/`, an HTML page elsewhere. Handlers' errors carry their message
/// already; the router's own answers (no route, wrong method), the body
/// limit's 413 and the extractors' rejections come as plain text or empty,
/// and are rewritten here so that API clients can rely on one error shape.
pub async fn error_bodies(
    axum::extract::State(body_limit): axum::extract::State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let response = next.run(request).await;
    if path.starts_with("/api/") {
        json_error_body(response, &method, &path, body_limit).await
    } else {
        html_error_page(response)
    }
}

/// The longest plain-text rejection message kept.
const MAX_REJECTION_BYTES: usize = 4096;

async fn json_error_body(
    response: Response,
    method: &axum::http::Method,
    path: &str,
    body_limit: usize,
) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REJECTION_BYTES)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .map(|text| text.trim().to_owned())
        .unwrap_or_default();
    let message = match status {
        StatusCode::NOT_FOUND if text.is_empty() => {
            format!("no API route matches {path}; GET /api/v1/openapi.json lists them")
        }
        // The method router adds `Allow` outside this layer.
        StatusCode::METHOD_NOT_ALLOWED => {
            format!(
                "{method} is not allowed on {path}; the Allow header lists the methods it takes"
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => too_large(body_limit).message(),
        _ if text.is_empty() => status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_lowercase(),
        _ => text,
    };
    // The body changes, so its length does; every other header (Allow,
    // WWW-Authenticate, the security headers) stays.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    let body = serde_json::json!({ "error": message }).to_string();
    let mut response = Response::from_parts(parts, axum::body::Body::from(body));
    response.extensions_mut().insert(ErrorMessage(message));
    response
}

/// Renders error responses of page routes (everything outside `/api/`) as
/// HTML, with the message the error carried.
fn html_error_page(response: Response) -> Response {
    let status = response.status();
    let Some(ErrorMessage(message)) = response.extensions().get::<ErrorMessage>().cloned() else {
        return response;
    };
    if status == StatusCode::UNAUTHORIZED {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    }
    let page = error_page(status, &message);
    (status, Html(page)).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    not_found: bool,
}

/// The HTML page for an error response of a page route.
fn error_page(status: StatusCode, message: &str) -> String {
    let title = status.canonical_reason().unwrap_or("Error");
    ErrorPage {
        title,
        message,
        not_found: status == StatusCode::NOT_FOUND,
    }
    .render()
    .unwrap_or_else(|_| message.to_owned())
}
