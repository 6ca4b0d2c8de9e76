//! The steward's console pages (the model versions, a version, its
//! calibration and the proposal download) and the re-score page of an
//! assessment.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use simm_core::{Calibration, Model};
use simm_store::{Assessment, Organization};

use super::{
    Rescore, calibrate_version, pool_refusal, proposal, proposal_file_name, rescore, stored_version,
};
use crate::auth::{Consultant, Steward, visible_assessment, visible_organization};
use crate::layout::{Nav, attachment, render};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/models" => models),
    route!(GET "/models/calibration.css" => calibration_css),
    route!(GET "/models/{model_id}/versions/{version}" => version_page),
    route!(GET "/models/{model_id}/versions/{version}/calibration" => calibration_page),
    route!(GET "/models/{model_id}/versions/{version}/proposal.toml" => proposal_download),
    route!(GET "/assessments/{id}/rescore" => rescore_page),
];

/// The link to a version's page. Model ids are identifiers; versions are
/// free text, so they are percent-encoded as a path segment.
fn version_href(model_id: &str, version: &str) -> String {
    format!(
        "/models/{}/versions/{}",
        segment(model_id),
        segment(version)
    )
}

fn segment(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~') {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

pub(super) struct ModelRow {
    href: String,
    title: String,
    model_id: String,
    version: String,
    assessments: i64,
    submitted_responses: i64,
}

#[derive(Template)]
#[template(path = "console/models.html")]
struct ModelsPage {
    nav: Nav,
    rows: Vec<ModelRow>,
}

async fn models(
    State(state): State<AppState>,
    Steward(current): Steward,
) -> Result<Html<String>, AppError> {
    let rows = state
        .store
        .model_version_usage()
        .await?
        .into_iter()
        .map(|usage| ModelRow {
            href: version_href(&usage.version.model_id, &usage.version.version),
            title: usage.version.title,
            model_id: usage.version.model_id,
            version: usage.version.version,
            assessments: usage.assessments,
            submitted_responses: usage.submitted_responses,
        })
        .collect();
    render(&ModelsPage {
        nav: Nav::of(&current),
        rows,
    })
}

#[derive(Template)]
#[template(path = "console/model_version.html")]
struct VersionPage {
    nav: Nav,
    title: String,
    model_id: String,
    version: String,
    content_hash: String,
    items: usize,
    areas: usize,
    stages: usize,
    points: u8,
    assessments: i64,
    submitted_responses: i64,
    anonymity_min: u32,
    /// Assessments that reached their own anonymity minimum: the pool.
    pooled_assessments: usize,
    /// Why a calibration would be refused, if it would.
    refusal: Option<String>,
    calibration_href: String,
    /// (id, name) of each attribute of the model.
    attributes: Vec<(String, String)>,
}

async fn version_page(
    State(state): State<AppState>,
    Steward(current): Steward,
    Path((model_id, version)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let stored = stored_version(&state, &model_id, &version).await?;
    let usage = state
        .store
        .model_version_usage()
        .await?
        .into_iter()
        .find(|usage| usage.version.id == stored.id)
        .ok_or(AppError::NotFound)?;
    let model = state.model(&stored.id).await?;
    let anonymity_min = simm_core::Policy::of_model(&model).minimum();
    let pool = super::version_pool(&state, &stored, &model).await?.pool;
    let refusal = pool_refusal(&stored, &pool, anonymity_min);
    let href = version_href(&stored.model_id, &stored.version);
    render(&VersionPage {
        nav: Nav::of(&current),
        title: stored.title,
        model_id: stored.model_id,
        version: stored.version,
        content_hash: stored.content_hash,
        items: model.items().len(),
        areas: model.areas().len(),
        stages: model.stages().len(),
        points: model.scale().points,
        assessments: usage.assessments,
        submitted_responses: usage.submitted_responses,
        anonymity_min,
        pooled_assessments: pool.assessments,
        refusal,
        calibration_href: format!("{href}/calibration"),
        attributes: attribute_options(&model),
    })
}

fn attribute_options(model: &Model) -> Vec<(String, String)> {
    model
        .attributes()
        .iter()
        .map(|attribute| (attribute.id.to_string(), attribute.name.clone()))
        .collect()
}

#[derive(Deserialize, Default)]
pub(super) struct CalibrationPageQuery {
    #[serde(default)]
    group_by: Option<String>,
}

/// What the page says about the proposal offered for download.
pub(super) struct ProposalView {
    file_name: String,
    version: String,
    applied: usize,
    skipped: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/calibration.html")]
struct CalibrationPage {
    nav: Nav,
    title: String,
    version: String,
    version_href: String,
    /// (id, name, selected) of each attribute of the model.
    group_options: Vec<(String, String, bool)>,
    problem: Option<String>,
    proposal: Option<ProposalView>,
    report: Option<String>,
}

async fn calibration_page(
    State(state): State<AppState>,
    Steward(current): Steward,
    Path((model_id, version)): Path<(String, String)>,
    Query(query): Query<CalibrationPageQuery>,
) -> Result<Response, AppError> {
    let stored = stored_version(&state, &model_id, &version).await?;
    let model = state.model(&stored.id).await?;
    let group_by = query
        .group_by
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty());
    let mut page = CalibrationPage {
        nav: Nav::of(&current),
        title: stored.title.clone(),
        version: stored.version.clone(),
        version_href: version_href(&stored.model_id, &stored.version),
        group_options: attribute_options(&model)
            .into_iter()
            .map(|(id, name)| {
                let selected = group_by == Some(id.as_str());
                (id, name, selected)
            })
            .collect(),
        problem: None,
        proposal: None,
        report: None,
    };
    // Too few responses, an unknown attribute and data that cannot be
    // calibrated are explained on the page itself, with the form to try
    // another grouping, rather than on a bare error page.
    let pooled = match calibrate_version(&state, &stored, group_by).await {
        Ok(pooled) => pooled,
        Err(error @ (AppError::Conflict(_) | AppError::BadRequest(_))) => {
            let status = error.status();
            page.problem = Some(error.message());
            return Ok((status, render(&page)?).into_response());
        }
        Err(other) => return Err(other),
    };
    let proposed = proposal(&state, &stored, &pooled).await?;
    let view = ProposalView {
        file_name: proposal_file_name(&stored.model_id, &proposed.version),
        version: proposed.version.clone(),
        applied: proposed.applied.len(),
        skipped: proposed
            .skipped
            .iter()
            .map(|(stage_move, why)| (stage_move.item.to_string(), why.clone()))
            .collect(),
    };
    page.report = Some(report_fragment(&pooled.calibration));
    page.proposal = Some(view);
    Ok(render(&page)?.into_response())
}

async fn proposal_download(
    State(state): State<AppState>,
    _steward: Steward,
    Path((model_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let stored = stored_version(&state, &model_id, &version).await?;
    let pooled = calibrate_version(&state, &stored, None).await?;
    let proposed = proposal(&state, &stored, &pooled).await?;
    Ok(attachment(
        "application/toml; charset=utf-8",
        &proposal_file_name(&stored.model_id, &proposed.version),
        proposed.text,
    ))
}

/// The report's style sheet, served from here because the pages allow no
/// inline styles.
async fn calibration_css() -> Response {
    let mut response = report_css().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The calibration report as an HTML fragment for the page. The report
/// crate's sentence about a proposal speaks of a file already written, as
/// `simm calibrate --propose` does; the page offers the proposal as a
/// download in its own words instead, so none is passed here.
fn report_fragment(calibration: &Calibration) -> String {
    simm_report::calibration_html_fragment(calibration, None)
}

fn report_css() -> &'static str {
    simm_report::CALIBRATION_CSS
}

// ----- re-scoring an assessment -------------------------------------------

#[derive(Deserialize, Default)]
pub(super) struct RescoreQuery {
    /// The stored id of the other model version.
    #[serde(default)]
    model_version: Option<String>,
}

pub(super) struct StageCell {
    current: String,
    other: String,
    change: String,
    changed: bool,
}

pub(super) struct RescoreRow {
    name: String,
    current: String,
    other: String,
    change: String,
    changed: bool,
}

pub(super) struct RescoreShown {
    other_label: String,
    matched: usize,
    other_items: usize,
    unanswered: String,
    not_in_other: String,
    rows: Vec<RescoreRow>,
    overall: StageCell,
}

#[derive(Template)]
#[template(path = "console/rescore.html")]
struct RescorePage {
    nav: Nav,
    organization: Organization,
    assessment: Assessment,
    current_label: String,
    points: u8,
    /// (stored id, label, selected) of every other version with the same
    /// scale.
    options: Vec<(String, String, bool)>,
    /// (respondents, threshold) while the results are withheld.
    hidden: Option<(u64, u32)>,
    shown: Option<RescoreShown>,
}

fn stage_text(model: &Model, stage: Option<u8>) -> String {
    match stage.and_then(simm_core::StageLevel::new) {
        Some(level) if level <= model.top_stage() => {
            format!("{} {}", level.get(), model.stage(level).name)
        }
        _ => "–".to_owned(),
    }
}

fn change_text(change: Option<i16>) -> (String, bool) {
    match change {
        None => ("–".to_owned(), false),
        Some(0) => ("no change".to_owned(), false),
        Some(change) => (format!("{change:+}"), true),
    }
}

async fn rescore_page(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    Query(query): Query<RescoreQuery>,
) -> Result<Response, AppError> {
    let assessment = visible_assessment(&state, &current, &id).await?;
    let organization = visible_organization(&state, &current, &assessment.organization_id).await?;
    let model = state.model(&assessment.model_version_id).await?;
    let points = model.scale().points;
    let chosen = query
        .model_version
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty());
    let mut options = Vec::new();
    let mut other = None;
    for version in state.store.model_versions().await? {
        if version.id == assessment.model_version_id
            || state.model(&version.id).await?.scale().points != points
        {
            continue;
        }
        let selected = chosen == Some(version.id.as_str());
        if selected {
            other = Some(version.clone());
        }
        options.push((
            version.id.clone(),
            format!("{} {}", version.title, version.version),
            selected,
        ));
    }
    if chosen.is_some() && other.is_none() {
        return Err(AppError::bad_request(
            "choose a stored model version with the same scale from the list",
        ));
    }
    let mut page = RescorePage {
        nav: Nav::of(&current),
        current_label: format!("{} {}", model.title(), model.version()),
        organization,
        points,
        options,
        hidden: None,
        shown: None,
        assessment,
    };
    if let Some(other) = other {
        match rescore(&state, &page.assessment, &other).await? {
            Rescore::Hidden {
                respondents,
                anonymity_min,
            } => page.hidden = Some((respondents, anonymity_min)),
            Rescore::Shown(comparison) => {
                let other_model = &comparison.other_model;
                let rows = comparison
                    .areas()
                    .into_iter()
                    .map(|area| {
                        let (change, changed) = change_text(area.change());
                        RescoreRow {
                            current: stage_text(&model, area.current.map(|s| s.stage)),
                            other: stage_text(other_model, area.other.map(|s| s.stage)),
                            name: area.name,
                            change,
                            changed,
                        }
                    })
                    .collect();
                let (change, changed) = change_text(Some(comparison.overall_change()));
                let join = |ids: &[simm_core::ItemId]| {
                    ids.iter()
                        .map(|id| id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                page.shown = Some(RescoreShown {
                    other_label: format!("{} {}", other_model.title(), other_model.version()),
                    matched: comparison.matched,
                    other_items: other_model.items().len(),
                    unanswered: join(&comparison.unanswered),
                    not_in_other: join(&comparison.not_in_other),
                    rows,
                    overall: StageCell {
                        current: stage_text(&model, Some(comparison.current.overall.stage.get())),
                        other: stage_text(other_model, Some(comparison.other.overall.stage.get())),
                        change,
                        changed,
                    },
                });
            }
        }
    }
    let status = StatusCode::OK;
    Ok((status, render(&page)?).into_response())
}
