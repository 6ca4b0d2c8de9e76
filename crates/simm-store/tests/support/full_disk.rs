//! Full disks for the disk-full tests of the store and the web, which
//! include this file: a small tmpfs that really fills up, and PostgreSQL's
//! disk-full error injected at commit.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for one test, unmounted when dropped, on failure too.
pub struct Tmpfs {
    pub dir: PathBuf,
}

impl Tmpfs {
    /// `None` when the environment does not let the test mount.
    pub fn mount(size: &str) -> Option<Tmpfs> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("tmpfs")
            .join(simm_store::new_id());
        std::fs::create_dir_all(&dir).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .map(|output| {
                if !output.status.success() {
                    eprintln!(
                        "mount -t tmpfs failed: {}",
                        String::from_utf8_lossy(&output.stderr).trim()
                    );
                }
                output.status.success()
            })
            .unwrap_or(false);
        // Not constructed unless mounted: its drop would unmount.
        if mounted { Some(Tmpfs { dir }) } else { None }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy, so that connections the pool is still closing cannot keep
        // the mount busy.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Fills a file on the tmpfs down to the last byte the file system gives.
pub fn fill_ballast(ballast: &Path) {
    let mut file = std::fs::File::create(ballast).unwrap();
    for chunk in [65536, 4096, 512, 1] {
        let block = vec![0u8; chunk];
        loop {
            match file.write_all(&block) {
                Ok(()) => {}
                // ENOSPC: this size no longer fits.
                Err(error) if error.raw_os_error() == Some(28) => break,
                Err(error) => panic!("writing the ballast: {error}"),
            }
        }
    }
    let _ = file.sync_all();
}

/// The tables every write of the tests touches.
pub const TABLES: [&str; 5] = [
    "organizations",
    "users",
    "draft_answers",
    "sessions",
    "throttle",
];

/// Makes every commit that wrote one of [`TABLES`] fail as PostgreSQL
/// fails on a full disk (SQLSTATE 53100), with a deferred trigger.
pub async fn inject_postgres_disk_full(pool: &sqlx::PgPool) {
    sqlx::query(
        "CREATE FUNCTION simm_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           RAISE EXCEPTION 'could not extend file: No space left on device'
             USING ERRCODE = 'disk_full';
         END $$",
    )
    .execute(pool)
    .await
    .unwrap();
    for table in TABLES {
        sqlx::query(&format!(
            "CREATE CONSTRAINT TRIGGER simm_test_disk_full AFTER INSERT OR UPDATE ON {table}
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION simm_test_disk_full()"
        ))
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Space is back.
pub async fn lift_postgres_disk_full(pool: &sqlx::PgPool) {
    for table in TABLES {
        sqlx::query(&format!("DROP TRIGGER simm_test_disk_full ON {table}"))
            .execute(pool)
            .await
            .unwrap();
    }
}
