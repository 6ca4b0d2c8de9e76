//! The web layer's one error type.
//!
//! Client errors carry a message for the user; internal errors are logged
//! with their cause chain and shown only as "something went wrong". Errors
//! render as JSON `{"error": "…"}`; on pages, [`html_error_pages`] turns
//! them into an HTML page with the same message.

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

/// Renders error responses of page routes (everything outside `/api/`) as
/// HTML, with the message the error carried.
pub async fn html_error_pages(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if is_api {
        return response;
    }
    let status = response.status();
    let Some(ErrorMessage(message)) = response.extensions().get::<ErrorMessage>().cloned() else {
        return response;
    };
    if status == StatusCode::UNAUTHORIZED {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    }
    let page = crate::console::error_page(status, &message);
    (status, Html(page)).into_response()
}
