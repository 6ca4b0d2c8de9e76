//! Submitted responses: submitting an invitation's drafts into the
//! pending pool, and reading the responses a release published.

use sqlx::Row;

use crate::answers::{self, SaveOutcome};
use crate::records::parse_attributes;
use crate::util::new_id;
use crate::{Backend, NewResponse, Result, Store, StoredResponse, begin_write, on_pool};

/// Adds responses to an assessment's pending pool inside the caller's
/// transaction, each under a fresh id: nothing of where a row came from is
/// kept.
macro_rules! insert_pending {
    ($executor:expr, $assessment_id:expr, $responses:expr) => {
        for response in $responses {
            sqlx::query(
                "INSERT INTO pending_responses (id, assessment_id, attributes, answers, answering)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind($crate::util::new_id())
            .bind($assessment_id)
            .bind(serde_json::to_string(&response.attributes).expect("a map of strings serialises"))
            .bind(&response.answers)
            .bind(response.answers.iter().any(|value| *value != 0))
            .execute($executor)
            .await?;
        }
    };
}
pub(crate) use insert_pending;

impl Store {
    /// Submits the invitation's answers as an anonymous response, which
    /// waits in the pending pool until a release publishes it
    /// ([`release`](Store::release)): it keeps the preset attributes and
    /// the answers, and nothing that leads back to the invitation, which is
    /// only marked as used. `item_ids` is the model's item order for the
    /// answer bytes.
    pub async fn submit(&self, invitation_id: &str, item_ids: &[&str]) -> Result<SaveOutcome> {
        // On PostgreSQL a share lock on the assessment waits for a release
        // that is closing it, and then finds it closed, so no response
        // lands in the pool of an assessment closed meanwhile.
        let lock = match self.backend() {
            Backend::Postgres => " FOR SHARE",
            Backend::Sqlite => "",
        };
        let mark = format!(
            "UPDATE invitations SET state = 'submitted'
             WHERE id = $1 AND state <> 'submitted'
               AND EXISTS (SELECT 1 FROM assessments a
                           WHERE a.id = invitations.assessment_id AND a.state = 'open'{lock})"
        );
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            // Leading with the write takes SQLite's write lock at once, so
            // no other writer can slip in between the reads below.
            let marked = sqlx::query(&mark)
                .bind(invitation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if marked == 0 {
                let state = answers::writable_state(&mut *tx, invitation_id).await?;
                return Ok(if state == SaveOutcome::Saved {
                    SaveOutcome::AlreadySubmitted
                } else {
                    state
                });
            }
            let row =
                sqlx::query("SELECT assessment_id, attributes FROM invitations WHERE id = $1")
                    .bind(invitation_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let assessment_id: String = row.try_get("assessment_id")?;
            let attributes: String = row.try_get("attributes")?;
            let drafts =
                sqlx::query("SELECT item_id, value FROM draft_answers WHERE invitation_id = $1")
                    .bind(invitation_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let mut answer_bytes = vec![0u8; item_ids.len()];
            for draft in &drafts {
                let item: String = draft.try_get("item_id")?;
                let value: Option<i64> = draft.try_get("value")?;
                if let (Some(index), Some(value)) =
                    (item_ids.iter().position(|id| *id == item), value)
                {
                    answer_bytes[index] = value as u8;
                }
            }
            let pending_id = new_id();
            sqlx::query(
                "INSERT INTO pending_responses (id, assessment_id, attributes, answers, answering)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&pending_id)
            .bind(&assessment_id)
            .bind(&attributes)
            .bind(&answer_bytes)
            .bind(answer_bytes.iter().any(|value| *value != 0))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO pending_comments (pending_id, area_id, body)
                 SELECT $1, area_id, body FROM draft_comments WHERE invitation_id = $2",
            )
            .bind(&pending_id)
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM draft_answers WHERE invitation_id = $1")
                .bind(invitation_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM draft_comments WHERE invitation_id = $1")
                .bind(invitation_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(SaveOutcome::Saved)
        })
    }

    /// The submitted responses of an assessment, in id order (which is
    /// random, not the order of submission).
    pub async fn responses(&self, assessment_id: &str) -> Result<Vec<StoredResponse>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT id, attributes, submitted_on, answers FROM responses WHERE assessment_id = $1 ORDER BY id",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let id: String = row.try_get("id")?;
                    let attributes: String = row.try_get("attributes")?;
                    Ok(StoredResponse {
                        attributes: parse_attributes(
                            &attributes,
                            format_args!("responses row {id}"),
                        )?,
                        id,
                        submitted_on: row.try_get("submitted_on")?,
                        answers: row.try_get("answers")?,
                    })
                })
                .collect()
        })
    }

    /// Adds submitted responses to the pending pool directly, all or none:
    /// for demo data and imports, where there is no respondent to invite.
    /// Like every submitted response they are published only by a release.
    pub async fn insert_responses(
        &self,
        assessment_id: &str,
        responses: &[NewResponse],
    ) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            insert_pending!(&mut *tx, assessment_id, responses);
            tx.commit().await?;
        });
        Ok(())
    }

    /// How many responses an assessment has received, without loading them.
    pub async fn response_count(&self, assessment_id: &str) -> Result<i64> {
        on_pool!(&self.pool, |pool| {
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE assessment_id = $1")
                    .bind(assessment_id)
                    .fetch_one(pool)
                    .await?;
            Ok(count)
        })
    }

    /// The area comments of an assessment's submitted responses, as
    /// (area id, text), sorted by area and text so that their order says
    /// nothing about who wrote them or when.
    pub async fn response_comments(&self, assessment_id: &str) -> Result<Vec<(String, String)>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT c.area_id, c.body FROM response_comments c JOIN responses r ON r.id = c.response_id
                 WHERE r.assessment_id = $1 ORDER BY c.area_id, c.body",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| Ok((row.try_get("area_id")?, row.try_get("body")?)))
                .collect()
        })
    }
}
