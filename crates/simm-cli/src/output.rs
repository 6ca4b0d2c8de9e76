//! Writing results whole or not at all.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;

/// Writes `contents` to `path` through a temporary file in the same
/// folder and a rename, so that a reader never sees half a report and an
/// earlier report survives a failed run. Without a path, writes to
/// standard output.
pub fn write_whole(path: Option<&Path>, contents: &[u8]) -> anyhow::Result<()> {
    let Some(path) = path else {
        let mut stdout = io::stdout().lock();
        return match stdout.write_all(contents).and_then(|()| stdout.flush()) {
            // A closed pipe (`simm score … | head`) is the reader's choice.
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("writing to standard output"),
        };
    };
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let temporary = folder.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = fs::File::create(&temporary)
            .with_context(|| format!("creating {}", temporary.display()))?;
        file.write_all(contents)
            .with_context(|| format!("writing {}", temporary.display()))?;
        file.sync_all()
            .with_context(|| format!("flushing {}", temporary.display()))?;
        fs::rename(&temporary, path)
            .with_context(|| format!("moving the report into place at {}", path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}
