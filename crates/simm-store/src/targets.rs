//! An organisation's target: a stage per area and a date.

use std::collections::BTreeMap;

use simm_core::{StageLevel, Target};
use sqlx::Row;

use crate::records::parse_date;
use crate::util::now;
use crate::{Result, Store, StoreError, StoredTarget, on_pool};

impl Store {
    /// The organisation's target, if one was set.
    pub async fn target(&self, organization_id: &str) -> Result<Option<StoredTarget>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT t.areas, t.target_date, t.set_at, u.email FROM organization_targets t
                 JOIN users u ON u.id = t.set_by WHERE t.organization_id = $1",
            )
            .bind(organization_id)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let place = format!("organization_targets row {organization_id}");
            let areas: String = row.try_get("areas")?;
            let date: Option<String> = row.try_get("target_date")?;
            Ok(Some(StoredTarget {
                areas: parse_areas(&areas, &place)?,
                date: parse_date(date.as_deref(), &place, "target_date")?,
                set_by_email: row.try_get("email")?,
                set_at: row.try_get("set_at")?,
            }))
        })
    }

    /// Sets the organisation's target, replacing the one it had.
    pub async fn set_target(
        &self,
        organization_id: &str,
        target: &Target,
        user_id: &str,
    ) -> Result<StoredTarget> {
        let areas: BTreeMap<&str, u8> = target
            .areas()
            .iter()
            .map(|(id, stage)| (id.as_str(), stage.get()))
            .collect();
        let areas = serde_json::to_string(&areas).expect("a map of numbers is JSON");
        let date = target.date().map(|date| date.to_string());
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO organization_targets (organization_id, areas, target_date, set_by, set_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (organization_id) DO UPDATE SET areas = excluded.areas,
                   target_date = excluded.target_date, set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(organization_id)
            .bind(&areas)
            .bind(&date)
            .bind(user_id)
            .bind(now())
            .execute(pool)
            .await?;
        });
        Ok(self
            .target(organization_id)
            .await?
            .expect("the target was just stored"))
    }
}

/// The stored areas: a JSON object of area ids to stage levels.
fn parse_areas(json: &str, place: &str) -> Result<Vec<(String, u8)>> {
    let corrupt =
        |problem: String| StoreError::Corrupt(format!("{place}, column areas: {problem}"));
    let areas: BTreeMap<String, u8> =
        serde_json::from_str(json).map_err(|error| corrupt(error.to_string()))?;
    if let Some((id, stage)) = areas
        .iter()
        .find(|(_, stage)| StageLevel::new(**stage).is_none())
    {
        return Err(corrupt(format!("{id:?} has stage {stage}, no stage level")));
    }
    Ok(areas.into_iter().collect())
}
