//! The steward's API: stored versions with their use, a pooled
//! calibration as the JSON that `simm calibrate --format json` prints, the
//! proposed model file, and the re-score of an assessment. The layers of
//! the consultant API (`api.rs`) wrap these routes too.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::dto::{CalibrationQuery, ModelVersionUsageDto, RescoreDto, RescoreQuery, SuppressedDto};
use super::{Rescore, calibrate_version, proposal, proposal_file_name, rescore, stored_version};
use crate::auth::{Consultant, Steward, visible_assessment};
use crate::extract::{ApiQuery, NoQuery};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/api/v1/models/{model_id}/versions" => model_versions),
    route!(GET "/api/v1/models/{model_id}/versions/{version}/calibration" => calibration),
    route!(GET "/api/v1/models/{model_id}/versions/{version}/proposal.toml" => proposal_toml),
    route!(GET "/api/v1/assessments/{id}/rescore" => assessment_rescore),
];

/// The stored versions of one model with their use; 404 for a model that
/// has none.
pub async fn model_versions(
    State(state): State<AppState>,
    _steward: Steward,
    Path(model_id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<ModelVersionUsageDto>>, AppError> {
    let mut dtos = Vec::new();
    for usage in state.store.model_version_usage().await? {
        if usage.version.model_id != model_id {
            continue;
        }
        let model = state.model(&usage.version.id).await?;
        dtos.push(ModelVersionUsageDto::new(
            usage,
            simm_core::Policy::of_model(&model).minimum(),
        ));
    }
    if dtos.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(Json(dtos))
}

pub async fn calibration(
    State(state): State<AppState>,
    _steward: Steward,
    Path((model_id, version)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<CalibrationQuery>,
) -> Result<Response, AppError> {
    let version = stored_version(&state, &model_id, &version).await?;
    let pooled = calibrate_version(&state, &version, query.group_by.as_deref()).await?;
    Ok(Json(pooled.calibration).into_response())
}

pub async fn proposal_toml(
    State(state): State<AppState>,
    _steward: Steward,
    Path((model_id, version)): Path<(String, String)>,
    _query: ApiQuery<NoQuery>,
) -> Result<Response, AppError> {
    let version = stored_version(&state, &model_id, &version).await?;
    let pooled = calibrate_version(&state, &version, None).await?;
    let proposal = proposal(&state, &version, &pooled).await?;
    Ok(crate::layout::attachment(
        "application/toml; charset=utf-8",
        &proposal_file_name(&version.model_id, &proposal.version),
        proposal.text,
    ))
}

pub async fn assessment_rescore(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<RescoreQuery>,
) -> Result<Response, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    let model_id = match query.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_owned(),
        _ => state
            .model(&assessment.model_version_id)
            .await?
            .id()
            .to_string(),
    };
    let version = query.version.trim();
    let other = state
        .store
        .find_model_version(&model_id, version)
        .await?
        .ok_or_else(|| {
            AppError::bad_request(format!(
                "version: no version {version:?} of model {model_id:?} is stored; GET /api/v1/models lists them"
            ))
        })?;
    Ok(match rescore(&state, &assessment, &other).await? {
        Rescore::Hidden {
            respondents,
            anonymity_min,
        } => Json(SuppressedDto {
            respondents,
            suppressed: true,
            anonymity_min,
        })
        .into_response(),
        Rescore::Shown(comparison) => Json(RescoreDto::from(comparison.as_ref())).into_response(),
    })
}
