//! The upload's multipart body: the file, its format and, for another
//! tool's export, the mapping. Read whole before anything is checked, and
//! refused with a message that names the field.

use crate::auth::CurrentUser;
use crate::{AppError, AppState};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};

/// An uploaded file: its name as the browser sent it, and its bytes.
pub struct UploadedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The fields of an upload. The console page checks `csrf` as every
/// console form's (`auth::check_form_csrf`); the API's session writes send
/// it as a header, which the API's layer checks.
pub struct UploadForm {
    pub user: CurrentUser,
    pub file: Option<UploadedFile>,
    /// `csv` (simm's sheet) when absent.
    pub format: Option<String>,
    /// The mapping file's name and text.
    pub mapping: Option<(String, String)>,
    pub csrf: String,
}

const FIELDS: [&str; 4] = ["file", "format", "mapping", "csrf"];

/// A multipart form's fields, read whole: each allowed field at most once,
/// as (name, file name, bytes); an unknown or repeated field is refused
/// with its name. The upload and the e-mail page read their forms here.
pub(crate) async fn read_fields(
    request: Request,
    state: &AppState,
    allowed: &[&str],
) -> Result<(CurrentUser, Vec<(String, Option<String>, Vec<u8>)>), AppError> {
    let (mut parts, body) = request.into_parts();
    let user = CurrentUser::from_request_parts(&mut parts, state).await?;
    let request = Request::from_parts(parts, body);
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|rejection| {
            AppError::bad_request(format!(
                "the upload must be multipart/form-data with a file field: {}",
                rejection.body_text()
            ))
        })?;
    let mut fields: Vec<(String, Option<String>, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if !allowed.contains(&name.as_str()) {
            let hint = simm_core::did_you_mean(&name, allowed.iter().copied())
                .map(|n| format!("; did you mean {n:?}?"))
                .unwrap_or_default();
            return Err(AppError::bad_request(format!(
                "{name:?} is not a field of the upload; expected {}{hint}",
                allowed.join(", ")
            )));
        }
        if fields.iter().any(|(seen, _, _)| *seen == name) {
            return Err(AppError::bad_request(format!(
                "{name}: the field appears more than once; send one"
            )));
        }
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(malformed)?.to_vec();
        fields.push((name, file_name, bytes));
    }
    Ok((user, fields))
}

/// A text field's value: UTF-8, or a client error naming the field.
pub(crate) fn text_field(name: &str, bytes: Vec<u8>) -> Result<String, AppError> {
    String::from_utf8(bytes)
        .map_err(|_| AppError::bad_request(format!("{name}: the field is not UTF-8 text")))
}

impl FromRequest<AppState> for UploadForm {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (user, fields) = read_fields(request, state, &FIELDS).await?;
        let mut form = UploadForm {
            user,
            file: None,
            format: None,
            mapping: None,
            csrf: String::new(),
        };
        for (name, file_name, bytes) in fields {
            match name.as_str() {
                // A file input left empty still sends its field, with no name
                // and no bytes.
                "file" if bytes.is_empty() && file_name.as_deref().unwrap_or("").is_empty() => {}
                "file" => {
                    form.file = Some(UploadedFile {
                        name: file_name
                            .filter(|n| !n.is_empty())
                            .unwrap_or_else(|| "upload".to_owned()),
                        bytes,
                    })
                }
                "mapping" if bytes.is_empty() => {}
                "mapping" => {
                    let text = String::from_utf8(bytes).map_err(|_| {
                        AppError::bad_request("mapping: the mapping file is not UTF-8 text")
                    })?;
                    let name = file_name
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "mapping.toml".to_owned());
                    form.mapping = Some((name, text));
                }
                other => {
                    let text = text_field(other, bytes)?;
                    if other == "csrf" {
                        form.csrf = text;
                    } else if !text.trim().is_empty() {
                        form.format = Some(text);
                    }
                }
            }
        }
        Ok(form)
    }
}

fn malformed(error: axum::extract::multipart::MultipartError) -> AppError {
    AppError::bad_request(format!(
        "the upload is malformed or too large: {}",
        error.body_text()
    ))
}
