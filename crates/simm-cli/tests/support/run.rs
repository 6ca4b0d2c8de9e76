//! Running the `simm` binary from a test: its output, and the check of a
//! refusal of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn simm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simm"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("simm runs")
}

pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "simm failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Runs simm and expects bad-input failure: exit status 2, nothing on
/// standard output, and the given lines on standard error.
pub fn check_refused(args: &[&str], expected_stderr: &[&str]) {
    let output = simm(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        expected_stderr,
        "{args:?}"
    );
}
