//! What the console's and the steward's pages share: the header of the
//! page layout (`templates/console/layout.html`), rendering, and file
//! downloads.

use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{Html, Response};
use simm_store::Role;

use crate::AppError;
use crate::auth::CurrentUser;

/// A page, or the error of a template that cannot be rendered.
pub(crate) fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template.render().map(Html).map_err(AppError::internal)
}

/// The first characters of an id, enough to tell downloads apart.
pub(crate) fn short_id(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// A file download: never cached, always saved rather than shown.
pub(crate) fn attachment(
    content_type: &'static str,
    filename: &str,
    body: impl Into<axum::body::Body>,
) -> Response {
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The names are built from ids and fixed words, so they are plain ASCII.
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What the page header shows about the signed-in user, and the token the
/// sign-out form (and every other form on the page) carries.
pub(crate) struct Nav {
    pub(crate) email: String,
    pub(crate) role: &'static str,
    pub(crate) is_admin: bool,
    /// May see the model steward's pages: stewards and admins.
    pub(crate) is_steward: bool,
    pub(crate) csrf: String,
}

impl Nav {
    pub(crate) fn of(current: &CurrentUser) -> Nav {
        Nav {
            email: current.user.email.clone(),
            role: current.user.role.as_str(),
            is_admin: current.user.role == Role::Admin,
            is_steward: matches!(current.user.role, Role::Steward | Role::Admin),
            csrf: current.csrf_token.clone().unwrap_or_default(),
        }
    }
}
