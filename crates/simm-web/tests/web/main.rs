//! Integration tests of the web platform: one test binary, each test with
//! its own server on port 0 and a fresh database.

mod access;
mod actions;
mod actions_pages;
mod adversary;
mod api;
mod browser;
mod campaigns;
mod console;
mod deadlines;
mod disk_full;
mod journey;
mod ops;
mod pdf;
mod privacy;
mod respond;
mod results_view;
mod steward;
mod throttle;
mod uploads;
mod workbook;

#[path = "../../../simm-store/tests/support/postgres_database.rs"]
mod postgres_database;
pub use postgres_database::TestDatabase;
#[path = "../../../simm-store/tests/support/database_bytes.rs"]
mod database_bytes;
pub use database_bytes::database_bytes;
#[path = "../../../simm-mail/tests/support/mail_sink.rs"]
mod mail_sink;
pub use mail_sink::MailSink;

use std::time::Duration;

use simm_store::{Role, Store, new_id};
use simm_web::{AppState, Config};

pub struct TestApp {
    /// e.g. http://127.0.0.1:41234
    pub address: String,
    pub store: Store,
    /// The database the store runs on, for tests that look at its tables.
    pub backend: Backend,
    pub database_url: String,
    /// The PostgreSQL database made for the test, dropped with the app.
    pub database: Option<TestDatabase>,
    pub state: AppState,
    /// The id of the built-in model's stored version.
    pub builtin_model_version: String,
}

/// Which database a test app runs on.
#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on(Backend::Sqlite).await
}

pub async fn spawn_app_on(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A test app whose configuration `configure` changes from the default
/// one of the tests.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
    let (url, database) = match backend {
        Backend::Sqlite => {
            let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-tests");
            std::fs::create_dir_all(&folder).unwrap();
            let path = folder.join(format!("{}.db", new_id()));
            (format!("sqlite://{}", path.display()), None)
        }
        Backend::Postgres => {
            let database = TestDatabase::create().await;
            (database.url().to_owned(), Some(database))
        }
    };
    let store = Store::connect(&url).await.unwrap();
    let mut app = serve_app(store, backend, url, configure).await;
    app.database = database;
    app
}

/// A test app on a store the test connected itself, to the database at
/// `database_url` on `backend`.
pub async fn serve_app(
    store: Store,
    backend: Backend,
    database_url: String,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let builtin = simm_web::import_builtin_model(&store).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let mut config = Config::new(address.clone());
    // Tests sign in many times from one address.
    config.login_attempts = 5;
    config.login_attempts_per_account = 10;
    config.login_attempts_per_address = 50;
    config.throttle_window = Duration::from_secs(900);
    config.mail = test_mail().map(std::sync::Arc::new);
    configure(&mut config);
    let state = AppState::new(store.clone(), config);
    let served = state.clone();
    tokio::spawn(async move {
        simm_web::serve(listener, served, std::future::pending())
            .await
            .unwrap()
    });
    TestApp {
        address,
        store,
        backend,
        database_url,
        database: None,
        state,
        builtin_model_version: builtin.id,
    }
}

/// Sending through the sink, fast: retries after a second.
pub fn test_mail() -> Option<simm_web::MailSettings> {
    let sink = MailSink::from_env()?;
    let relay = simm_mail::Relay::new(
        simm_mail::SmtpSettings::parse(&sink.url).unwrap(),
        Some(sink.password),
        simm_mail::parse_sender("\"Acme Consulting\" <simm@consulting.example>").unwrap(),
    )
    .unwrap();
    let mut mail = simm_web::MailSettings::new(relay);
    mail.messages_per_second = 200.0;
    mail.retry_after = Duration::from_secs(1);
    Some(mail)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A client that keeps cookies and does not follow redirects, so tests
    /// see them.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Adds a user with a known password and returns the email.
    pub async fn add_user(&self, role: Role) -> (String, String) {
        let email = format!("{}@example.com", &new_id()[..12]);
        let password = "correct horse battery staple".to_owned();
        simm_web::accounts::add_user(&self.store, &email, role, &password)
            .await
            .unwrap();
        (email, password)
    }

    /// A client signed in as a new user of the role.
    pub async fn signed_in(&self, role: Role) -> (reqwest::Client, String) {
        let (email, password) = self.add_user(role).await;
        let client = self.client();
        let response = client
            .post(self.url("/login"))
            .form(&[("email", &email), ("password", &password)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "signing in as {email}");
        (client, email)
    }

    /// An API token for a new user of the role.
    pub async fn api_token(&self, role: Role) -> String {
        let (email, _) = self.add_user(role).await;
        simm_web::accounts::create_token(&self.store, &email)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn signing_in_sets_a_session_cookie_and_signing_out_ends_it() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in(Role::Consultant).await;
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let page = home.text().await.unwrap();
    assert!(page.contains(&email));
    let csrf = console::csrf_in(&page);
    let out = client
        .post(app.url("/logout"))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(after.status(), 303);
    assert_eq!(after.headers()["location"], "/login");
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Consultant).await;
    let client = app.client();
    for _ in 0..5 {
        let response = client
            .post(app.url("/login"))
            .form(&[("email", &email), ("password", &"wrong".to_owned())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("the email or the password is wrong")
        );
    }
    let response = client
        .post(app.url("/login"))
        .form(&[("email", &email), ("password", &password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    // An unknown account gets the same answer as a wrong password.
    let response = client
        .post(app.url("/login"))
        .form(&[("email", "nobody@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let response = app.client().get(app.url("/login")).send().await.unwrap();
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "script-src 'self'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = spawn_app().await;
    let response = app
        .client()
        .post(app.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "a@b.co"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = app
        .client()
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", "a@b.co"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let body = "x".repeat(2 << 20);
    let response = app
        .client()
        .post(app.url("/login"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn api_writes_through_a_browser_session_need_the_csrf_header() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in(Role::Consultant).await;
    let body = serde_json::json!({ "name": "Acme" });
    let refused = client
        .post(app.url("/api/v1/organizations"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("X-CSRF-Token"));
    let page = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = console::csrf_in(&page);
    let created = client
        .post(app.url("/api/v1/organizations"))
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    // Reading needs no header.
    assert_eq!(
        client
            .get(app.url("/api/v1/organizations"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn comments_show_only_from_twice_the_anonymity_threshold() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in(Role::Consultant).await;
    let user = app.store.user_by_email(&email).await.unwrap().unwrap();
    let organization = app
        .store
        .create_organization(
            &simm_store::NewOrganization {
                name: "Acme".into(),
                industry: None,
                size: None,
                country: None,
            },
            &user.id,
        )
        .await
        .unwrap();
    let assessment = app
        .store
        .create_assessment(&organization.id, "Baseline", &app.builtin_model_version)
        .await
        .unwrap();
    let tokens: Vec<String> = (0..10).map(|_| simm_store::new_token()).collect();
    let invitations: Vec<simm_store::NewInvitation> = tokens
        .iter()
        .map(|token| simm_store::NewInvitation {
            token_hash: simm_store::hash_token(token),
            attributes: Default::default(),
        })
        .collect();
    app.store
        .create_invitations(&assessment.id, &invitations)
        .await
        .unwrap();
    app.store.open_assessment(&assessment.id, 5).await.unwrap();
    let model = simm_core::builtin_model();
    let items: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    let results = app.url(&format!("/assessments/{}/results", assessment.id));
    for (number, token) in tokens.iter().enumerate() {
        let invitation = app
            .store
            .invitation_by_token(&simm_store::hash_token(token))
            .await
            .unwrap()
            .unwrap();
        app.store
            .save_comment(
                &invitation.id,
                "vision",
                &format!("note {number} <script>alert(1)</script>"),
            )
            .await
            .unwrap();
        // A comment counts only with a response that holds an answer.
        app.store
            .save_answer(simm_store::SaveAnswer {
                invitation_id: invitation.id.clone(),
                item_id: items[0].to_owned(),
                value: Some(3),
            })
            .await
            .unwrap();
        app.store.submit(&invitation.id, &items).await.unwrap();
        // A snapshot after every submission: it publishes once five wait.
        simm_web::release_assessment(&app.state, &assessment.id, false)
            .await
            .unwrap();
        let page = client
            .get(&results)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if number + 1 < 10 {
            assert!(
                !page.contains("note 0"),
                "a comment shows with {} responses",
                number + 1
            );
        } else {
            assert!(
                page.contains("note 0 &#60;script&#62;alert(1)&#60;/script&#62;"),
                "the comments are not shown escaped"
            );
            assert!(!page.contains("<script>alert(1)"));
        }
    }
    // The API gives the same comments, unescaped JSON strings.
    let api = client
        .get(app.url(&format!("/api/v1/assessments/{}/comments", assessment.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["areas"][0]["id"], "vision");
    assert_eq!(body["areas"][0]["comments"].as_array().unwrap().len(), 10);
    assert_eq!(
        body["areas"][0]["comments"][0],
        "note 0 <script>alert(1)</script>"
    );
}
