//! The operator's endpoints (ops.rs): who may read /metrics and that its
//! counters move, request ids, and readiness on a database that takes no
//! writes, on both back-ends.
//!
//! Metrics are per process and this binary runs many apps at once, so a
//! counter is checked to have moved by at least what the test did; the
//! CLI's session test (crates/simm-cli/tests/logs.rs) checks exact counts
//! on a server of its own.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use simm_store::Role;
use simm_web::MetricsToken;
use tower::ServiceExt;

use crate::{Backend, TestApp, spawn_app, spawn_app_on, spawn_app_with};

/// The sum of the series of `name` that carry every one of `labels`.
fn series(metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            let (metric, rest) = key.split_once('{').unwrap_or((key, ""));
            let labelled = labels
                .iter()
                .all(|(label, value)| rest.contains(&format!("{label}=\"{value}\"")));
            (metric == name && labelled).then(|| value.parse::<f64>().unwrap())
        })
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let response = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_the_answers_saved() {
    let app = spawn_app().await;
    let (_, token) = crate::respond::invitation(&app, true).await;
    let item = simm_core::builtin_model().items()[0].id.to_string();
    let route = "/api/v1/r/{token}/answers/{item}";
    let before = scrape(&app).await;
    let mut status = String::new();
    for value in [3, 4] {
        let response = app
            .client()
            .put(app.url(&format!("/api/v1/r/{token}/answers/{item}")))
            .json(&serde_json::json!({ "value": value }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        status = response.status().as_u16().to_string();
    }
    let after = scrape(&app).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        series(&after, name, labels) - series(&before, name, labels)
    };
    let labels = [("method", "PUT"), ("route", route), ("status", &status)];
    for (name, labels, at_least) in [
        ("simm_http_requests_total", &labels[..], 2.0),
        (
            "simm_http_request_duration_seconds_count",
            &labels[..2],
            2.0,
        ),
        ("simm_answers_saved_total", &[][..], 2.0),
        ("simm_answer_batch_size_count", &[][..], 2.0),
        ("simm_answer_commit_seconds_count", &[][..], 2.0),
    ] {
        assert!(
            moved(name, labels) >= at_least,
            "{name} {labels:?} moved by {}, expected at least {at_least}",
            moved(name, labels)
        );
    }
    // Sampled at the scrape: the pool has a connection open at least.
    assert!(series(&after, "simm_db_pool_connections", &[]) >= 1.0);
    assert!(series(&after, "simm_db_pool_max_connections", &[]) >= 1.0);
    assert!(after.contains("simm_http_request_duration_seconds_bucket{"));
    assert!(!after.contains(&token), "a token is in the metrics");
}

#[tokio::test]
async fn metrics_answer_only_loopback_callers_that_no_proxy_forwarded() {
    let app = spawn_app().await;
    let router = simm_web::router(app.state.clone());
    // The router is called as the server calls it, with the peer address
    // a connection would have: a caller on another host, without one.
    for (peer, forwarded, expected) in [
        ([127, 0, 0, 1], None, 200),
        ([127, 0, 0, 9], None, 200),
        ([203, 0, 113, 7], None, 403),
        ([10, 0, 0, 2], None, 403),
        ([127, 0, 0, 1], Some("203.0.113.7"), 403),
    ] {
        let mut request = axum::http::Request::get("/metrics")
            .body(axum::body::Body::empty())
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
        if let Some(forwarded) = forwarded {
            request
                .headers_mut()
                .insert("x-forwarded-for", forwarded.parse().unwrap());
        }
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), expected, "{peer:?} {forwarded:?}");
        if expected == 403 {
            let body = axum::body::to_bytes(response.into_body(), 1 << 16)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(
                body["error"].as_str().unwrap().contains("--metrics-token"),
                "{body}"
            );
        }
    }
    // The same over a real connection: a forwarded request is refused.
    let response = app
        .client()
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Behind a trusted proxy, the forwarded address is the caller's.
    let trusted = simm_web::router({
        let mut config = (*app.state.config).clone();
        config.trust_forwarded_for = true;
        simm_web::AppState::new(app.store.clone(), config)
    });
    let mut request = axum::http::Request::get("/metrics")
        .body(axum::body::Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    request
        .headers_mut()
        .insert("x-forwarded-for", "203.0.113.7".parse().unwrap());
    assert_eq!(trusted.oneshot(request).await.unwrap().status(), 403);
}

#[tokio::test]
async fn with_a_metrics_token_set_every_caller_must_send_it() {
    let secret = "metrics-token-of-the-test-0123";
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.metrics_token = Some(MetricsToken::parse(secret).unwrap());
    })
    .await;
    let api_token = app.api_token(Role::Admin).await;
    for (authorization, expected) in [
        (None, 401),
        (Some(format!("Bearer {secret}x")), 401),
        (Some(format!("Bearer {}", &secret[..secret.len() - 1])), 401),
        (Some(format!("Basic {secret}")), 401),
        (Some(format!("Bearer {api_token}")), 401),
        (Some(format!("Bearer {secret}")), 200),
    ] {
        let mut request = app.client().get(app.url("/metrics"));
        if let Some(authorization) = &authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), expected, "{authorization:?}");
        if expected == 401 {
            assert!(response.headers().contains_key("www-authenticate"));
            let body: serde_json::Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("metrics token"));
        }
    }
    // The token opens it from another host too.
    let mut request = axum::http::Request::get("/metrics")
        .header("authorization", format!("Bearer {secret}"))
        .body(axum::body::Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 7], 40000))));
    let router = simm_web::router(app.state.clone());
    assert_eq!(router.oneshot(request).await.unwrap().status(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let id = |response: &reqwest::Response| {
        response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let client = app.client();
    let first = id(&client.get(app.url("/login")).send().await.unwrap());
    let second = id(&client.get(app.url("/nowhere")).send().await.unwrap());
    assert_eq!(first.len(), 32, "{first}");
    assert_ne!(first, second);
    // A proxy's plain id is kept; anything else is replaced.
    for (sent, kept) in [
        ("edge-7f3a.42", true),
        ("two words", false),
        (&"x".repeat(65)[..], false),
    ] {
        let response = client
            .get(app.url("/healthz"))
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        assert_eq!(id(&response) == sent, kept, "{sent:?}");
    }
}

async fn readiness(app: &TestApp) -> (u16, serde_json::Value) {
    let response = app.client().get(app.url("/readyz")).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/json");
    (status, response.json().await.unwrap())
}

/// Readiness follows whether the database takes a write: on SQLite,
/// another connection holds the write lock past the readiness timeout.
#[tokio::test]
async fn readiness_fails_while_sqlite_cannot_take_a_write() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.readiness_timeout = Duration::from_secs(1);
    })
    .await;
    assert_eq!(
        readiness(&app).await,
        (200, serde_json::json!({ "status": "ready" }))
    );
    assert_eq!(
        app.client()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let other = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
    let lock = other.begin_with("BEGIN IMMEDIATE").await.unwrap();
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 503);
    assert_eq!(
        body["error"],
        "the database did not take a write within 1000 ms"
    );
    // Alive all the same.
    let health = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    lock.rollback().await.unwrap();
    other.close().await;
    assert_eq!(readiness(&app).await.0, 200);
}

/// On PostgreSQL the database turns read-only under the running server,
/// as after a fail-over to a standby: its sessions are ended, and the
/// new ones are read-only.
#[tokio::test]
async fn readiness_fails_while_postgres_is_read_only() {
    let app = spawn_app_on(Backend::Postgres).await;
    assert_eq!(readiness(&app).await.0, 200);
    let admin_url = std::env::var("SIMM_TEST_POSTGRES_URL").unwrap();
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let set = async |setting: &str| {
        sqlx::query(&format!("ALTER DATABASE {name} {setting}"))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&name)
        .execute(&admin)
        .await
        .unwrap();
    };
    set("SET default_transaction_read_only = on").await;
    for _ in 0..2 {
        let (status, body) = readiness(&app).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"], "the database takes no writes");
    }
    set("RESET default_transaction_read_only").await;
    assert_eq!(readiness(&app).await.0, 200);
}
