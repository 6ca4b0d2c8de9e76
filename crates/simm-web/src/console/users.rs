//! Accounts: the admin's list of users with a form to add one, and every
//! user's own password change.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use simm_store::Role;

use super::{Nav, NoticeQuery, invalid, render, see_other};
use crate::accounts::{AccountError, add_user};
use crate::auth::{self, Admin, CsrfForm, CurrentUser, PasswordRefusal, log_out};
use crate::passwords::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
use crate::{AppError, AppState};

pub(super) struct UserRow {
    email: String,
    role: &'static str,
}

pub(super) struct RoleOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

const ROLES: &[(Role, &str)] = &[
    (
        Role::Viewer,
        "Viewer: reads the results of organisations they are given",
    ),
    (
        Role::Consultant,
        "Consultant: creates organisations and assessments",
    ),
    (
        Role::Steward,
        "Steward: looks after the models; sees calibrations pooled over all assessments, no organisation",
    ),
    (Role::Admin, "Admin: sees everything and manages users"),
];

#[derive(Deserialize, Default)]
pub(crate) struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserRow>,
    email_value: String,
    roles: Vec<RoleOption>,
    min_password: usize,
    errors: Vec<String>,
    notice: Option<&'static str>,
}

async fn users_page(
    state: &AppState,
    current: &CurrentUser,
    email_value: String,
    role_value: &str,
    errors: Vec<String>,
    notice: Option<&'static str>,
) -> Result<UsersPage, AppError> {
    let role_value = if role_value.is_empty() {
        Role::Viewer.as_str()
    } else {
        role_value
    };
    Ok(UsersPage {
        nav: Nav::of(current),
        users: state
            .store
            .users()
            .await?
            .into_iter()
            .map(|user| UserRow {
                email: user.email,
                role: user.role.as_str(),
            })
            .collect(),
        email_value,
        roles: ROLES
            .iter()
            .map(|(role, label)| RoleOption {
                value: role.as_str(),
                label,
                selected: role.as_str() == role_value,
            })
            .collect(),
        min_password: MIN_PASSWORD_CHARS,
        errors,
        notice,
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
    Admin(current): Admin,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    render(
        &users_page(
            &state,
            &current,
            String::new(),
            "",
            Vec::new(),
            query.message(),
        )
        .await?,
    )
}

pub(super) async fn add(
    State(state): State<AppState>,
    Admin(current): Admin,
    CsrfForm { form, .. }: CsrfForm<UserForm>,
) -> Result<Response, AppError> {
    let problem = match Role::parse(&form.role) {
        None => Some("Choose a role from the list.".to_owned()),
        Some(role) => match add_user(&state.store, &form.email, role, &form.password).await {
            Ok(_) => None,
            Err(AccountError::Store(simm_store::StoreError::Conflict(message))) => {
                Some(format!("{message}."))
            }
            Err(
                error @ (AccountError::InvalidEmail(_)
                | AccountError::ShortPassword
                | AccountError::LongPassword),
            ) => Some(format!("{error}.")),
            Err(AccountError::Store(error)) => return Err(error.into()),
            Err(other) => return Err(AppError::internal(other)),
        },
    };
    if let Some(problem) = problem {
        return invalid(
            &users_page(
                &state,
                &current,
                form.email,
                &form.role,
                vec![problem],
                None,
            )
            .await?,
        );
    }
    Ok(see_other("/users?notice=user-added"))
}

#[derive(Template)]
#[template(path = "console/password.html")]
struct PasswordPage {
    nav: Nav,
    min_password: usize,
    errors: Vec<String>,
}

pub(super) async fn password_page(current: CurrentUser) -> Result<Html<String>, AppError> {
    render(&PasswordPage {
        nav: Nav::of(&current),
        min_password: MIN_PASSWORD_CHARS,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// Changes the password after checking the current one. Every session of
/// the user ends, this one included, so the next step is signing in again.
pub(super) async fn change_password(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    CsrfForm {
        user: current,
        form,
    }: CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let too_short =
        || format!("The new password is too short: use at least {MIN_PASSWORD_CHARS} characters.");
    let too_long =
        || format!("The new password is too long: use at most {MAX_PASSWORD_BYTES} bytes.");
    let mut errors = Vec::new();
    match crate::accounts::check_new_password(&form.new) {
        Ok(()) => {}
        Err(AccountError::LongPassword) => errors.push(too_long()),
        Err(_) => errors.push(too_short()),
    }
    if form.new != form.repeat {
        errors.push("The new password and its repetition differ.".to_owned());
    }
    if errors.is_empty() {
        match auth::change_password(&state, &current.user, &form.current, &form.new).await? {
            Ok(()) => {}
            Err(PasswordRefusal::WrongCurrent) => {
                errors.push("The current password is wrong.".to_owned());
            }
            Err(PasswordRefusal::TooShort) => errors.push(too_short()),
            Err(PasswordRefusal::TooLong) => errors.push(too_long()),
        }
    }
    if !errors.is_empty() {
        return invalid(&PasswordPage {
            nav: Nav::of(&current),
            min_password: MIN_PASSWORD_CHARS,
            errors,
        });
    }
    // The session is gone from the store already; this clears the cookie.
    let cookie = log_out(&state, &parts).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/login?notice=password-changed"),
    )
        .into_response())
}
