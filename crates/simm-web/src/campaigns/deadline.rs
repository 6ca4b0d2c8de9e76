//! An assessment's deadline, by API: `GET`, `PUT` and `DELETE
//! /api/v1/assessments/{id}/deadline`, with the reminders scheduled some
//! days before it; and the task that closes assessments at their deadline
//! and sends the scheduled reminders.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simm_core::Deadline;
use tokio::sync::watch;

use super::outbox::unix_now;
use crate::auth::{Consultant, CurrentUser, visible_assessment};
use crate::extract::fields::{Whole, present};
use crate::extract::{ApiJson, ApiQuery, NoQuery};
use crate::plan::timestamp;
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/api/v1/assessments/{id}/deadline" => get_deadline),
    route!(PUT "/api/v1/assessments/{id}/deadline" => set_deadline),
    route!(DELETE "/api/v1/assessments/{id}/deadline" => clear_deadline),
];

/// The most days before a deadline a reminder may be scheduled.
const MAX_REMINDER_DAYS: u32 = 60;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineBody {
    /// Local date and time, `2026-12-15T17:00`.
    pub closes_at: String,
    /// An IANA zone, `Europe/Berlin`.
    pub time_zone: String,
    /// Whole days before the deadline to remind those who have not
    /// submitted, e.g. `[3, 1]`.
    #[serde(default, deserialize_with = "present")]
    pub reminders: Option<Vec<Whole<u32>>>,
}

#[derive(Serialize)]
struct ReminderDto {
    days_before: i64,
    due_at: String,
    sent: bool,
}

#[derive(Serialize)]
pub(crate) struct DeadlineDto {
    /// The local time as set, or `null` without a deadline.
    closes_at: Option<String>,
    time_zone: Option<String>,
    /// The same instant in UTC.
    closes_at_utc: Option<String>,
    /// As respondents read it: `15 December 2026, 17:00 (Europe/Berlin)`.
    shown: Option<String>,
    reminders: Vec<ReminderDto>,
}

/// The deadline of an assessment as respondents and messages show it, if
/// it has one.
pub(crate) async fn deadline_of(
    state: &AppState,
    assessment_id: &str,
) -> Result<Option<Deadline>, AppError> {
    Ok(state
        .store
        .deadline(assessment_id)
        .await?
        .and_then(|record| Deadline::from_stored(record.closes_at, &record.time_zone)))
}

async fn dto(state: &AppState, assessment_id: &str) -> Result<DeadlineDto, AppError> {
    let record = state.store.deadline(assessment_id).await?;
    let deadline = record
        .as_ref()
        .and_then(|record| Deadline::from_stored(record.closes_at, &record.time_zone));
    Ok(DeadlineDto {
        closes_at: deadline.as_ref().map(Deadline::local),
        time_zone: deadline.as_ref().map(|d| d.zone().to_owned()),
        closes_at_utc: deadline.as_ref().map(|d| timestamp(d.unix())),
        shown: deadline.as_ref().map(ToString::to_string),
        reminders: record
            .map(|record| {
                record
                    .reminders
                    .iter()
                    .map(|(days, sent_at)| ReminderDto {
                        days_before: *days,
                        due_at: timestamp(record.closes_at - days * 86_400),
                        sent: sent_at.is_some(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Everyone granted the organisation: respondents see the deadline too.
async fn get_deadline(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    _query: ApiQuery<NoQuery>,
) -> Result<Json<DeadlineDto>, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    Ok(Json(dto(&state, &assessment.id).await?))
}

/// Sets or moves the deadline: 400 naming the field (an unknown zone, a
/// time the zone skips, a past time, a reminder out of range), 409 once the
/// assessment is closed.
async fn set_deadline(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeadlineBody>,
) -> Result<Json<DeadlineDto>, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    let deadline = Deadline::parse(&body.closes_at, &body.time_zone)
        .map_err(|error| AppError::bad_request(error.to_string()))?;
    let now = unix_now();
    if deadline.unix() <= now {
        return Err(AppError::bad_request(format!(
            "closes_at: {deadline} has passed; a deadline is in the future (close the assessment to end it now)"
        )));
    }
    let mut days: Vec<i64> = Vec::new();
    for (index, Whole(day)) in body.reminders.unwrap_or_default().into_iter().enumerate() {
        if !(1..=MAX_REMINDER_DAYS).contains(&day) {
            return Err(AppError::bad_request(format!(
                "reminders[{index}]: {day} is not a number of days from 1 to {MAX_REMINDER_DAYS} before the deadline"
            )));
        }
        if days.contains(&i64::from(day)) {
            return Err(AppError::bad_request(format!(
                "reminders[{index}]: {day} is given twice"
            )));
        }
        days.push(i64::from(day));
    }
    if !state
        .store
        .set_deadline(&assessment.id, deadline.unix(), deadline.zone(), &days, now)
        .await?
    {
        return Err(AppError::conflict(
            "the assessment is closed; it needs no deadline",
        ));
    }
    Ok(Json(dto(&state, &assessment.id).await?))
}

async fn clear_deadline(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    state.store.clear_deadline(&assessment.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Closes every open assessment whose deadline has come, and sends the
/// reminders whose day has come, every `schedule_every`, until `stop`.
/// Several servers may run it at once: a close is a release that finds
/// the assessment closed already and changes nothing, and a scheduled
/// reminder is claimed by one server only.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let now = unix_now();
        match state.store.due_deadlines(now).await {
            Ok(due) => {
                for id in due {
                    match crate::results::release_assessment(&state, &id, true).await {
                        Ok(outcome) => {
                            tracing::info!(assessment = %id, released = outcome.released, "closed at its deadline")
                        }
                        Err(error) => {
                            tracing::error!(assessment = %id, error = %error.message(), "closing at the deadline failed")
                        }
                    }
                }
            }
            Err(error) => tracing::error!(error = %error, "reading the deadlines failed"),
        }
        if state.config.mail.is_some() {
            match state.store.claim_due_reminders(now).await {
                Ok(due) => {
                    for id in due {
                        match super::queue_reminders(
                            &state,
                            &id,
                            &simm_mail::Template::default_reminder(),
                        )
                        .await
                        {
                            Ok(queued) => {
                                tracing::info!(assessment = %id, queued = queued.unwrap_or_default(), "scheduled reminders queued")
                            }
                            Err(error) => {
                                tracing::error!(assessment = %id, error = %error.message(), "queueing scheduled reminders failed")
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(error = %error, "reading the reminder schedules failed")
                }
            }
        }
        state
            .schedule_ticks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tokio::select! {
            _ = tokio::time::sleep(state.config.schedule_every) => {}
            _ = stop.changed() => {}
        }
    }
}
