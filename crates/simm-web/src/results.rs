//! Results of an assessment over its submitted responses, under the
//! anonymity rule: fewer respondents than the frozen threshold show only
//! their count.

use std::sync::Arc;

use simm_core::{Answer, GroupTallies, Model, Results, Tally, did_you_mean};
use simm_store::{Assessment, StoredResponse};

use crate::{AppError, AppState};

pub enum AssessmentResults {
    /// Too few submitted responses to show anything but their number.
    Hidden {
        respondents: u64,
        anonymity_min: u32,
    },
    Shown(Box<Results>),
}

/// The answers of a stored response as engine answers.
pub fn answers_of(model: &Model, response: &StoredResponse) -> Vec<Option<Answer>> {
    let points = model.scale().points;
    (0..model.items().len())
        .map(|index| {
            response
                .answers
                .get(index)
                .and_then(|value| Answer::new(*value, points))
        })
        .collect()
}

/// Scores the submitted responses of an assessment, optionally broken
/// down by an attribute of the model.
pub async fn assessment_results(
    state: &AppState,
    assessment: &Assessment,
    group_by: Option<&str>,
) -> Result<(Arc<Model>, AssessmentResults), AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    let attribute = group_by
        .map(|name| {
            model.attribute(name).map(|a| a.id.clone()).ok_or_else(|| {
                let hint = did_you_mean(name, model.attributes().iter().map(|a| a.id.as_str()))
                    .map(|a| format!("; did you mean {a:?}?"))
                    .unwrap_or_default();
                AppError::bad_request(format!(
                    "the model has no attribute {name:?} to group by{hint}"
                ))
            })
        })
        .transpose()?;
    let responses = state.store.responses(&assessment.id).await?;
    let anonymity_min = assessment
        .anonymity_min
        .unwrap_or(model.scoring().anonymity_min.get());
    if (responses.len() as u64) < u64::from(anonymity_min) {
        return Ok((
            model,
            AssessmentResults::Hidden {
                respondents: responses.len() as u64,
                anonymity_min,
            },
        ));
    }
    let mut total = Tally::new(&model);
    let mut groups = attribute.map(|attribute| GroupTallies::new(&model, attribute));
    for response in &responses {
        let answers = answers_of(&model, response);
        total.add(&answers);
        if let Some(groups) = &mut groups {
            let value = response
                .attributes
                .get(groups.attribute().as_str())
                .map(String::as_str);
            groups.add(value, &answers);
        }
    }
    let results = match &groups {
        Some(groups) => simm_core::score_grouped(&model, &total, groups),
        None => simm_core::score(&model, &total),
    };
    Ok((model, AssessmentResults::Shown(Box::new(results))))
}

/// The submitted responses as a response sheet in the engine's input
/// format, so that `simm score` on the download gives the web's results.
pub fn responses_sheet(model: &Model, responses: &[StoredResponse]) -> String {
    let rows = responses.iter().map(|response| simm_sheet::SheetRow {
        respondent: &response.id,
        attributes: model
            .attributes()
            .iter()
            .map(|a| response.attributes.get(a.id.as_str()).map(String::as_str))
            .collect(),
        answers: answers_of(model, response),
    });
    simm_sheet::write_sheet(model, rows)
}

/// The submitted responses as a sheet for download, once there are enough
/// of them to show results: below the threshold the rows would be the
/// answers of a handful of known people.
pub async fn responses_download(
    state: &AppState,
    assessment: &Assessment,
) -> Result<String, AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    let anonymity_min = assessment
        .anonymity_min
        .unwrap_or(model.scoring().anonymity_min.get());
    let responses = state.store.responses(&assessment.id).await?;
    if (responses.len() as u64) < u64::from(anonymity_min) {
        return Err(hidden_conflict(responses.len() as u64, anonymity_min));
    }
    Ok(responses_sheet(&model, &responses))
}

/// Why results or responses are withheld.
pub fn hidden_conflict(respondents: u64, anonymity_min: u32) -> AppError {
    AppError::conflict(format!(
        "{respondents} submitted; results appear from {anonymity_min} respondents, to protect their anonymity"
    ))
}

/// Free text can identify its writer more easily than a number can, so
/// comments are shown only from this many times the anonymity threshold.
pub const COMMENT_GROUP_FACTOR: u32 = 2;

/// The comments of an assessment's submitted responses, grouped by area in
/// model order, or `Err(needed)` while fewer than `needed` responses are
/// submitted.
pub async fn visible_comments(
    state: &AppState,
    assessment: &Assessment,
    model: &Model,
) -> Result<Result<Vec<(String, Vec<String>)>, u32>, AppError> {
    let anonymity_min = assessment
        .anonymity_min
        .unwrap_or(model.scoring().anonymity_min.get());
    let needed = anonymity_min * COMMENT_GROUP_FACTOR;
    let submitted = state.store.response_count(&assessment.id).await?;
    if submitted < i64::from(needed) {
        return Ok(Err(needed));
    }
    let comments = state.store.response_comments(&assessment.id).await?;
    Ok(Ok(model
        .areas()
        .iter()
        .map(|area| {
            let texts = comments
                .iter()
                .filter(|(id, _)| id == area.id.as_str())
                .map(|(_, body)| body.clone())
                .collect();
            (area.name.clone(), texts)
        })
        .collect()))
}
