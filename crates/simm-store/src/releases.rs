//! The pending pool and releases: submitted responses wait unseen until a
//! release publishes a whole batch of them at once (docs/privacy.md).
//!
//! The store does not decide what a release publishes: the caller passes
//! the privacy policy's decision as a function of the pending responses,
//! and the store applies it inside the transaction that read them, so no
//! response submitted meanwhile can slip into a batch the policy did not
//! see.

use rand::seq::SliceRandom;
use sqlx::Row;

use crate::records::parse_attributes;
use crate::util::{now, today};
use crate::{Assessment, AssessmentState, Attributes, Backend, Result, Store, StoreError};
use crate::{begin_write, new_id, on_pool};

/// A submitted response waiting for release, as the privacy policy sees
/// it. Its id is the pending row's, never the one it is published under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingResponse {
    pub attributes: Attributes,
    /// Whether it holds at least one answer.
    pub answering: bool,
}

/// What the privacy policy decided about the pending responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleasePlan {
    /// Publish nothing: too few are pending.
    Hold,
    /// For each pending response, in the order given, the attributes it is
    /// published with, or `None` to drop it unpublished (it holds no
    /// answer).
    Publish(Vec<Option<Attributes>>),
}

/// What a release did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseOutcome {
    pub assessment: Assessment,
    pub released: u64,
    /// Responses without an answer, dropped.
    pub blank: u64,
    /// Responses still pending afterwards.
    pub held_back: u64,
}

/// Pending responses of an assessment, as counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingCounts {
    pub answering: u64,
    pub blank: u64,
}

/// One release of an assessment's responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub released_at: i64,
    pub at_close: bool,
    pub released: u64,
    pub blank: u64,
}

impl Store {
    /// How many submitted responses wait for release: live counts, which
    /// participation shows; they say nothing of any answer.
    pub async fn pending_counts(&self, assessment_id: &str) -> Result<PendingCounts> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT answering, COUNT(*) AS n FROM pending_responses
                 WHERE assessment_id = $1 GROUP BY answering",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            let mut counts = PendingCounts::default();
            for row in rows {
                let n = row.try_get::<i64, _>("n")? as u64;
                if row.try_get::<bool, _>("answering")? {
                    counts.answering = n;
                } else {
                    counts.blank = n;
                }
            }
            Ok(counts)
        })
    }

    /// The releases of an assessment, oldest first.
    pub async fn releases(&self, assessment_id: &str) -> Result<Vec<ReleaseRecord>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT released_at, at_close, released, blank FROM releases
                 WHERE assessment_id = $1 ORDER BY released_at, id",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(ReleaseRecord {
                        released_at: row.try_get("released_at")?,
                        at_close: row.try_get("at_close")?,
                        released: row.try_get::<i64, _>("released")? as u64,
                        blank: row.try_get::<i64, _>("blank")? as u64,
                    })
                })
                .collect()
        })
    }

    /// Releases the pending responses of an open assessment as the privacy
    /// policy's `plan` decides, and closes it when `close` is set (closing
    /// happens even when the plan holds everything back). All in one
    /// transaction: the published responses get new random ids, are
    /// written in random order and dated with the day of the release, and
    /// their pending rows are deleted, so neither their ids, their order
    /// nor the transaction that wrote them leads back to an invitation.
    pub async fn release(
        &self,
        assessment_id: &str,
        close: bool,
        plan: impl FnOnce(&[PendingResponse]) -> ReleasePlan,
    ) -> Result<ReleaseOutcome> {
        // On PostgreSQL the assessment row is locked against a concurrent
        // submit, which takes a share lock on it; SQLite's write lock,
        // taken at BEGIN IMMEDIATE, already excludes every other writer.
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let (released, blank, held_back) = on_pool!(&self.pool, |pool| {
            async {
            let mut tx = begin_write!(pool);
            let state: Option<String> =
                sqlx::query_scalar(&format!("SELECT state FROM assessments WHERE id = $1{lock}"))
                    .bind(assessment_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let state = state
                .map(|state| AssessmentState::parse(&state))
                .ok_or_else(|| StoreError::Conflict("the assessment does not exist".into()))?;
            if close && state == AssessmentState::Closed {
                // Closing a closed assessment changes nothing.
                let held: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pending_responses WHERE assessment_id = $1",
                )
                .bind(assessment_id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                return Ok((0, 0, held.max(0) as u64));
            }
            if state != AssessmentState::Open {
                return Err(StoreError::Conflict(if close {
                    format!("the assessment is {} and cannot become closed", state.as_str())
                } else {
                    format!(
                        "the assessment is {}; a snapshot is published only while it is open",
                        state.as_str()
                    )
                }));
            }
            if close {
                sqlx::query("UPDATE assessments SET state = 'closed', closed_at = $1 WHERE id = $2")
                    .bind(now())
                    .bind(assessment_id)
                    .execute(&mut *tx)
                    .await?;
                crate::emails::forget_email_addresses!(tx, assessment_id);
            }
            let rows = sqlx::query(
                "SELECT id, attributes, answers, answering FROM pending_responses
                 WHERE assessment_id = $1 ORDER BY id",
            )
            .bind(assessment_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut ids = Vec::with_capacity(rows.len());
            let mut answers = Vec::with_capacity(rows.len());
            let mut pending = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: String = row.try_get("id")?;
                let attributes: String = row.try_get("attributes")?;
                answers.push(row.try_get::<Vec<u8>, _>("answers")?);
                pending.push(PendingResponse {
                    attributes: parse_attributes(
                        &attributes,
                        format_args!("pending_responses row {id}"),
                    )?,
                    answering: row.try_get("answering")?,
                });
                ids.push(id);
            }
            let shown = match plan(&pending) {
                ReleasePlan::Hold => {
                    tx.commit().await?;
                    return Ok((0, 0, pending.len() as u64));
                }
                ReleasePlan::Publish(shown) => shown,
            };
            if shown.len() != pending.len() {
                return Err(StoreError::Conflict(format!(
                    "a release plan for {} pending responses has {} entries",
                    pending.len(),
                    shown.len()
                )));
            }
            let mut order: Vec<usize> = (0..pending.len()).collect();
            order.shuffle(&mut rand::rng());
            let day = today();
            let (mut released, mut blank) = (0u64, 0u64);
            for index in order {
                if let Some(attributes) = &shown[index] {
                    let response_id = new_id();
                    sqlx::query(
                        "INSERT INTO responses (id, assessment_id, attributes, submitted_on, answers)
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&response_id)
                    .bind(assessment_id)
                    .bind(serde_json::to_string(attributes).expect("a map of strings serialises"))
                    .bind(&day)
                    .bind(&answers[index])
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO response_comments (response_id, area_id, body)
                         SELECT $1, area_id, body FROM pending_comments WHERE pending_id = $2",
                    )
                    .bind(&response_id)
                    .bind(&ids[index])
                    .execute(&mut *tx)
                    .await?;
                    released += 1;
                } else {
                    blank += 1;
                }
                sqlx::query("DELETE FROM pending_comments WHERE pending_id = $1")
                    .bind(&ids[index])
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM pending_responses WHERE id = $1")
                    .bind(&ids[index])
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO releases (id, assessment_id, released_at, at_close, released, blank, held_back)
                 VALUES ($1, $2, $3, $4, $5, $6, 0)",
            )
            .bind(new_id())
            .bind(assessment_id)
            .bind(now())
            .bind(close)
            .bind(released as i64)
            .bind(blank as i64)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>((released, blank, 0))
            }
            .await?
        });
        if close {
            self.forget_deleted_pages().await?;
        }
        let assessment = self
            .assessment(assessment_id)
            .await?
            .ok_or_else(|| StoreError::Conflict("the assessment does not exist".into()))?;
        Ok(ReleaseOutcome {
            assessment,
            released,
            blank,
            held_back,
        })
    }
}
