//! The journey's API: an assessment's roadmap towards its organisation's
//! target, and an organisation's trend over its rounds. Viewers with
//! access read both; what each round shows is what its own results show.

use axum::Json;
use axum::extract::{Path, State};
use simm_core::{Roadmap, Trend};

use serde::Deserialize;

use super::{assessment_roadmap, organization_trend_by};
use crate::auth::{CurrentUser, visible_assessment, visible_organization};
use crate::extract::{ApiQuery, NoQuery};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/api/v1/assessments/{id}/roadmap" => roadmap),
    route!(GET "/api/v1/organizations/{org}/trend" => trend),
];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrendQuery {
    #[serde(default)]
    group_by: Option<String>,
}

async fn roadmap(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Roadmap>, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    Ok(Json(assessment_roadmap(&state, &assessment).await?.roadmap))
}

async fn trend(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(org): Path<String>,
    ApiQuery(query): ApiQuery<TrendQuery>,
) -> Result<Json<Trend>, AppError> {
    let organization = visible_organization(&state, &current, &org).await?;
    // An empty or unknown attribute is refused, as the results API refuses
    // it, before any round is read: an organisation without rounds too.
    let group_by = query.group_by.as_deref().map(str::trim);
    if let Some(name) = group_by {
        crate::plan::organization_model(&state, &organization.id)
            .await?
            .model
            .group_by_attribute(name)
            .map_err(|error| AppError::bad_request(error.to_string()))?;
    }
    Ok(Json(
        organization_trend_by(&state, &organization.id, group_by).await?,
    ))
}
