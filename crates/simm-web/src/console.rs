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

pub(crate) use crate::layout::short_id;
pub(crate) use assessments::visible_assessment;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use simm_store::Role;

use crate::auth::{CsrfForm, CurrentUser, client_ip, log_in, log_out};
use crate::layout::{Nav, attachment, render};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/login" => login_page),
    route!(POST "/login" => login),
    route!(POST "/logout" => logout),
    route!(GET "/" => organizations::dashboard),
    route!(POST "/organizations" => organizations::create),
    route!(GET "/organizations/{id}" => organizations::page),
    route!(POST "/organizations/{id}/assessments" => organizations::create_assessment),
    route!(POST "/organizations/{id}/access" => organizations::grant_access),
    route!(GET "/assessments/{id}" => assessments::page),
    route!(POST "/assessments/{id}/open" => assessments::open),
    route!(POST "/assessments/{id}/close" => assessments::close),
    route!(POST "/assessments/{id}/snapshot" => assessments::snapshot),
    route!(POST "/assessments/{id}/invitations" => assessments::create_links),
    route!(POST "/assessments/{id}/invitations/csv" => assessments::create_links_from_csv),
    route!(GET "/assessments/{id}/results" => reports::page),
    route!(GET "/assessments/{id}/results.json" => reports::json),
    route!(GET "/assessments/{id}/report.html" => reports::html_report),
    route!(GET "/assessments/{id}/report.pdf" => reports::pdf_report),
    route!(GET "/assessments/{id}/slides.pdf" => reports::pdf_slides),
    route!(GET "/assessments/{id}/responses.csv" => reports::responses_csv),
    route!(GET "/assessments/{id}/results.xlsx" => reports::workbook),
    route!(GET "/users" => users::list),
    route!(POST "/users" => users::add),
    route!(GET "/account/password" => users::password_page),
    route!(POST "/account/password" => users::change_password),
];

pub fn router() -> Router<AppState> {
    crate::routes::router(ROUTES)
}

/// A page that shows a form again with what was wrong in it.
pub(crate) fn invalid(template: &impl Template) -> Result<Response, AppError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(template)?).into_response())
}

/// A redirect after a successful POST, so that reloading the next page
/// does not send the form again.
pub(crate) fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// May create and change organisations, assessments and invitations.
pub(crate) fn is_consultant(current: &CurrentUser) -> bool {
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
    pub(crate) fn message(&self) -> Option<&'static str> {
        Some(match self.notice.as_deref()? {
            "created" => "Created.",
            "assessment-created" => {
                "The assessment was created as a draft. Create invitation links, then open it."
            }
            "access-granted" => "Access granted.",
            "target-set" => "The target was saved.",
            "action-created" => "The action was added to the plan.",
            "action-saved" => "The action was saved.",
            "action-deleted" => "The action was deleted, with its history.",
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
