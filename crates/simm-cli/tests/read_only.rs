//! A database that cannot be written is refused at start-up (issue 8):
//! `simm serve` exits with an error that says so, instead of serving pages
//! and a healthy `/healthz` until the first answer fails.
//!
//! The tests run as root, which file permissions do not stop, so SQLite is
//! made read-only by the URL (`mode=ro`, `immutable=1`) rather than by
//! chmod; PostgreSQL by `default_transaction_read_only` on the database.
//! The same databases without that setting serve, so the check is of the
//! setting and nothing else.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use simm_store::{Store, new_id};

#[path = "../../simm-store/tests/support/postgres_database.rs"]
mod postgres_database;
use postgres_database::TestDatabase;

/// What became of `simm serve` on a database.
#[derive(Debug)]
enum Start {
    /// It printed that it is serving (and was then killed).
    Served,
    /// It exited with this code and standard error.
    Exited(Option<i32>, String),
}

fn serve(database: &str) -> Start {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simm"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("simm starts");
    let stdout = child.stdout.take().unwrap();
    // The server either says it serves or exits, closing its stdout.
    let served = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("simm is serving on "));
    if served {
        child.kill().unwrap();
        child.wait().unwrap();
        return Start::Served;
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Start::Exited(child.wait().unwrap().code(), stderr)
}

/// Checks that the writable database serves and the read-only one is
/// refused with a message that names it and says it is read-only.
fn check(writable: &str, read_only: &str, named: &str, reason: &str) {
    assert!(
        matches!(serve(writable), Start::Served),
        "{writable} should serve"
    );
    match serve(read_only) {
        Start::Exited(code, stderr) => {
            assert_eq!(code, Some(1), "{read_only}: {stderr}");
            let expected = format!("the database {named} is read-only: {reason}");
            assert!(
                stderr.contains(&expected),
                "{read_only}: expected {expected:?} in {stderr:?}"
            );
        }
        Start::Served => panic!("{read_only} is read-only, yet simm served it"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sqlite_is_refused_at_start_up() {
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("read-only");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(format!("{}.db", new_id()));
    let url = format!("sqlite://{}", path.display());
    Store::connect(&url).await.unwrap().close().await;
    for parameter in ["mode=ro", "immutable=1"] {
        check(
            &url,
            &format!("{url}?{parameter}"),
            &path.display().to_string(),
            "attempt to write a readonly database",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_postgres_is_refused_at_start_up() {
    let writable = TestDatabase::create().await;
    let read_only = TestDatabase::create().await;
    for database in [&writable, &read_only] {
        Store::connect(database.url()).await.unwrap().close().await;
    }
    let admin = sqlx::PgPool::connect(writable.url()).await.unwrap();
    sqlx::query(&format!(
        "ALTER DATABASE {} SET default_transaction_read_only = on",
        read_only.name()
    ))
    .execute(&admin)
    .await
    .unwrap();
    admin.close().await;
    check(
        writable.url(),
        read_only.url(),
        read_only.name(),
        "its sessions are read-only (default_transaction_read_only is on)",
    );
}
