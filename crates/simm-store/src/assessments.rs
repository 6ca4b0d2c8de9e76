//! Assessments and their states: draft, open, closed.

use sqlx::Row;

use crate::util::{new_id, now};
use crate::{Assessment, AssessmentState, Result, Store, StoreError, User, on_pool};

const ASSESSMENT_COLUMNS: &str = "SELECT a.id, a.organization_id, a.model_version_id, a.title, a.state, a.anonymity_min, a.closed_at FROM assessments a";

impl Store {
    pub async fn create_assessment(
        &self,
        organization_id: &str,
        title: &str,
        model_version_id: &str,
    ) -> Result<Assessment> {
        let id = new_id();
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO assessments (id, organization_id, model_version_id, title, state, created_at)
                 VALUES ($1, $2, $3, $4, 'draft', $5)",
            )
            .bind(&id)
            .bind(organization_id)
            .bind(model_version_id)
            .bind(title)
            .bind(now())
            .execute(pool)
            .await?;
        });
        Ok(self
            .assessment(&id)
            .await?
            .expect("the assessment was just stored"))
    }

    pub async fn assessment(&self, id: &str) -> Result<Option<Assessment>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(&format!("{ASSESSMENT_COLUMNS} WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(assessment_from_row).transpose()
        })
    }

    /// The assessment, if the user may see its organisation.
    pub async fn assessment_for(&self, user: &User, id: &str) -> Result<Option<Assessment>> {
        let Some(assessment) = self.assessment(id).await? else {
            return Ok(None);
        };
        Ok(self
            .organization_for(user, &assessment.organization_id)
            .await?
            .map(|_| assessment))
    }

    pub async fn assessments_of(&self, organization_id: &str) -> Result<Vec<Assessment>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&format!(
                "{ASSESSMENT_COLUMNS} WHERE a.organization_id = $1 ORDER BY a.created_at, a.id"
            ))
            .bind(organization_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(assessment_from_row).collect()
        })
    }

    /// The organisation's rounds: its closed assessments in the order
    /// they were closed. A reopened assessment is no round until it closes
    /// again, and then it counts from its last closing.
    pub async fn rounds(&self, organization_id: &str) -> Result<Vec<Assessment>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&format!(
                "{ASSESSMENT_COLUMNS} WHERE a.organization_id = $1 AND a.state = 'closed'
                 ORDER BY a.closed_at, a.id"
            ))
            .bind(organization_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(assessment_from_row).collect()
        })
    }

    /// Dates a closed assessment's closing: for rounds brought in from
    /// before the platform (and the demo's history), whose order as
    /// rounds is that of their closing. `false` when no closed assessment
    /// has this id.
    pub async fn date_closing(&self, id: &str, closed_at: i64) -> Result<bool> {
        let changed = on_pool!(&self.pool, |pool| {
            sqlx::query("UPDATE assessments SET closed_at = $1 WHERE id = $2 AND state = 'closed'")
                .bind(closed_at)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Opens a draft or closed assessment. The first opening freezes the
    /// anonymity threshold that respondents are promised.
    pub async fn open_assessment(&self, id: &str, anonymity_min: u32) -> Result<Assessment> {
        let changed = on_pool!(&self.pool, |pool| {
            sqlx::query(
                "UPDATE assessments SET state = 'open', opened_at = COALESCE(opened_at, $1),
                   anonymity_min = COALESCE(anonymity_min, $2)
                 WHERE id = $3 AND state IN ('draft', 'closed')",
            )
            .bind(now())
            .bind(i64::from(anonymity_min))
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        self.after_transition(id, changed, "open").await
    }

    /// Closes an open assessment. Saved answers are kept.
    pub async fn close_assessment(&self, id: &str) -> Result<Assessment> {
        let changed = on_pool!(&self.pool, |pool| {
            sqlx::query("UPDATE assessments SET state = 'closed', closed_at = $1 WHERE id = $2 AND state = 'open'")
                .bind(now())
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.after_transition(id, changed, "closed").await
    }

    async fn after_transition(&self, id: &str, changed: u64, target: &str) -> Result<Assessment> {
        let assessment = self
            .assessment(id)
            .await?
            .ok_or_else(|| StoreError::Conflict("the assessment does not exist".into()))?;
        if changed == 0 && assessment.state.as_str() != target {
            return Err(StoreError::Conflict(format!(
                "the assessment is {} and cannot become {target}",
                assessment.state.as_str()
            )));
        }
        Ok(assessment)
    }
}

fn assessment_from_row<R: Row>(row: &R) -> Result<Assessment>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let state: String = row.try_get("state")?;
    let anonymity_min: Option<i64> = row.try_get("anonymity_min")?;
    Ok(Assessment {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        model_version_id: row.try_get("model_version_id")?,
        title: row.try_get("title")?,
        state: AssessmentState::parse(&state),
        anonymity_min: anonymity_min.map(|v| v as u32),
        closed_at: row.try_get("closed_at")?,
    })
}
