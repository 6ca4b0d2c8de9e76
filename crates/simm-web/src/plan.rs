//! An organisation's target and its action plan: where it wants each area
//! to be and by when, and the actions that should get it there, with who
//! owns them, when they are due and every change of their status.
//!
//! Who may do what: anyone granted the organisation reads both; consultants
//! with access and admins set the target and create, change and delete
//! actions; viewers granted the organisation may change an action's status
//! and notes, nothing else ([`ViewerChange`]). Another tenant's target or
//! action answers 404, like a missing one.
//!
//! An organisation has no model of its own: its target and its actions'
//! items are read against the model of its latest round (its last closed
//! assessment), or the built-in model before the first round closes
//! ([`organization_model`]). The console pages are in `pages`, the API
//! handlers in `api`, their bodies in `dto`, and the rules that both apply
//! to a new or changed action in `edits`.

mod api;
mod dto;
mod edits;
mod pages;

use std::sync::Arc;

use axum::Router;
use simm_core::{AreaId, CalendarDate, Model, StageLevel, Target, is_overdue};
use simm_store::{Action, Assessment};

use crate::results::{AssessmentResults, assessment_results};
use crate::routes::Route;
use crate::{AppError, AppState};

pub use edits::ViewerChange;

/// The target and action plan pages, and the plan's downloads.
pub const PAGE_ROUTES: &[Route] = pages::ROUTES;
/// The target and action plan API, inside the consultant API's layers.
pub const API_ROUTES: &[Route] = api::ROUTES;

pub fn router() -> Router<AppState> {
    crate::routes::router(PAGE_ROUTES)
}

pub fn api_router() -> Router<AppState> {
    crate::routes::router(API_ROUTES)
}

/// The model an organisation's target and actions are read against, and
/// its latest round if it has one.
pub(crate) struct OrganizationModel {
    pub model: Arc<Model>,
    pub latest_round: Option<Assessment>,
}

/// The model of the organisation's latest round, or the newest stored
/// version of the built-in model before any round has closed.
pub(crate) async fn organization_model(
    state: &AppState,
    organization_id: &str,
) -> Result<OrganizationModel, AppError> {
    let latest_round = state.store.rounds(organization_id).await?.pop();
    let model = match &latest_round {
        Some(round) => state.model(&round.model_version_id).await?,
        None => match state
            .store
            .latest_model_version(crate::api::DEFAULT_MODEL)
            .await?
        {
            Some(version) => state.model(&version.id).await?,
            None => Arc::new(simm_core::builtin_model()),
        },
    };
    Ok(OrganizationModel {
        model,
        latest_round,
    })
}

/// The stage of every area in the latest round's results; empty when
/// there is no round or its results are withheld, so that every area
/// counts as at stage 1.
pub(crate) async fn current_stages(
    state: &AppState,
    latest_round: Option<&Assessment>,
) -> Result<Vec<(AreaId, StageLevel)>, AppError> {
    let Some(round) = latest_round else {
        return Ok(Vec::new());
    };
    Ok(match assessment_results(state, round, None).await?.1 {
        AssessmentResults::Hidden { .. } => Vec::new(),
        AssessmentResults::Shown(results) => results
            .areas
            .iter()
            .map(|area| (area.id.clone(), area.stage))
            .collect(),
    })
}

/// An organisation's target as everything shows it: the one set, or the
/// default (the next stage of every area) while none is.
pub(crate) struct OrganizationTarget {
    pub target: Target,
    /// Who set it and when (Unix seconds); `None` for the default.
    pub set: Option<(String, i64)>,
}

impl OrganizationTarget {
    pub fn source(&self) -> &'static str {
        if self.set.is_some() { "set" } else { "default" }
    }
}

/// The organisation's target against `model`. A stored target is read
/// against the model as it is now: an area the model no longer has, or a
/// stage above its top, is left out and gets the default. The latest
/// round is scored only when some area needs its default.
pub(crate) async fn organization_target(
    state: &AppState,
    organization_id: &str,
    model: &OrganizationModel,
) -> Result<OrganizationTarget, AppError> {
    let stored = state.store.target(organization_id).await?;
    let current = if kept_areas(&model.model, stored.as_ref()).len() == model.model.areas().len() {
        Vec::new()
    } else {
        current_stages(state, model.latest_round.as_ref()).await?
    };
    target_against(&model.model, stored.as_ref(), &current)
}

/// The organisation's target as results already scored are read against
/// it: under their model, with their stages for the defaults, so nothing
/// is scored again.
pub(crate) async fn target_for_results(
    state: &AppState,
    organization_id: &str,
    model: &Model,
    results: &simm_core::Results,
) -> Result<OrganizationTarget, AppError> {
    let stored = state.store.target(organization_id).await?;
    let current: Vec<(AreaId, StageLevel)> = results
        .areas
        .iter()
        .map(|area| (area.id.clone(), area.stage))
        .collect();
    target_against(model, stored.as_ref(), &current)
}

/// The stored target's areas that `model` has, at stages it has.
fn kept_areas<'a>(
    model: &Model,
    stored: Option<&'a simm_store::StoredTarget>,
) -> Vec<(&'a str, u8)> {
    let top = model.top_stage().get();
    stored
        .iter()
        .flat_map(|stored| &stored.areas)
        .filter(|(id, stage)| {
            *stage <= top && model.areas().iter().any(|area| area.id.as_str() == id)
        })
        .map(|(id, stage)| (id.as_str(), *stage))
        .collect()
}

/// The target set, or the default while none is, against `model`; areas
/// not kept get their default from `current`.
fn target_against(
    model: &Model,
    stored: Option<&simm_store::StoredTarget>,
    current: &[(AreaId, StageLevel)],
) -> Result<OrganizationTarget, AppError> {
    let Some(stored) = stored else {
        return Ok(OrganizationTarget {
            target: Target::default_for(model, current),
            set: None,
        });
    };
    let date = stored.date.map(|date| date.to_string());
    let target = Target::parse(
        model,
        &kept_areas(model, Some(stored)),
        date.as_deref(),
        current,
    )
    .map_err(AppError::internal)?;
    Ok(OrganizationTarget {
        target,
        set: Some((stored.set_by_email.clone(), stored.set_at)),
    })
}

/// Today's date in UTC, against which actions are overdue.
pub(crate) fn today() -> CalendarDate {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    CalendarDate::from_unix_seconds(seconds).expect("the clock is between 1970 and 9999")
}

/// Whether the action is flagged overdue today.
pub(crate) fn overdue(action: &Action, today: CalendarDate) -> bool {
    is_overdue(action.status, action.due, today)
}

/// A Unix time as RFC 3339 in UTC, e.g. `2026-12-02T01:55:01Z`.
pub(crate) fn timestamp(seconds: i64) -> String {
    let date = CalendarDate::from_unix_seconds(seconds)
        .map_or_else(|| "1970-01-01".to_owned(), |date| date.to_string());
    let time = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time / 60 % 60,
        time % 60
    )
}

/// The organisation's action plan as the workbook's Actions sheet lists
/// it: each action as the API gives it (`ActionDto`), in plan order.
pub(crate) async fn action_rows(
    state: &AppState,
    organization_id: &str,
) -> Result<Vec<simm_report::ActionRow>, AppError> {
    let model = organization_model(state, organization_id).await?.model;
    let today = today();
    let actions = state.store.actions(organization_id).await?;
    Ok(actions
        .into_iter()
        .map(|action| {
            let dto = dto::ActionDto::new(action, &model, today);
            simm_report::ActionRow {
                title: dto.title,
                item: dto.item,
                area: dto.area,
                owner: dto.owner,
                due: dto.due,
                status: dto.status.label().to_owned(),
                overdue: dto.overdue,
                notes: dto.notes,
            }
        })
        .collect())
}

/// The practice text of the model's item `id`, if the model has it.
pub(crate) fn practice_of<'m>(model: &'m Model, id: Option<&str>) -> Option<&'m str> {
    let index = model.item_index(id?)?;
    Some(model.items()[index].practice.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc_3339_in_utc() {
        for (seconds, expected) in [
            (0, "1970-01-01T00:00:00Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (951_868_799, "2000-02-29T23:59:59Z"),
        ] {
            assert_eq!(timestamp(seconds), expected, "{seconds}");
        }
    }
}
