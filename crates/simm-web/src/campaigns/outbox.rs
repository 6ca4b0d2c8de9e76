//! The sender: claims due messages from the store's outbox one at a time,
//! writes each from its template, hands it to the relay, and records the
//! outcome. Several servers on one PostgreSQL database each run one; the
//! store's claims keep them from sending a message twice.

use std::time::Duration;

use simm_mail::{EmailAddress, SendError, compose};
use simm_store::{ClaimedEmail, SendOutcome};
use tokio::sync::watch;

use super::MailSettings;
use crate::AppState;

/// How long a claim holds: longer than the relay's timeouts for one
/// message, so that only a dead sender's claims run out.
const LEASE_SECONDS: i64 = 300;
/// The longest wait for new messages when none is due: a message queued by
/// another server is picked up within it.
const IDLE_POLL: Duration = Duration::from_secs(5);
/// The longest wait between retries.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Sends until `stop` turns true, then returns after the message in hand.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let Some(mail) = state.config.mail.clone() else {
        return;
    };
    let pause = Duration::from_secs_f64(1.0 / mail.messages_per_second.max(0.001));
    tracing::info!(relay = %mail.relay.settings(), per_second = mail.messages_per_second, "the e-mail sender is running");
    loop {
        if *stop.borrow() {
            return;
        }
        let wait = match state.store.claim_email(unix_now(), LEASE_SECONDS).await {
            Ok(Some(claimed)) => {
                send(&state, &mail, claimed).await;
                pause
            }
            Ok(None) => idle_wait(&state).await,
            Err(error) => {
                tracing::error!(error = %error, "the e-mail sender could not read the outbox");
                IDLE_POLL
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.outbox_wake.notified() => {}
            _ = stop.changed() => {}
        }
    }
}

/// Until the next queued message is due, at most [`IDLE_POLL`].
async fn idle_wait(state: &AppState) -> Duration {
    match state.store.next_email_due().await {
        Ok(Some(due)) => {
            Duration::from_secs((due - unix_now()).clamp(0, IDLE_POLL.as_secs() as i64) as u64)
        }
        _ => IDLE_POLL,
    }
}

async fn send(state: &AppState, mail: &MailSettings, claimed: ClaimedEmail) {
    let outcome = match deliver(state, mail, &claimed).await {
        Ok(()) => SendOutcome::Sent,
        Err(SendError::Permanent(answer)) => SendOutcome::Failed { error: answer },
        Err(SendError::Transient(answer)) if claimed.attempt >= mail.max_attempts => {
            SendOutcome::Failed {
                error: format!(
                    "gave up after {} tries; the last answer: {answer}",
                    claimed.attempt
                ),
            }
        }
        Err(SendError::Transient(answer)) => {
            let wait = mail
                .retry_after
                .saturating_mul(1 << (claimed.attempt - 1).clamp(0, 20) as u32)
                .min(MAX_RETRY_AFTER);
            SendOutcome::Retry {
                error: answer,
                at: unix_now() + wait.as_secs().max(1) as i64,
            }
        }
    };
    // The outbox id, never the address or the link, goes to the log.
    match &outcome {
        SendOutcome::Sent => {
            tracing::info!(outbox = %claimed.outbox_id, kind = claimed.kind.as_str(), "e-mail sent")
        }
        SendOutcome::Retry { at, .. } => {
            tracing::warn!(outbox = %claimed.outbox_id, attempt = claimed.attempt, retry_at = at, "e-mail deferred")
        }
        SendOutcome::Failed { .. } => {
            tracing::warn!(outbox = %claimed.outbox_id, attempt = claimed.attempt, "e-mail failed")
        }
    }
    metrics::counter!("simm_emails_total", "outcome" => match outcome {
        SendOutcome::Sent => "sent",
        SendOutcome::Retry { .. } => "deferred",
        SendOutcome::Failed { .. } => "failed",
    })
    .increment(1);
    if let Err(error) = state
        .store
        .finish_email(&claimed.outbox_id, &outcome, unix_now())
        .await
    {
        tracing::error!(outbox = %claimed.outbox_id, error = %error, "the outcome of an e-mail could not be recorded");
    }
}

/// Writes the message and hands it to the relay. A message that cannot
/// be written (a bad stored address or template) fails for good.
async fn deliver(
    state: &AppState,
    mail: &MailSettings,
    claimed: &ClaimedEmail,
) -> Result<(), SendError> {
    let template =
        super::stored_template(&claimed.subject, &claimed.body).map_err(SendError::Permanent)?;
    let to = EmailAddress::parse(&claimed.address)
        .map_err(|problem| SendError::Permanent(format!("the stored address {problem}")))?;
    let anonymity_min = match state.store.assessment(&claimed.assessment_id).await {
        Ok(Some(assessment)) => match state.model(&assessment.model_version_id).await {
            Ok(model) => crate::results::policy(&assessment, &model).minimum(),
            Err(_) => {
                return Err(SendError::Transient(
                    "the assessment's model could not be read".into(),
                ));
            }
        },
        _ => {
            return Err(SendError::Transient(
                "the assessment could not be read".into(),
            ));
        }
    };
    let link = super::link(state, &claimed.link_token);
    let deadline = match super::deadline_of(state, &claimed.assessment_id).await {
        Ok(deadline) => deadline.map(|d| d.to_string()),
        Err(_) => {
            return Err(SendError::Transient(
                "the assessment's deadline could not be read".into(),
            ));
        }
    };
    let rendered = template.render(&super::values(
        &claimed.organization_name,
        &claimed.assessment_title,
        deadline.as_deref(),
        anonymity_min,
        &link,
    ));
    let message = compose(mail.relay.from(), &to, &claimed.outbox_id, "en", &rendered)
        .map_err(|error| SendError::Permanent(error.to_string()))?;
    mail.relay.send(message).await
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
