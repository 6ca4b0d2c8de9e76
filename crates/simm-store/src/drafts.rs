//! A respondent's answers and comments while the invitation is open:
//! answers go through the group-commit writer of [`crate::answers`].

use sqlx::Row;

use crate::answers::{self, SaveAnswer, SaveOutcome};
use crate::{Result, Store, begin_write, on_pool};

impl Store {
    /// Saves one answer through the group-commit writer: the future
    /// resolves once the answer is durable.
    pub async fn save_answer(&self, save: SaveAnswer) -> Result<SaveOutcome> {
        self.answers.save(vec![save]).await
    }

    /// Saves several answers of one invitation, all or none, through the
    /// same group-commit writer.
    pub async fn save_answers(&self, saves: Vec<SaveAnswer>) -> Result<SaveOutcome> {
        if saves.is_empty() {
            return Ok(SaveOutcome::Saved);
        }
        self.answers.save(saves).await
    }

    pub async fn draft_answers(&self, invitation_id: &str) -> Result<Vec<(String, Option<u8>)>> {
        on_pool!(&self.pool, |pool| {
            let rows =
                sqlx::query("SELECT item_id, value FROM draft_answers WHERE invitation_id = $1")
                    .bind(invitation_id)
                    .fetch_all(pool)
                    .await?;
            rows.iter()
                .map(|row| {
                    let value: Option<i64> = row.try_get("value")?;
                    Ok((row.try_get("item_id")?, value.map(|v| v as u8)))
                })
                .collect()
        })
    }

    /// Saves an area comment, unless the invitation is submitted or its
    /// assessment is not open. An empty body removes the comment.
    pub async fn save_comment(
        &self,
        invitation_id: &str,
        area_id: &str,
        body: &str,
    ) -> Result<SaveOutcome> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            answers::LockForWrite::lock_for_write(&mut *tx, invitation_id).await?;
            let state = answers::writable_state(&mut *tx, invitation_id).await?;
            if state != SaveOutcome::Saved {
                return Ok(state);
            }
            if body.trim().is_empty() {
                sqlx::query("DELETE FROM draft_comments WHERE invitation_id = $1 AND area_id = $2")
                    .bind(invitation_id)
                    .bind(area_id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO draft_comments (invitation_id, area_id, body) VALUES ($1, $2, $3)
                     ON CONFLICT (invitation_id, area_id) DO UPDATE SET body = excluded.body",
                )
                .bind(invitation_id)
                .bind(area_id)
                .bind(body)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(SaveOutcome::Saved)
        })
    }

    pub async fn draft_comments(&self, invitation_id: &str) -> Result<Vec<(String, String)>> {
        on_pool!(&self.pool, |pool| {
            let rows =
                sqlx::query("SELECT area_id, body FROM draft_comments WHERE invitation_id = $1")
                    .bind(invitation_id)
                    .fetch_all(pool)
                    .await?;
            rows.iter()
                .map(|row| Ok((row.try_get("area_id")?, row.try_get("body")?)))
                .collect()
        })
    }
}
