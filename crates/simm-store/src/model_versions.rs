//! Stored model versions: the model file exactly as imported, never
//! changed once stored, and how much each version is used.

use sqlx::Row;

use crate::util::{hex, new_id, now, sha256};
use crate::{ModelVersion, ModelVersionUsage, Pool, Result, Store, StoreError, on_pool};

impl Store {
    /// Stores a model version. Storing the same content again returns the
    /// stored version; different content under a stored id and version is
    /// refused, since a stored version never changes.
    pub async fn store_model_version(
        &self,
        model: &simm_core::Model,
        source: &str,
    ) -> Result<ModelVersion> {
        let content_hash = hex(&sha256(source.as_bytes()));
        if let Some(existing) = self
            .find_model_version(model.id().as_str(), model.version())
            .await?
        {
            if existing.content_hash == content_hash {
                return Ok(existing);
            }
            return Err(StoreError::Conflict(format!(
                "model {} version {} is stored already with other content; give the changed model a new version",
                model.id(),
                model.version()
            )));
        }
        let version = ModelVersion {
            id: new_id(),
            model_id: model.id().to_string(),
            version: model.version().to_owned(),
            content_hash,
            title: model.title().to_owned(),
        };
        let inserted = on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO model_versions (id, model_id, version, content_hash, title, source, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (model_id, version) DO NOTHING",
            )
            .bind(&version.id)
            .bind(&version.model_id)
            .bind(&version.version)
            .bind(&version.content_hash)
            .bind(&version.title)
            .bind(source)
            .bind(now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            // Another instance stored it between the look-up and the insert.
            return Box::pin(self.store_model_version(model, source)).await;
        }
        Ok(version)
    }

    /// The stored version of a model, by the model's id and the version.
    pub async fn find_model_version(
        &self,
        model_id: &str,
        version: &str,
    ) -> Result<Option<ModelVersion>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT id, model_id, version, content_hash, title FROM model_versions
                 WHERE model_id = $1 AND version = $2",
            )
            .bind(model_id)
            .bind(version)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(model_version_from_row).transpose()
        })
    }

    pub async fn model_versions(&self) -> Result<Vec<ModelVersion>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT id, model_id, version, content_hash, title FROM model_versions ORDER BY model_id, created_at",
            )
            .fetch_all(pool)
            .await?;
            rows.iter().map(model_version_from_row).collect()
        })
    }

    /// The newest stored version of a model.
    pub async fn latest_model_version(&self, model_id: &str) -> Result<Option<ModelVersion>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT id, model_id, version, content_hash, title FROM model_versions
                 WHERE model_id = $1 ORDER BY created_at DESC, version DESC LIMIT 1",
            )
            .bind(model_id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(model_version_from_row).transpose()
        })
    }

    /// The parsed model of a stored version.
    pub async fn model(&self, model_version_id: &str) -> Result<Option<simm_core::Model>> {
        let source: Option<String> = on_pool!(&self.pool, |pool| {
            sqlx::query_scalar("SELECT source FROM model_versions WHERE id = $1")
                .bind(model_version_id)
                .fetch_optional(pool)
                .await?
        });
        source
            .map(|source| {
                simm_core::Model::parse(&source)
                    .map_err(|errors| StoreError::CorruptModel(errors.to_string()))
            })
            .transpose()
    }

    /// The model file of a stored version, exactly as it was stored:
    /// comments and layout included, which a proposal keeps.
    pub async fn model_version_source(&self, model_version_id: &str) -> Result<Option<String>> {
        on_pool!(&self.pool, |pool| {
            Ok(
                sqlx::query_scalar("SELECT source FROM model_versions WHERE id = $1")
                    .bind(model_version_id)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// Every stored model version, with the number of assessments that use
    /// it and of responses submitted to them.
    pub async fn model_version_usage(&self) -> Result<Vec<ModelVersionUsage>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT v.id, v.model_id, v.version, v.content_hash, v.title,
                   (SELECT COUNT(*) FROM assessments a WHERE a.model_version_id = v.id) AS assessments,
                   (SELECT COUNT(*) FROM responses r JOIN assessments a ON a.id = r.assessment_id
                     WHERE a.model_version_id = v.id) AS submitted_responses
                 FROM model_versions v ORDER BY v.model_id, v.created_at",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(ModelVersionUsage {
                        version: model_version_from_row(row)?,
                        assessments: row.try_get("assessments")?,
                        submitted_responses: row.try_get("submitted_responses")?,
                    })
                })
                .collect()
        })
    }
}

fn model_version_from_row<R: Row>(row: &R) -> Result<ModelVersion>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let id: String = row.try_get("id")?;
    // NULL only for a version stored by an older simm after this one
    // migrated the database: the next start fills it in.
    let title = row.try_get::<Option<String>, _>("title")?.ok_or_else(|| {
        StoreError::CorruptModel(format!(
            "model_versions row {id} has no title; restart simm to fill it in from the model file"
        ))
    })?;
    Ok(ModelVersion {
        id,
        model_id: row.try_get("model_id")?,
        version: row.try_get("version")?,
        content_hash: row.try_get("content_hash")?,
        title,
    })
}

/// Gives the versions stored before migration 0006 their title, from their
/// model file; a migration cannot parse one. Runs at every start and finds
/// nothing to do after the first: every version stored since has its title.
/// Several instances starting at once write the same titles, as each only
/// fills a title that is still NULL. A model file that no longer parses is
/// an error that names the version: the store would fail on it later
/// anyway, when an assessment of it is scored.
pub(crate) async fn fill_in_titles(pool: &Pool) -> Result<()> {
    on_pool!(pool, |pool| {
        let rows = sqlx::query(
            "SELECT id, model_id, version, source FROM model_versions WHERE title IS NULL",
        )
        .fetch_all(pool)
        .await?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let model_id: String = row.try_get("model_id")?;
            let version: String = row.try_get("version")?;
            let source: String = row.try_get("source")?;
            let model = simm_core::Model::parse(&source).map_err(|errors| {
                StoreError::CorruptModel(format!(
                    "model_versions row {id} ({model_id} version {version}): {errors}"
                ))
            })?;
            sqlx::query("UPDATE model_versions SET title = $1 WHERE id = $2 AND title IS NULL")
                .bind(model.title())
                .bind(&id)
                .execute(pool)
                .await?;
        }
    });
    Ok(())
}
