//! `simm backup` and `simm restore`: an online copy of a SQLite database
//! and its whole-or-nothing return (the store's `backup` module does the
//! work and explains the lock that keeps a restore off a database in use).

use std::path::Path;

use simm_store::backup::BackupError;

use crate::commands::BadInput;
use crate::server::{DatabaseArgs, configured_database, runtime};

pub fn backup(file: &Path, database: &DatabaseArgs) -> anyhow::Result<()> {
    let url = configured_database(database)?;
    let summary = runtime()?
        .block_on(simm_store::backup::backup(&url, file))
        .map_err(user_error)?;
    println!(
        "backed up {} to {} ({} bytes, integrity checked)",
        summary.database.display(),
        file.display(),
        summary.bytes
    );
    Ok(())
}

pub fn restore(file: &Path, database: &DatabaseArgs) -> anyhow::Result<()> {
    let url = configured_database(database)?;
    let summary = runtime()?
        .block_on(simm_store::backup::restore(file, &url))
        .map_err(user_error)?;
    println!(
        "restored {} from {}{}",
        summary.database.display(),
        file.display(),
        if summary.replaced {
            " (the database that was there is replaced)"
        } else {
            ""
        }
    );
    Ok(())
}

/// Everything but a failure inside SQLite is the user's to fix: a wrong
/// URL or file, a server still running, a damaged backup.
fn user_error(error: BackupError) -> anyhow::Error {
    match error {
        BackupError::Database { .. } => anyhow::Error::new(error),
        other => BadInput(other.to_string()).into(),
    }
}
