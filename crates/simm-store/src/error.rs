//! The store's one error type, and how a database error is classified on
//! its way out: a full disk and a read-only database are told apart from
//! every other failure, on both back-ends.

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

/// Whether SQLite refused a write because the database is read-only.
pub(crate) fn is_sqlite_read_only(error: &sqlx::Error) -> bool {
    matches!(database_code(error), Some(Code::Sqlite(code)) if code & 0xff == SQLITE_READONLY)
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
