//! Storage for the simm platform: one store API over SQLite (the embedded
//! default) and PostgreSQL (for several server instances sharing one
//! database).
//!
//! Every query is written once and runs on both back-ends: the
//! [`on_pool!`] macro expands a block for each pool type, so the SQL and the
//! row decoding are shared and the compiler checks both. Domain types never
//! derive sqlx traits; rows are decoded into the plain records of
//! [`records`].

mod answers;
pub mod backup;
mod health;
mod records;
mod releases;
pub mod telemetry;
mod util;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Row};

pub use answers::{SaveAnswer, SaveOutcome};
pub use health::PoolUse;
pub use records::*;
pub use releases::{PendingCounts, PendingResponse, ReleaseOutcome, ReleasePlan, ReleaseRecord};
pub use util::{hash_token, new_id, new_token, today};
use util::{hex, now, sha256};

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL {0:?} is neither sqlite:… nor postgres://…")]
    UnsupportedUrl(String),
    #[error("the database is not configured safely: {0}")]
    UnsafeConfiguration(String),
    #[error("{0}")]
    Conflict(String),
    #[error("a stored model version is corrupt: {0}")]
    CorruptModel(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The disk under the database is full (SQLite's SQLITE_FULL,
    /// PostgreSQL's SQLSTATE 53100): the write was rolled back whole, and
    /// the same write succeeds once there is space again.
    #[error("the database disk is full; nothing was saved")]
    DiskFull,
    #[error("the database {database} is read-only: {reason}")]
    ReadOnly { database: String, reason: String },
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the answer writer has stopped")]
    WriterStopped,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Every database error passes through here on its way out of the store,
/// so a full disk is recognised wherever it strikes: in a statement, at a
/// commit, or in the answer writer.
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        if is_disk_full(&error) {
            StoreError::DiskFull
        } else {
            StoreError::Database(error)
        }
    }
}

/// SQLite's result code for a full disk (or a database at its
/// `max_page_count`).
const SQLITE_FULL: i32 = 13;
/// SQLite's primary result code for a write to a read-only database.
const SQLITE_READONLY: i32 = 8;
/// PostgreSQL's `disk_full`.
const POSTGRES_DISK_FULL: &str = "53100";

fn is_disk_full(error: &sqlx::Error) -> bool {
    database_code(error).is_some_and(|code| match code {
        Code::Sqlite(code) => code & 0xff == SQLITE_FULL,
        Code::Postgres(state) => state == POSTGRES_DISK_FULL,
    })
}

enum Code {
    /// An extended result code.
    Sqlite(i32),
    /// A SQLSTATE.
    Postgres(String),
}

fn database_code(error: &sqlx::Error) -> Option<Code> {
    let sqlx::Error::Database(error) = error else {
        return None;
    };
    if error
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        error.code()?.parse().ok().map(Code::Sqlite)
    } else if error
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        error.code().map(|code| Code::Postgres(code.into_owned()))
    } else {
        None
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same block against whichever pool the store has.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Begins a transaction that writes. On SQLite it takes the write lock at
/// once (BEGIN IMMEDIATE), so a transaction that reads before it writes
/// cannot fail halfway on a lock another writer took in between.
macro_rules! begin_write {
    ($pool:expr) => {
        $crate::BeginWrite::begin_write($pool).await?
    };
}
pub(crate) use begin_write;

pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Database>>;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.begin().await?)
    }
}

/// The store. Cheap to clone; all clones share the pools and the answer
/// writer.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    answers: answers::AnswerWriter,
    /// When this process last purged expired throttle rows (Unix seconds).
    /// Only paces the purge; another instance keeps its own.
    throttle_purged_at: Arc<AtomicI64>,
}

/// How often expired throttle rows are purged, at most, by one process.
const THROTTLE_PURGE_INTERVAL_SECS: i64 = 60;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Store {
    /// Connects, applies the settings durability depends on, checks that
    /// they took and that the database can be written, and runs the
    /// migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, None).await
    }

    /// Connects as [`connect`](Store::connect) does, to a SQLite database
    /// capped at `pages` pages on every connection (`PRAGMA
    /// max_page_count`; 0 lifts the cap), which the test reads again on
    /// every use of a connection. SQLite then answers SQLITE_FULL as it
    /// does on a full disk: for the disk-full tests where no small file
    /// system can be mounted. Not for production.
    #[doc(hidden)]
    pub async fn connect_with_page_cap(url: &str, pages: Arc<AtomicU32>) -> Result<Store> {
        Store::connect_with(url, Some(pages)).await
    }

    async fn connect_with(url: &str, page_cap: Option<Arc<AtomicU32>>) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let database = options.get_filename().display().to_string();
            let mut pool_options =
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .after_release(|connection, _| {
                        Box::pin(async move {
                            // The rollback a dropped transaction queued runs
                            // before the ping answers, so the depth read after
                            // it is the connection's final state.
                            connection.ping().await?;
                            Ok(release_clean(&*connection))
                        })
                    });
            if let Some(cap) = page_cap {
                let on_connect = cap.clone();
                pool_options = pool_options
                    .after_connect(move |connection, _| {
                        let pages = on_connect.load(Ordering::SeqCst);
                        Box::pin(async move { apply_page_cap(connection, pages).await })
                    })
                    .before_acquire(move |connection, _| {
                        let pages = cap.load(Ordering::SeqCst);
                        Box::pin(async move {
                            apply_page_cap(connection, pages).await?;
                            Ok(true)
                        })
                    });
            }
            let pool = pool_options.connect_with(options).await?;
            check_sqlite_writable(&pool, &database).await?;
            check_sqlite_settings(&pool).await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .after_release(|connection, _| {
                    // sqlx counts a dropped transaction as ended at once
                    // (its rollback is queued), so this only catches a
                    // transaction that was never ended at all.
                    Box::pin(async move { Ok(release_clean(&*connection)) })
                })
                .connect(url)
                .await?;
            check_postgres_writable(&pool).await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let answers = answers::AnswerWriter::start(pool.clone());
        Ok(Store {
            pool,
            answers,
            throttle_purged_at: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes the pools after the writer has committed what it holds.
    pub async fn close(&self) {
        on_pool!(&self.pool, |pool| pool.close().await);
    }

    // ----- users -------------------------------------------------------

    pub async fn create_user(&self, email: &str, password_hash: &str, role: Role) -> Result<User> {
        let user = User {
            id: new_id(),
            email: email.to_owned(),
            role,
        };
        let now = now();
        let inserted = on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at)
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (email) DO NOTHING",
            )
            .bind(&user.id)
            .bind(&user.email)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "a user with the email {email:?} exists already"
            )));
        }
        Ok(user)
    }

    /// The user and their password hash, for logging in.
    pub async fn user_with_password(&self, email: &str) -> Result<Option<(User, String)>> {
        on_pool!(&self.pool, |pool| {
            let row =
                sqlx::query("SELECT id, email, role, password_hash FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(pool)
                    .await?;
            row.map(|row| Ok((user_from_row(&row)?, row.try_get("password_hash")?)))
                .transpose()
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(self.user_with_password(email).await?.map(|(user, _)| user))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query("SELECT id, email, role FROM users ORDER BY email")
                .fetch_all(pool)
                .await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// Sets a new password and ends every session of the user.
    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            sqlx::query(
                "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
            )
            .bind(password_hash)
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    // ----- API tokens and sessions ---------------------------------------

    pub async fn create_api_token(&self, user_id: &str, token_hash: &[u8]) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn user_by_api_token(&self, token_hash: &[u8]) -> Result<Option<User>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT u.id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    pub async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: &str,
        csrf_token: &str,
    ) -> Result<()> {
        let now = now();
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session with this token, if it has been used within
    /// `idle` and is younger than `absolute`; marks it as used.
    pub async fn session(
        &self,
        token_hash: &[u8],
        idle: Duration,
        absolute: Duration,
    ) -> Result<Option<Session>> {
        let now = now();
        let idle_since = now - idle.as_secs() as i64;
        let created_since = now - absolute.as_secs() as i64;
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT u.id, u.email, u.role, s.csrf_token, s.last_seen_at FROM sessions s
                 JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.last_seen_at >= $2 AND s.created_at >= $3",
            )
            .bind(token_hash)
            .bind(idle_since)
            .bind(created_since)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let last_seen: i64 = row.try_get("last_seen_at")?;
            // Writing on every request would make reads cost a commit;
            // once a minute is precise enough for an idle timeout.
            if now - last_seen > 60 {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(token_hash)
                    .execute(pool)
                    .await?;
            }
            Ok(Some(Session {
                user: user_from_row(&row)?,
                csrf_token: row.try_get("csrf_token")?,
            }))
        })
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    // ----- throttling ---------------------------------------------------
    //
    // A key is stored as the hex SHA-256 of the caller's key, so a row is
    // the same small size whatever was typed into a sign-in form, and holds
    // no email or address. Every key must be counted with the same window:
    // rows whose window has ended are purged by it.

    /// Counts a failure against `key` and returns the failures within the
    /// current window of `window` seconds. Now and then (at most once a
    /// minute per process) it also deletes every row whose window has
    /// ended, so keys that are never seen again do not pile up.
    pub async fn record_failure(&self, key: &str, window: Duration) -> Result<i64> {
        let now = now();
        let window_start = now - window.as_secs() as i64;
        let key = throttle_key(key);
        let purged_at = self.throttle_purged_at.load(Ordering::Relaxed);
        let purge = now - purged_at >= THROTTLE_PURGE_INTERVAL_SECS
            && self
                .throttle_purged_at
                .compare_exchange(purged_at, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        on_pool!(&self.pool, |pool| {
            if purge {
                // An index on window_start keeps this to the expired rows.
                sqlx::query("DELETE FROM throttle WHERE window_start < $1")
                    .bind(window_start)
                    .execute(pool)
                    .await?;
            }
            let row = sqlx::query(
                "INSERT INTO throttle (key, failures, window_start) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN throttle.window_start < $3 THEN 1 ELSE throttle.failures + 1 END,
                   window_start = CASE WHEN throttle.window_start < $3 THEN $2 ELSE throttle.window_start END
                 RETURNING failures",
            )
            .bind(&key)
            .bind(now)
            .bind(window_start)
            .fetch_one(pool)
            .await?;
            Ok(row.try_get("failures")?)
        })
    }

    /// The failures counted against `key` within the window.
    pub async fn failures(&self, key: &str, window: Duration) -> Result<i64> {
        let window_start = now() - window.as_secs() as i64;
        let key = throttle_key(key);
        on_pool!(&self.pool, |pool| {
            let row =
                sqlx::query("SELECT failures FROM throttle WHERE key = $1 AND window_start >= $2")
                    .bind(&key)
                    .bind(window_start)
                    .fetch_optional(pool)
                    .await?;
            Ok(row.map(|r| r.try_get("failures")).transpose()?.unwrap_or(0))
        })
    }

    pub async fn clear_failures(&self, key: &str) -> Result<()> {
        let key = throttle_key(key);
        on_pool!(&self.pool, |pool| {
            sqlx::query("DELETE FROM throttle WHERE key = $1")
                .bind(&key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    // ----- organisations --------------------------------------------------

    /// Creates an organisation; its creator gets access to it.
    pub async fn create_organization(
        &self,
        new: &NewOrganization,
        created_by: &str,
    ) -> Result<Organization> {
        let organization = Organization {
            id: new_id(),
            name: new.name.clone(),
            industry: new.industry.clone(),
            size: new.size.clone(),
            country: new.country.clone(),
        };
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            sqlx::query(
                "INSERT INTO organizations (id, name, industry, size, country, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&organization.id)
            .bind(&organization.name)
            .bind(&organization.industry)
            .bind(&organization.size)
            .bind(&organization.country)
            .bind(created_by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO organization_access (organization_id, user_id) VALUES ($1, $2)",
            )
            .bind(&organization.id)
            .bind(created_by)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(organization)
    }

    pub async fn grant_access(&self, organization_id: &str, user_id: &str) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO organization_access (organization_id, user_id) VALUES ($1, $2)
                 ON CONFLICT (organization_id, user_id) DO NOTHING",
            )
            .bind(organization_id)
            .bind(user_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The organisations a user may see: admins see all, others those they
    /// were granted.
    pub async fn organizations_for(&self, user: &User) -> Result<Vec<Organization>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT o.id, o.name, o.industry, o.size, o.country FROM organizations o
                 WHERE $1 = 'admin' OR EXISTS (
                   SELECT 1 FROM organization_access a WHERE a.organization_id = o.id AND a.user_id = $2)
                 ORDER BY o.name, o.id",
            )
            .bind(user.role.as_str())
            .bind(&user.id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(organization_from_row).collect()
        })
    }

    /// The organisation, if the user may see it. Another tenant's
    /// organisation and a missing one look the same.
    pub async fn organization_for(&self, user: &User, id: &str) -> Result<Option<Organization>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT o.id, o.name, o.industry, o.size, o.country FROM organizations o
                 WHERE o.id = $1 AND ($2 = 'admin' OR EXISTS (
                   SELECT 1 FROM organization_access a WHERE a.organization_id = o.id AND a.user_id = $3))",
            )
            .bind(id)
            .bind(user.role.as_str())
            .bind(&user.id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(organization_from_row).transpose()
        })
    }

    // ----- model versions ---------------------------------------------------

    /// Stores a model version. Storing the same content again returns the
    /// stored version; different content under a stored id and version is
    /// refused, since a stored version never changes.
    pub async fn store_model_version(
        &self,
        model: &simm_core::Model,
        source: &str,
    ) -> Result<ModelVersion> {
        let content_hash = util::hex(&util::sha256(source.as_bytes()));
        if let Some(existing) = self
            .find_model_version(model.id().as_str(), model.version())
            .await?
        {
            if existing.content_hash == content_hash {
                return Ok(existing);
            }
            return Err(StoreError::Conflict(format!(
                "model {} version {} is stored already with other content; give the changed model a new version",
                model.id(),
                model.version()
            )));
        }
        let version = ModelVersion {
            id: new_id(),
            model_id: model.id().to_string(),
            version: model.version().to_owned(),
            content_hash,
            title: model.title().to_owned(),
        };
        let inserted = on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO model_versions (id, model_id, version, content_hash, source, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (model_id, version) DO NOTHING",
            )
            .bind(&version.id)
            .bind(&version.model_id)
            .bind(&version.version)
            .bind(&version.content_hash)
            .bind(source)
            .bind(now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            // Another instance stored it between the look-up and the insert.
            return Box::pin(self.store_model_version(model, source)).await;
        }
        Ok(version)
    }

    /// The stored version of a model, by the model's id and the version.
    pub async fn find_model_version(
        &self,
        model_id: &str,
        version: &str,
    ) -> Result<Option<ModelVersion>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT id, model_id, version, content_hash, source FROM model_versions
                 WHERE model_id = $1 AND version = $2",
            )
            .bind(model_id)
            .bind(version)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(model_version_from_row).transpose()
        })
    }

    pub async fn model_versions(&self) -> Result<Vec<ModelVersion>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT id, model_id, version, content_hash, source FROM model_versions ORDER BY model_id, created_at",
            )
            .fetch_all(pool)
            .await?;
            rows.iter().map(model_version_from_row).collect()
        })
    }

    /// The newest stored version of a model.
    pub async fn latest_model_version(&self, model_id: &str) -> Result<Option<ModelVersion>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT id, model_id, version, content_hash, source FROM model_versions
                 WHERE model_id = $1 ORDER BY created_at DESC, version DESC LIMIT 1",
            )
            .bind(model_id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(model_version_from_row).transpose()
        })
    }

    /// The parsed model of a stored version.
    pub async fn model(&self, model_version_id: &str) -> Result<Option<simm_core::Model>> {
        let source: Option<String> = on_pool!(&self.pool, |pool| {
            sqlx::query_scalar("SELECT source FROM model_versions WHERE id = $1")
                .bind(model_version_id)
                .fetch_optional(pool)
                .await?
        });
        source
            .map(|source| {
                simm_core::Model::parse(&source)
                    .map_err(|errors| StoreError::CorruptModel(errors.to_string()))
            })
            .transpose()
    }

    // ----- assessments --------------------------------------------------------

    pub async fn create_assessment(
        &self,
        organization_id: &str,
        title: &str,
        model_version_id: &str,
    ) -> Result<Assessment> {
        let id = new_id();
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO assessments (id, organization_id, model_version_id, title, state, created_at)
                 VALUES ($1, $2, $3, $4, 'draft', $5)",
            )
            .bind(&id)
            .bind(organization_id)
            .bind(model_version_id)
            .bind(title)
            .bind(now())
            .execute(pool)
            .await?;
        });
        Ok(self
            .assessment(&id)
            .await?
            .expect("the assessment was just stored"))
    }

    pub async fn assessment(&self, id: &str) -> Result<Option<Assessment>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(&format!("{ASSESSMENT_COLUMNS} WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(assessment_from_row).transpose()
        })
    }

    /// The assessment, if the user may see its organisation.
    pub async fn assessment_for(&self, user: &User, id: &str) -> Result<Option<Assessment>> {
        let Some(assessment) = self.assessment(id).await? else {
            return Ok(None);
        };
        Ok(self
            .organization_for(user, &assessment.organization_id)
            .await?
            .map(|_| assessment))
    }

    pub async fn assessments_of(&self, organization_id: &str) -> Result<Vec<Assessment>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&format!(
                "{ASSESSMENT_COLUMNS} WHERE a.organization_id = $1 ORDER BY a.created_at, a.id"
            ))
            .bind(organization_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(assessment_from_row).collect()
        })
    }

    /// Opens a draft or closed assessment. The first opening freezes the
    /// anonymity threshold that respondents are promised.
    pub async fn open_assessment(&self, id: &str, anonymity_min: u32) -> Result<Assessment> {
        let changed = on_pool!(&self.pool, |pool| {
            sqlx::query(
                "UPDATE assessments SET state = 'open', opened_at = COALESCE(opened_at, $1),
                   anonymity_min = COALESCE(anonymity_min, $2)
                 WHERE id = $3 AND state IN ('draft', 'closed')",
            )
            .bind(now())
            .bind(i64::from(anonymity_min))
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        self.after_transition(id, changed, "open").await
    }

    /// Closes an open assessment. Saved answers are kept.
    pub async fn close_assessment(&self, id: &str) -> Result<Assessment> {
        let changed = on_pool!(&self.pool, |pool| {
            sqlx::query("UPDATE assessments SET state = 'closed', closed_at = $1 WHERE id = $2 AND state = 'open'")
                .bind(now())
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.after_transition(id, changed, "closed").await
    }

    async fn after_transition(&self, id: &str, changed: u64, target: &str) -> Result<Assessment> {
        let assessment = self
            .assessment(id)
            .await?
            .ok_or_else(|| StoreError::Conflict("the assessment does not exist".into()))?;
        if changed == 0 && assessment.state.as_str() != target {
            return Err(StoreError::Conflict(format!(
                "the assessment is {} and cannot become {target}",
                assessment.state.as_str()
            )));
        }
        Ok(assessment)
    }

    // ----- invitations --------------------------------------------------------

    /// Stores invitations, all or none.
    pub async fn create_invitations(
        &self,
        assessment_id: &str,
        invitations: &[NewInvitation],
    ) -> Result<()> {
        let now = now();
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            for invitation in invitations {
                sqlx::query(
                    "INSERT INTO invitations (id, assessment_id, token_hash, attributes, state, created_at)
                     VALUES ($1, $2, $3, $4, 'pending', $5)",
                )
                .bind(new_id())
                .bind(assessment_id)
                .bind(&invitation.token_hash)
                .bind(serde_json::to_string(&invitation.attributes).expect("a map of strings serialises"))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The invitation with this token and its assessment, in one query:
    /// every respondent request starts here.
    pub async fn invitation_with_assessment(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<(Invitation, Assessment)>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT i.id, i.assessment_id, i.attributes, i.state AS invitation_state,
                        a.organization_id, a.model_version_id, a.title, a.state, a.anonymity_min
                 FROM invitations i JOIN assessments a ON a.id = i.assessment_id WHERE i.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let attributes: String = row.try_get("attributes")?;
            let invitation = Invitation {
                id: row.try_get("id")?,
                assessment_id: row.try_get("assessment_id")?,
                attributes: serde_json::from_str(&attributes).unwrap_or_default(),
                state: InvitationState::parse(&row.try_get::<String, _>("invitation_state")?),
            };
            let anonymity_min: Option<i64> = row.try_get("anonymity_min")?;
            let assessment = Assessment {
                id: invitation.assessment_id.clone(),
                organization_id: row.try_get("organization_id")?,
                model_version_id: row.try_get("model_version_id")?,
                title: row.try_get("title")?,
                state: AssessmentState::parse(&row.try_get::<String, _>("state")?),
                anonymity_min: anonymity_min.map(|v| v as u32),
            };
            Ok(Some((invitation, assessment)))
        })
    }

    pub async fn invitation_by_token(&self, token_hash: &[u8]) -> Result<Option<Invitation>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query("SELECT id, assessment_id, attributes, state FROM invitations WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(invitation_from_row).transpose()
        })
    }

    /// Saves one answer through the group-commit writer: the future
    /// resolves once the answer is durable.
    pub async fn save_answer(&self, save: SaveAnswer) -> Result<SaveOutcome> {
        self.answers.save(vec![save]).await
    }

    /// The area comments of an assessment's submitted responses, as
    /// (area id, text), sorted by area and text so that their order says
    /// nothing about who wrote them or when.
    pub async fn response_comments(&self, assessment_id: &str) -> Result<Vec<(String, String)>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT c.area_id, c.body FROM response_comments c JOIN responses r ON r.id = c.response_id
                 WHERE r.assessment_id = $1 ORDER BY c.area_id, c.body",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| Ok((row.try_get("area_id")?, row.try_get("body")?)))
                .collect()
        })
    }

    /// Saves several answers of one invitation, all or none, through the
    /// same group-commit writer.
    pub async fn save_answers(&self, saves: Vec<SaveAnswer>) -> Result<SaveOutcome> {
        if saves.is_empty() {
            return Ok(SaveOutcome::Saved);
        }
        self.answers.save(saves).await
    }

    pub async fn draft_answers(&self, invitation_id: &str) -> Result<Vec<(String, Option<u8>)>> {
        on_pool!(&self.pool, |pool| {
            let rows =
                sqlx::query("SELECT item_id, value FROM draft_answers WHERE invitation_id = $1")
                    .bind(invitation_id)
                    .fetch_all(pool)
                    .await?;
            rows.iter()
                .map(|row| {
                    let value: Option<i64> = row.try_get("value")?;
                    Ok((row.try_get("item_id")?, value.map(|v| v as u8)))
                })
                .collect()
        })
    }

    /// Saves an area comment, unless the invitation is submitted or its
    /// assessment is not open. An empty body removes the comment.
    pub async fn save_comment(
        &self,
        invitation_id: &str,
        area_id: &str,
        body: &str,
    ) -> Result<SaveOutcome> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            answers::LockForWrite::lock_for_write(&mut *tx, invitation_id).await?;
            let state = answers::writable_state(&mut *tx, invitation_id).await?;
            if state != SaveOutcome::Saved {
                return Ok(state);
            }
            if body.trim().is_empty() {
                sqlx::query("DELETE FROM draft_comments WHERE invitation_id = $1 AND area_id = $2")
                    .bind(invitation_id)
                    .bind(area_id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO draft_comments (invitation_id, area_id, body) VALUES ($1, $2, $3)
                     ON CONFLICT (invitation_id, area_id) DO UPDATE SET body = excluded.body",
                )
                .bind(invitation_id)
                .bind(area_id)
                .bind(body)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(SaveOutcome::Saved)
        })
    }

    pub async fn draft_comments(&self, invitation_id: &str) -> Result<Vec<(String, String)>> {
        on_pool!(&self.pool, |pool| {
            let rows =
                sqlx::query("SELECT area_id, body FROM draft_comments WHERE invitation_id = $1")
                    .bind(invitation_id)
                    .fetch_all(pool)
                    .await?;
            rows.iter()
                .map(|row| Ok((row.try_get("area_id")?, row.try_get("body")?)))
                .collect()
        })
    }

    /// Submits the invitation's answers as an anonymous response, which
    /// waits in the pending pool until a release publishes it
    /// ([`release`](Store::release)): it keeps the preset attributes and
    /// the answers, and nothing that leads back to the invitation, which is
    /// only marked as used. `item_ids` is the model's item order for the
    /// answer bytes.
    pub async fn submit(&self, invitation_id: &str, item_ids: &[&str]) -> Result<SaveOutcome> {
        // On PostgreSQL a share lock on the assessment waits for a release
        // that is closing it, and then finds it closed, so no response
        // lands in the pool of an assessment closed meanwhile.
        let lock = match self.backend() {
            Backend::Postgres => " FOR SHARE",
            Backend::Sqlite => "",
        };
        let mark = format!(
            "UPDATE invitations SET state = 'submitted'
             WHERE id = $1 AND state <> 'submitted'
               AND EXISTS (SELECT 1 FROM assessments a
                           WHERE a.id = invitations.assessment_id AND a.state = 'open'{lock})"
        );
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            // Leading with the write takes SQLite's write lock at once, so
            // no other writer can slip in between the reads below.
            let marked = sqlx::query(&mark)
                .bind(invitation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if marked == 0 {
                let state = answers::writable_state(&mut *tx, invitation_id).await?;
                return Ok(if state == SaveOutcome::Saved {
                    SaveOutcome::AlreadySubmitted
                } else {
                    state
                });
            }
            let row =
                sqlx::query("SELECT assessment_id, attributes FROM invitations WHERE id = $1")
                    .bind(invitation_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let assessment_id: String = row.try_get("assessment_id")?;
            let attributes: String = row.try_get("attributes")?;
            let drafts =
                sqlx::query("SELECT item_id, value FROM draft_answers WHERE invitation_id = $1")
                    .bind(invitation_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let mut answer_bytes = vec![0u8; item_ids.len()];
            for draft in &drafts {
                let item: String = draft.try_get("item_id")?;
                let value: Option<i64> = draft.try_get("value")?;
                if let (Some(index), Some(value)) =
                    (item_ids.iter().position(|id| *id == item), value)
                {
                    answer_bytes[index] = value as u8;
                }
            }
            let pending_id = new_id();
            sqlx::query(
                "INSERT INTO pending_responses (id, assessment_id, attributes, answers, answering)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&pending_id)
            .bind(&assessment_id)
            .bind(&attributes)
            .bind(&answer_bytes)
            .bind(answer_bytes.iter().any(|value| *value != 0))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO pending_comments (pending_id, area_id, body)
                 SELECT $1, area_id, body FROM draft_comments WHERE invitation_id = $2",
            )
            .bind(&pending_id)
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM draft_answers WHERE invitation_id = $1")
                .bind(invitation_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM draft_comments WHERE invitation_id = $1")
                .bind(invitation_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(SaveOutcome::Saved)
        })
    }

    /// Invitations by state and preset attributes, for the participation
    /// view. Counts only; nothing about any one respondent's answers.
    pub async fn participation(&self, assessment_id: &str) -> Result<Vec<ParticipationRow>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT attributes, state, COUNT(*) AS invitations FROM invitations
                 WHERE assessment_id = $1 GROUP BY attributes, state ORDER BY attributes, state",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let attributes: String = row.try_get("attributes")?;
                    Ok(ParticipationRow {
                        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
                        state: InvitationState::parse(&row.try_get::<String, _>("state")?),
                        invitations: row.try_get("invitations")?,
                    })
                })
                .collect()
        })
    }

    /// The submitted responses of an assessment, in id order (which is
    /// random, not the order of submission).
    pub async fn responses(&self, assessment_id: &str) -> Result<Vec<StoredResponse>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT id, attributes, submitted_on, answers FROM responses WHERE assessment_id = $1 ORDER BY id",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let attributes: String = row.try_get("attributes")?;
                    Ok(StoredResponse {
                        id: row.try_get("id")?,
                        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
                        submitted_on: row.try_get("submitted_on")?,
                        answers: row.try_get("answers")?,
                    })
                })
                .collect()
        })
    }

    /// Adds submitted responses to the pending pool directly, all or none:
    /// for demo data and imports, where there is no respondent to invite.
    /// Like every submitted response they are published only by a release.
    pub async fn insert_responses(
        &self,
        assessment_id: &str,
        responses: &[NewResponse],
    ) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            for response in responses {
                sqlx::query(
                    "INSERT INTO pending_responses (id, assessment_id, attributes, answers, answering)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(new_id())
                .bind(assessment_id)
                .bind(serde_json::to_string(&response.attributes).expect("a map of strings serialises"))
                .bind(&response.answers)
                .bind(response.answers.iter().any(|value| *value != 0))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The users granted access to an organisation, by email. Admins see
    /// every organisation and appear only when granted explicitly.
    pub async fn users_with_access(&self, organization_id: &str) -> Result<Vec<User>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT u.id, u.email, u.role FROM organization_access a JOIN users u ON u.id = a.user_id
                 WHERE a.organization_id = $1 ORDER BY u.email",
            )
            .bind(organization_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// How many responses an assessment has received, without loading them.
    pub async fn response_count(&self, assessment_id: &str) -> Result<i64> {
        on_pool!(&self.pool, |pool| {
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE assessment_id = $1")
                    .bind(assessment_id)
                    .fetch_one(pool)
                    .await?;
            Ok(count)
        })
    }

    /// The name of the organisation an assessment belongs to, for the pages
    /// of its respondents, who have no account to scope the look-up by.
    /// `None` when the assessment does not exist.
    pub async fn organization_name_of_assessment(
        &self,
        assessment_id: &str,
    ) -> Result<Option<String>> {
        on_pool!(&self.pool, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT o.name FROM assessments a JOIN organizations o ON o.id = a.organization_id
                 WHERE a.id = $1",
            )
            .bind(assessment_id)
            .fetch_optional(pool)
            .await?)
        })
    }
}

// ----- model stewardship ---------------------------------------------------
//
// Read-only queries for the model steward's pages: how much each stored model
// version is used, and the answers of the submitted responses of a version
// pooled over those of its assessments that reached their own anonymity
// minimum, for calibration. Nothing here returns a response's id,
// assessment or organisation: only counts and answer cells.

/// Responses read per query while pooling, so that memory while reading
/// stays bounded by the matrix being built rather than by the rows in
/// flight.
const POOL_PAGE: i64 = 1000;

/// An assessment of a model version that a calibration could pool: its
/// frozen anonymity minimum and how many responses it published. Which of
/// them are pooled is the privacy policy's decision
/// (`simm_core::Policy::pool`), not the store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolCandidateRow {
    pub assessment_id: String,
    pub anonymity_min: Option<u32>,
    pub released: i64,
}

impl Store {
    /// Every stored model version, with the number of assessments that use
    /// it and of responses submitted to them.
    pub async fn model_version_usage(&self) -> Result<Vec<ModelVersionUsage>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT v.id, v.model_id, v.version, v.content_hash, v.source,
                   (SELECT COUNT(*) FROM assessments a WHERE a.model_version_id = v.id) AS assessments,
                   (SELECT COUNT(*) FROM responses r JOIN assessments a ON a.id = r.assessment_id
                     WHERE a.model_version_id = v.id) AS submitted_responses
                 FROM model_versions v ORDER BY v.model_id, v.created_at",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(ModelVersionUsage {
                        version: model_version_from_row(row)?,
                        assessments: row.try_get("assessments")?,
                        submitted_responses: row.try_get("submitted_responses")?,
                    })
                })
                .collect()
        })
    }

    /// The model file of a stored version, exactly as it was stored:
    /// comments and layout included, which a proposal keeps.
    pub async fn model_version_source(&self, model_version_id: &str) -> Result<Option<String>> {
        on_pool!(&self.pool, |pool| {
            Ok(
                sqlx::query_scalar("SELECT source FROM model_versions WHERE id = $1")
                    .bind(model_version_id)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// The assessments of a model version with their published
    /// responses, for the privacy policy to decide which a calibration
    /// pools. Counts only, without reading any answer.
    pub async fn pool_candidates(&self, model_version_id: &str) -> Result<Vec<PoolCandidateRow>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT a.id, a.anonymity_min,
                   (SELECT COUNT(*) FROM responses r WHERE r.assessment_id = a.id) AS released
                 FROM assessments a WHERE a.model_version_id = $1 ORDER BY a.id",
            )
            .bind(model_version_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(PoolCandidateRow {
                        assessment_id: row.try_get("id")?,
                        anonymity_min: row
                            .try_get::<Option<i64>, _>("anonymity_min")?
                            .map(|v| v.clamp(0, i64::from(u32::MAX)) as u32),
                        released: row.try_get("released")?,
                    })
                })
                .collect()
        })
    }

    /// The answers of every released response of the assessments in
    /// `members` (of one model version), as one matrix with a column per
    /// model item (`items` columns, model order, as responses are stored)
    /// and a cell per answer: 0 for none, 1..=`points` for an answer. With
    /// `attribute`, each row's published value of that attribute comes
    /// along, for DIF. Which assessments are members is the privacy
    /// policy's decision.
    ///
    /// Rows are read in pages in id order, which is random, so the order of
    /// the matrix says nothing about the order of submission. A stored
    /// answer outside the scale cannot come from the respondent pages, which
    /// check it; should one exist, it counts as missing rather than being
    /// passed on to the calibration as a value the model does not have.
    pub async fn pooled_answers(
        &self,
        model_version_id: &str,
        members: &std::collections::HashSet<String>,
        items: usize,
        points: u8,
        attribute: Option<&str>,
    ) -> Result<PooledAnswers> {
        let mut matrix = simm_core::AnswerMatrix::with_capacity(items, 0);
        let mut attribute_values = Vec::new();
        let mut assessments = std::collections::HashSet::new();
        let mut after = String::new();
        let mut row_cells = vec![0u8; items];
        loop {
            let page = on_pool!(&self.pool, |pool| {
                let rows = sqlx::query(
                    "SELECT r.id, r.assessment_id, r.attributes, r.answers FROM responses r
                     JOIN assessments a ON a.id = r.assessment_id
                     WHERE a.model_version_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3",
                )
                .bind(model_version_id)
                .bind(&after)
                .bind(POOL_PAGE)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get::<String, _>("id")?,
                            row.try_get::<String, _>("assessment_id")?,
                            row.try_get::<String, _>("attributes")?,
                            row.try_get::<Vec<u8>, _>("answers")?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?
            });
            let Some((last, ..)) = page.last() else { break };
            after = last.clone();
            let full = page.len() as i64 == POOL_PAGE;
            for (_, assessment_id, attributes, answers) in page {
                if !members.contains(assessment_id.as_str()) {
                    continue;
                }
                for (index, cell) in row_cells.iter_mut().enumerate() {
                    *cell = answers
                        .get(index)
                        .copied()
                        .filter(|value| (1..=points).contains(value))
                        .unwrap_or(0);
                }
                matrix.push(&row_cells);
                if let Some(attribute) = attribute {
                    let mut values: Attributes =
                        serde_json::from_str(&attributes).map_err(|error| {
                            StoreError::Corrupt(format!("response attributes: {error}"))
                        })?;
                    attribute_values.push(values.remove(attribute));
                }
                assessments.insert(assessment_id);
            }
            if !full {
                break;
            }
        }
        Ok(PooledAnswers {
            matrix,
            attribute_values,
            assessments: assessments.len(),
        })
    }
}

/// Whether a connection coming back to the pool may be handed out again:
/// not when it is still inside a transaction. That happens when a write
/// failed on a full disk: SQLite rolls the transaction back by itself
/// (as it does for SQLITE_FULL), the ROLLBACK sqlx sends when the
/// transaction is dropped then fails with "no transaction is active", and
/// sqlx, whose rollback failed, still counts the transaction as open, so
/// every later `begin` on that connection would fail. A connection closed
/// here is replaced by a fresh one on demand, so the store recovers by
/// itself once there is space again; closing it also rolls back whatever
/// it still held.
fn release_clean<C: Connection>(connection: &C) -> bool {
    let clean = !connection.is_in_transaction();
    if !clean {
        tracing::warn!("a database connection came back inside a transaction; closing it");
    }
    clean
}

async fn apply_page_cap(connection: &mut sqlx::SqliteConnection, pages: u32) -> sqlx::Result<()> {
    // SQLite's own ceiling (SQLITE_MAX_PAGE_COUNT) stands for no cap.
    let pages = if pages == 0 { 0xffff_fffe } else { pages };
    sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
        .execute(connection)
        .await?;
    Ok(())
}

/// Refuses a database that cannot be written (opened with `mode=ro` or
/// `immutable=1`, a read-only file or file system) at start-up, instead of
/// serving pages until the first answer fails. BEGIN IMMEDIATE alone
/// succeeds on a read-only connection, so the probe writes the header's
/// `user_version` with the value it has, and rolls back.
async fn check_sqlite_writable(pool: &SqlitePool, database: &str) -> Result<()> {
    let probe = async {
        let mut transaction = pool.begin_with("BEGIN IMMEDIATE").await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *transaction)
            .await?;
        sqlx::query(&format!("PRAGMA user_version = {version}"))
            .execute(&mut *transaction)
            .await?;
        transaction.rollback().await
    };
    match probe.await {
        Ok(()) => Ok(()),
        Err(error) => match database_code(&error) {
            Some(Code::Sqlite(code)) if code & 0xff == SQLITE_READONLY => {
                Err(StoreError::ReadOnly {
                    database: database.to_owned(),
                    reason: match &error {
                        sqlx::Error::Database(error) => error.message().to_owned(),
                        other => other.to_string(),
                    },
                })
            }
            _ => Err(error.into()),
        },
    }
}

/// Refuses a PostgreSQL database that takes no writes: a standby in
/// recovery, or one whose sessions are read-only
/// (`default_transaction_read_only`).
async fn check_postgres_writable(pool: &PgPool) -> Result<()> {
    let row = sqlx::query(
        "SELECT current_database() AS database, pg_is_in_recovery() AS recovery,
                current_setting('transaction_read_only') AS read_only",
    )
    .fetch_one(pool)
    .await?;
    let database: String = row.try_get("database")?;
    let recovery: bool = row.try_get("recovery")?;
    let read_only: String = row.try_get("read_only")?;
    let reason = if recovery {
        "the server is a standby in recovery; point simm at the primary"
    } else if read_only == "on" {
        "its sessions are read-only (default_transaction_read_only is on)"
    } else {
        return Ok(());
    };
    Err(StoreError::ReadOnly {
        database,
        reason: reason.to_owned(),
    })
}

/// The stored form of a throttle key: its SHA-256 in hex.
fn throttle_key(key: &str) -> String {
    hex(&sha256(key.as_bytes()))
}

async fn check_sqlite_settings(pool: &SqlitePool) -> Result<()> {
    let mut connection = pool.acquire().await?;
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *connection)
        .await?;
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *connection)
        .await?;
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *connection)
        .await?;
    let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *connection)
        .await?;
    // synchronous = 2 is FULL: every commit reaches the disk before it is
    // acknowledged, which the promise "an acknowledged answer survives a
    // power cut" rests on.
    if !journal.eq_ignore_ascii_case("wal")
        || synchronous != 2
        || foreign_keys != 1
        || busy_timeout < 1000
    {
        return Err(StoreError::UnsafeConfiguration(format!(
            "journal_mode={journal}, synchronous={synchronous}, foreign_keys={foreign_keys}, busy_timeout={busy_timeout}; expected wal, 2 (FULL), 1, at least 1000"
        )));
    }
    Ok(())
}

const ASSESSMENT_COLUMNS: &str = "SELECT a.id, a.organization_id, a.model_version_id, a.title, a.state, a.anonymity_min FROM assessments a";

fn user_from_row<R: Row>(row: &R) -> Result<User>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
    })
}

fn organization_from_row<R: Row>(row: &R) -> Result<Organization>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    Ok(Organization {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        industry: row.try_get("industry")?,
        size: row.try_get("size")?,
        country: row.try_get("country")?,
    })
}

fn model_version_from_row<R: Row>(row: &R) -> Result<ModelVersion>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let source: String = row.try_get("source")?;
    let title = simm_core::Model::parse(&source)
        .map(|m| m.title().to_owned())
        .unwrap_or_default();
    Ok(ModelVersion {
        id: row.try_get("id")?,
        model_id: row.try_get("model_id")?,
        version: row.try_get("version")?,
        content_hash: row.try_get("content_hash")?,
        title,
    })
}

fn assessment_from_row<R: Row>(row: &R) -> Result<Assessment>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let state: String = row.try_get("state")?;
    let anonymity_min: Option<i64> = row.try_get("anonymity_min")?;
    Ok(Assessment {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        model_version_id: row.try_get("model_version_id")?,
        title: row.try_get("title")?,
        state: AssessmentState::parse(&state),
        anonymity_min: anonymity_min.map(|v| v as u32),
    })
}

fn invitation_from_row<R: Row>(row: &R) -> Result<Invitation>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let attributes: String = row.try_get("attributes")?;
    let state: String = row.try_get("state")?;
    Ok(Invitation {
        id: row.try_get("id")?,
        assessment_id: row.try_get("assessment_id")?,
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        state: InvitationState::parse(&state),
    })
}
