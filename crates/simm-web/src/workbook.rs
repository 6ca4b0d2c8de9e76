//! The results workbook (`results.xlsx`), for the console and the API
//! alike: the released results as `report.html` shows them, the
//! organisation's action plan and trend (shown to anyone granted the
//! organisation), and the response rows only where
//! `results::responses_download` gives them, to consultants and admins.

use simm_report::{ResponseTable, ResultsPart, TrendPart, WorkbookInput};
use simm_store::Assessment;

use crate::auth::CurrentUser;
use crate::console::is_consultant;
use crate::journey::organization_trend_view;
use crate::plan::{action_rows, target_for_results};
use crate::results::{AssessmentResults, assessment_results, hidden_conflict, responses_download};
use crate::{AppError, AppState};

/// The workbook's bytes; below the threshold the same conflict as the
/// HTML report.
pub async fn results_workbook(
    state: &AppState,
    current: &CurrentUser,
    assessment: &Assessment,
    group_by: Option<&str>,
) -> Result<Vec<u8>, AppError> {
    let (model, results) = assessment_results(state, assessment, group_by).await?;
    let results = match results {
        AssessmentResults::Hidden {
            respondents,
            anonymity_min,
        } => return Err(hidden_conflict(respondents, anonymity_min)),
        AssessmentResults::Shown(results) => results,
    };
    let target = target_for_results(state, &assessment.organization_id, &model, &results).await?;
    let view = simm_report::results_view_toward(&model, &results, &target.target);
    let responses = if is_consultant(current) {
        Some(response_table(
            &responses_download(state, assessment).await?,
        )?)
    } else {
        None
    };
    let actions = action_rows(state, &assessment.organization_id).await?;
    let (trend, trend_view) = organization_trend_view(state, &assessment.organization_id).await?;
    simm_report::workbook(&WorkbookInput {
        model: &model,
        results: Some(ResultsPart {
            results: &results,
            view: &view,
        }),
        responses: responses.as_ref(),
        actions: Some(&actions),
        trend: Some(TrendPart {
            trend: &trend.trend,
            view: &trend_view,
        }),
    })
    .map_err(AppError::internal)
}

/// The rows of responses.csv, read back from the very text that download
/// serves, so that the Responses sheet holds exactly its rows.
fn response_table(sheet: &str) -> Result<ResponseTable, AppError> {
    let mut reader = csv::Reader::from_reader(sheet.as_bytes());
    let columns = reader
        .headers()
        .map_err(AppError::internal)?
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| {
            record
                .map(|record| record.iter().map(str::to_owned).collect())
                .map_err(AppError::internal)
        })
        .collect::<Result<_, _>>()?;
    Ok(ResponseTable { columns, rows })
}
