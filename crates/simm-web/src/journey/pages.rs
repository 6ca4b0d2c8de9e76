//! The roadmap page of an assessment and the trend page of an
//! organisation. Both lay out `simm_report`'s journey views, embedding the
//! fragments the report crate renders, so the pages and the downloads
//! cannot disagree.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use simm_store::{Assessment, Organization};

use super::{actions_done, assessment_roadmap, organization_trend};
use crate::auth::{CurrentUser, visible_organization};
use crate::console::is_consultant;
use crate::console::visible_assessment;
use crate::layout::{Nav, render};
use crate::plan::target_for_results;
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/assessments/{id}/roadmap" => roadmap_page),
    route!(GET "/organizations/{id}/trend" => trend_page),
];

#[derive(Template)]
#[template(path = "console/roadmap.html")]
struct RoadmapPage {
    nav: Nav,
    organization: Organization,
    assessment: Assessment,
    title: String,
    target_set: bool,
    can_edit: bool,
    notice: Option<String>,
    fragment: String,
}

async fn roadmap_page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let (assessment, organization) = visible_assessment(&state, &current, &id).await?;
    let drawn = assessment_roadmap(&state, &assessment).await?;
    let target_set = drawn.target.set.is_some();
    let view = simm_report::roadmap_view(&drawn.model, &drawn.results, &drawn.roadmap);
    let can_edit = is_consultant(&current);
    let nav = Nav::of(&current);
    let adopt = format!("/organizations/{}/actions/adopt", organization.id);
    let fragment =
        simm_report::roadmap_html_fragment(&view, can_edit.then_some(adopt.as_str()), &nav.csrf);
    render(&RoadmapPage {
        nav,
        title: format!("{}: {}", view.title, assessment.title),
        target_set,
        can_edit,
        notice: None,
        fragment,
        organization,
        assessment,
    })
}

#[derive(Template)]
#[template(path = "console/trend.html")]
struct TrendPage {
    nav: Nav,
    organization: Organization,
    latest_roadmap: Option<String>,
    fragment: String,
}

async fn trend_page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    let trend = organization_trend(&state, &organization.id).await?;
    let done = actions_done(&state, &organization.id).await?;
    let closings = trend.closings();
    // Names come from the latest round's model; before any round is
    // shown, from the built-in one, and there is no target to draw.
    let builtin;
    let (model, latest, target) = match trend.latest() {
        Some((model, latest)) => {
            let target = target_for_results(&state, &organization.id, model, latest)
                .await?
                .target;
            (model, Some(latest), Some(target))
        }
        None => {
            builtin = simm_core::builtin_model();
            (&builtin, None, None)
        }
    };
    let fragment =
        simm_report::trend_html_fragment(&simm_report::trend_view(&simm_report::TrendViewInput {
            model,
            trend: &trend.trend,
            latest,
            target: target.as_ref(),
            closings: &closings,
            done: &done,
        }));
    let latest_roadmap = trend
        .trend
        .rounds
        .iter()
        .rev()
        .find(|round| round.shown)
        .map(|round| round.assessment.clone());
    render(&TrendPage {
        nav: Nav::of(&current),
        organization,
        latest_roadmap,
        fragment,
    })
}
