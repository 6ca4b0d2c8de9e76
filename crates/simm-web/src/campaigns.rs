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
mod outbox;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use simm_mail::{Relay, Template, Values};

use crate::routes::Route;
use crate::{AppError, AppState};

pub use outbox::run as run_outbox;

/// The campaign API, inside the consultant API's layers.
pub const API_ROUTES: &[Route] = api::ROUTES;

pub fn api_router() -> Router<AppState> {
    crate::routes::router(API_ROUTES)
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
    anonymity_min: u32,
    link: &'a str,
) -> Values<'a> {
    Values {
        organization,
        assessment: assessment_title,
        deadline: None,
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
    Ok(template.render(&values(
        &organization,
        &assessment.title,
        anonymity_min,
        &link,
    )))
}
