//! The extractors of the JSON APIs' requests, and the fields whose JSON
//! needs care: every rejection is a 400 (or 413) `AppError` that names the
//! problem, so that the consultant's, the steward's and the respondent's
//! API answer bad requests alike.

pub mod fields;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::{AppError, AppState};

/// A JSON request body whose every rejection (missing or wrong content
/// type, malformed JSON, a field of the wrong type, an unknown field) is a
/// 400 with the parser's message, which names the field and position; a
/// body above the limit is a 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection, state)),
        }
    }
}

/// The API's answer to a JSON body axum could not take.
pub fn json_rejection(rejection: JsonRejection, state: &AppState) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        crate::error::too_large(state.config.body_limit)
    } else {
        AppError::BadRequest(rejection.body_text())
    }
}

/// A query string, refused with a 400 naming the problem. Query DTOs
/// refuse unknown parameters (`deny_unknown_fields`), so that a misspelt
/// one is not silently ignored; routes that take none extract
/// `ApiQuery<NoQuery>`.
pub struct ApiQuery<T>(pub T);

/// The query of a route that takes no parameter: any is refused.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}
