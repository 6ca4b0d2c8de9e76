//! The campaign API: e-mail invitations, their list with each address's
//! state, reminders, and the preview of a template.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simm_core::quote_value;
use simm_mail::EmailAddress;
use simm_store::{EmailKind, QueueOutcome};

use crate::api::dto::{MAX_INVITATIONS, check_attributes};
use crate::auth::{Consultant, visible_assessment};
use crate::extract::fields::present;
use crate::extract::{ApiJson, ApiQuery, NoQuery};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(POST "/api/v1/assessments/{id}/invitations/email" => send_invitations),
    route!(POST "/api/v1/assessments/{id}/invitations/email/preview" => preview),
    route!(GET "/api/v1/assessments/{id}/emails" => list_emails),
    route!(POST "/api/v1/assessments/{id}/reminders" => send_reminders),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientBody {
    pub email: String,
    #[serde(default, deserialize_with = "present")]
    pub attributes: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailInvitationsBody {
    pub recipients: Vec<RecipientBody>,
    /// Without one, the default invitation's.
    #[serde(default, deserialize_with = "present")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    #[serde(default, deserialize_with = "present")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    #[serde(default, deserialize_with = "present")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub body: Option<String>,
}

#[derive(Serialize)]
struct QueuedDto {
    queued: u64,
}

#[derive(Serialize)]
struct PreviewDto {
    subject: String,
    text: String,
    html: String,
}

fn accepted(queued: u64) -> Response {
    (StatusCode::ACCEPTED, Json(QueuedDto { queued })).into_response()
}

/// Checks every recipient before anything is stored: 400 naming the first
/// bad address (or attribute), 409 when the server has no relay or the
/// assessment is not open, 202 with the number queued.
async fn send_invitations(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EmailInvitationsBody>,
) -> Result<Response, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    super::mail(&state)?;
    let template = super::template(EmailKind::Invitation, body.subject, body.body)?;
    let model = state.model(&assessment.model_version_id).await?;
    if body.recipients.is_empty() || body.recipients.len() > MAX_INVITATIONS as usize {
        return Err(AppError::bad_request(format!(
            "recipients: must hold 1 to {MAX_INVITATIONS} addresses, not {}",
            body.recipients.len()
        )));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut recipients = Vec::with_capacity(body.recipients.len());
    for (index, recipient) in body.recipients.into_iter().enumerate() {
        let field = format!("recipients[{index}].email");
        let address = EmailAddress::parse(&recipient.email)
            .map_err(|problem| AppError::bad_request(format!("{field}: {problem}")))?;
        if let Some(first) = seen.insert(address.key(), index) {
            return Err(AppError::bad_request(format!(
                "{field}: {} is given twice, first as recipients[{first}]",
                quote_value(address.as_str())
            )));
        }
        let attributes = check_attributes(
            &model,
            &format!("recipients[{index}].attributes"),
            recipient.attributes.unwrap_or_default(),
        )?;
        recipients.push((address, attributes));
    }
    match super::queue_invitations(&state, &assessment.id, &template, &recipients).await? {
        QueueOutcome::Queued(queued) => Ok(accepted(queued)),
        QueueOutcome::NotOpen => Err(super::not_open(assessment.state)),
        QueueOutcome::AlreadyInvited(address) => {
            let index = recipients
                .iter()
                .position(|(given, _)| given.as_str() == address)
                .unwrap_or_default();
            Err(AppError::bad_request(format!(
                "recipients[{index}].email: {}",
                super::already_invited(&address)
            )))
        }
    }
}

/// The template written for one sample recipient, as the sender would
/// write it: nothing is stored or sent.
async fn preview(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PreviewBody>,
) -> Result<Json<PreviewDto>, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    let kind = match body.kind.as_deref().map(str::trim) {
        None | Some("invitation") => EmailKind::Invitation,
        Some("reminder") => EmailKind::Reminder,
        Some(other) => {
            return Err(AppError::bad_request(format!(
                "kind: {} is neither invitation nor reminder",
                quote_value(other)
            )));
        }
    };
    let template = super::template(kind, body.subject, body.body)?;
    let rendered = super::render_sample(&state, &assessment, &template).await?;
    Ok(Json(PreviewDto {
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
    }))
}

/// Every address with the state of its latest message; consultants and
/// admins only, since the list holds addresses.
async fn list_emails(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<super::EmailsView>, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    Ok(Json(super::emails_view(&state, &assessment).await?))
}

/// Queues a reminder to every invitee who has not submitted: 202 with the
/// number queued (0 when everyone has), 409 without a relay or when the
/// assessment is not open.
async fn send_reminders(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TemplateBody>,
) -> Result<Response, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    super::mail(&state)?;
    let template = super::template(EmailKind::Reminder, body.subject, body.body)?;
    match super::queue_reminders(&state, &assessment.id, &template).await? {
        Some(queued) => Ok(accepted(queued)),
        None => Err(super::not_open(assessment.state)),
    }
}
