//! What a database holds, read as bytes, for the tests that check that
//! something deleted is gone: the store's and the web's.

/// Everything the database holds, as bytes: SQLite's file with its
/// write-ahead log and shared memory, or a plain dump of PostgreSQL's.
pub async fn database_bytes(url: &str) -> Vec<u8> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(part) = std::fs::read(format!("{path}{suffix}")) {
                bytes.extend(part);
            }
        }
        assert!(!bytes.is_empty(), "no database file at {path}");
        bytes
    } else {
        let output = std::process::Command::new("pg_dump")
            .arg("--dbname")
            .arg(url)
            .output()
            .expect("pg_dump runs");
        assert!(
            output.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stdout.windows(14).any(|w| w == b"email_outbox ("),
            "the dump holds the tables"
        );
        output.stdout
    }
}
