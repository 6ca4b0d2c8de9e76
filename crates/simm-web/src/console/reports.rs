//! The results page and the downloads: results as JSON, the HTML report,
//! the workbook, and (for consultants) the responses as a sheet.
//!
//! Everything shown comes from `results::assessment_results`, which applies
//! the anonymity rule; below the threshold nothing but the number of
//! responses leaves this module. The page lays out `simm_report`'s results
//! view, the one the HTML report is laid out from.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use simm_report::{Charts, ResultsView};
use simm_store::{Assessment, Organization};

use super::assessments::{Participation, participation, visible_assessment};
use super::{Nav, attachment, is_consultant, render, short_id};
use crate::auth::{Consultant, CurrentUser};
use crate::pdf::Kind;
use crate::plan::target_for_results;
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

pub(super) struct GroupOption {
    id: String,
    name: String,
    selected: bool,
}

/// The results as the HTML report shows them: one view model and its
/// charts, built by `simm_report`, so that the page and the download
/// cannot disagree.
pub(super) struct Shown {
    view: ResultsView,
    charts: Charts,
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
    /// Area comments by area, or the number of responses needed to show them.
    comments: Result<Vec<(String, Vec<String>)>, u32>,
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
        AssessmentResults::Shown(results) => {
            let target =
                target_for_results(&state, &assessment.organization_id, &model, &results).await?;
            (
                None,
                Some(Shown {
                    view: simm_report::results_view_toward(&model, &results, &target.target),
                    charts: Charts::draw_toward(&model, &results, Some(&target.target)),
                }),
            )
        }
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
        participation: participation(
            &model,
            &rows,
            crate::uploads::imported_count(&state, &assessment.id).await?,
        ),
        group_options,
        group_query: group_by
            .map(|name| format!("?group_by={}", url_component(name)))
            .unwrap_or_default(),
        can_download_responses: is_consultant(&current),
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
        AssessmentResults::Shown(results) => {
            let target =
                target_for_results(&state, &assessment.organization_id, &model, &results).await?;
            let roadmap = simm_core::roadmap(&model, &results, &target.target);
            Ok(attachment(
                "text/html; charset=utf-8",
                &format!("simm-report-{}.html", short_id(&assessment.id)),
                simm_report::html_toward(&model, &results, &roadmap),
            ))
        }
    }
}

/// The PDF report: what the HTML report shows, on A4.
pub(super) async fn pdf_report(
    state: State<AppState>,
    current: CurrentUser,
    id: Path<String>,
    query: Query<ResultsQuery>,
) -> Result<Response, AppError> {
    pdf(state, current, id, query, Kind::Report).await
}

/// The slide deck for a workshop, from the same results.
pub(super) async fn pdf_slides(
    state: State<AppState>,
    current: CurrentUser,
    id: Path<String>,
    query: Query<ResultsQuery>,
) -> Result<Response, AppError> {
    pdf(state, current, id, query, Kind::Slides).await
}

async fn pdf(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<ResultsQuery>,
    kind: Kind,
) -> Result<Response, AppError> {
    let (assessment, organization) = visible_assessment(&state, &current, &id).await?;
    crate::pdf::download(
        &state,
        &assessment,
        organization.name,
        query.group_by(),
        kind,
    )
    .await
}

/// The results workbook: what report.html shows, the plan and the trend,
/// and for consultants the response rows.
pub(super) async fn workbook(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let (assessment, _) = visible_assessment(&state, &current, &id).await?;
    let bytes =
        crate::workbook::results_workbook(&state, &current, &assessment, query.group_by()).await?;
    Ok(attachment(
        simm_report::XLSX_MEDIA_TYPE,
        &format!("simm-results-{}.xlsx", short_id(&assessment.id)),
        bytes,
    ))
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
