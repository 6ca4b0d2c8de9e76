//! A small tmpfs for the disk-full tests of the store and the web, which
//! include this file: a real file system that fills up.

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
