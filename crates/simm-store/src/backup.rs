//! Online backups of a SQLite database, whole-or-nothing restores, and the
//! lock that keeps a restore from replacing a database a simm process uses.
//!
//! A backup is `VACUUM INTO`: one read transaction, so the copy is the
//! database as of one moment while the server goes on writing (WAL). It is
//! written under a temporary name, synced, checked and only then given its
//! name. A restore copies the backup beside the target, checks the copy
//! (SQLite's integrity check, and that it is a simm database whose
//! migrations this build knows), syncs it, and renames it over the target:
//! a crash leaves the old database or the new one, never a mix.
//!
//! Every simm process that opens a SQLite database holds a shared advisory
//! lock (`flock`) on `DATABASE-lock` beside it ([`hold_database`]); a
//! restore takes that lock exclusively, and refuses when it cannot. The
//! kernel drops the lock when a process ends, however it ends, so a killed
//! server leaves no stale lock behind. SQLite's own locks cannot tell the
//! same: a server between requests holds none a restore could see.
//!
//! PostgreSQL has its own tools for this (`pg_dump`, `pg_restore`), which
//! the errors here name.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// What went wrong in a backup or a restore.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "simm {command} copies SQLite databases; for PostgreSQL use pg_dump to back up and pg_restore to restore (see the README's deployment section)"
    )]
    Postgres { command: &'static str },
    #[error("the database URL {0:?} names no SQLite file (sqlite://FILE)")]
    NotAFile(String),
    #[error("{}: no such database", .0.display())]
    Missing(PathBuf),
    #[error("{}: exists already; simm backup never overwrites a file, choose another name", .0.display())]
    Exists(PathBuf),
    #[error("{}: is the database itself; restore from a backup elsewhere", .0.display())]
    SameFile(PathBuf),
    #[error(
        "{}: a simm process is using it (it holds {}); stop the server, and any other simm command on it, before restoring",
        .database.display(), .lock.display()
    )]
    InUse { database: PathBuf, lock: PathBuf },
    #[error(
        "{}: a restore is replacing this database (it holds {}); start simm when it has finished",
        .database.display(), .lock.display()
    )]
    RestoreInProgress { database: PathBuf, lock: PathBuf },
    #[error("{}: not a SQLite database: {reason}", .path.display())]
    NotADatabase { path: PathBuf, reason: String },
    #[error("{}: the database is damaged; SQLite's integrity check says: {details}", .path.display())]
    Damaged { path: PathBuf, details: String },
    #[error("{}: not a simm database: {reason}", .path.display())]
    NotSimm { path: PathBuf, reason: String },
    #[error("{}: cannot fold its write-ahead log into the database ({reason}); move it, with its -wal and -shm files, aside and restore again", .path.display())]
    Checkpoint { path: PathBuf, reason: String },
    #[error("{}: cannot {action}: {source}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("database error while copying {}", .path.display())]
    Database {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
}

type Result<T> = std::result::Result<T, BackupError>;

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> BackupError + use<> {
    let path = path.to_owned();
    move |source| BackupError::Io {
        path,
        action,
        source,
    }
}

/// The SQLite file a database URL names; `None` for PostgreSQL.
fn sqlite_file(url: &str) -> Result<Option<PathBuf>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(None);
    }
    let not_a_file = || BackupError::NotAFile(url.to_owned());
    // sqlx names an in-memory database's file after itself; there is no
    // file to copy.
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Err(not_a_file());
    }
    let options = SqliteConnectOptions::from_str(url).map_err(|_| not_a_file())?;
    let file = options.get_filename();
    if file.as_os_str().is_empty() {
        return Err(not_a_file());
    }
    Ok(Some(file.to_owned()))
}

fn sqlite_only(url: &str, command: &'static str) -> Result<PathBuf> {
    sqlite_file(url)?.ok_or(BackupError::Postgres { command })
}

/// `FILE-lock`, beside the database.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = OsString::from(database.as_os_str());
    name.push("-lock");
    PathBuf::from(name)
}

/// Held by a simm process for as long as it uses a SQLite database; a
/// restore of that database is refused meanwhile. Dropping it releases it.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

fn open_lock(database: &Path) -> Result<(File, PathBuf)> {
    let lock = lock_path(database);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(io(&lock, "create the lock file"))?;
    Ok((file, lock))
}

/// Takes the shared lock of the SQLite database `url` names, for a server
/// or a command that uses it; `None` for PostgreSQL, where no restore of
/// simm's replaces the database. Refused while a restore runs.
pub fn hold_database(url: &str) -> Result<Option<DatabaseLock>> {
    let Ok(Some(database)) = sqlite_file(url) else {
        // Not a SQLite file: the store's own connect says what is wrong.
        return Ok(None);
    };
    let (file, lock) = open_lock(&database)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(DatabaseLock { _file: file })),
        Err(TryLockError::WouldBlock) => Err(BackupError::RestoreInProgress { database, lock }),
        Err(TryLockError::Error(error)) => Err(io(&lock, "lock")(error)),
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub database: PathBuf,
    pub bytes: u64,
}

/// A name beside `path` for a file being written, unique per call.
fn partial_path(path: &Path, purpose: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{purpose}-{}", crate::new_id()))
}

fn sync_file(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(io(path, "sync"))
}

/// Syncs the folder that holds `path`, so that a rename in it is durable.
fn sync_parent(path: &Path) -> Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|folder| folder.sync_all())
        .map_err(io(parent, "sync the folder"))
}

/// Writes a consistent copy of the SQLite database `url` names to
/// `destination`, while other connections go on writing. Never overwrites:
/// an existing `destination` is refused, and the copy gets its name only
/// once it is synced and checked.
pub async fn backup(url: &str, destination: &Path) -> Result<BackupSummary> {
    let database = sqlite_only(url, "backup")?;
    if !database.is_file() {
        return Err(BackupError::Missing(database));
    }
    if destination.symlink_metadata().is_ok() {
        return Err(BackupError::Exists(destination.to_owned()));
    }
    let partial = partial_path(destination, "partial");
    let written = async {
        let mut connection = SqliteConnectOptions::new()
            .filename(&database)
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(10))
            .connect()
            .await
            .map_err(|source| database_error(&database, source))?;
        let target = partial.to_str().ok_or_else(|| BackupError::Io {
            path: partial.clone(),
            action: "name a backup with",
            source: std::io::Error::other("the path is not valid UTF-8"),
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&mut connection)
            .await
            .map_err(|source| database_error(&database, source))?;
        connection
            .close()
            .await
            .map_err(|source| database_error(&database, source))?;
        sync_file(&partial)?;
        check_simm_database(&partial, destination).await?;
        // A hard link gives the copy its name only if that name is still
        // free: no rename over a file created meanwhile.
        std::fs::hard_link(&partial, destination).map_err(|error| {
            if error.kind() == std::io::ErrorKind::AlreadyExists {
                BackupError::Exists(destination.to_owned())
            } else {
                io(destination, "create")(error)
            }
        })?;
        sync_parent(destination)
    }
    .await;
    let _ = std::fs::remove_file(&partial);
    written?;
    let bytes = std::fs::metadata(destination)
        .map_err(io(destination, "read the size of"))?
        .len();
    Ok(BackupSummary { database, bytes })
}

fn database_error(path: &Path, source: sqlx::Error) -> BackupError {
    BackupError::Database {
        path: path.to_owned(),
        source,
    }
}

/// What a restore replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    pub database: PathBuf,
    /// Whether a database was there before.
    pub replaced: bool,
}

/// Puts the backup `from` in place of the SQLite database `url` names,
/// whole or not at all; refused while a simm process uses that database,
/// and when the backup is not a sound simm database.
pub async fn restore(from: &Path, url: &str) -> Result<RestoreSummary> {
    let database = sqlite_only(url, "restore")?;
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_owned()));
    }
    if let (Ok(a), Ok(b)) = (from.canonicalize(), database.canonicalize())
        && a == b
    {
        return Err(BackupError::SameFile(from.to_owned()));
    }
    let (lock_file, lock) = open_lock(&database)?;
    match lock_file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(BackupError::InUse { database, lock }),
        Err(TryLockError::Error(error)) => return Err(io(&lock, "lock")(error)),
    }
    let partial = partial_path(&database, "restoring");
    let restored = async {
        std::fs::copy(from, &partial).map_err(io(&partial, "copy the backup to"))?;
        sync_file(&partial)?;
        check_simm_database(&partial, from).await?;
        let replaced = database.exists();
        if replaced {
            empty_write_ahead_log(&database).await?;
        }
        std::fs::rename(&partial, &database).map_err(io(&database, "replace"))?;
        sync_parent(&database)?;
        // Empty after the checkpoint; the next open makes them anew.
        for suffix in ["-wal", "-shm"] {
            let mut name = OsString::from(database.as_os_str());
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
        Ok(replaced)
    }
    .await;
    if restored.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    drop(lock_file);
    Ok(RestoreSummary {
        database,
        replaced: restored?,
    })
}

/// Folds the write-ahead log of the database being replaced into it and
/// empties the log. A log left behind would otherwise be replayed onto
/// the restored file at its next open: SQLite cannot tell whose log it is.
/// Until the rename, the old database stays whole.
async fn empty_write_ahead_log(database: &Path) -> Result<()> {
    let failed = |reason: String| BackupError::Checkpoint {
        path: database.to_owned(),
        reason,
    };
    let mut connection = SqliteConnectOptions::new()
        .filename(database)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await
        .map_err(|error| failed(error.to_string()))?;
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut connection)
        .await
        .map_err(|error| failed(error.to_string()))?;
    let busy: i64 = row.try_get(0).map_err(|error| failed(error.to_string()))?;
    connection
        .close()
        .await
        .map_err(|error| failed(error.to_string()))?;
    if busy != 0 {
        return Err(failed("another connection is using it".into()));
    }
    Ok(())
}

/// Checks that the file at `open` is a sound SQLite database made by
/// simm: SQLite's integrity check passes, and its migrations are this
/// build's (a prefix: an older backup is brought up to date when the
/// server opens it). Errors name `path`, the file the user knows.
async fn check_simm_database(open: &Path, path: &Path) -> Result<()> {
    // Immutable: read the file as it is, with no lock, journal or
    // write-ahead log of its own.
    let mut connection = SqliteConnectOptions::new()
        .filename(open)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .map_err(|error| not_a_database(path, error))?;
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut connection)
        .await
        .map_err(|error| not_a_database(path, error))?;
    if integrity != ["ok"] {
        return Err(BackupError::Damaged {
            path: path.to_owned(),
            details: integrity
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    let not_simm = |reason: String| BackupError::NotSimm {
        path: path.to_owned(),
        reason,
    };
    let rows =
        sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut connection)
            .await
            .map_err(|_| {
                not_simm("it has no table of simm's migrations (_sqlx_migrations)".into())
            })?;
    let _ = connection.close().await;
    if rows.is_empty() {
        return Err(not_simm("none of simm's migrations was applied".into()));
    }
    let known: Vec<&sqlx::migrate::Migration> = SQLITE_MIGRATIONS.iter().collect();
    for (index, row) in rows.iter().enumerate() {
        let field = |error: sqlx::Error| not_simm(error.to_string());
        let version: i64 = row.try_get("version").map_err(field)?;
        let success: bool = row.try_get("success").map_err(field)?;
        let checksum: Vec<u8> = row.try_get("checksum").map_err(field)?;
        if !success {
            return Err(not_simm(format!("its migration {version} did not finish")));
        }
        match known.get(index) {
            Some(migration) if migration.version == version && *migration.checksum == *checksum => {
            }
            None => {
                return Err(not_simm(format!(
                    "it has migration {version}, which this simm does not know; restore it with the newer simm that made it"
                )));
            }
            Some(_) => {
                return Err(not_simm(format!(
                    "its migration {version} differs from this simm's"
                )));
            }
        }
    }
    Ok(())
}

fn not_a_database(path: &Path, error: sqlx::Error) -> BackupError {
    BackupError::NotADatabase {
        path: path.to_owned(),
        reason: match &error {
            sqlx::Error::Database(error) => error.message().to_owned(),
            other => other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> PathBuf {
        let folder = std::env::temp_dir().join(format!("simm-backup-{}", crate::new_id()));
        std::fs::create_dir_all(&folder).unwrap();
        folder
    }

    #[test]
    fn a_user_of_the_database_and_a_restore_exclude_each_other() {
        let folder = folder();
        let database = folder.join("simm.db");
        let url = format!("sqlite://{}", database.display());
        let server = hold_database(&url)
            .unwrap()
            .expect("a SQLite file is locked");
        // Several users may share it.
        let command = hold_database(&url).unwrap().unwrap();
        let (restore, _) = open_lock(&database).unwrap();
        assert!(matches!(restore.try_lock(), Err(TryLockError::WouldBlock)));
        drop((server, command));
        restore.try_lock().unwrap();
        assert!(matches!(
            hold_database(&url),
            Err(BackupError::RestoreInProgress { .. })
        ));
        drop(restore);
        hold_database(&url).unwrap().unwrap();
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[test]
    fn postgres_urls_are_sent_to_pg_dump_and_other_urls_refused() {
        for command in ["backup", "restore"] {
            let error = sqlite_only("postgres://simm@db/simm", command)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("pg_dump") && error.contains(command),
                "{error}"
            );
        }
        assert!(hold_database("postgres://simm@db/simm").unwrap().is_none());
        for url in ["mysql://x/y", "sqlite::memory:"] {
            assert!(
                matches!(sqlite_only(url, "backup"), Err(BackupError::NotAFile(_))),
                "{url}"
            );
        }
    }
}
