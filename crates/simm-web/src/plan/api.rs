//! The target and action plan API. The layers of the consultant API
//! (`api.rs`) wrap these routes too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use simm_core::Target;
use simm_store::{Action, Organization, Role};

use super::dto::{
    ActionDto, ActionPatchBody, NewActionBody, StatusChangeDto, TargetBody, TargetDto,
};
use super::edits::ActionInput;
use super::{ViewerChange, current_stages, organization_model, organization_target, today};
use crate::auth::{Consultant, CurrentUser, visible_organization};
use crate::extract::{ApiJson, ApiQuery, NoQuery};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/api/v1/organizations/{org}/target" => get_target),
    route!(PUT "/api/v1/organizations/{org}/target" => put_target),
    route!(GET "/api/v1/organizations/{org}/actions" => list_actions),
    route!(POST "/api/v1/organizations/{org}/actions" => create_action),
    route!(GET "/api/v1/actions/{id}" => get_action),
    route!(PATCH "/api/v1/actions/{id}" => update_action),
    route!(DELETE "/api/v1/actions/{id}" => delete_action),
    route!(GET "/api/v1/actions/{id}/history" => action_history),
];

async fn target_response(
    state: &AppState,
    organization: &Organization,
) -> Result<Response, AppError> {
    let model = organization_model(state, &organization.id).await?;
    let target = organization_target(state, &organization.id, &model).await?;
    Ok(Json(TargetDto::new(&target)).into_response())
}

pub async fn get_target(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(org): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &org).await?;
    target_response(&state, &organization).await
}

/// Sets the target. The organisation is looked up before the role is
/// checked, so that another tenant's answers 404 to a viewer too.
pub async fn put_target(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<TargetBody>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &org).await?;
    if current.user.role == Role::Viewer {
        return Err(AppError::Forbidden(
            "only consultants may set the target; viewers can read it".into(),
        ));
    }
    let model = organization_model(&state, &organization.id).await?;
    let current_stages = current_stages(&state, model.latest_round.as_ref()).await?;
    let target = Target::parse(
        &model.model,
        &body.areas(),
        body.date.as_deref(),
        &current_stages,
    )
    .map_err(|error| AppError::bad_request(error.to_string()))?;
    state
        .store
        .set_target(&organization.id, &target, &current.user.id)
        .await?;
    target_response(&state, &organization).await
}

pub async fn list_actions(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(org): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<ActionDto>>, AppError> {
    let organization = visible_organization(&state, &current, &org).await?;
    let model = organization_model(&state, &organization.id).await?.model;
    let today = today();
    let actions = state.store.actions(&organization.id).await?;
    Ok(Json(
        actions
            .into_iter()
            .map(|action| ActionDto::new(action, &model, today))
            .collect(),
    ))
}

pub async fn create_action(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<NewActionBody>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &org).await?;
    let model = organization_model(&state, &organization.id).await?.model;
    let new = ActionInput::from(body).into_new(&model)?;
    let action = state
        .store
        .create_action(&organization.id, &new, &current.user.id)
        .await?;
    let location = format!("/api/v1/actions/{}", action.id);
    let mut response = (
        StatusCode::CREATED,
        Json(ActionDto::new(action, &model, today())),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The action, if the user may see its organisation; 404 otherwise, like
/// a missing one.
pub(crate) async fn visible_action(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
) -> Result<(Action, Organization), AppError> {
    let action = state.store.action(id).await?.ok_or(AppError::NotFound)?;
    let organization = visible_organization(state, current, &action.organization_id).await?;
    Ok((action, organization))
}

/// Changes an action, as its organisation's consultants may, or its
/// status and notes, as its viewers may.
pub(crate) async fn change_action(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
    input: ActionInput,
) -> Result<(Action, Organization), AppError> {
    let (action, organization) = visible_action(state, current, id).await?;
    if current.user.role == Role::Viewer {
        ViewerChange::check(&input)?;
    }
    let model = organization_model(state, &organization.id).await?.model;
    let changes = input.into_changes(&model)?;
    let changed = state
        .store
        .update_action(&action.id, &changes, &current.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((changed, organization))
}

pub async fn get_action(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<ActionDto>, AppError> {
    let (action, organization) = visible_action(&state, &current, &id).await?;
    let model = organization_model(&state, &organization.id).await?.model;
    Ok(Json(ActionDto::new(action, &model, today())))
}

pub async fn update_action(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionPatchBody>,
) -> Result<Json<ActionDto>, AppError> {
    let (action, organization) = change_action(&state, &current, &id, body.into()).await?;
    let model = organization_model(&state, &organization.id).await?.model;
    Ok(Json(ActionDto::new(action, &model, today())))
}

pub async fn delete_action(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let (action, _) = visible_action(&state, &current, &id).await?;
    if !state.store.delete_action(&action.id).await? {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn action_history(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<StatusChangeDto>>, AppError> {
    let (action, _) = visible_action(&state, &current, &id).await?;
    let history = state.store.action_history(&action.id).await?;
    Ok(Json(history.into_iter().map(Into::into).collect()))
}
