//! Deadlines: the instant an assessment closes itself, the zone it was set
//! in, and the reminders scheduled some days before it.

use sqlx::Row;

use crate::{Result, Store, begin_write, claim_assessment, on_pool};

/// A stored deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRecord {
    /// Unix seconds.
    pub closes_at: i64,
    pub time_zone: String,
    /// The reminders scheduled, by days before the deadline, largest
    /// first, with when each was sent.
    pub reminders: Vec<(i64, Option<i64>)>,
}

impl Store {
    /// Sets (or replaces) the deadline and its reminder schedule, unless
    /// the assessment is closed: `false` then, and nothing changes.
    /// Schedules kept from before keep whether they were sent.
    pub async fn set_deadline(
        &self,
        assessment_id: &str,
        closes_at: i64,
        time_zone: &str,
        reminder_days: &[i64],
        now: i64,
    ) -> Result<bool> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            if !claim_assessment!(tx, assessment_id, not_closed) {
                tx.rollback().await?;
                return Ok(false);
            }
            let moved: Option<i64> = sqlx::query_scalar(
                "SELECT closes_at FROM assessment_deadlines WHERE assessment_id = $1",
            )
            .bind(assessment_id)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO assessment_deadlines (assessment_id, closes_at, time_zone, set_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (assessment_id) DO UPDATE SET closes_at = excluded.closes_at, time_zone = excluded.time_zone, set_at = excluded.set_at",
            )
            .bind(assessment_id)
            .bind(closes_at)
            .bind(time_zone)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // A moved deadline schedules its reminders afresh.
            if moved.is_some_and(|before| before != closes_at) {
                sqlx::query(
                    "UPDATE reminder_schedules SET sent_at = NULL WHERE assessment_id = $1",
                )
                .bind(assessment_id)
                .execute(&mut *tx)
                .await?;
            }
            let kept: Vec<i64> = sqlx::query_scalar(
                "SELECT days_before FROM reminder_schedules WHERE assessment_id = $1",
            )
            .bind(assessment_id)
            .fetch_all(&mut *tx)
            .await?;
            for days in kept.iter().filter(|days| !reminder_days.contains(days)) {
                sqlx::query(
                    "DELETE FROM reminder_schedules WHERE assessment_id = $1 AND days_before = $2",
                )
                .bind(assessment_id)
                .bind(days)
                .execute(&mut *tx)
                .await?;
            }
            for days in reminder_days.iter().filter(|days| !kept.contains(days)) {
                sqlx::query(
                    "INSERT INTO reminder_schedules (assessment_id, days_before) VALUES ($1, $2)",
                )
                .bind(assessment_id)
                .bind(days)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Removes the deadline and its schedule.
    pub async fn clear_deadline(&self, assessment_id: &str) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query("DELETE FROM assessment_deadlines WHERE assessment_id = $1")
                .bind(assessment_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn deadline(&self, assessment_id: &str) -> Result<Option<DeadlineRecord>> {
        on_pool!(&self.pool, |pool| {
            let Some(row) = sqlx::query(
                "SELECT closes_at, time_zone FROM assessment_deadlines WHERE assessment_id = $1",
            )
            .bind(assessment_id)
            .fetch_optional(pool)
            .await?
            else {
                return Ok(None);
            };
            let reminders = sqlx::query(
                "SELECT days_before, sent_at FROM reminder_schedules WHERE assessment_id = $1 ORDER BY days_before DESC",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("days_before")?, row.try_get("sent_at")?)))
            .collect::<Result<Vec<_>>>()?;
            Ok(Some(DeadlineRecord {
                closes_at: row.try_get("closes_at")?,
                time_zone: row.try_get("time_zone")?,
                reminders,
            }))
        })
    }

    /// The open assessments whose deadline has come.
    pub async fn due_deadlines(&self, now: i64) -> Result<Vec<String>> {
        on_pool!(&self.pool, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT d.assessment_id FROM assessment_deadlines d JOIN assessments a ON a.id = d.assessment_id
                 WHERE a.state = 'open' AND d.closes_at <= $1 ORDER BY d.closes_at, d.assessment_id",
            )
            .bind(now)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Claims the scheduled reminders that are due (their day before the
    /// deadline has come, the deadline has not, the assessment is open):
    /// each is marked sent here, once, so that of several servers only the
    /// one that marks it sends it. The assessments to remind.
    pub async fn claim_due_reminders(&self, now: i64) -> Result<Vec<String>> {
        on_pool!(&self.pool, |pool| {
            let due = sqlx::query(
                "SELECT s.assessment_id, s.days_before FROM reminder_schedules s
                 JOIN assessment_deadlines d ON d.assessment_id = s.assessment_id
                 JOIN assessments a ON a.id = s.assessment_id
                 WHERE s.sent_at IS NULL AND a.state = 'open'
                   AND d.closes_at > $1 AND d.closes_at - s.days_before * 86400 <= $1
                 ORDER BY s.assessment_id, s.days_before",
            )
            .bind(now)
            .fetch_all(pool)
            .await?;
            let mut claimed: Vec<String> = Vec::new();
            for row in &due {
                let assessment_id: String = row.try_get("assessment_id")?;
                let days: i64 = row.try_get("days_before")?;
                let won = sqlx::query(
                    "UPDATE reminder_schedules SET sent_at = $1 WHERE assessment_id = $2 AND days_before = $3 AND sent_at IS NULL",
                )
                .bind(now)
                .bind(&assessment_id)
                .bind(days)
                .execute(pool)
                .await?
                .rows_affected();
                // Two schedules due at once (a late start) make one reminder.
                if won == 1 && !claimed.contains(&assessment_id) {
                    claimed.push(assessment_id);
                }
            }
            Ok(claimed)
        })
    }

    /// Marks an invitation's link as opened.
    pub async fn mark_opened(&self, invitation_id: &str) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query("UPDATE invitations SET opened = TRUE WHERE id = $1 AND NOT opened")
                .bind(invitation_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
