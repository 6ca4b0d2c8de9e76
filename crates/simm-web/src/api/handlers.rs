//! The handlers of the API routes. Each states who may call it through its
//! extractors ([`CurrentUser`] to read, [`Consultant`] to write), looks the
//! object up as that user (another tenant's is missing), and answers JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use simm_core::{did_you_mean, quote_value};
use simm_store::{Assessment, NewInvitation, hash_token, new_token};

use super::OPENAPI_DOCUMENT;
use super::dto::{
    AccessDto, AssessmentDto, CreatedInvitationDto, CreatedInvitationsDto, ModelVersionDto,
    NewAccessBody, NewAssessmentBody, NewInvitationsBody, NewOrganizationBody, NewUserBody,
    OrganizationDto, ParticipationDto, PasswordChangeBody, ResultsQuery, SnapshotDto,
    SuppressedResultsDto, UserDto,
};
use crate::accounts::AccountError;
use crate::auth::{
    Admin, Consultant, CurrentUser, PasswordRefusal, visible_assessment as assessment,
    visible_organization as organization,
};
use crate::extract::{ApiJson, ApiQuery, NoQuery};
use crate::passwords::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
use crate::results::{AssessmentResults, assessment_results};
use crate::{AppError, AppState};

fn created<T: serde::Serialize>(location: &str, body: T) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn assessment_dto(
    state: &AppState,
    assessment: Assessment,
) -> Result<AssessmentDto, AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    Ok(AssessmentDto::new(assessment, &model))
}

// ----- organisations -----------------------------------------------------

pub async fn list_organizations(
    State(state): State<AppState>,
    current: CurrentUser,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<OrganizationDto>>, AppError> {
    let organizations = state.store.organizations_for(&current.user).await?;
    Ok(Json(organizations.into_iter().map(Into::into).collect()))
}

pub async fn create_organization(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    ApiJson(body): ApiJson<NewOrganizationBody>,
) -> Result<Response, AppError> {
    let new = body.into_domain()?;
    let organization = state
        .store
        .create_organization(&new, &current.user.id)
        .await?;
    let location = format!("/api/v1/organizations/{}", organization.id);
    Ok(created(&location, OrganizationDto::from(organization)))
}

pub async fn get_organization(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<OrganizationDto>, AppError> {
    Ok(Json(organization(&state, &current, &id).await?.into()))
}

pub async fn list_assessments(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<AssessmentDto>>, AppError> {
    let organization = organization(&state, &current, &id).await?;
    let mut dtos = Vec::new();
    for assessment in state.store.assessments_of(&organization.id).await? {
        dtos.push(assessment_dto(&state, assessment).await?);
    }
    Ok(Json(dtos))
}

pub async fn create_assessment(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewAssessmentBody>,
) -> Result<Response, AppError> {
    let organization = organization(&state, &current, &id).await?;
    let new = body.into_domain()?;
    let version = match &new.model_version {
        None => state.store.latest_model_version(&new.model).await?,
        Some(version) => state
            .store
            .model_versions()
            .await?
            .into_iter()
            .find(|v| v.model_id == new.model && &v.version == version),
    };
    let version = match version {
        Some(version) => version,
        None => {
            return Err(
                unknown_model_version(&state, &new.model, new.model_version.as_deref()).await?,
            );
        }
    };
    let assessment = state
        .store
        .create_assessment(&organization.id, &new.title, &version.id)
        .await?;
    let location = format!("/api/v1/assessments/{}", assessment.id);
    Ok(created(
        &location,
        assessment_dto(&state, assessment).await?,
    ))
}

/// The 400 for a model or version that is not stored, naming what is.
async fn unknown_model_version(
    state: &AppState,
    model: &str,
    version: Option<&str>,
) -> Result<AppError, AppError> {
    let versions = state.store.model_versions().await?;
    let mut models: Vec<&str> = versions.iter().map(|v| v.model_id.as_str()).collect();
    models.dedup();
    if !models.contains(&model) {
        let hint = match did_you_mean(model, models.iter().copied()) {
            Some(suggestion) => format!("did you mean {suggestion:?}?"),
            None => format!("stored models: {}", models.join(", ")),
        };
        return Ok(AppError::bad_request(format!(
            "model: no model {} is stored; {hint}",
            quote_value(model)
        )));
    }
    let stored: Vec<&str> = versions
        .iter()
        .filter(|v| v.model_id == model)
        .map(|v| v.version.as_str())
        .collect();
    Ok(AppError::bad_request(format!(
        "model_version: model {model} has no version {}; stored versions: {}",
        quote_value(version.unwrap_or_default()),
        stored.join(", ")
    )))
}

/// Who was granted the organisation (admins see every organisation without
/// a grant and are not listed). Consultants and admins, like the console.
pub async fn list_access(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<AccessDto>>, AppError> {
    let organization = organization(&state, &current, &id).await?;
    let users = state.store.users_with_access(&organization.id).await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

/// Grants an existing viewer or consultant the organisation: 201 when the
/// access is new, 200 when they had it already.
pub async fn grant_access(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewAccessBody>,
) -> Result<Response, AppError> {
    let organization = organization(&state, &current, &id).await?;
    let (user, new) =
        match crate::accounts::grant_access(&state.store, &organization.id, &body.email).await {
            Ok(granted) => granted,
            Err(error) => return Err(account_error("email", error)),
        };
    let dto = AccessDto::from(user);
    Ok(if new {
        let location = format!("/api/v1/organizations/{}/access", organization.id);
        created(&location, dto)
    } else {
        Json(dto).into_response()
    })
}

/// An account refusal as the API answers it: what the caller got wrong is
/// a 400 naming `field` (the email's field), an existing email a 409.
fn account_error(field: &str, error: AccountError) -> AppError {
    match error {
        AccountError::InvalidEmail(_)
        | AccountError::UnknownUser(_)
        | AccountError::CannotBeGranted => AppError::bad_request(format!("{field}: {error}")),
        AccountError::ShortPassword | AccountError::LongPassword => {
            AppError::bad_request(format!("password: {error}"))
        }
        AccountError::Store(error) => error.into(),
        AccountError::Hashing(error) => AppError::Internal(error),
    }
}

// ----- models, users and the account -------------------------------------

/// The stored model versions, for choosing one when creating an assessment.
pub async fn list_models(
    State(state): State<AppState>,
    _current: CurrentUser,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<ModelVersionDto>>, AppError> {
    let versions = state.store.model_versions().await?;
    Ok(Json(versions.into_iter().map(Into::into).collect()))
}

pub async fn list_users(
    State(state): State<AppState>,
    _admin: Admin,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<UserDto>>, AppError> {
    let users = state.store.users().await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

pub async fn create_user(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<Response, AppError> {
    let role = body.role()?;
    let user = crate::accounts::add_user(&state.store, &body.email, role, &body.password)
        .await
        .map_err(|error| account_error("email", error))?;
    Ok(created("/api/v1/users", UserDto::from(user)))
}

/// Changes the signed-in user's password. Every session of the user ends
/// (a session cookie that made the request is cleared); API tokens stay
/// valid.
pub async fn change_password(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    current: CurrentUser,
    ApiJson(body): ApiJson<PasswordChangeBody>,
) -> Result<Response, AppError> {
    match crate::auth::change_password(
        &state,
        &current.user,
        &body.current_password,
        &body.new_password,
    )
    .await?
    {
        Ok(()) => {}
        Err(PasswordRefusal::TooShort) => {
            return Err(AppError::bad_request(format!(
                "new_password: is too short: use at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        Err(PasswordRefusal::TooLong) => {
            return Err(AppError::bad_request(format!(
                "new_password: is too long: use at most {MAX_PASSWORD_BYTES} bytes"
            )));
        }
        Err(PasswordRefusal::WrongCurrent) => {
            return Err(AppError::bad_request("current_password: is wrong"));
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if current.csrf_token.is_some() {
        // Signed in by session: the session is gone already; clear its cookie.
        let cookie = crate::auth::log_out(&state, &parts).await?;
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
    }
    Ok(response)
}

// ----- assessments -------------------------------------------------------

pub async fn get_assessment(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<AssessmentDto>, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    Ok(Json(assessment_dto(&state, assessment).await?))
}

/// Opens the assessment; the first opening freezes the model's anonymity
/// threshold on it.
pub async fn open_assessment(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<Json<AssessmentDto>, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let model = state.model(&assessment.model_version_id).await?;
    let opened = state
        .store
        .open_assessment(
            &assessment.id,
            simm_core::Policy::of_model(&model).minimum(),
        )
        .await?;
    Ok(Json(AssessmentDto::new(opened, &model)))
}

/// Closes the assessment, which releases its pending responses as the
/// final snapshot, unless fewer than its anonymity minimum are pending
/// after an interim snapshot: those are held back (participation says how
/// many).
pub async fn close_assessment(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<Json<AssessmentDto>, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let closed = crate::results::release(&state, &assessment, true).await?;
    Ok(Json(
        assessment_dto(&state, closed.outcome.assessment).await?,
    ))
}

/// Publishes an interim snapshot of an open assessment: 201 with the
/// number released, or 409 saying how many more responses it needs.
pub async fn snapshot(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let released = crate::results::release(&state, &assessment, false).await?;
    if released.outcome.released == 0 {
        return Err(AppError::conflict(crate::results::too_few_to_release(
            released.waiting,
            released.needed,
        )));
    }
    let location = format!("/api/v1/assessments/{}/results", assessment.id);
    Ok(created(
        &location,
        SnapshotDto {
            released: released.outcome.released,
            blank: released.outcome.blank,
        },
    ))
}

pub async fn create_invitations(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewInvitationsBody>,
) -> Result<Response, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let model = state.model(&assessment.model_version_id).await?;
    let attribute_sets = body.into_domain(&model)?;
    let mut new = Vec::with_capacity(attribute_sets.len());
    let mut shown = Vec::with_capacity(attribute_sets.len());
    for attributes in attribute_sets {
        let token = new_token();
        new.push(NewInvitation {
            token_hash: hash_token(&token),
            attributes: attributes.clone(),
        });
        shown.push(CreatedInvitationDto {
            url: format!("{}/r/{token}", state.config.public_url),
            token,
            attributes,
        });
    }
    state.store.create_invitations(&assessment.id, &new).await?;
    let location = format!("/api/v1/assessments/{}/participation", assessment.id);
    Ok(created(
        &location,
        CreatedInvitationsDto { invitations: shown },
    ))
}

pub async fn participation(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<ParticipationDto>, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let rows = state.store.participation(&assessment.id).await?;
    let mut dto = ParticipationDto::from_rows(rows);
    let pending = state.store.pending_counts(&assessment.id).await?;
    dto.released = state.store.response_count(&assessment.id).await?.max(0) as u64;
    dto.awaiting_release = pending.answering;
    dto.blank = pending.blank;
    dto.imported = crate::uploads::imported_count(&state, &assessment.id).await?;
    Ok(Json(dto))
}

/// The area comments of the submitted responses, once there are twice the
/// anonymity threshold of them; 409 before.
pub async fn comments(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<serde_json::Value>, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let model = state.model(&assessment.model_version_id).await?;
    match crate::results::visible_comments(&state, &assessment, &model).await? {
        Ok(areas) => {
            let areas: Vec<serde_json::Value> = model
                .areas()
                .iter()
                .zip(areas)
                .map(|(area, (_, comments))| serde_json::json!({ "id": area.id, "name": area.name, "comments": comments }))
                .collect();
            Ok(Json(serde_json::json!({ "areas": areas })))
        }
        Err(needed) => Err(AppError::conflict(format!(
            "comments are shown from {needed} submitted responses: free text identifies its writer more easily than a score does"
        ))),
    }
}

/// The engine's results as `simm score --format json` gives them, or only
/// the number of respondents while it is below the anonymity threshold.
pub async fn results(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ResultsQuery>,
) -> Result<Response, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let group_by = query.group_by.as_deref().map(str::trim);
    let (_, results) = assessment_results(&state, &assessment, group_by).await?;
    Ok(match results {
        AssessmentResults::Hidden {
            respondents,
            anonymity_min,
        } => Json(SuppressedResultsDto {
            respondents,
            suppressed: true,
            anonymity_min,
        })
        .into_response(),
        AssessmentResults::Shown(results) => Json(results).into_response(),
    })
}

/// The PDF report of the released results, or 409 below the threshold.
pub async fn report_pdf(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ResultsQuery>,
) -> Result<Response, AppError> {
    pdf(&state, &current, &id, &query, crate::pdf::Kind::Report).await
}

/// The slide deck of the released results, or 409 below the threshold.
pub async fn slides_pdf(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ResultsQuery>,
) -> Result<Response, AppError> {
    pdf(&state, &current, &id, &query, crate::pdf::Kind::Slides).await
}

async fn pdf(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
    query: &ResultsQuery,
    kind: crate::pdf::Kind,
) -> Result<Response, AppError> {
    let assessment = assessment(state, current, id).await?;
    let organization = organization(state, current, &assessment.organization_id).await?;
    let group_by = query.group_by.as_deref().map(str::trim);
    crate::pdf::download(state, &assessment, organization.name, group_by, kind).await
}

/// The submitted responses as a response sheet that `simm score` reads.
/// Consultants and admins only: viewers see aggregates, never rows.
pub async fn responses_csv(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Response, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let sheet = crate::results::responses_download(&state, &assessment).await?;
    let disposition = format!("attachment; filename=\"responses-{}.csv\"", assessment.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        sheet,
    )
        .into_response())
}

/// The results workbook, as the console serves it; the Responses sheet
/// only for consultants and admins.
pub async fn results_xlsx(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Response, AppError> {
    let assessment = assessment(&state, &current, &id).await?;
    let bytes = crate::workbook::results_workbook(&state, &current, &assessment, None).await?;
    Ok(crate::layout::attachment(
        simm_report::XLSX_MEDIA_TYPE,
        &format!("results-{}.xlsx", assessment.id),
        bytes,
    ))
}

pub async fn openapi(_query: ApiQuery<NoQuery>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI_DOCUMENT,
    )
        .into_response()
}
