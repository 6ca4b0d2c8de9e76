//! `GET /metrics` in Prometheus' text format: requests by route template
//! and status with their latency, the store's answer writer (answers
//! saved, batch sizes, commit time) and the database pool, sampled at
//! scrape time.
//!
//! Only callers the configuration allows may read it: with no token set,
//! loopback callers whose request no proxy forwarded; with a token set,
//! callers that send it as a bearer token, wherever they are.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::AppState;

const REQUESTS: &str = "simm_http_requests_total";
const REQUEST_SECONDS: &str = "simm_http_request_duration_seconds";
const POOL_CONNECTIONS: &str = "simm_db_pool_connections";
const POOL_MAX: &str = "simm_db_pool_max_connections";

/// Latency buckets: from a cached page to a slow calibration.
const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Answers per group commit, up to the writer's largest batch (1024).
const BATCH_SIZES: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];
/// How often histograms are folded and idle series dropped; the exporter
/// leaves this to its caller when it serves no HTTP itself.
const UPKEEP: Duration = Duration::from_secs(5);

/// A bearer token for `/metrics`, kept out of `Debug` output.
#[derive(Clone)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// Long enough not to be guessed; visible ASCII, as a header needs.
    pub fn parse(token: &str) -> Result<MetricsToken, String> {
        if token.len() < 16 {
            return Err(format!(
                "the metrics token is {} characters long; it needs at least 16 (e.g. 32 random hex digits)",
                token.len()
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "the metrics token may hold only visible ASCII characters, no spaces".to_owned(),
            );
        }
        Ok(MetricsToken(token.to_owned()))
    }

    fn matches(&self, offered: &str) -> bool {
        self.0.as_bytes().ct_eq(offered.as_bytes()).into()
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder once: metrics are per process, as
/// Prometheus scrapes them.
pub(crate) fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(simm_store::telemetry::ANSWER_BATCH_SIZE.into()),
                    BATCH_SIZES,
                )
            })
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows none of simm's");
        }
        describe();
        let upkeep = handle.clone();
        let started = std::thread::Builder::new()
            .name("simm-metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP);
                    upkeep.run_upkeep();
                }
            });
        if let Err(error) = started {
            tracing::warn!(error = %error, "cannot start the metrics upkeep thread");
        }
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "Requests answered, by method, route template and status"
    );
    metrics::describe_histogram!(
        REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "Time to answer a request, by method and route template"
    );
    metrics::describe_gauge!(
        POOL_CONNECTIONS,
        "Database connections of the pool by state (idle, in_use), at scrape time"
    );
    metrics::describe_gauge!(POOL_MAX, "The most connections the database pool opens");
    simm_store::telemetry::describe_metrics();
}

pub(super) async fn scrape(
    State(state): State<AppState>,
    _: super::NoParameters,
    parts: Parts,
) -> Response {
    if let Some(refused) = refusal(&state, &parts) {
        return refused;
    }
    let pool = state.store.pool_use();
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!(POOL_MAX).set(f64::from(pool.max));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        install().render(),
    )
        .into_response()
}

/// The answer to a caller that may not read the metrics, if it may not.
fn refusal(state: &AppState, parts: &Parts) -> Option<Response> {
    let refuse = |status: StatusCode, message: &str| {
        let mut response = super::refuse(status, message);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"metrics\""),
            );
        }
        response
    };
    match &state.config.metrics_token {
        Some(token) => {
            let offered = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "));
            match offered {
                Some(offered) if token.matches(offered) => None,
                _ => Some(refuse(
                    StatusCode::UNAUTHORIZED,
                    "/metrics needs the metrics token as Authorization: Bearer <token>",
                )),
            }
        }
        None => {
            // A request a proxy forwarded comes from elsewhere, even when
            // the proxy runs on this host.
            let forwarded = parts.headers.contains_key("x-forwarded-for")
                || parts.headers.contains_key(header::FORWARDED);
            let ip = crate::auth::client_ip(parts, state.config.trust_forwarded_for);
            if !forwarded && ip.is_some_and(|ip| ip.to_canonical().is_loopback()) {
                None
            } else {
                Some(refuse(
                    StatusCode::FORBIDDEN,
                    "/metrics answers only loopback callers; set a metrics token (--metrics-token) to scrape it from elsewhere",
                ))
            }
        }
    }
}

/// Counts every request by method, route template and status, and times
/// it. The template (`/r/{token}`), never the path: a path can hold an
/// invitation token, and paths are unbounded in number.
pub(crate) async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    metrics::counter!(
        REQUESTS,
        "method" => method,
        "route" => route.clone(),
        "status" => response.status().as_u16().to_string()
    )
    .increment(1);
    metrics::histogram!(REQUEST_SECONDS, "method" => method, "route" => route).record(elapsed);
    response
}

/// The method as a label; any other than the standard ones is `other`, so
/// that a client cannot make up series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_tokens_are_long_visible_and_kept_out_of_debug_output() {
        assert!(MetricsToken::parse("short").is_err());
        assert!(MetricsToken::parse("sixteen chars  x").is_err());
        let token = MetricsToken::parse("0123456789abcdef0123").unwrap();
        assert!(token.matches("0123456789abcdef0123"));
        assert!(!token.matches("0123456789abcdef012"));
        assert!(!format!("{token:?}").contains("0123"));
    }
}
