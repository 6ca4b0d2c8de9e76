//! Stored model versions: the model file exactly as imported, never
//! changed once stored, and how much each version is used.

use sqlx::Row;

use crate::util::{hex, new_id, now, sha256};
use crate::{ModelVersion, ModelVersionUsage, Result, Store, StoreError, on_pool};

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
                "INSERT INTO model_versions (id, model_id, version, content_hash, source, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (model_id, version) DO NOTHING",
            )
            .bind(&version.id)
            .bind(&version.model_id)
            .bind(&version.version)
            .bind(&version.content_hash)
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
                "SELECT id, model_id, version, content_hash, source FROM model_versions
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
                "SELECT id, model_id, version, content_hash, source FROM model_versions ORDER BY model_id, created_at",
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
                "SELECT id, model_id, version, content_hash, source FROM model_versions
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
                "SELECT v.id, v.model_id, v.version, v.content_hash, v.source,
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
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let source: String = row.try_get("source")?;
    let title = simm_core::Model::parse(&source)
        .map(|m| m.title().to_owned())
        .unwrap_or_default();
    Ok(ModelVersion {
        id: row.try_get("id")?,
        model_id: row.try_get("model_id")?,
        version: row.try_get("version")?,
        content_hash: row.try_get("content_hash")?,
        title,
    })
}
