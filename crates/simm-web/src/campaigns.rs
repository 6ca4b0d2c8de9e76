//! Campaigns: invitations e-mailed through the configured SMTP relay, and
//! reminders to those who have not submitted.
//!
//! A consultant gives addresses (with preset attributes) and a template;
//! the store queues one message per address in its durable outbox
//! (`simm_store::Store::queue_email_invitations`), and the sender in
//! `outbox` hands them to the relay at the configured rate, with retries.
//! An address is kept only to deliver and to remind: it is never part of
//! a response, and closing the assessment deletes it (docs/privacy.md).
//!
//! Who may: consultants with access to the organisation, and admins.
//! Viewers see participation counts, never addresses.

mod api;
mod deadline;
mod outbox;
mod pages;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use simm_mail::{EmailAddress, Relay, Template, Values};
use std::collections::BTreeMap;

use serde::Serialize;
use simm_store::{
    AssessmentState, Attributes, EmailKind, InvitationState, NewEmailRecipient, NewEmailTemplate,
    OutboxState, QueueOutcome, hash_token, new_token,
};

use crate::plan::timestamp;
use crate::routes::Route;
use crate::{AppError, AppState};

pub(crate) use deadline::deadline_of;
pub use deadline::run as run_schedule;
pub use outbox::run as run_outbox;

/// The campaign API, inside the consultant API's layers.
pub const API_ROUTES: &[Route] = api::ROUTES;
/// The deadline API, inside the same layers.
pub const DEADLINE_ROUTES: &[Route] = deadline::ROUTES;
/// The console's e-mail page.
pub const PAGE_ROUTES: &[Route] = pages::ROUTES;

pub fn api_router() -> Router<AppState> {
    crate::routes::router(API_ROUTES).merge(crate::routes::router(DEADLINE_ROUTES))
}

pub fn router() -> Router<AppState> {
    crate::routes::router(PAGE_ROUTES)
}

/// How the server sends e-mail: the relay, and how fast and how often it
/// tries.
#[derive(Clone)]
pub struct MailSettings {
    pub relay: Relay,
    /// At most this many messages a second leave one server.
    pub messages_per_second: f64,
    /// The wait before the second try after a transient failure; it
    /// doubles with each further try, up to an hour.
    pub retry_after: Duration,
    /// Tries before a message that keeps failing transiently is failed.
    pub max_attempts: i64,
}

impl MailSettings {
    pub fn new(relay: Relay) -> MailSettings {
        MailSettings {
            relay,
            messages_per_second: 10.0,
            retry_after: Duration::from_secs(60),
            max_attempts: 6,
        }
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("relay", &self.relay.settings().to_string())
            .field("messages_per_second", &self.messages_per_second)
            .field("retry_after", &self.retry_after)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// The mail settings, or the conflict a request that would send meets on
/// a server without a relay.
fn mail(state: &AppState) -> Result<&Arc<MailSettings>, AppError> {
    state.config.mail.as_ref().ok_or_else(|| {
        AppError::conflict(
            "this server sends no e-mail: start simm serve with --smtp-url and --smtp-from (docs/campaigns.md)",
        )
    })
}

/// A respondent's link.
pub(crate) fn link(state: &AppState, token: &str) -> String {
    format!("{}/r/{token}", state.config.public_url)
}

/// The values a message is written with: the one place the sender and
/// the preview take them from.
pub(crate) fn values<'a>(
    organization: &'a str,
    assessment_title: &'a str,
    deadline: Option<&'a str>,
    anonymity_min: u32,
    link: &'a str,
) -> Values<'a> {
    Values {
        organization,
        assessment: assessment_title,
        deadline,
        link,
        anonymity_min,
    }
}

/// The stored template of a message, parsed again: it was checked when
/// it was stored, so a failure means the rules changed since.
pub(crate) fn stored_template(subject: &str, body: &str) -> Result<Template, String> {
    Template::parse(subject, body).map_err(|error| {
        format!("the stored template no longer passes the template rules: {error}")
    })
}

/// A template written for a sample recipient of `assessment`, with a
/// placeholder link: the preview.
pub(crate) async fn render_sample(
    state: &AppState,
    assessment: &simm_store::Assessment,
    template: &Template,
) -> Result<simm_mail::Rendered, AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    let organization = state
        .store
        .organization_name_of_assessment(&assessment.id)
        .await?
        .unwrap_or_default();
    let link = link(state, "your-personal-link");
    let anonymity_min = crate::results::policy(assessment, &model).minimum();
    let deadline = deadline_of(state, &assessment.id)
        .await?
        .map(|d| d.to_string());
    Ok(template.render(&values(
        &organization,
        &assessment.title,
        deadline.as_deref(),
        anonymity_min,
        &link,
    )))
}

/// A template from a request, or the default of its kind.
pub(crate) fn template(
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

pub(crate) fn stored(kind: EmailKind, template: &Template) -> NewEmailTemplate {
    NewEmailTemplate {
        kind,
        subject: template.subject_source().to_owned(),
        body: template.body_source().to_owned(),
    }
}

/// Makes an invitation for each checked address and queues its message,
/// all or none, and wakes the sender.
pub(crate) async fn queue_invitations(
    state: &AppState,
    assessment_id: &str,
    template: &Template,
    recipients: &[(EmailAddress, Attributes)],
) -> Result<QueueOutcome, AppError> {
    let recipients: Vec<NewEmailRecipient> = recipients
        .iter()
        .map(|(address, attributes)| {
            let token = new_token();
            NewEmailRecipient {
                address_key: address.key(),
                address: address.as_str().to_owned(),
                token_hash: hash_token(&token),
                token,
                attributes: attributes.clone(),
            }
        })
        .collect();
    let outcome = state
        .store
        .queue_email_invitations(
            assessment_id,
            &stored(EmailKind::Invitation, template),
            &recipients,
            outbox::unix_now(),
        )
        .await?;
    if matches!(outcome, QueueOutcome::Queued(_)) {
        state.outbox_wake.notify_waiters();
    }
    Ok(outcome)
}

/// Queues the reminders and wakes the sender: how many, or `None` when the
/// assessment is not open.
pub(crate) async fn queue_reminders(
    state: &AppState,
    assessment_id: &str,
    template: &Template,
) -> Result<Option<u64>, AppError> {
    let queued = state
        .store
        .queue_reminders(
            assessment_id,
            &stored(EmailKind::Reminder, template),
            outbox::unix_now(),
        )
        .await?;
    if queued.is_some() {
        state.outbox_wake.notify_waiters();
    }
    Ok(queued)
}

pub(crate) fn not_open(state: AssessmentState) -> AppError {
    AppError::conflict(format!(
        "the assessment is {}; e-mails go out only while it is open",
        state.as_str()
    ))
}

pub(crate) fn already_invited(address: &str) -> String {
    format!(
        "{} is invited to this assessment already; send a reminder instead",
        simm_core::quote_value(address)
    )
}

#[derive(Serialize)]
pub(crate) struct RecipientView {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) attributes: Attributes,
    /// queued, sending, sent, failed, or submitted once the invitee has
    /// submitted.
    pub(crate) state: &'static str,
    /// The latest message: invitation or reminder.
    pub(crate) message: &'static str,
    pub(crate) attempts: i64,
    /// The relay's answer to the latest failed try.
    pub(crate) error: Option<String>,
    pub(crate) invited_at: Option<String>,
    pub(crate) reminders_sent: i64,
}

#[derive(Serialize)]
pub(crate) struct EmailsView {
    pub(crate) recipients: Vec<RecipientView>,
    /// Messages by kind and state; kept when the addresses are deleted.
    pub(crate) messages: BTreeMap<&'static str, BTreeMap<&'static str, i64>>,
    /// Whether the assessment closed and its addresses were deleted.
    pub(crate) addresses_deleted: bool,
}

/// The order the states are shown in.
const SHOWN_STATES: [OutboxState; 4] = [
    OutboxState::Queued,
    OutboxState::Sending,
    OutboxState::Sent,
    OutboxState::Failed,
];

impl EmailsView {
    /// Each kind's counts in the order of [`SHOWN_STATES`], for a table
    /// whose columns are those states.
    pub(crate) fn count_rows(&self) -> Vec<(&'static str, Vec<i64>)> {
        self.messages
            .iter()
            .map(|(kind, by_state)| {
                let counts = SHOWN_STATES
                    .iter()
                    .map(|state| by_state.get(state.as_str()).copied().unwrap_or_default())
                    .collect();
                (*kind, counts)
            })
            .collect()
    }
}

/// The e-mail list of an assessment: each address with its state, and the
/// counts that outlive the addresses. The API and the page show this one
/// view.
pub(crate) async fn emails_view(
    state: &AppState,
    assessment: &simm_store::Assessment,
) -> Result<EmailsView, AppError> {
    let rows = state.store.email_recipients(&assessment.id).await?;
    let counts = state.store.email_counts(&assessment.id).await?;
    let mut messages: BTreeMap<&'static str, BTreeMap<&'static str, i64>> = BTreeMap::new();
    for kind in [EmailKind::Invitation, EmailKind::Reminder] {
        let by_state = messages.entry(kind.as_str()).or_default();
        for state in SHOWN_STATES {
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
        .map(|row| RecipientView {
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
    Ok(EmailsView {
        recipients,
        messages,
        addresses_deleted: assessment.state == AssessmentState::Closed,
    })
}
