//! Results of an assessment over its released responses. Every decision
//! about what may be shown is the core's privacy policy
//! ([`simm_core::Policy`]); this module only fetches what it needs and
//! passes it through.

use std::sync::Arc;

use simm_core::{
    Answer, GroupResamples, GroupTallies, Model, Pending, Policy, Release, Resamples, Results,
    Tally, with_uncertainty,
};
use simm_store::{Assessment, Attributes, ReleaseOutcome, ReleasePlan, StoredResponse};

use crate::{AppError, AppState};

pub enum AssessmentResults {
    /// Too few released responses to show anything but their number.
    Hidden {
        respondents: u64,
        anonymity_min: u32,
    },
    Shown(Box<Results>),
}

/// The privacy policy of an assessment: its frozen threshold.
pub fn policy(assessment: &Assessment, model: &Model) -> Policy {
    Policy::of_assessment(assessment.anonymity_min, model)
}

/// The answers of a stored response as engine answers.
pub fn answers_of(model: &Model, answers: &[u8]) -> Vec<Option<Answer>> {
    let points = model.scale().points;
    (0..model.items().len())
        .map(|index| {
            answers
                .get(index)
                .and_then(|value| Answer::new(*value, points))
        })
        .collect()
}

/// The model's attribute to group by, or a client error that names it.
fn group_attribute(model: &Model, name: &str) -> Result<simm_core::AttributeId, AppError> {
    model
        .group_by_attribute(name)
        .map(|index| model.attributes()[index].id.clone())
        .map_err(|error| AppError::bad_request(error.to_string()))
}

/// An assessment's released responses as the core takes them, and their
/// results under its privacy policy.
pub struct ReleasedSet {
    pub model: Arc<Model>,
    pub policy: Policy,
    pub tally: Tally,
    /// Salted by the assessment, so that two rounds' resamples are
    /// independent even where response ids were to coincide.
    pub resamples: Resamples,
    /// With a breakdown: the groups' tallies and replicates.
    pub groups: Option<(GroupTallies, GroupResamples)>,
    pub results: AssessmentResults,
}

/// Scores the released responses of an assessment, optionally broken
/// down by an attribute of the model.
pub async fn assessment_results(
    state: &AppState,
    assessment: &Assessment,
    group_by: Option<&str>,
) -> Result<(Arc<Model>, AssessmentResults), AppError> {
    let released = released_set(state, assessment, group_by).await?;
    Ok((released.model, released.results))
}

/// Reads and scores the released responses of an assessment, optionally
/// broken down by an attribute of the model.
pub async fn released_set(
    state: &AppState,
    assessment: &Assessment,
    group_by: Option<&str>,
) -> Result<ReleasedSet, AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    let attribute = group_by
        .map(|name| group_attribute(&model, name))
        .transpose()?;
    let policy = policy(assessment, &model);
    let responses = state.store.responses(&assessment.id).await?;
    let salt = Resamples::salt_of(&assessment.id);
    let mut total = Tally::new(&model);
    let mut groups = attribute.map(|attribute| {
        (
            GroupTallies::new(&model, attribute),
            GroupResamples::new(&model, state.config.replicates, salt),
        )
    });
    let mut resamples = Resamples::new(&model, state.config.replicates, salt);
    for response in &responses {
        let answers = answers_of(&model, &response.answers);
        total.add(&answers);
        resamples.add(&response.id, &answers);
        if let Some((tallies, replicates)) = &mut groups {
            let value = response
                .attributes
                .get(tallies.attribute().as_str())
                .map(String::as_str);
            tallies.add(value, &answers);
            replicates.add(value, &response.id, &answers);
        }
    }
    let results = if !policy.may_show(total.answering()) {
        AssessmentResults::Hidden {
            respondents: total.answering(),
            anonymity_min: policy.minimum(),
        }
    } else {
        // The intervals come from the same released responses, and leave
        // out the same suppressed items, as the scores.
        let mut results = with_uncertainty(
            &model,
            simm_core::score_shown(&model, &total, policy),
            &resamples,
        );
        if let Some((tallies, _)) = &groups {
            results = simm_core::score_grouped(&model, results, tallies, policy);
        }
        AssessmentResults::Shown(Box::new(results))
    };
    Ok(ReleasedSet {
        model,
        policy,
        tally: total,
        resamples,
        groups,
        results,
    })
}

/// The released responses as a response sheet in the engine's input
/// format, so that `simm score` on the download gives the web's results:
/// the attributes are those the release published, and an item that too
/// few answered, which the results leave out, is left blank here too.
pub fn responses_sheet(model: &Model, policy: Policy, responses: &[StoredResponse]) -> String {
    // Counted as the results count them: stored values outside the scale
    // are no answer.
    let mut answered = vec![0u64; model.items().len()];
    for response in responses {
        for (count, answer) in answered
            .iter_mut()
            .zip(answers_of(model, &response.answers))
        {
            *count += u64::from(answer.is_some());
        }
    }
    let withheld: Vec<bool> = answered
        .iter()
        .map(|count| *count > 0 && !policy.item_shown(*count))
        .collect();
    let rows = responses.iter().map(|response| {
        let mut answers = answers_of(model, &response.answers);
        for (answer, withheld) in answers.iter_mut().zip(&withheld) {
            if *withheld {
                *answer = None;
            }
        }
        simm_sheet::SheetRow {
            respondent: &response.id,
            attributes: model
                .attributes()
                .iter()
                .map(|a| response.attributes.get(a.id.as_str()).map(String::as_str))
                .collect(),
            answers,
        }
    });
    simm_sheet::write_sheet(model, rows)
}

/// The released responses as a sheet for download, once there are enough
/// of them to show results: below the threshold the rows would be the
/// answers of a handful of known people.
pub async fn responses_download(
    state: &AppState,
    assessment: &Assessment,
) -> Result<String, AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    let policy = policy(assessment, &model);
    let responses = state.store.responses(&assessment.id).await?;
    let answering = responses
        .iter()
        .filter(|response| {
            answers_of(&model, &response.answers)
                .iter()
                .any(Option::is_some)
        })
        .count() as u64;
    if !policy.may_show(answering) {
        return Err(hidden_conflict(answering, policy.minimum()));
    }
    Ok(responses_sheet(&model, policy, &responses))
}

/// Why results or responses are withheld.
pub fn hidden_conflict(respondents: u64, anonymity_min: u32) -> AppError {
    AppError::conflict(format!(
        "{respondents} released; results appear once at least {anonymity_min} responses are released (when the assessment closes, or at an interim snapshot), to protect their anonymity"
    ))
}

/// The comments of an assessment's released responses, grouped by area in
/// model order, or `Err(needed)` while fewer than `needed` responses are
/// released.
pub async fn visible_comments(
    state: &AppState,
    assessment: &Assessment,
    model: &Model,
) -> Result<Result<Vec<(String, Vec<String>)>, u32>, AppError> {
    let policy = policy(assessment, model);
    let released = state.store.response_count(&assessment.id).await?;
    if !policy.may_show_comments(released.max(0) as u64) {
        return Ok(Err(policy.comments_minimum()));
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

/// Why an interim snapshot published nothing.
pub fn too_few_to_release(pending: u64, needed: u64) -> String {
    format!(
        "{pending} submitted {} with answers {} waiting; a snapshot publishes at least the anonymity minimum at once, so that no one's answers can be read from the difference: {needed} more {} needed",
        if pending == 1 {
            "response"
        } else {
            "responses"
        },
        if pending == 1 { "is" } else { "are" },
        if needed == 1 { "is" } else { "are" },
    )
}

/// What a release did, and, when it published nothing, how many answering
/// responses wait and how many more it needs.
pub struct Released {
    pub outcome: ReleaseOutcome,
    pub waiting: u64,
    pub needed: u64,
}

/// Releases the pending responses of an open assessment as the privacy
/// policy decides: an interim snapshot, or the final one when `close` is
/// set (closing happens even when too few are pending to publish them).
pub async fn release(
    state: &AppState,
    assessment: &Assessment,
    close: bool,
) -> Result<Released, AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    let policy = policy(assessment, &model);
    let (mut waiting, mut needed) = (0, 0);
    let outcome = state
        .store
        .release(&assessment.id, close, |pending| {
            match release_plan(&model, policy, pending) {
                Ok(plan) => plan,
                Err((pending, more)) => {
                    (waiting, needed) = (pending, more);
                    ReleasePlan::Hold
                }
            }
        })
        .await?;
    Ok(Released {
        outcome,
        waiting,
        needed,
    })
}

/// The policy's release of pending responses, as the store applies it:
/// per response the attributes it is published with. `Err((pending,
/// needed))` when too few hold an answer.
fn release_plan(
    model: &Model,
    policy: Policy,
    pending: &[simm_store::PendingResponse],
) -> Result<ReleasePlan, (u64, u64)> {
    let attributes: Vec<Vec<Option<&str>>> = pending
        .iter()
        .map(|response| {
            model
                .attributes()
                .iter()
                .map(|a| response.attributes.get(a.id.as_str()).map(String::as_str))
                .collect()
        })
        .collect();
    let candidates: Vec<Pending<'_>> = pending
        .iter()
        .zip(&attributes)
        .map(|(response, attributes)| Pending {
            attributes,
            answering: response.answering,
        })
        .collect();
    match policy.release(&candidates) {
        Release::Wait { pending, needed } => Err((pending, needed)),
        Release::Publish(batch) => Ok(ReleasePlan::Publish(
            (0..pending.len())
                .map(|index| {
                    batch.shown(index).map(|mask| {
                        model
                            .attributes()
                            .iter()
                            .enumerate()
                            .filter(|(position, _)| mask.shows(*position))
                            .filter_map(|(_, a)| {
                                pending[index]
                                    .attributes
                                    .get(a.id.as_str())
                                    .map(|value| (a.id.to_string(), value.clone()))
                            })
                            .collect::<Attributes>()
                    })
                })
                .collect(),
        )),
    }
}

/// Releases the pending responses of the open assessment with this id as
/// the privacy policy decides (closing it when `close` is set): for demo
/// data, imports and tests, where no consultant presses a button.
pub async fn release_assessment(
    state: &AppState,
    assessment_id: &str,
    close: bool,
) -> Result<ReleaseOutcome, AppError> {
    let assessment = state
        .store
        .assessment(assessment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(release(state, &assessment, close).await?.outcome)
}
