//! The campaign API: e-mail invitations, their list with each address's
//! state, reminders, and the preview of a template.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simm_core::quote_value;
use simm_mail::{EmailAddress, Template};
use simm_store::{
    AssessmentState, Attributes, EmailKind, InvitationState, NewEmailRecipient, NewEmailTemplate,
    OutboxState, QueueOutcome, hash_token, new_token,
};

use super::outbox::unix_now;
use crate::api::dto::{MAX_INVITATIONS, check_attributes};
use crate::auth::{Consultant, visible_assessment};
use crate::extract::fields::present;
use crate::extract::{ApiJson, ApiQuery, NoQuery};
use crate::plan::timestamp;
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

#[derive(Serialize)]
struct RecipientDto {
    id: String,
    email: String,
    attributes: Attributes,
    /// queued, sending, sent, failed, or submitted once the invitee has
    /// submitted.
    state: &'static str,
    /// The latest message: invitation or reminder.
    message: &'static str,
    attempts: i64,
    /// The relay's answer to the latest failed try.
    error: Option<String>,
    invited_at: Option<String>,
    reminders_sent: i64,
}

#[derive(Serialize)]
struct EmailsDto {
    recipients: Vec<RecipientDto>,
    /// Messages by kind and state; kept when the addresses are deleted.
    messages: BTreeMap<&'static str, BTreeMap<&'static str, i64>>,
    /// Whether the assessment closed and its addresses were deleted.
    addresses_deleted: bool,
}

/// A template from a request, or the default of its kind.
fn template(
    kind: EmailKind,
    subject: Option<String>,
    body: Option<String>,
) -> Result<Template, AppError> {
    let (default_subject, default_body) = match kind {
        EmailKind::Invitation => (
            simm_mail::DEFAULT_INVITATION_SUBJECT,
            simm_mail::DEFAULT_INVITATION_BODY,
        ),
        EmailKind::Reminder => (
            simm_mail::DEFAULT_REMINDER_SUBJECT,
            simm_mail::DEFAULT_REMINDER_BODY,
        ),
    };
    Template::parse(
        subject.as_deref().unwrap_or(default_subject),
        body.as_deref().unwrap_or(default_body),
    )
    .map_err(|error| AppError::bad_request(error.to_string()))
}

fn stored(kind: EmailKind, template: &Template) -> NewEmailTemplate {
    NewEmailTemplate {
        kind,
        subject: template.subject_source().to_owned(),
        body: template.body_source().to_owned(),
    }
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
    let template = template(EmailKind::Invitation, body.subject, body.body)?;
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
        let token = new_token();
        recipients.push(NewEmailRecipient {
            address_key: address.key(),
            address: address.as_str().to_owned(),
            token_hash: hash_token(&token),
            token,
            attributes,
        });
    }
    let outcome = state
        .store
        .queue_email_invitations(
            &assessment.id,
            &stored(EmailKind::Invitation, &template),
            &recipients,
            unix_now(),
        )
        .await?;
    match outcome {
        QueueOutcome::Queued(queued) => {
            state.outbox_wake.notify_waiters();
            Ok(accepted(queued))
        }
        QueueOutcome::NotOpen => Err(not_open(assessment.state)),
        QueueOutcome::AlreadyInvited(address) => {
            let index = recipients
                .iter()
                .position(|r| r.address == address)
                .unwrap_or_default();
            Err(AppError::bad_request(format!(
                "recipients[{index}].email: {} is invited to this assessment already; send a reminder instead",
                quote_value(&address)
            )))
        }
    }
}

fn not_open(state: AssessmentState) -> AppError {
    AppError::conflict(format!(
        "the assessment is {}; e-mails go out only while it is open",
        state.as_str()
    ))
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
    let template = template(kind, body.subject, body.body)?;
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
) -> Result<Json<EmailsDto>, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    let rows = state.store.email_recipients(&assessment.id).await?;
    let counts = state.store.email_counts(&assessment.id).await?;
    let mut messages: BTreeMap<&'static str, BTreeMap<&'static str, i64>> = BTreeMap::new();
    for kind in [EmailKind::Invitation, EmailKind::Reminder] {
        let by_state = messages.entry(kind.as_str()).or_default();
        for state in [
            OutboxState::Queued,
            OutboxState::Sending,
            OutboxState::Sent,
            OutboxState::Failed,
        ] {
            by_state.insert(state.as_str(), 0);
        }
    }
    for count in counts {
        *messages
            .entry(count.kind.as_str())
            .or_default()
            .entry(count.state.as_str())
            .or_default() += count.messages;
    }
    let recipients = rows
        .into_iter()
        .map(|row| RecipientDto {
            id: row.id,
            email: row.address,
            attributes: row.attributes,
            state: if row.invitation_state == InvitationState::Submitted {
                "submitted"
            } else {
                row.latest_state.as_str()
            },
            message: row.latest_kind.as_str(),
            attempts: row.attempts,
            error: row.error,
            invited_at: row.invited_at.map(timestamp),
            reminders_sent: row.reminders_sent,
        })
        .collect();
    Ok(Json(EmailsDto {
        recipients,
        messages,
        addresses_deleted: assessment.state == AssessmentState::Closed,
    }))
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
    let template = template(EmailKind::Reminder, body.subject, body.body)?;
    match state
        .store
        .queue_reminders(
            &assessment.id,
            &stored(EmailKind::Reminder, &template),
            unix_now(),
        )
        .await?
    {
        Some(queued) => {
            state.outbox_wake.notify_waiters();
            Ok(accepted(queued))
        }
        None => Err(not_open(assessment.state)),
    }
}
