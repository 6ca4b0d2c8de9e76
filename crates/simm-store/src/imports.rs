//! Offline responses uploaded into an open assessment: every row, or none,
//! into the pending pool, with a record of the batch for participation.

use sqlx::Row;

use crate::responses::insert_pending;
use crate::util::{new_id, now};
use crate::{NewResponse, Result, Store, begin_write, claim_assessment, on_pool};

/// One upload of offline responses, as participation shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: String,
    /// The format the rows came in, e.g. `csv` or `qualtrics`.
    pub source: String,
    pub rows: i64,
    pub imported_by_email: String,
    pub imported_at: i64,
}

/// What became of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Imported(ImportRecord),
    /// The assessment is not open (a draft, or closed meanwhile): nothing
    /// was stored.
    NotOpen,
}

impl Store {
    /// Stores uploaded responses in the assessment's pending pool, all of
    /// them or none, and records the batch. Like answers given online they
    /// are published only by a release, under the same anonymity rules; the
    /// batch record holds a count and never a row.
    pub async fn import_responses(
        &self,
        assessment_id: &str,
        source: &str,
        imported_by: &str,
        responses: &[NewResponse],
    ) -> Result<ImportOutcome> {
        let record = ImportRecord {
            id: new_id(),
            source: source.to_owned(),
            rows: responses.len() as i64,
            imported_by_email: String::new(),
            imported_at: now(),
        };
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            if !claim_assessment!(tx, assessment_id, open) {
                tx.rollback().await?;
                return Ok(ImportOutcome::NotOpen);
            }
            sqlx::query(
                "INSERT INTO response_imports (id, assessment_id, source, rows_imported, imported_by, imported_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&record.id)
            .bind(assessment_id)
            .bind(source)
            .bind(record.rows)
            .bind(imported_by)
            .bind(record.imported_at)
            .execute(&mut *tx)
            .await?;
            insert_pending!(&mut *tx, assessment_id, responses);
            let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
                .bind(imported_by)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(ImportOutcome::Imported(ImportRecord {
                imported_by_email: email,
                ..record
            }))
        })
    }

    /// The uploads into an assessment, the earliest first.
    pub async fn imports(&self, assessment_id: &str) -> Result<Vec<ImportRecord>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT i.id, i.source, i.rows_imported, u.email, i.imported_at
                 FROM response_imports i JOIN users u ON u.id = i.imported_by
                 WHERE i.assessment_id = $1 ORDER BY i.imported_at, i.id",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(ImportRecord {
                        id: row.try_get("id")?,
                        source: row.try_get("source")?,
                        rows: row.try_get("rows_imported")?,
                        imported_by_email: row.try_get("email")?,
                        imported_at: row.try_get("imported_at")?,
                    })
                })
                .collect()
        })
    }
}
