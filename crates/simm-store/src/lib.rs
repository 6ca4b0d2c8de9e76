//! Storage for the simm platform: one store API over SQLite (the embedded
//! default) and PostgreSQL (for several server instances sharing one
//! database).
//!
//! Every query is written once and runs on both back-ends: the
//! [`on_pool!`] macro expands a block for each pool type, so the SQL and the
//! row decoding are shared and the compiler checks both. Domain types never
//! derive sqlx traits; rows are decoded into the plain records of
//! [`records`].

mod actions;
mod answers;
mod assessments;
pub mod backup;
mod deadlines;
mod drafts;
mod emails;
mod error;
mod health;
mod imports;
mod invitations;
mod model_versions;
mod organisations;
mod pooling;
mod records;
mod releases;
mod responses;
mod sessions;
mod targets;
pub mod telemetry;
mod throttle;
mod users;
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
pub use deadlines::DeadlineRecord;
pub use emails::{
    ClaimedEmail, EmailCount, EmailKind, EmailRecipientRow, INTERRUPTED, NewEmailRecipient,
    NewEmailTemplate, OutboxState, QueueOutcome, SendOutcome,
};
pub use error::{Result, StoreError};
pub use health::PoolUse;
pub use imports::{ImportOutcome, ImportRecord};
pub use pooling::PoolCandidateRow;
pub use records::*;
pub use releases::{PendingCounts, PendingResponse, ReleaseOutcome, ReleasePlan, ReleaseRecord};
pub use util::{hash_token, new_id, new_token, today};

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

/// Claims an assessment's row in a write transaction while it is open
/// (`open`) or not closed (`not_closed`): a write that takes SQLite's write
/// lock at once, and on PostgreSQL a row lock that a release closing the
/// assessment waits for (and the other way round), so that nothing lands
/// in an assessment closed meanwhile. Whether the row was claimed.
macro_rules! claim_assessment {
    ($tx:expr, $id:expr, open) => {
        $crate::claim_assessment!(@where $tx, $id, "state = 'open'")
    };
    ($tx:expr, $id:expr, not_closed) => {
        $crate::claim_assessment!(@where $tx, $id, "state <> 'closed'")
    };
    (@where $tx:expr, $id:expr, $condition:literal) => {
        sqlx::query(concat!("UPDATE assessments SET state = state WHERE id = $1 AND ", $condition))
            .bind($id)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
            == 1
    };
}
pub(crate) use claim_assessment;

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
                .busy_timeout(Duration::from_secs(10))
                // Deleted rows are overwritten with zeros, so that the
                // e-mail addresses deleted at an assessment's close are
                // gone from the file, not only unlinked from it.
                .pragma("secure_delete", "ON");
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
        model_versions::fill_in_titles(&pool).await?;
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
        Err(error) if error::is_sqlite_read_only(&error) => Err(StoreError::ReadOnly {
            database: database.to_owned(),
            reason: match &error {
                sqlx::Error::Database(error) => error.message().to_owned(),
                other => other.to_string(),
            },
        }),
        Err(error) => Err(error.into()),
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
    let secure_delete: i64 = sqlx::query_scalar("PRAGMA secure_delete")
        .fetch_one(&mut *connection)
        .await?;
    // synchronous = 2 is FULL: every commit reaches the disk before it is
    // acknowledged, which the promise "an acknowledged answer survives a
    // power cut" rests on.
    if !journal.eq_ignore_ascii_case("wal")
        || synchronous != 2
        || foreign_keys != 1
        || busy_timeout < 1000
        || secure_delete != 1
    {
        return Err(StoreError::UnsafeConfiguration(format!(
            "journal_mode={journal}, synchronous={synchronous}, foreign_keys={foreign_keys}, busy_timeout={busy_timeout}, secure_delete={secure_delete}; expected wal, 2 (FULL), 1, at least 1000, 1"
        )));
    }
    Ok(())
}
