//! The simm web platform: server-rendered pages for consultants, viewers
//! and respondents, and a JSON API, over the store.
//!
//! Each feature module has a `router()`; [`router`] merges them behind the
//! shared layers (security headers, body limit, cross-site check, error
//! bodies). Start-up is [`serve`], which takes a bound listener so tests can
//! use port 0.

pub mod accounts;
mod api;
mod assets;
mod auth;
mod campaigns;
mod console;
pub mod demo;
mod error;
mod extract;
mod journey;
mod layout;
mod ops;
mod passwords;
mod pdf;
mod plan;
mod respond;
mod results;
mod routes;
mod security;
mod steward;
mod uploads;
mod workbook;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use simm_core::Model;
use simm_store::Store;
use tokio::net::TcpListener;

pub use campaigns::MailSettings;
pub use error::AppError;
pub use ops::MetricsToken;
pub use results::release_assessment;
pub use routes::Route;

/// Settings the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address people reach the server at, e.g. `https://simm.example.com`;
    /// invitation links are built from it.
    pub public_url: String,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Failed sign-ins of one account from one address within
    /// `throttle_window` before further attempts of that pair are refused;
    /// also the wrong current passwords an account may give when changing
    /// its password.
    pub login_attempts: i64,
    /// Failed sign-ins of one account from every address together: bounds
    /// guessing one password from many addresses. Higher than
    /// `login_attempts`, so that one address cannot lock an account out.
    pub login_attempts_per_account: i64,
    /// Failed sign-ins from one address over every account: bounds trying
    /// a password on many accounts. Much higher than `login_attempts`, so
    /// that one office behind one NAT address is not locked out by a few
    /// colleagues' typos.
    pub login_attempts_per_address: i64,
    pub throttle_window: Duration,
    /// Whether to take the client's address from `X-Forwarded-For`: only
    /// behind a proxy that sets it, since anyone can send the header. Behind
    /// a load balancer without it, every client would share the balancer's
    /// address for throttling.
    pub trust_forwarded_for: bool,
    /// Who may read `/metrics`: with `None`, loopback callers only.
    pub metrics_token: Option<MetricsToken>,
    /// How long `/readyz` waits for its test write before it answers 503.
    pub readiness_timeout: Duration,
    /// Bootstrap replicates behind the results' intervals and stage
    /// probabilities.
    pub replicates: simm_core::Replicates,
    /// The consultancy's name, logo and colour on the PDF downloads;
    /// `None` prints them unbranded.
    pub branding: Option<simm_report::Branding>,
    /// The SMTP relay invitations and reminders are sent through; `None`
    /// sends no e-mail.
    pub mail: Option<Arc<MailSettings>>,
    /// How often deadlines and scheduled reminders are looked at.
    pub schedule_every: Duration,
}

impl Config {
    pub fn new(public_url: impl Into<String>) -> Config {
        Config {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            body_limit: 1 << 20,
            session_idle: Duration::from_secs(2 * 3600),
            session_absolute: Duration::from_secs(12 * 3600),
            login_attempts: 10,
            login_attempts_per_account: 50,
            login_attempts_per_address: 500,
            throttle_window: Duration::from_secs(15 * 60),
            trust_forwarded_for: false,
            metrics_token: None,
            readiness_timeout: Duration::from_secs(2),
            replicates: simm_core::Replicates::DEFAULT,
            branding: None,
            mail: None,
            schedule_every: Duration::from_secs(30),
        }
    }

    /// Cookies are marked Secure, and take the `__Host-` prefix, when the
    /// server is reached over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    models: Arc<RwLock<HashMap<String, Arc<Model>>>>,
    /// Permits for PDF renders: at most `pdf::RENDERS` at a time.
    pdf_renders: Arc<pdf::Renders>,
    /// Wakes this server's e-mail sender when messages were queued.
    outbox_wake: Arc<tokio::sync::Notify>,
    /// How many times the schedule has looked at deadlines and reminders.
    schedule_ticks: Arc<std::sync::atomic::AtomicU64>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            models: Arc::default(),
            pdf_renders: Arc::new(pdf::Renders::new()),
            outbox_wake: Arc::default(),
            schedule_ticks: Arc::default(),
        }
    }

    /// The most PDF renders that ran at once since the start: never more
    /// than the server allows (2), which the tests check.
    pub fn pdf_renders_peak(&self) -> usize {
        self.pdf_renders.peak()
    }

    /// How many rounds the schedule (deadlines, scheduled reminders) has
    /// finished since the start, so that a test can wait for the next
    /// ones instead of for a time.
    pub fn schedule_ticks(&self) -> u64 {
        self.schedule_ticks
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The parsed model of a stored model version. Versions never change,
    /// so each is parsed once per process.
    pub async fn model(&self, model_version_id: &str) -> Result<Arc<Model>, AppError> {
        if let Some(model) = self
            .models
            .read()
            .expect("the model cache lock is never poisoned")
            .get(model_version_id)
        {
            return Ok(model.clone());
        }
        let model = self.store.model(model_version_id).await?.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "model version {model_version_id} is missing"
            ))
        })?;
        let model = Arc::new(model);
        self.models
            .write()
            .expect("the model cache lock is never poisoned")
            .insert(model_version_id.to_owned(), model.clone());
        Ok(model)
    }
}

/// Every route of every feature module's table: the routers are built
/// from the tables, and the tests check the OpenAPI document and the
/// access matrix against this list. A new feature module adds its tables.
pub fn routes() -> impl Iterator<Item = &'static Route> {
    const TABLES: &[&[Route]] = &[
        console::ROUTES,
        respond::PAGE_ROUTES,
        respond::API_ROUTES,
        steward::PAGE_ROUTES,
        steward::API_ROUTES,
        plan::PAGE_ROUTES,
        plan::API_ROUTES,
        journey::PAGE_ROUTES,
        journey::API_ROUTES,
        uploads::PAGE_ROUTES,
        uploads::API_ROUTES,
        campaigns::PAGE_ROUTES,
        campaigns::API_ROUTES,
        campaigns::DEADLINE_ROUTES,
        api::ROUTES,
        assets::ROUTES,
        ops::ROUTES,
    ];
    TABLES.iter().copied().flatten()
}

/// All routes with their layers.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    Router::new()
        .merge(console::router())
        .merge(respond::router())
        .merge(steward::router())
        .merge(plan::router())
        .merge(journey::router())
        .merge(uploads::router())
        .merge(campaigns::router())
        .merge(api::with_layers(
            api::router()
                .merge(steward::api_router())
                .merge(plan::api_router())
                .merge(journey::api_router())
                .merge(uploads::api_router())
                .merge(campaigns::api_router()),
            &state,
        ))
        .merge(assets::router())
        .merge(ops::router())
        // Inside the error layer, so that its 413 gets an error body too.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            body_limit,
            error::error_bodies,
        ))
        .layer(axum::middleware::from_fn(
            security::refuse_cross_site_writes,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(ops::metrics::count_requests))
        .layer(ops::request_log::trace_layer())
        .layer(axum::middleware::from_fn(ops::request_log::request_id))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight
/// and the message the e-mail sender has in hand. The sender runs when the
/// configuration has a relay; the schedule (deadlines and scheduled
/// reminders) always.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_sender, stopped) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(campaigns::run_outbox(state.clone(), stopped.clone()));
    let schedule = tokio::spawn(campaigns::run_schedule(state.clone(), stopped));
    let app = router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_sender.send(true);
    let _ = sender.await;
    let _ = schedule.await;
    state.store.close().await;
    Ok(served?)
}

/// Stores the built-in model on first start, so assessments can use it.
pub async fn import_builtin_model(store: &Store) -> Result<simm_store::ModelVersion, AppError> {
    let model = simm_core::builtin_model();
    Ok(store
        .store_model_version(&model, simm_core::BUILTIN_MODEL_SOURCE)
        .await?)
}
