//! Pages for consultants, viewers and admins: signing in, organisations,
//! assessments, invitations, participation and results.

use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::auth::{CurrentUser, client_ip, log_in, log_out};
use crate::{AppError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/", get(home))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// The HTML page for an error response of a page route.
pub fn error_page(status: StatusCode, message: &str) -> String {
    let title = status.canonical_reason().unwrap_or("Error");
    ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| message.to_owned())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    email: String,
    error: Option<String>,
}

fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template.render().map(Html).map_err(AppError::internal)
}

async fn login_page() -> Result<Html<String>, AppError> {
    render(&LoginPage {
        email: String::new(),
        error: None,
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
    let ip = client_ip(&parts, false);
    match log_in(&state, &form.email, &form.password, ip).await {
        Ok((_, cookie)) => Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()),
        Err(error @ (AppError::Unauthorized(_) | AppError::TooManyRequests(_))) => {
            let status = error.status();
            let page = render(&LoginPage {
                email: form.email,
                error: Some(error.message()),
            })?;
            Ok((status, page).into_response())
        }
        Err(other) => Err(other),
    }
}

async fn logout(State(state): State<AppState>, parts: Parts) -> Result<Response, AppError> {
    let cookie = log_out(&state, &parts).await?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

async fn home(current: CurrentUser) -> Result<Html<String>, AppError> {
    Ok(Html(format!("signed in as {}", current.user.email)))
}
