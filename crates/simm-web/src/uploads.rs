//! Offline responses uploaded into an open assessment, such as the answers
//! of a paper workshop: simm's own sheet (CSV or XLSX), or another survey
//! tool's export with its mapping (`simm_sheet::import`).
//!
//! Every row is read and checked first; then all of them are stored in one
//! transaction, or none ([`simm_store::Store::import_responses`]). They go
//! to the pending pool like answers given online, so the same release and
//! anonymity rules publish them; participation counts them as imported.
//! The file's respondent ids are not kept, and the columns that identify
//! people are dropped before anything is read and named in the answer.
//!
//! Who may upload: consultants with access to the organisation, and
//! admins. The form and its multipart body are in `form`, the API handler
//! in `api`, the console page in `pages`.

mod api;
mod form;
mod pages;

use axum::Router;
use simm_core::Model;
use simm_sheet::import::{Converted, Mapping, Source};
use simm_store::{Assessment, ImportOutcome, ImportRecord, NewResponse};

use crate::auth::CurrentUser;
use crate::routes::Route;
use crate::{AppError, AppState};

pub use form::UploadForm;
pub(crate) use form::{read_fields, text_field};

/// The upload page.
pub const PAGE_ROUTES: &[Route] = pages::ROUTES;
/// The upload API, inside the consultant API's layers.
pub const API_ROUTES: &[Route] = api::ROUTES;

pub fn router() -> Router<AppState> {
    crate::routes::router(PAGE_ROUTES)
}

pub fn api_router() -> Router<AppState> {
    crate::routes::router(API_ROUTES)
}

/// What an uploaded file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    /// simm's own response sheet as CSV (comma, semicolon or tab).
    Sheet,
    /// Another survey tool's export, or simm's sheet as XLSX.
    Export(Source),
}

impl UploadFormat {
    /// Every format, in the order the form lists them.
    pub fn all() -> impl Iterator<Item = UploadFormat> {
        std::iter::once(UploadFormat::Sheet)
            .chain(Source::ALL.into_iter().map(UploadFormat::Export))
    }

    /// The name the form and the API take: `csv`, or `simm import --from`'s.
    pub fn name(self) -> &'static str {
        match self {
            UploadFormat::Sheet => "csv",
            UploadFormat::Export(source) => source.name(),
        }
    }

    /// A format from its name; a client error that lists the names.
    pub fn parse(name: &str) -> Result<UploadFormat, AppError> {
        let name = name.trim();
        UploadFormat::all()
            .find(|format| format.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<&str> = UploadFormat::all().map(UploadFormat::name).collect();
                let hint = simm_core::did_you_mean(name, names.iter().copied())
                    .map(|n| format!("; did you mean {n:?}?"))
                    .unwrap_or_default();
                AppError::bad_request(format!(
                    "format: {name:?} is not a format simm reads; expected one of {}{hint}",
                    names.join(", ")
                ))
            })
    }
}

/// An upload read and checked, before anything is stored.
pub struct ReadUpload {
    pub format: UploadFormat,
    pub responses: Vec<NewResponse>,
    /// The export's columns that never reached simm, one line each.
    pub dropped: Vec<String>,
}

/// Reads an uploaded file into responses of the model, or says everything
/// that is wrong with it, by row and column; nothing is kept on error.
pub fn read_upload(
    model: &Model,
    format: UploadFormat,
    file_name: &str,
    file: &[u8],
    mapping: Option<(&str, &str)>,
) -> Result<ReadUpload, Vec<String>> {
    let (sheet, dropped) = match format {
        UploadFormat::Sheet => {
            if mapping.is_some() {
                return Err(vec![
                    "mapping: simm's own sheet needs no mapping; choose the survey tool the file comes from, or leave the mapping out".into(),
                ]);
            }
            let text = std::str::from_utf8(file).map_err(|error| {
                vec![format!(
                    "{file_name}: the sheet is not UTF-8 text (byte {}); save it as CSV UTF-8",
                    error.valid_up_to() + 1
                )]
            })?;
            (text.to_owned(), Vec::new())
        }
        UploadFormat::Export(source) => {
            let mapping = mapping
                .map(|(name, text)| Mapping::parse(text, name))
                .transpose()
                .map_err(|error| vec![error.to_string()])?;
            let converted: Converted =
                simm_sheet::import::convert(source, file, mapping.as_ref(), model).map_err(
                    |error| {
                        error
                            .lines()
                            .into_iter()
                            .map(|line| format!("{file_name}: {line}"))
                            .collect::<Vec<_>>()
                    },
                )?;
            let dropped = converted.dropped_report();
            (converted.sheet, dropped)
        }
    };
    let responses = sheet_responses(model, &sheet, file_name)?;
    if responses.is_empty() {
        return Err(vec![format!(
            "{file_name}: the file has no responses, only a header"
        )]);
    }
    Ok(ReadUpload {
        format,
        responses,
        dropped,
    })
}

/// The rows of simm's response sheet as responses to store: preset
/// attributes and answers, and nothing of the sheet's respondent ids.
fn sheet_responses(
    model: &Model,
    sheet: &str,
    file_name: &str,
) -> Result<Vec<NewResponse>, Vec<String>> {
    let mut responses = Vec::new();
    simm_sheet::read_sheet(sheet.as_bytes(), model, |row| {
        responses.push(NewResponse {
            attributes: model
                .attributes()
                .iter()
                .enumerate()
                .filter_map(|(index, attribute)| {
                    row.attribute(index)
                        .map(|value| (attribute.id.to_string(), value.to_owned()))
                })
                .collect(),
            answers: row
                .answers
                .iter()
                .map(|answer| answer.map_or(0, |answer| answer.get()))
                .collect(),
        });
    })
    .map_err(|error| error.render_lines(file_name))?;
    Ok(responses)
}

/// Stores a read upload in the assessment, whole, while it is open.
pub async fn store_upload(
    state: &AppState,
    current: &CurrentUser,
    assessment: &Assessment,
    upload: &ReadUpload,
) -> Result<ImportRecord, AppError> {
    match state
        .store
        .import_responses(
            &assessment.id,
            upload.format.name(),
            &current.user.id,
            &upload.responses,
        )
        .await?
    {
        ImportOutcome::Imported(record) => Ok(record),
        ImportOutcome::NotOpen => Err(not_open()),
    }
}

fn not_open() -> AppError {
    AppError::conflict(
        "responses can be uploaded only into an open assessment; open it first (a closed one takes no more responses)",
    )
}

/// How many responses were uploaded into an assessment, for participation.
pub async fn imported_count(state: &AppState, assessment_id: &str) -> Result<i64, AppError> {
    Ok(state
        .store
        .imports(assessment_id)
        .await?
        .iter()
        .map(|record| record.rows)
        .sum())
}
