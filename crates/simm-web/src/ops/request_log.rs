//! Request ids and the span every request is logged in.
//!
//! Each request gets an id, taken from its `X-Request-Id` when a proxy
//! sent a plain one, else made here; the response carries it back, and
//! every log line of the request has it. The span names the route
//! template (`/r/{token}`), never the path, and no header: paths carry
//! invitation tokens, headers API tokens and session cookies, and none of
//! them may reach the logs.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a caller.
const MAX_ID: usize = 64;

/// Gives the request its id and the response the same one.
pub(crate) async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| acceptable(value.as_bytes()))
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&simm_store::new_id()).expect("hex is a valid header value")
        });
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// A caller's id is kept when it is short and plain (letters, digits,
/// `-`, `_`, `.`), so that it cannot forge log lines or grow them.
fn acceptable(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The span of a request: its id, method and route template.
fn span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route)
}

/// Logs every response (status and latency) at info level, in the
/// request's span.
pub(crate) fn trace_layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, fn(&Request) -> tracing::Span> {
    TraceLayer::new_for_http()
        .make_span_with(span as fn(&Request) -> tracing::Span)
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_request_ids_are_taken_from_callers() {
        for (id, taken) in [
            ("0f3a9c2e-1b4d", true),
            ("a.b_c-D9", true),
            ("", false),
            ("with space", false),
            ("line\nbreak", false),
            ("{\"json\":1}", false),
        ] {
            assert_eq!(acceptable(id.as_bytes()), taken, "{id:?}");
        }
        assert!(!acceptable("x".repeat(MAX_ID + 1).as_bytes()));
    }
}
