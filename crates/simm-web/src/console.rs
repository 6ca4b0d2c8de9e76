//! Pages for consultants, viewers and admins: signing in, organisations,
//! assessments, invitations, participation and results.
//!
//! Every page is rendered on the server and works without JavaScript.
//! Reading is GET; every change is a POST of a form whose hidden `csrf`
//! field is checked by [`CsrfForm`]. Whatever belongs to an organisation the
//! user may not see answers 404, exactly like something that does not exist.

mod assessments;
mod organizations;
mod reports;
mod users;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use simm_store::Role;

use crate::auth::{CsrfForm, CurrentUser, client_ip, log_in, log_out};
use crate::{AppError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/", get(organizations::dashboard))
        .route("/organizations", post(organizations::create))
        .route("/organizations/{id}", get(organizations::page))
        .route(
            "/organizations/{id}/assessments",
            post(organizations::create_assessment),
        )
        .route(
            "/organizations/{id}/access",
            post(organizations::grant_access),
        )
        .route("/assessments/{id}", get(assessments::page))
        .route("/assessments/{id}/open", post(assessments::open))
        .route("/assessments/{id}/close", post(assessments::close))
        .route("/assessments/{id}/snapshot", post(assessments::snapshot))
        .route(
            "/assessments/{id}/invitations",
            post(assessments::create_links),
        )
        .route(
            "/assessments/{id}/invitations/csv",
            post(assessments::create_links_from_csv),
        )
        .route("/assessments/{id}/results", get(reports::page))
        .route("/assessments/{id}/results.json", get(reports::json))
        .route("/assessments/{id}/report.html", get(reports::html_report))
        .route(
            "/assessments/{id}/responses.csv",
            get(reports::responses_csv),
        )
        .route("/users", get(users::list).post(users::add))
        .route(
            "/account/password",
            get(users::password_page).post(users::change_password),
        )
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    not_found: bool,
}

/// The HTML page for an error response of a page route.
pub fn error_page(status: StatusCode, message: &str) -> String {
    let title = status.canonical_reason().unwrap_or("Error");
    ErrorPage {
        title,
        message,
        not_found: status == StatusCode::NOT_FOUND,
    }
    .render()
    .unwrap_or_else(|_| message.to_owned())
}

pub(crate) fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template.render().map(Html).map_err(AppError::internal)
}

/// A page that shows a form again with what was wrong in it.
fn invalid(template: &impl Template) -> Result<Response, AppError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(template)?).into_response())
}

/// A redirect after a successful POST, so that reloading the next page
/// does not send the form again.
fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A file download: never cached, always saved rather than shown.
pub(crate) fn attachment(
    content_type: &'static str,
    filename: &str,
    body: impl Into<String>,
) -> Response {
    let mut response = body.into().into_response();
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

/// May create and change organisations, assessments and invitations.
fn is_consultant(current: &CurrentUser) -> bool {
    matches!(current.user.role, Role::Consultant | Role::Admin)
}

/// A confirmation named in the query string after a redirect. Only these
/// fixed texts can appear, so a link cannot put words on the page.
#[derive(Deserialize, Default)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

impl NoticeQuery {
    fn message(&self) -> Option<&'static str> {
        Some(match self.notice.as_deref()? {
            "created" => "Created.",
            "assessment-created" => {
                "The assessment was created as a draft. Create invitation links, then open it."
            }
            "access-granted" => "Access granted.",
            "opened" => "The assessment is open: invitation links can be answered now.",
            "closed" => {
                "The assessment is closed: links can no longer be answered, and the responses that were waiting are released into the results."
            }
            "snapshot" => {
                "An interim snapshot was published: the results now include every response that was waiting."
            }
            "snapshot-too-few" => {
                "No snapshot was published: too few responses are waiting (see how many more are needed below)."
            }
            "user-added" => {
                "The user was added. Tell them their password in person or by another channel."
            }
            "password-changed" => {
                "Your password was changed and all your sessions have ended. Sign in with the new password."
            }
            "signed-out" => "You have signed out.",
            _ => return None,
        })
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    email: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

async fn login_page(Query(query): Query<NoticeQuery>) -> Result<Html<String>, AppError> {
    render(&LoginPage {
        email: String::new(),
        error: None,
        notice: query.message(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let ip = client_ip(&parts, state.config.trust_forwarded_for);
    match log_in(&state, &form.email, &form.password, ip).await {
        Ok((_, cookie)) => Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()),
        Err(
            error @ (AppError::BadRequest(_)
            | AppError::Unauthorized(_)
            | AppError::TooManyRequests(_)),
        ) => {
            let status = error.status();
            // An email too long to be one is not worth sending back.
            let mut email = form.email;
            if email.len() > crate::accounts::MAX_EMAIL_BYTES {
                email.clear();
            }
            let page = render(&LoginPage {
                email,
                error: Some(error.message()),
                notice: None,
            })?;
            Ok((status, page).into_response())
        }
        Err(other) => Err(other),
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
struct Empty {}

/// Signing out is a change too: without the token, another site could sign
/// people out at will.
async fn logout(
    State(state): State<AppState>,
    parts: Parts,
    _form: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let cookie = log_out(&state, &parts).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/login?notice=signed-out"),
    )
        .into_response())
}

/// A trimmed form field, `None` when empty.
fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}
