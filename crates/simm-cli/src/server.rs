//! The platform's commands: `serve`, `user add`, `token create` and
//! `model import`. Settings come from flags, then `SIMM_*` environment
//! variables, then an optional TOML config file, then defaults.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use simm_store::backup::DatabaseLock;
use simm_store::{Role, Store};
use simm_web::{AppState, Config};

use crate::commands::BadInput;
use crate::config::{ConfigFile, load, read_config};

const DEFAULT_BIND: &str = "127.0.0.1:8080";
const DEFAULT_DATABASE: &str = "sqlite://simm.db";

#[derive(Args, Clone, Default)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://FILE (the default, simm.db) or postgres://…
    #[arg(long, env = "SIMM_DATABASE")]
    pub database: Option<String>,
    /// A TOML file with `bind`, `database`, `public_url`,
    /// `trust_forwarded_for` and `metrics_token`; flags and SIMM_*
    /// variables take precedence.
    #[arg(long, env = "SIMM_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SIMM_BIND")]
    bind: Option<String>,
    /// The address people use to reach the server (for invitation links),
    /// e.g. https://simm.example.com; defaults to http://BIND.
    #[arg(long, env = "SIMM_PUBLIC_URL")]
    public_url: Option<String>,
    /// Take client addresses from X-Forwarded-For (for login throttling);
    /// set this only behind a proxy or load balancer that sets the header.
    #[arg(long, env = "SIMM_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Create demo data (a consultant and a synthetic organisation) when absent.
    #[arg(long)]
    demo: bool,
    /// How log lines are written to standard error: text for people, json
    /// (one object a line, with the request id) for a log collector.
    #[arg(long, env = "SIMM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// A bearer token that /metrics then asks of every caller; without
    /// one, /metrics answers only loopback callers. At least 16
    /// characters; better kept in the config file than on the command line.
    #[arg(long, env = "SIMM_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Bootstrap replicates behind the results' 95 % intervals and stage
    /// probabilities (docs/scoring.md, "How sure a stage is").
    #[arg(long, env = "SIMM_REPLICATES", value_name = "N", default_value_t = simm_core::Replicates::DEFAULT.get(), value_parser = crate::replicates)]
    replicates: u32,
    /// The SMTP relay invitations and reminders go through, e.g.
    /// smtp://user@mail.example.com:587?tls=starttls (tls=none, starttls
    /// or implicit; smtps:// for implicit; ca=FILE for a private CA). The
    /// password comes from SIMM_SMTP_PASSWORD only.
    #[arg(long, env = "SIMM_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender of invitations and reminders, e.g.
    /// "Acme Consulting" <simm@acme.example>.
    #[arg(long, env = "SIMM_SMTP_FROM")]
    smtp_from: Option<String>,
    /// Messages a second this server sends at most (10 by default).
    #[arg(long, env = "SIMM_SMTP_RATE", value_name = "PER_SECOND")]
    smtp_rate: Option<f64>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Consultant,
    Viewer,
    /// Refines models: model versions, pooled calibrations, proposals; no
    /// organisation's assessments.
    Steward,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Consultant => Role::Consultant,
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Steward => Role::Steward,
        }
    }
}

fn database_url(args: &DatabaseArgs, file: &ConfigFile) -> String {
    args.database
        .clone()
        .or_else(|| file.database.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE.to_owned())
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The database URL the flags, the environment and the config file give.
pub(crate) fn configured_database(args: &DatabaseArgs) -> anyhow::Result<String> {
    let file = read_config(args.config.as_deref())?;
    Ok(database_url(args, &file))
}

/// Opens the store, holding the database's lock for as long as the
/// returned lock lives, so that `simm restore` cannot replace it meanwhile.
async fn connect(url: &str) -> anyhow::Result<(Store, Option<DatabaseLock>)> {
    let lock =
        simm_store::backup::hold_database(url).map_err(|error| BadInput(error.to_string()))?;
    let store = Store::connect(url)
        .await
        .with_context(|| format!("opening the database {}", redact(url)))?;
    Ok((store, lock))
}

/// A database URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    init_logs(args.log_format);
    let loaded = load(args.database.config.as_deref())?;
    // Read before listening, so that a bad logo stops the start with its
    // place in the file.
    let branding = loaded.branding()?;
    // The relay's connection pool starts a task, so it is made inside the
    // runtime; a bad setting still stops the start before listening.
    let runtime = runtime()?;
    let entered = runtime.enter();
    let mail = loaded.mail(crate::config::MailFlags {
        smtp_url: args.smtp_url.clone(),
        smtp_from: args.smtp_from.clone(),
        smtp_rate: args.smtp_rate,
        password: std::env::var("SIMM_SMTP_PASSWORD").ok(),
    })?;
    let file = loaded.file;
    let metrics_token = args
        .metrics_token
        .or(file.metrics_token.clone())
        .map(|token| simm_web::MetricsToken::parse(&token).map_err(BadInput))
        .transpose()?;
    let bind = args
        .bind
        .or(file.bind.clone())
        .unwrap_or_else(|| DEFAULT_BIND.to_owned());
    let address: SocketAddr = bind.parse().map_err(|_| {
        BadInput(format!(
            "--bind {bind:?} is not an address such as 127.0.0.1:8080"
        ))
    })?;
    let url = database_url(&args.database, &file);
    drop(entered);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address).await.with_context(|| format!("listening on {address}"))?;
        let local = listener.local_addr()?;
        let public_url = args.public_url.or(file.public_url).unwrap_or_else(|| format!("http://{local}"));
        let (store, _lock) = connect(&url).await?;
        let builtin = simm_web::import_builtin_model(&store).await.map_err(|e| anyhow::anyhow!(e.message()))?;
        let mut config = Config::new(public_url.clone());
        config.trust_forwarded_for = args.trust_forwarded_for || file.trust_forwarded_for.unwrap_or(false);
        config.metrics_token = metrics_token;
        config.branding = Some(branding);
        config.mail = mail.map(std::sync::Arc::new);
        config.replicates = simm_core::Replicates::new(args.replicates).expect("checked by the parser");
        let state = AppState::new(store, config);
        if args.demo {
            let demo = simm_web::demo::ensure_demo(&state, &builtin.id).await.map_err(|e| anyhow::anyhow!(e.message()))?;
            match &demo.password {
                Some(password) => println!("Demo data created. Sign in at {public_url}/login as {} with password {password}", demo.email),
                None => println!("Demo data is in place. Sign in at {public_url}/login as {} (password as printed when it was created)", demo.email),
            }
            for link in &demo.invitation_links {
                println!("Respondent link: {link}");
            }
        }
        tracing::info!(address = %local, database = %redact(&url), ready_ms = started.elapsed().as_millis() as u64, "simm is serving");
        println!("simm is serving on {public_url} (ready in {} ms)", started.elapsed().as_millis());
        simm_web::serve(listener, state, shutdown_signal()).await
    })
}

/// Log lines go to standard error, as text or as JSON lines whose span
/// holds the request id, the method and the route template.
fn init_logs(format: LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_target(false)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Resolves on Ctrl-C or SIGTERM, so requests in flight can finish.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

pub fn user_add(email: &str, role: RoleArg, database: &DatabaseArgs) -> anyhow::Result<()> {
    let file = read_config(database.config.as_deref())?;
    let url = database_url(database, &file);
    let mut password = String::new();
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        stdin
            .lock()
            .read_to_string(&mut password)
            .context("reading the password from standard input")?;
    }
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let generated = password.is_empty();
    let password = if generated {
        simm_web::accounts::generate_password()
    } else {
        password
    };
    runtime()?.block_on(async {
        let (store, _lock) = connect(&url).await?;
        let user = simm_web::accounts::add_user(&store, email, role.into(), &password)
            .await
            .map_err(account_error)?;
        println!("added {} as {}", user.email, user.role.as_str());
        if generated {
            println!("password: {password}");
        }
        Ok(())
    })
}

pub fn token_create(email: &str, database: &DatabaseArgs) -> anyhow::Result<()> {
    let file = read_config(database.config.as_deref())?;
    let url = database_url(database, &file);
    runtime()?.block_on(async {
        let (store, _lock) = connect(&url).await?;
        let token = simm_web::accounts::create_token(&store, email)
            .await
            .map_err(account_error)?;
        println!("{token}");
        Ok(())
    })
}

fn account_error(error: simm_web::accounts::AccountError) -> anyhow::Error {
    use simm_web::accounts::AccountError;
    match error {
        AccountError::Store(simm_store::StoreError::Conflict(message)) => BadInput(message).into(),
        AccountError::Store(other) => anyhow::Error::new(other),
        AccountError::Hashing(other) => other,
        bad => BadInput(bad.to_string()).into(),
    }
}

pub fn model_import(path: &Path, database: &DatabaseArgs) -> anyhow::Result<()> {
    let source = crate::commands::read_model_source(path)?;
    let model = simm_core::Model::parse(&source)
        .map_err(|errors| BadInput(errors.render(&path.display().to_string())))?;
    let file = read_config(database.config.as_deref())?;
    let url = database_url(database, &file);
    runtime()?.block_on(async {
        let (store, _lock) = connect(&url).await?;
        let version =
            store
                .store_model_version(&model, &source)
                .await
                .map_err(|error| match error {
                    simm_store::StoreError::Conflict(message) => BadInput(message).into(),
                    other => anyhow::Error::new(other),
                })?;
        println!(
            "stored model {} {} (content hash {})",
            version.model_id,
            version.version,
            &version.content_hash[..12]
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_come_before_the_config_file_which_comes_before_defaults() {
        let file = ConfigFile {
            database: Some("postgres://file/simm".into()),
            ..ConfigFile::default()
        };
        let flag = DatabaseArgs {
            database: Some("sqlite://flag.db".into()),
            config: None,
        };
        assert_eq!(database_url(&flag, &file), "sqlite://flag.db");
        assert_eq!(
            database_url(&DatabaseArgs::default(), &file),
            "postgres://file/simm"
        );
        assert_eq!(
            database_url(&DatabaseArgs::default(), &ConfigFile::default()),
            DEFAULT_DATABASE
        );
    }

    #[test]
    fn passwords_are_kept_out_of_database_urls() {
        for (url, expected) in [
            (
                "postgres://simm:secret@db:5432/simm",
                "postgres://simm:***@db:5432/simm",
            ),
            ("postgres://simm@db/simm", "postgres://simm:***@db/simm"),
            ("sqlite://simm.db", "sqlite://simm.db"),
        ] {
            assert_eq!(redact(url), expected);
        }
    }
}
