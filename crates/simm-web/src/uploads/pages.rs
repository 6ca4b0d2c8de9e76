//! The console's upload page: the form, what the last upload did (rows
//! stored, columns dropped) or everything wrong with it, and the earlier
//! uploads.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use simm_store::{Assessment, AssessmentState, Organization};

use super::api::ImportDto;
use super::{UploadForm, UploadFormat, read_upload, store_upload};
use crate::auth::{Consultant, check_form_csrf};
use crate::console::visible_assessment;
use crate::layout::{Nav, render};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/assessments/{id}/upload" => page),
    route!(POST "/assessments/{id}/upload" => upload),
];

struct FormatChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// What the upload just posted did.
struct Outcome {
    responses: i64,
    format: &'static str,
    dropped: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/upload.html")]
struct UploadPage {
    nav: Nav,
    organization: Organization,
    assessment: Assessment,
    open: bool,
    formats: Vec<FormatChoice>,
    outcome: Option<Outcome>,
    errors: Vec<String>,
    imports: Vec<ImportDto>,
}

fn label(format: UploadFormat) -> &'static str {
    match format.name() {
        "csv" => "simm response sheet (CSV)",
        "xlsx" => "simm response sheet (XLSX)",
        "qualtrics" => "Qualtrics CSV export",
        "limesurvey" => "LimeSurvey CSV export",
        "google-forms" => "Google Forms CSV",
        "microsoft-forms" => "Microsoft Forms XLSX",
        other => other,
    }
}

async fn upload_page(
    state: &AppState,
    current: &crate::auth::CurrentUser,
    (assessment, organization): (Assessment, Organization),
    selected: UploadFormat,
    outcome: Option<Outcome>,
    errors: Vec<String>,
) -> Result<UploadPage, AppError> {
    let imports = state.store.imports(&assessment.id).await?;
    Ok(UploadPage {
        nav: Nav::of(current),
        open: assessment.state == AssessmentState::Open,
        formats: UploadFormat::all()
            .map(|format| FormatChoice {
                value: format.name(),
                label: label(format),
                selected: format == selected,
            })
            .collect(),
        outcome,
        errors,
        imports: imports.into_iter().map(ImportDto::from).collect(),
        organization,
        assessment,
    })
}

pub async fn page(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let found = visible_assessment(&state, &current, &id).await?;
    let page = upload_page(
        &state,
        &current,
        found,
        UploadFormat::Sheet,
        None,
        Vec::new(),
    )
    .await?;
    render(&page)
}

pub async fn upload(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    form: UploadForm,
) -> Result<Response, AppError> {
    check_form_csrf(&form.user, &form.csrf)?;
    let found = visible_assessment(&state, &current, &id).await?;
    let format = match form.format.as_deref().map(UploadFormat::parse).transpose() {
        Ok(format) => format.unwrap_or(UploadFormat::Sheet),
        Err(error) => {
            return refused(
                &state,
                &current,
                found,
                UploadFormat::Sheet,
                vec![error.message()],
            )
            .await;
        }
    };
    let Some(file) = form.file else {
        let errors = vec!["Choose the file to upload.".to_owned()];
        return refused(&state, &current, found, format, errors).await;
    };
    let model = state.model(&found.0.model_version_id).await?;
    let mapping = form
        .mapping
        .as_ref()
        .map(|(name, text)| (name.as_str(), text.as_str()));
    let read = match read_upload(&model, format, &file.name, &file.bytes, mapping) {
        Ok(read) => read,
        Err(problems) => return refused(&state, &current, found, format, problems).await,
    };
    let record = match store_upload(&state, &current, &found.0, &read).await {
        Ok(record) => record,
        Err(AppError::Conflict(message)) => {
            return refused(&state, &current, found, format, vec![message]).await;
        }
        Err(other) => return Err(other),
    };
    let outcome = Outcome {
        responses: record.rows,
        format: label(format),
        dropped: read.dropped,
    };
    let page = upload_page(&state, &current, found, format, Some(outcome), Vec::new()).await?;
    Ok(render(&page)?.into_response())
}

/// The page again with what was wrong; nothing was stored.
async fn refused(
    state: &AppState,
    current: &crate::auth::CurrentUser,
    found: (Assessment, Organization),
    format: UploadFormat,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let page = upload_page(state, current, found, format, None, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
