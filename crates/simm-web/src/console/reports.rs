//! The results page and the downloads: results as JSON, the HTML report,
//! and (for consultants) the responses as a sheet.
//!
//! Everything shown comes from `results::assessment_results`, which applies
//! the anonymity rule; below the threshold nothing but the number of
//! responses leaves this module.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use simm_core::{AreaResult, Model, Results};
use simm_report::WEAK_CONSENSUS;
use simm_report::format;
use simm_store::{Assessment, Organization};

use super::assessments::{Participation, participation, short_id, visible_assessment};
use super::{Nav, attachment, is_consultant, render};
use crate::auth::{Consultant, CurrentUser};
use crate::results::{AssessmentResults, assessment_results, hidden_conflict};
use crate::{AppError, AppState};

#[derive(Deserialize, Default)]
pub(crate) struct ResultsQuery {
    #[serde(default)]
    group_by: Option<String>,
}

impl ResultsQuery {
    fn group_by(&self) -> Option<&str> {
        self.group_by
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
    }
}

fn area_name(model: &Model, area: &simm_core::AreaId) -> String {
    model
        .area(area)
        .map_or_else(|| area.to_string(), |found| found.name.clone())
}

fn stage_name(model: &Model, level: simm_core::StageLevel) -> String {
    model.stage(level).name.clone()
}

pub(super) struct AreaRow {
    name: String,
    stage: u8,
    stage_name: String,
    score: String,
    reason: String,
}

pub(super) struct PracticeView {
    id: String,
    statement: String,
    practice: String,
    in_place: String,
}

pub(super) struct GapView {
    heading: String,
    situation: String,
    practices: Vec<PracticeView>,
}

pub(super) struct WeakItem {
    id: String,
    statement: String,
    rwg: String,
}

pub(super) struct ConsensusRow {
    area: String,
    consensus: String,
    weak: bool,
    weak_items: Vec<WeakItem>,
}

pub(super) struct GroupRow {
    label: String,
    respondents: u64,
    /// For a suppressed group, the text shown in place of its scores.
    hidden: Option<String>,
    cells: Vec<String>,
}

pub(super) struct GroupsView {
    attribute: String,
    heat_map: String,
    columns: Vec<String>,
    rows: Vec<GroupRow>,
}

pub(super) struct GroupOption {
    id: String,
    name: String,
    selected: bool,
}

pub(super) struct Shown {
    respondents: u64,
    threshold: String,
    overall_stage: u8,
    overall_name: String,
    overall_score: String,
    common_language: String,
    radar: String,
    ladder: String,
    areas: Vec<AreaRow>,
    gaps: Vec<GapView>,
    consensus: Vec<ConsensusRow>,
    groups: Option<GroupsView>,
}

pub(super) struct Hidden {
    respondents: u64,
    anonymity_min: u32,
}

#[derive(Template)]
#[template(path = "console/results.html")]
struct ResultsPage {
    nav: Nav,
    organization: Organization,
    assessment: Assessment,
    hidden: Option<Hidden>,
    shown: Option<Shown>,
    publication: super::assessments::Publication,
    participation: Participation,
    group_options: Vec<GroupOption>,
    group_query: String,
    can_download_responses: bool,
    weak_consensus: String,
    /// Area comments by area, or the number of responses needed to show them.
    comments: Result<Vec<(String, Vec<String>)>, u32>,
}

fn shown(model: &Model, results: &Results) -> Shown {
    let threshold = results.threshold;
    let threshold_text = format!("{} %", format::threshold_percent(threshold));
    let item_fulfilment = |id: &str| {
        results
            .items
            .iter()
            .find(|item| item.id.as_str() == id)
            .and_then(|item| item.fulfilment)
    };
    let areas = results
        .areas
        .iter()
        .map(|area| AreaRow {
            name: area_name(model, &area.id),
            stage: area.stage.get(),
            stage_name: stage_name(model, area.stage),
            score: format::score(area.score),
            reason: simm_report::area_reason(model, area, threshold),
        })
        .collect();
    let mut below_top: Vec<&AreaResult> = results
        .areas
        .iter()
        .filter(|area| area.gap.is_some())
        .collect();
    // The weakest area first: it sets the overall stage.
    below_top.sort_by(|a, b| a.score.total_cmp(&b.score));
    let gaps = below_top
        .into_iter()
        .filter_map(|area| {
            let gap = area.gap.as_ref()?;
            let name = area_name(model, &area.id);
            let next = gap.next_stage;
            let situation = match gap.fulfilment {
                Some(f) => format!(
                    "Today {} of the stage-{next} practices are in place; {threshold_text} is needed. Putting these practices fully in place lifts {name} to stage {next}:",
                    format::percent(f)
                ),
                None => format!(
                    "Nobody answered the stage-{next} statements of {name}; start by finding out which of its practices are in place."
                ),
            };
            let practices = gap
                .min_items
                .iter()
                .filter_map(|id| model.item_index(id.as_str()))
                .map(|index| {
                    let item = &model.items()[index];
                    PracticeView {
                        id: item.id.to_string(),
                        statement: item.text.clone(),
                        practice: item.practice.clone(),
                        in_place: item_fulfilment(item.id.as_str()).map_or_else(
                            || "nobody answered".to_owned(),
                            |f| format!("{} in place", format::percent(f)),
                        ),
                    }
                })
                .collect();
            Some(GapView {
                heading: format!(
                    "{name}: from stage {} to stage {next}, {}",
                    area.stage,
                    stage_name(model, next)
                ),
                situation,
                practices,
            })
        })
        .collect();
    let consensus = results
        .areas
        .iter()
        .map(|area| ConsensusRow {
            area: area_name(model, &area.id),
            consensus: format::percent_or_undefined(area.consensus),
            weak: area.consensus.is_some_and(|c| c < WEAK_CONSENSUS),
            weak_items: results
                .items
                .iter()
                .filter(|item| item.area == area.id)
                .filter(|item| item.rwg.is_some_and(|rwg| rwg < WEAK_CONSENSUS))
                .map(|item| WeakItem {
                    id: item.id.to_string(),
                    statement: model
                        .item_index(item.id.as_str())
                        .map_or_else(String::new, |i| model.items()[i].text.clone()),
                    rwg: format::agreement(item.rwg),
                })
                .collect(),
        })
        .collect();
    let groups = results.groups.as_ref().map(|groups| {
        let anonymity_min = results.anonymity_min_or(model.scoring().anonymity_min.get());
        let attribute = groups
            .first()
            .and_then(|group| model.attribute(group.attribute.as_str()))
            .map_or_else(String::new, |a| a.name.clone());
        let mut columns: Vec<String> = model.areas().iter().map(|a| a.name.clone()).collect();
        columns.push("Overall".to_owned());
        let rows = groups
            .iter()
            .map(|group| {
                let label = group
                    .value
                    .clone()
                    .unwrap_or_else(|| "(not given)".to_owned());
                match (group.suppressed, &group.areas, &group.overall) {
                    (false, Some(areas), Some(overall)) => GroupRow {
                        label,
                        respondents: group.respondents,
                        hidden: None,
                        cells: model
                            .areas()
                            .iter()
                            .map(|area| {
                                areas
                                    .iter()
                                    .find(|result| result.id == area.id)
                                    .map_or_else(|| "–".to_owned(), |r| format::score(r.score))
                            })
                            .chain([format::score(overall.score)])
                            .collect(),
                    },
                    _ => GroupRow {
                        label,
                        respondents: group.respondents,
                        hidden: Some(match group.hidden_because {
                            Some(simm_core::HiddenBecause::Complementary) => {
                                "hidden, so that a smaller group cannot be worked out by subtraction"
                                    .to_owned()
                            }
                            _ => format!("hidden: fewer than {anonymity_min} respondents"),
                        }),
                        cells: Vec::new(),
                    },
                }
            })
            .collect();
        GroupsView {
            attribute,
            heat_map: simm_report::svg::heat_map(model, groups, anonymity_min),
            columns,
            rows,
        }
    });
    Shown {
        respondents: results.respondents,
        threshold: threshold_text,
        overall_stage: results.overall.stage.get(),
        overall_name: stage_name(model, results.overall.stage),
        overall_score: format::score(results.overall.score),
        common_language: format::percent_or_undefined(results.common_language),
        radar: simm_report::svg::radar(model, &results.areas),
        ladder: simm_report::svg::stage_ladder(model, &results.areas, &results.overall),
        areas,
        gaps,
        consensus,
        groups,
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<ResultsQuery>,
) -> Result<Html<String>, AppError> {
    let (assessment, organization) = visible_assessment(&state, &current, &id).await?;
    let group_by = query.group_by();
    let (model, results) = assessment_results(&state, &assessment, group_by).await?;
    let (hidden, shown) = match results {
        AssessmentResults::Hidden {
            respondents,
            anonymity_min,
        } => (
            Some(Hidden {
                respondents,
                anonymity_min,
            }),
            None,
        ),
        AssessmentResults::Shown(results) => (None, Some(shown(&model, &results))),
    };
    // Participation is counts of invitations, not answers: live, whether
    // or not results are shown.
    let rows = state.store.participation(&assessment.id).await?;
    let publication = super::assessments::publication(&state, &assessment, &model).await?;
    let comments = crate::results::visible_comments(&state, &assessment, &model).await?;
    let group_options = model
        .attributes()
        .iter()
        .map(|attribute| GroupOption {
            id: attribute.id.to_string(),
            name: attribute.name.clone(),
            selected: group_by == Some(attribute.id.as_str()),
        })
        .collect();
    render(&ResultsPage {
        nav: Nav::of(&current),
        publication,
        hidden,
        shown,
        participation: participation(&model, &rows),
        group_options,
        group_query: group_by
            .map(|name| format!("?group_by={}", url_component(name)))
            .unwrap_or_default(),
        can_download_responses: is_consultant(&current),
        weak_consensus: format!("{WEAK_CONSENSUS:.2}"),
        comments,
        organization,
        assessment,
    })
}

/// An attribute id for a query string. Model ids are plain, but the id
/// comes from the request, so anything else is percent-encoded.
fn url_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The results as JSON, as `simm score --format json` writes them. Below
/// the threshold only the count is given, marked as suppressed.
pub(super) async fn json(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let (assessment, _) = visible_assessment(&state, &current, &id).await?;
    let (_, results) = assessment_results(&state, &assessment, query.group_by()).await?;
    let body = match results {
        AssessmentResults::Hidden {
            respondents,
            anonymity_min,
        } => serde_json::json!({
            "respondents": respondents,
            "anonymity_min": anonymity_min,
            "suppressed": true,
        })
        .to_string(),
        AssessmentResults::Shown(results) => {
            serde_json::to_string_pretty(&results).map_err(AppError::internal)?
        }
    };
    Ok(attachment(
        "application/json",
        &format!("simm-results-{}.json", short_id(&assessment.id)),
        body,
    ))
}

/// The self-contained HTML report. Its CSS is inline, which this site's
/// policy forbids, so it is a download to open on its own.
pub(super) async fn html_report(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let (assessment, _) = visible_assessment(&state, &current, &id).await?;
    let (model, results) = assessment_results(&state, &assessment, query.group_by()).await?;
    match results {
        AssessmentResults::Hidden {
            respondents,
            anonymity_min,
        } => Err(hidden_conflict(respondents, anonymity_min)),
        AssessmentResults::Shown(results) => Ok(attachment(
            "text/html; charset=utf-8",
            &format!("simm-report-{}.html", short_id(&assessment.id)),
            simm_report::html(&model, &results),
        )),
    }
}

/// The submitted responses as a response sheet, for consultants only and
/// only once there are enough of them to show results: below the threshold
/// the rows would be the answers of a handful of known people.
pub(super) async fn responses_csv(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (assessment, _) = visible_assessment(&state, &current, &id).await?;
    let sheet = crate::results::responses_download(&state, &assessment).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("simm-responses-{}.csv", short_id(&assessment.id)),
        sheet,
    ))
}
