//! The upload API: `POST /api/v1/assessments/{id}/imports` takes a
//! multipart body (`file`, `format`, `mapping`) and stores every row or
//! none; `GET` lists the uploads. The layers of the consultant API
//! (`api.rs`) wrap these routes too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use simm_store::ImportRecord;

use super::{UploadForm, UploadFormat, read_upload, store_upload};
use crate::auth::{Consultant, CurrentUser, visible_assessment};
use crate::extract::{ApiQuery, NoQuery};
use crate::plan::timestamp;
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/api/v1/assessments/{id}/imports" => list_imports),
    route!(POST "/api/v1/assessments/{id}/imports" => create_import),
];

#[derive(Serialize)]
pub struct ImportDto {
    pub id: String,
    pub format: String,
    /// Responses stored; they are published by the next release.
    pub responses: i64,
    pub imported_by: String,
    pub imported_at: String,
}

impl From<ImportRecord> for ImportDto {
    fn from(record: ImportRecord) -> ImportDto {
        ImportDto {
            id: record.id,
            format: record.source,
            responses: record.rows,
            imported_by: record.imported_by_email,
            imported_at: timestamp(record.imported_at),
        }
    }
}

#[derive(Serialize)]
struct CreatedImportDto {
    #[serde(flatten)]
    import: ImportDto,
    /// The export's columns that never reached simm, and why.
    dropped: Vec<String>,
}

pub async fn list_imports(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<Vec<ImportDto>>, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    let imports = state.store.imports(&assessment.id).await?;
    Ok(Json(imports.into_iter().map(ImportDto::from).collect()))
}

/// Reads the whole file before anything is stored: 400 with every problem
/// by row and column, 409 when the assessment is not open, 201 otherwise.
pub async fn create_import(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    form: UploadForm,
) -> Result<Response, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    let format = UploadFormat::parse(form.format.as_deref().unwrap_or("csv"))?;
    let Some(file) = form.file else {
        return Err(AppError::bad_request(
            "file: the upload has no file; send the sheet or export as the file field",
        ));
    };
    let model = state.model(&assessment.model_version_id).await?;
    let mapping = form
        .mapping
        .as_ref()
        .map(|(name, text)| (name.as_str(), text.as_str()));
    let upload = read_upload(&model, format, &file.name, &file.bytes, mapping)
        .map_err(|problems| AppError::bad_request(problems.join("\n")))?;
    let record = store_upload(&state, &current, &assessment, &upload).await?;
    let location = format!("/api/v1/assessments/{}/imports", assessment.id);
    let mut response = (
        StatusCode::CREATED,
        Json(CreatedImportDto {
            import: record.into(),
            dropped: upload.dropped,
        }),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
