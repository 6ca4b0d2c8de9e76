//! The journey of an organisation over its rounds: the roadmap of an
//! assessment towards the organisation's target, and the trend over its
//! closed assessments. What is shown of each round is what its own results
//! show (`results::released_set`, under the privacy policy); this module only
//! gathers the rounds and hands them to the core.

mod api;
mod pages;

use std::sync::Arc;

use axum::Router;

use simm_core::{ActionStatus, CalendarDate, Model, Results, Roadmap, Round, Trend, TrendInput};
use simm_report::ActionDone;
use simm_store::Assessment;

use crate::plan::{OrganizationTarget, target_for_results, timestamp};
use crate::results::{AssessmentResults, ReleasedSet, released_set};
use crate::routes::Route;
use crate::{AppError, AppState};

/// The roadmap and trend pages.
pub const PAGE_ROUTES: &[Route] = pages::ROUTES;
/// The roadmap and trend API, inside the consultant API's layers.
pub const API_ROUTES: &[Route] = api::ROUTES;

pub fn router() -> Router<AppState> {
    crate::routes::router(PAGE_ROUTES)
}

pub fn api_router() -> Router<AppState> {
    crate::routes::router(API_ROUTES)
}

/// The roadmap of a shown assessment towards its organisation's target.
///
/// The target is the organisation's, read against this assessment's model
/// and results; while none is set, the default is the next stage after
/// this assessment's stages.
pub async fn assessment_roadmap(
    state: &AppState,
    assessment: &Assessment,
) -> Result<AssessmentRoadmap, AppError> {
    let released = released_set(state, assessment, None).await?;
    let results = match released.results {
        AssessmentResults::Shown(results) => results,
        AssessmentResults::Hidden {
            respondents,
            anonymity_min,
        } => return Err(crate::results::hidden_conflict(respondents, anonymity_min)),
    };
    let target = target_for_results(
        state,
        &assessment.organization_id,
        &released.model,
        &results,
    )
    .await?;
    let roadmap = simm_core::roadmap(&released.model, &results, &target.target);
    Ok(AssessmentRoadmap {
        model: released.model,
        results,
        target,
        roadmap,
    })
}

/// An assessment's roadmap, with what it was drawn from.
pub struct AssessmentRoadmap {
    pub model: Arc<Model>,
    pub results: Box<Results>,
    pub target: OrganizationTarget,
    pub roadmap: Roadmap,
}

/// An organisation's rounds, each as released and scored.
pub struct OrganizationTrend {
    pub rounds: Vec<Assessment>,
    released: Vec<ReleasedSet>,
    pub trend: Trend,
}

impl OrganizationTrend {
    /// The latest round's model and its shown results, if any round is
    /// shown.
    pub fn latest(&self) -> Option<(&Model, &Results)> {
        self.released
            .iter()
            .rev()
            .find_map(|released| match &released.results {
                AssessmentResults::Shown(results) => {
                    Some((released.model.as_ref(), results.as_ref()))
                }
                AssessmentResults::Hidden { .. } => None,
            })
    }

    /// When each round closed.
    pub fn closings(&self) -> Vec<Option<i64>> {
        self.rounds.iter().map(|round| round.closed_at).collect()
    }
}

pub async fn organization_trend(
    state: &AppState,
    organization_id: &str,
) -> Result<OrganizationTrend, AppError> {
    let rounds = state.store.rounds(organization_id).await?;
    let mut all = Vec::with_capacity(rounds.len());
    for round in &rounds {
        all.push(released_set(state, round, None).await?);
    }
    let trend = simm_core::trend(&trend_inputs(&rounds, &all));
    Ok(OrganizationTrend {
        rounds,
        released: all,
        trend,
    })
}

/// The trend and its view as the trend page shows them (and the results
/// workbook's Trend sheet, so that the two cannot disagree).
pub async fn organization_trend_view(
    state: &AppState,
    organization_id: &str,
) -> Result<(OrganizationTrend, simm_report::TrendView), AppError> {
    let trend = organization_trend(state, organization_id).await?;
    let done = actions_done(state, organization_id).await?;
    let closings = trend.closings();
    // Names come from the latest round's model; before any round is
    // shown, from the built-in one, and there is no target to draw.
    let builtin;
    let (model, latest, target) = match trend.latest() {
        Some((model, latest)) => {
            let target = target_for_results(state, organization_id, model, latest)
                .await?
                .target;
            (model, Some(latest), Some(target))
        }
        None => {
            builtin = simm_core::builtin_model();
            (&builtin, None, None)
        }
    };
    let view = simm_report::trend_view(&simm_report::TrendViewInput {
        model,
        trend: &trend.trend,
        latest,
        target: target.as_ref(),
        closings: &closings,
        done: &done,
    });
    Ok((trend, view))
}

/// The trend as the API answers it: with a breakdown, each group's own
/// trend too, where every round shows only the groups its own results
/// show.
pub async fn organization_trend_by(
    state: &AppState,
    organization_id: &str,
    group_by: Option<&str>,
) -> Result<Trend, AppError> {
    let Some(group_by) = group_by else {
        return Ok(organization_trend(state, organization_id).await?.trend);
    };
    let rounds = state.store.rounds(organization_id).await?;
    let mut all = Vec::with_capacity(rounds.len());
    for round in &rounds {
        all.push(released_set(state, round, Some(group_by)).await?);
    }
    let inputs = trend_inputs(&rounds, &all);
    let mut trend = simm_core::trend(&inputs);
    let mut attribute = None;
    let groups: Vec<Vec<simm_core::GroupRound<'_>>> = all
        .iter()
        .map(|released| match (&released.groups, &released.results) {
            (Some((tallies, resamples)), AssessmentResults::Shown(_)) => {
                attribute = Some(tallies.attribute().clone());
                simm_core::group_rounds(&released.model, tallies, resamples, released.policy)
            }
            // A round whose results are hidden shows no group either.
            _ => Vec::new(),
        })
        .collect();
    if let Some(attribute) = attribute {
        trend.groups = Some(simm_core::group_trends(&attribute, &inputs, &groups));
    } else {
        trend.groups = Some(Vec::new());
    }
    Ok(trend)
}

fn trend_inputs<'a>(rounds: &'a [Assessment], all: &'a [ReleasedSet]) -> Vec<TrendInput<'a>> {
    rounds
        .iter()
        .zip(all)
        .map(|(assessment, released)| TrendInput {
            assessment: assessment.id.clone(),
            title: assessment.title.clone(),
            closed_at: assessment.closed_at.map(timestamp),
            round: Round {
                model: &released.model,
                tally: &released.tally,
                resamples: &released.resamples,
                policy: Some(released.policy),
            },
            results: match &released.results {
                AssessmentResults::Shown(results) => Some(results.as_ref()),
                AssessmentResults::Hidden { .. } => None,
            },
        })
        .collect()
}

/// The actions marked done, with when, for their outcomes in the trend.
pub async fn actions_done(
    state: &AppState,
    organization_id: &str,
) -> Result<Vec<ActionDone>, AppError> {
    let actions = state.store.actions(organization_id).await?;
    let changes = state
        .store
        .status_changes_of_organization(organization_id)
        .await?;
    Ok(actions
        .into_iter()
        .filter(|action| action.status == ActionStatus::Done)
        .filter_map(|action| {
            let done_at = changes
                .iter()
                .filter(|change| change.action_id == action.id && change.to == ActionStatus::Done)
                .map(|change| change.changed_at)
                .next_back()?;
            Some(ActionDone {
                title: action.title,
                item: action.item,
                done_at,
                done_on: CalendarDate::from_unix_seconds(done_at)
                    .map(|date| date.to_string())
                    .unwrap_or_default(),
            })
        })
        .collect())
}
