//! The console's e-mail page: upload a list of addresses (CSV or XLSX,
//! with an `email` column and attribute columns), write the message,
//! preview it, send, follow each address's state, and remind those who
//! have not submitted.

use askama::Template;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use simm_mail::{EmailAddress, Rendered};
use simm_store::{Assessment, AssessmentState, Attributes, EmailKind, Organization, QueueOutcome};

use super::EmailsView;
use crate::auth::{Consultant, CsrfForm, CurrentUser, check_form_csrf};
use crate::console::visible_assessment;
use crate::layout::{Nav, render};
use crate::routes::{Route, route};
use crate::uploads::{read_fields, text_field};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/assessments/{id}/emails" => page),
    route!(POST "/assessments/{id}/emails" => send),
    route!(POST "/assessments/{id}/reminders" => remind),
];

#[derive(Template)]
#[template(path = "console/emails.html")]
struct EmailsPage {
    nav: Nav,
    organization: Organization,
    assessment: Assessment,
    open: bool,
    /// Whether the server has a relay.
    sends: bool,
    view: EmailsView,
    subject: String,
    body: String,
    preview: Option<Rendered>,
    notice: Option<String>,
    errors: Vec<String>,
}

/// What the form held, to show it again.
struct Written {
    subject: String,
    body: String,
}

impl Written {
    fn defaults() -> Written {
        Written {
            subject: simm_mail::DEFAULT_INVITATION_SUBJECT.to_owned(),
            body: simm_mail::DEFAULT_INVITATION_BODY.to_owned(),
        }
    }
}

async fn emails_page(
    state: &AppState,
    current: &CurrentUser,
    (assessment, organization): (Assessment, Organization),
    written: Written,
    preview: Option<Rendered>,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<EmailsPage, AppError> {
    Ok(EmailsPage {
        nav: Nav::of(current),
        open: assessment.state == AssessmentState::Open,
        sends: state.config.mail.is_some(),
        view: super::emails_view(state, &assessment).await?,
        subject: written.subject,
        body: written.body,
        preview,
        notice,
        errors,
        organization,
        assessment,
    })
}

async fn page(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let found = visible_assessment(&state, &current, &id).await?;
    render(
        &emails_page(
            &state,
            &current,
            found,
            Written::defaults(),
            None,
            None,
            Vec::new(),
        )
        .await?,
    )
}

/// The page's form: the list, the message and what to do with them.
pub struct SendForm {
    user: CurrentUser,
    csrf: String,
    list: Option<(String, Vec<u8>)>,
    subject: String,
    body: String,
    /// `preview` or `send`.
    action: String,
}

impl FromRequest<AppState> for SendForm {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (user, fields) = read_fields(
            request,
            state,
            &["csrf", "list", "subject", "body", "action"],
        )
        .await?;
        let mut form = SendForm {
            user,
            csrf: String::new(),
            list: None,
            subject: String::new(),
            body: String::new(),
            action: String::new(),
        };
        for (name, file_name, bytes) in fields {
            match name.as_str() {
                "list" if bytes.is_empty() => {}
                "list" => {
                    form.list = Some((
                        file_name
                            .filter(|n| !n.is_empty())
                            .unwrap_or_else(|| "list".into()),
                        bytes,
                    ))
                }
                "csrf" => form.csrf = text_field(&name, bytes)?,
                "subject" => form.subject = text_field(&name, bytes)?,
                "body" => form.body = text_field(&name, bytes)?,
                _ => form.action = text_field(&name, bytes)?,
            }
        }
        Ok(form)
    }
}

/// Previews the message, or reads the list whole and queues one message
/// per address: every problem of the list by row and column, and nothing
/// stored, when any is wrong.
async fn send(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    form: SendForm,
) -> Result<Response, AppError> {
    check_form_csrf(&form.user, &form.csrf)?;
    let found = visible_assessment(&state, &current, &id).await?;
    let written = Written {
        subject: form.subject.clone(),
        body: form.body.clone(),
    };
    let refuse = |errors: Vec<String>, written: Written, found| {
        let (state, current) = (&state, &current);
        async move {
            let page = emails_page(state, current, found, written, None, None, errors).await?;
            Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    };
    let template = match super::template(EmailKind::Invitation, Some(form.subject), Some(form.body))
    {
        Ok(template) => template,
        Err(error) => return refuse(vec![error.message()], written, found).await,
    };
    if form.action == "preview" {
        let preview = super::render_sample(&state, &found.0, &template).await?;
        let page = emails_page(
            &state,
            &current,
            found,
            written,
            Some(preview),
            None,
            Vec::new(),
        )
        .await?;
        return Ok(render(&page)?.into_response());
    }
    if let Err(error) = super::mail(&state) {
        return refuse(vec![error.message()], written, found).await;
    }
    let Some((name, bytes)) = form.list else {
        return refuse(
            vec!["Choose the list of addresses (CSV or XLSX).".into()],
            written,
            found,
        )
        .await;
    };
    let model = state.model(&found.0.model_version_id).await?;
    let check = |address: &str| EmailAddress::parse(address).map(|_| ());
    let read = if bytes.starts_with(b"PK") {
        simm_sheet::read_recipients_xlsx(&model, &bytes, &check)
    } else {
        match String::from_utf8(bytes) {
            Ok(text) => simm_sheet::read_recipients(&model, &text, &check),
            Err(_) => {
                return refuse(
                    vec![format!(
                        "{name}: the list is neither UTF-8 text (CSV) nor an XLSX workbook"
                    )],
                    written,
                    found,
                )
                .await;
            }
        }
    };
    let rows = match read {
        Ok(rows) => rows,
        Err(error) => return refuse(error.render_lines(&name), written, found).await,
    };
    if rows.len() > crate::api::dto::MAX_INVITATIONS as usize {
        let max = crate::api::dto::MAX_INVITATIONS;
        return refuse(
            vec![format!(
                "{name}: the list has {} addresses; send at most {max} at once",
                rows.len()
            )],
            written,
            found,
        )
        .await;
    }
    let recipients: Vec<(EmailAddress, Attributes)> = rows
        .iter()
        .map(|row| {
            (
                EmailAddress::parse(&row.email).expect("checked by the reader"),
                row.presets.clone(),
            )
        })
        .collect();
    let notice = match super::queue_invitations(&state, &found.0.id, &template, &recipients).await?
    {
        QueueOutcome::Queued(queued) => format!(
            "{queued} {} queued; they go out at the server's pace, and each address's state shows below.",
            if queued == 1 {
                "invitation is"
            } else {
                "invitations are"
            }
        ),
        QueueOutcome::NotOpen => {
            return refuse(
                vec![super::not_open(found.0.state).message()],
                written,
                found,
            )
            .await;
        }
        QueueOutcome::AlreadyInvited(address) => {
            let line = rows
                .iter()
                .find(|row| row.email == address)
                .map_or(0, |row| row.line);
            return refuse(
                vec![format!(
                    "{name}:{line}: {}",
                    super::already_invited(&address)
                )],
                written,
                found,
            )
            .await;
        }
    };
    let page = emails_page(
        &state,
        &current,
        found,
        Written::defaults(),
        None,
        Some(notice),
        Vec::new(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// The reminder button's form holds only its CSRF token, which
/// `CsrfForm` checks.
#[derive(Deserialize)]
struct ReminderForm {}

/// Queues the default reminder to those who have not submitted.
async fn remind(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form: _, .. }: CsrfForm<ReminderForm>,
) -> Result<Response, AppError> {
    let found = visible_assessment(&state, &current, &id).await?;
    let outcome = match super::mail(&state) {
        Ok(_) => {
            super::queue_reminders(
                &state,
                &found.0.id,
                &simm_mail::Template::default_reminder(),
            )
            .await?
        }
        Err(error) => {
            let page = emails_page(
                &state,
                &current,
                found,
                Written::defaults(),
                None,
                None,
                vec![error.message()],
            )
            .await?;
            return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
        }
    };
    let (status, notice, errors) = match outcome {
        Some(0) => (StatusCode::OK, Some("Everyone invited has submitted, or has a message on its way: no reminder was queued.".to_owned()), Vec::new()),
        Some(queued) => (StatusCode::OK, Some(format!("{queued} {} queued to those who have not submitted.", if queued == 1 { "reminder is" } else { "reminders are" })), Vec::new()),
        None => (StatusCode::CONFLICT, None, vec![super::not_open(found.0.state).message()]),
    };
    let page = emails_page(
        &state,
        &current,
        found,
        Written::defaults(),
        None,
        notice,
        errors,
    )
    .await?;
    Ok((status, render(&page)?).into_response())
}
