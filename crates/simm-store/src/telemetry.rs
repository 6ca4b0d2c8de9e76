//! The store's metrics, through the `metrics` facade: whatever recorder
//! the program installs (the web crate's Prometheus exporter) receives
//! them, and without one they cost next to nothing.

use std::time::Duration;

use crate::{SaveAnswer, SaveOutcome};

/// Answers written by committed group-commit transactions.
pub const ANSWERS_SAVED: &str = "simm_answers_saved_total";
/// Answers per group-commit transaction.
pub const ANSWER_BATCH_SIZE: &str = "simm_answer_batch_size";
/// How long a group-commit transaction's commit took: on SQLite with
/// `synchronous=FULL`, the fsync; on PostgreSQL, the batch's one
/// statement, which commits as it runs.
pub const ANSWER_COMMIT_SECONDS: &str = "simm_answer_commit_seconds";

/// Describes the store's metrics to the installed recorder.
pub fn describe_metrics() {
    metrics::describe_counter!(
        ANSWERS_SAVED,
        "Answers saved by committed group-commit transactions"
    );
    metrics::describe_histogram!(
        ANSWER_BATCH_SIZE,
        "Answers written per group-commit transaction"
    );
    metrics::describe_histogram!(
        ANSWER_COMMIT_SECONDS,
        metrics::Unit::Seconds,
        "Time to commit one group-commit transaction (the fsync on SQLite)"
    );
}

/// Records one committed batch of the answer writer.
pub(crate) fn batch_committed(
    groups: &[&[SaveAnswer]],
    outcomes: &[SaveOutcome],
    commit: Duration,
) {
    let written: usize = groups.iter().map(|group| group.len()).sum();
    let saved: usize = groups
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| **outcome == SaveOutcome::Saved)
        .map(|(group, _)| group.len())
        .sum();
    metrics::histogram!(ANSWER_BATCH_SIZE).record(written as f64);
    metrics::histogram!(ANSWER_COMMIT_SECONDS).record(commit);
    metrics::counter!(ANSWERS_SAVED).increment(saved as u64);
}
