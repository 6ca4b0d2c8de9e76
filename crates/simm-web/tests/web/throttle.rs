//! Tests of sign-in throttling: what it stores, how long it keeps it, and
//! whom it refuses.

use reqwest::StatusCode;
use simm_store::Role;

use crate::{Backend, TestApp, spawn_app, spawn_app_with};

/// The keys of the throttle table, read from the database itself.
async fn throttle_keys(app: &TestApp) -> Vec<String> {
    let query = "SELECT key FROM throttle ORDER BY key";
    match app.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
            sqlx::query_scalar(query).fetch_all(&pool).await.unwrap()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
            sqlx::query_scalar(query).fetch_all(&pool).await.unwrap()
        }
    }
}

async fn insert_throttle_row(app: &TestApp, key: &str, window_start: i64) {
    let query = "INSERT INTO throttle (key, failures, window_start) VALUES ($1, 3, $2)";
    match app.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
            sqlx::query(query)
                .bind(key)
                .bind(window_start)
                .execute(&pool)
                .await
                .unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
            sqlx::query(query)
                .bind(key)
                .bind(window_start)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
}

/// Signs in from `address` (sent as X-Forwarded-For, which the app trusts
/// where a test says so); returns the status and the page.
async fn sign_in(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
) -> (StatusCode, String) {
    let response = app
        .client()
        .post(app.url("/login"))
        .header("x-forwarded-for", address)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn sign_ins_cannot_grow_the_throttle_table_with_what_they_send() {
    let app = spawn_app().await;
    // Far too long to be an email: refused before anything is written.
    for number in 0..60 {
        let email = format!("{number}{}@example.com", "x".repeat(500_000));
        let (status, page) = sign_in(&app, "127.0.0.1", &email, "wrong").await;
        assert_eq!(status, 400);
        assert!(
            page.contains("the email is too long: an email address has at most 254 bytes"),
            "{page}"
        );
        assert!(page.len() < 100_000, "the email is sent back");
    }
    let (status, page) = sign_in(&app, "127.0.0.1", "ana@example.com", &"p".repeat(1025)).await;
    assert_eq!(status, 400);
    assert!(page.contains("the password is too long"), "{page}");
    assert_eq!(throttle_keys(&app).await, Vec::<String>::new());

    // Emails of the longest size accepted are counted under a hash of
    // fixed size, and an address stops adding rows at its limit (50 here).
    let emails: Vec<String> = (0..60)
        .map(|number| format!("{number:02}{}@example.com", "y".repeat(240)))
        .collect();
    for email in &emails {
        assert_eq!(email.len(), 254);
        let (status, _) = sign_in(&app, "127.0.0.1", email, "wrong").await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&status),
            "{status}"
        );
    }
    let keys = throttle_keys(&app).await;
    assert!(keys.len() <= 2 * 50 + 1, "{} rows", keys.len());
    for key in &keys {
        assert_eq!(key.len(), 64, "{key}");
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    }
}

#[tokio::test]
async fn expired_throttle_rows_are_purged() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app_with(backend, |_| {}).await;
        let window = app.state.config.throttle_window.as_secs() as i64;
        insert_throttle_row(&app, "expired", now() - 2 * window).await;
        insert_throttle_row(&app, "current", now()).await;
        let (status, _) = sign_in(&app, "127.0.0.1", "nobody@example.com", "wrong").await;
        assert_eq!(status, 401);
        let keys = throttle_keys(&app).await;
        assert!(!keys.contains(&"expired".to_owned()), "{keys:?}");
        assert!(keys.contains(&"current".to_owned()), "{keys:?}");
    }
}

#[tokio::test]
async fn failures_are_throttled_per_account_and_address_then_per_account_then_per_address() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.trust_forwarded_for = true;
        config.login_attempts = 3;
        config.login_attempts_per_account = 6;
        config.login_attempts_per_address = 30;
    })
    .await;
    let office = "203.0.113.7";
    let (ana, password) = app.add_user(Role::Consultant).await;
    let (bea, _) = app.add_user(Role::Viewer).await;

    // Ana mistypes her password too often in the office: she is refused
    // there, even with the right one, but not at home.
    for _ in 0..3 {
        assert_eq!(sign_in(&app, office, &ana, "wrong").await.0, 401);
    }
    let (status, page) = sign_in(&app, office, &ana, &password).await;
    assert_eq!(status, 429);
    assert!(page.contains("too many failed sign-ins"), "{page}");
    assert_eq!(sign_in(&app, "198.51.100.1", &ana, &password).await.0, 303);

    // Colleagues behind the same address mistype theirs too: 18 failures
    // from the office lock no one else out.
    for _ in 0..5 {
        let (email, _) = app.add_user(Role::Viewer).await;
        for _ in 0..3 {
            assert_eq!(sign_in(&app, office, &email, "wrong").await.0, 401);
        }
    }
    assert_eq!(
        sign_in(&app, office, &bea, "correct horse battery staple")
            .await
            .0,
        303
    );

    // Guessing one account from many addresses stops at the account's
    // limit, even from a new address.
    for address in ["192.0.2.1", "192.0.2.2"] {
        for _ in 0..3 {
            assert_eq!(sign_in(&app, address, &bea, "wrong").await.0, 401);
        }
    }
    assert_eq!(sign_in(&app, "192.0.2.3", &bea, "wrong").await.0, 429);

    // Trying a password on many accounts from one address stops at the
    // address's limit: 18 failures so far, 12 more reach 30.
    for number in 0..12 {
        let email = format!("sprayed{number}@example.com");
        assert_eq!(sign_in(&app, office, &email, "Summer2026!").await.0, 401);
    }
    let (cem, password) = app.add_user(Role::Viewer).await;
    let (status, _) = sign_in(&app, office, &cem, &password).await;
    assert_eq!(status, 429, "the office's address is over its limit");
}
