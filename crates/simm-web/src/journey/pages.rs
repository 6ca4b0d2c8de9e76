//! The roadmap page of an assessment and the trend page of an
//! organisation. Both lay out `simm_report`'s journey views, embedding the
//! fragments the report crate renders, so the pages and the downloads
//! cannot disagree.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use simm_store::{Assessment, Organization};

use super::{assessment_roadmap, organization_trend_view};
use crate::auth::{CurrentUser, visible_organization};
use crate::console::is_consultant;
use crate::console::visible_assessment;
use crate::layout::{Nav, render};
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
    let (trend, view) = organization_trend_view(&state, &organization.id).await?;
    let fragment = simm_report::trend_html_fragment(&view);
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
