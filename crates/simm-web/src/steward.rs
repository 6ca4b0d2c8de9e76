//! The model steward's work: the stored model versions and how much they
//! are used, a calibration of a version over the submitted responses of
//! the assessments that used it and reached their own anonymity minimum
//! (pooled, so no organisation and no single response is shown), the
//! proposed next version as a model file, and the re-scoring of one
//! assessment under another stored version.
//!
//! Who may do what: model pages, calibrations and proposals are for
//! stewards and admins ([`Steward`](crate::auth::Steward)); re-scoring an
//! assessment is for the consultants who may see it and admins
//! ([`Consultant`](crate::auth::Consultant)), since it shows that
//! assessment's results. A calibration leaves out every assessment below
//! its own anonymity minimum (whose results are withheld too), never runs
//! on fewer than two assessments (one assessment's results are its
//! consultants') nor on fewer responses than the model's anonymity
//! minimum, and a DIF group smaller than that minimum is left out, with
//! the next-smallest when it alone would be; a re-score shows nothing
//! below the assessment's frozen threshold, exactly like its results.
//!
//! The console pages are in `pages`, the API handlers in `api`, and their
//! bodies in `dto`.

mod api;
mod dto;
mod pages;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use simm_core::{
    AreaId, Calibration, CalibrationOptions, Grouping, ItemId, Model, OverallResult, Proposal,
    Results, Tally, propose_model,
};
use simm_store::{Assessment, ModelVersion};
use tokio::sync::Semaphore;

use crate::results::answers_of;
use crate::routes::Route;
use crate::{AppError, AppState};

/// The steward's console pages.
pub const PAGE_ROUTES: &[Route] = pages::ROUTES;
/// The steward's API, inside the consultant API's layers.
pub const API_ROUTES: &[Route] = api::ROUTES;

pub fn router() -> Router<AppState> {
    crate::routes::router(PAGE_ROUTES)
}

pub fn api_router() -> Router<AppState> {
    crate::routes::router(API_ROUTES)
}

/// Threads one calibration uses: enough to halve a long wait, few enough
/// that two stewards calibrating at once leave the server responsive.
const CALIBRATION_THREADS: usize = 2;

/// Calibrations running at once, across all requests. Each holds its
/// pooled matrix and keeps `CALIBRATION_THREADS` busy, so more wait.
static CALIBRATIONS: Semaphore = Semaphore::const_new(2);

/// The stored version of a model by the model's id and the version, or
/// 404.
pub(crate) async fn stored_version(
    state: &AppState,
    model_id: &str,
    version: &str,
) -> Result<ModelVersion, AppError> {
    state
        .store
        .find_model_version(model_id, version)
        .await?
        .ok_or(AppError::NotFound)
}

/// The attribute named by `group_by`, or a 400 that suggests the nearest
/// one, as the results do.
fn group_attribute(model: &Model, name: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(name) = name.map(str::trim).filter(|name| !name.is_empty()) else {
        return Ok(None);
    };
    model
        .group_by_attribute(name)
        .map(|index| Some(model.attributes()[index].id.to_string()))
        .map_err(|error| AppError::bad_request(error.to_string()))
}

/// The grouping for DIF over the responses' values of the attribute, in
/// the order the model declares them (others alphabetically after), with
/// groups smaller than `minimum` left out, and notes that say what was
/// left out. `None` when fewer than two groups remain, since DIF compares
/// groups.
///
/// The calibration shows every group's size and the total, so a single
/// group left out could be sized by subtraction: then the next-smallest
/// group is left out too, as the results do
/// ([`score_grouped`](simm_core::score_grouped)). Responses without a value
/// count as such a hidden group when there are fewer than `minimum` of
/// them. How many responses have no value is never said, nor a group's
/// size; the names of groups left out are said only for an attribute with
/// declared values, since a free-text value (a unit, a team) names few
/// people.
fn grouping(
    model: &Model,
    attribute: &str,
    values: &[Option<String>],
    minimum: usize,
    notes: &mut Vec<String>,
) -> Option<Grouping> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for value in values.iter().flatten() {
        *sizes.entry(value.as_str()).or_default() += 1;
    }
    let declared: Option<Vec<&str>> = model
        .attribute(attribute)
        .and_then(|a| a.values.as_ref())
        .map(|values| values.iter().map(String::as_str).collect());
    let declared_names = declared.as_deref().unwrap_or_default();
    let mut ordered: Vec<(&str, usize)> = declared_names
        .iter()
        .filter_map(|name| sizes.get(name).map(|size| (*name, *size)))
        .collect();
    ordered.extend(
        sizes
            .iter()
            .filter(|(name, _)| !declared_names.contains(name))
            .map(|(name, size)| (*name, *size)),
    );
    let sizes: Vec<u64> = ordered.iter().map(|(_, size)| *size as u64).collect();
    let without = values.iter().filter(|value| value.is_none()).count();
    // Responses without a value are in no group, and so count as hidden.
    let because = simm_core::Policy::with_minimum(minimum as u32)
        .hidden_groups_because(&sizes, without as u64);
    let left_out: Vec<bool> = because.iter().map(Option::is_some).collect();
    let too_few = |index: usize| because[index] == Some(simm_core::HiddenBecause::TooFew);
    let small = (0..ordered.len()).filter(|index| too_few(*index)).count();
    let complementary: Vec<usize> = (0..ordered.len())
        .filter(|index| because[*index] == Some(simm_core::HiddenBecause::Complementary))
        .collect();
    if small > 0 {
        let what = match &declared {
            Some(_) => format!(
                ": {}",
                (0..ordered.len())
                    .filter(|index| too_few(*index))
                    .map(|index| ordered[index].0)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None if small == 1 => " (1 group)".to_owned(),
            None => format!(" ({small} groups)"),
        };
        notes.push(format!(
            "DIF by {attribute}: groups with fewer than {minimum} responses (the model's anonymity minimum) are left out{what}"
        ));
    }
    if !complementary.is_empty() {
        let what = match (&declared, complementary.as_slice()) {
            (Some(_), [index]) => format!("the group {} is", ordered[*index].0),
            (Some(_), indices) => format!(
                "the groups {} are",
                indices
                    .iter()
                    .map(|index| ordered[*index].0)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, [_]) => "one more group is".to_owned(),
            (None, indices) => format!("{} more groups are", indices.len()),
        };
        notes.push(format!(
            "DIF by {attribute}: {what} left out as well, so that the size of a smaller group cannot be worked out from the total"
        ));
    }
    if without > 0 {
        notes.push(format!(
            "DIF by {attribute}: some responses have no {attribute} and are in no group"
        ));
    }
    let kept: Vec<&str> = ordered
        .iter()
        .zip(&left_out)
        .filter(|(_, out)| !**out)
        .map(|((name, _), _)| *name)
        .collect();
    if kept.len() < 2 {
        notes.push(format!(
            "DIF by {attribute} compares at least two groups of at least {minimum} responses each; {} can be shown, so no DIF is computed",
            match kept.len() {
                0 => "none",
                _ => "only one",
            }
        ));
        return None;
    }
    let names: Vec<String> = kept.iter().map(|name| (*name).to_owned()).collect();
    let of_respondent = values
        .iter()
        .map(|value| {
            value
                .as_deref()
                .and_then(|value| names.iter().position(|name| name == value))
                .map(|index| index as u32)
        })
        .collect();
    Some(Grouping {
        attribute: attribute.to_owned(),
        names,
        of_respondent,
    })
}

/// Which assessments of a model version a calibration pools, as the
/// privacy policy decides (docs/privacy.md, rule P7), with their ids.
pub(crate) struct VersionPool {
    pub pool: simm_core::Pool,
    pub members: std::collections::HashSet<String>,
}

pub(crate) async fn version_pool(
    state: &AppState,
    version: &ModelVersion,
    model: &Model,
) -> Result<VersionPool, AppError> {
    let candidates = state.store.pool_candidates(&version.id).await?;
    let pool = simm_core::Policy::of_model(model).pool(
        &candidates
            .iter()
            .map(|candidate| simm_core::PoolCandidate {
                released: candidate.released.max(0) as u64,
                policy: simm_core::Policy::of_assessment(candidate.anonymity_min, model),
            })
            .collect::<Vec<_>>(),
    );
    let members = candidates
        .into_iter()
        .zip(&pool.members)
        .filter(|(_, member)| **member)
        .map(|(candidate, _)| candidate.assessment_id)
        .collect();
    Ok(VersionPool { pool, members })
}

/// Why a version cannot be calibrated from the pool it has, if it cannot:
/// the policy's verdict in words.
pub(crate) fn pool_refusal(
    version: &ModelVersion,
    pool: &simm_core::Pool,
    minimum: u32,
) -> Option<String> {
    let below = match pool.left_out {
        0 => String::new(),
        1 => "; 1 more has published fewer than its own minimum and is left out".to_owned(),
        n => format!("; {n} more have published fewer than their own minimum and are left out"),
    };
    match pool.verdict {
        simm_core::PoolVerdict::Pooled => None,
        simm_core::PoolVerdict::TooFewAssessments => Some(format!(
            "{} {} of {} {} published results{below}. A pooled calibration needs at least two assessments that published results; one assessment's results are for its consultants",
            pool.assessments,
            if pool.assessments == 1 {
                "assessment"
            } else {
                "assessments"
            },
            version.model_id,
            version.version,
        )),
        simm_core::PoolVerdict::TooFewResponses => Some(format!(
            "{} published responses of the assessments that published results use {} {}; a calibration needs at least {minimum}, the model's anonymity minimum, so that the answers of a few people are never analysed on their own",
            pool.responses, version.model_id, version.version
        )),
    }
}

/// A calibration of a model version over the submitted responses of the
/// assessments that used it and reached their own anonymity minimum.
pub(crate) struct PooledCalibration {
    pub calibration: Calibration,
    /// Assessments whose responses were pooled.
    pub assessments: usize,
}

/// Calibrates a stored model version over the submitted responses of its
/// assessments that reached their own anonymity minimum, optionally with
/// DIF by `group_by`.
///
/// Refused with a 409 that says why when fewer than two assessments
/// reached their minimum, when the pooled responses are fewer than the
/// model's anonymity minimum, and when the calibration itself cannot be
/// computed (an item nobody answered, an item everyone answered alike):
/// all are facts about the data, not faults of the server.
pub(crate) async fn calibrate_version(
    state: &AppState,
    version: &ModelVersion,
    group_by: Option<&str>,
) -> Result<PooledCalibration, AppError> {
    let model = state.model(&version.id).await?;
    let attribute = group_attribute(&model, group_by)?;
    let minimum = simm_core::Policy::of_model(&model).minimum();
    let VersionPool { pool, members } = version_pool(state, version, &model).await?;
    if let Some(refusal) = pool_refusal(version, &pool, minimum) {
        return Err(AppError::conflict(refusal));
    }
    let pooled = state
        .store
        .pooled_answers(
            &version.id,
            &members,
            model.items().len(),
            model.scale().points,
            attribute.as_deref(),
        )
        .await?;
    let mut notes = vec![format!(
        "Pooled from {} published responses of {} assessments that used {} {} and published results.",
        pooled.matrix.respondents(),
        pooled.assessments,
        version.model_id,
        version.version
    )];
    match pool.left_out {
        0 => {}
        1 => notes.push(
            "1 assessment of this version is left out: it has published fewer responses than its own anonymity minimum.".to_owned(),
        ),
        n => notes.push(format!(
            "{n} assessments of this version are left out: they have published fewer responses than their own anonymity minimum."
        )),
    }
    let grouping = attribute.as_deref().and_then(|attribute| {
        grouping(
            &model,
            attribute,
            &pooled.attribute_values,
            minimum as usize,
            &mut notes,
        )
    });
    // Waiting for a turn is cheap; running many calibrations at once would
    // take every core and the memory of every matrix.
    let _turn = CALIBRATIONS.acquire().await.map_err(AppError::internal)?;
    let blocking_model = model.clone();
    let matrix = pooled.matrix;
    let result = tokio::task::spawn_blocking(move || {
        let options = CalibrationOptions {
            method: None,
            threads: CALIBRATION_THREADS,
        };
        simm_core::calibrate(
            &blocking_model,
            &matrix,
            grouping.as_ref(),
            &options,
            &mut |_| {},
        )
    })
    .await
    .map_err(AppError::internal)?;
    let mut calibration = result.map_err(|error| {
        AppError::conflict(format!(
            "{} {} cannot be calibrated from its pooled responses: {error}",
            version.model_id, version.version
        ))
    })?;
    calibration.notes.splice(0..0, notes);
    Ok(PooledCalibration {
        calibration,
        assessments: pooled.assessments,
    })
}

/// The proposed next version of a calibrated model: its stored file with
/// the suggested stage moves applied and the version bumped.
pub(crate) async fn proposal(
    state: &AppState,
    version: &ModelVersion,
    pooled: &PooledCalibration,
) -> Result<Proposal, AppError> {
    let source = state
        .store
        .model_version_source(&version.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let calibration = &pooled.calibration;
    let notes = vec![format!(
        "Calibrated on the simm platform from {} submitted responses of {} assessments ({} method, conditional maximum likelihood).",
        calibration.respondents,
        pooled.assessments,
        calibration.method.as_str()
    )];
    // The moves come from a calibration of this very file, so a refusal
    // here is a fault of ours, not of the request.
    propose_model(&source, &calibration.stage_moves(), &notes).map_err(AppError::internal)
}

/// The file name of a proposal, e.g. `smartsourcing-1.1.0.toml`. Model ids
/// are checked identifiers, and other characters of the version are
/// replaced, so the name is plain ASCII without quotes or separators.
pub(crate) fn proposal_file_name(model_id: &str, version: &str) -> String {
    let safe = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{}-{}.toml", safe(model_id), safe(version))
}

/// An assessment scored under its own model version and under another.
pub(crate) enum Rescore {
    /// Too few submitted responses to show anything but their number, as
    /// with the results.
    Hidden {
        respondents: u64,
        anonymity_min: u32,
    },
    Shown(Box<Comparison>),
}

pub(crate) struct Comparison {
    pub current_model: Arc<Model>,
    pub other_model: Arc<Model>,
    pub current: Results,
    pub other: Results,
    /// Items of the other version that the responses answered (matched by
    /// id with the assessment's version).
    pub matched: usize,
    /// Items of the other version that the assessment's version does not
    /// have: unanswered in the re-score.
    pub unanswered: Vec<ItemId>,
    /// Items of the assessment's version that the other version does not
    /// have: their answers do not count in the re-score.
    pub not_in_other: Vec<ItemId>,
}

/// A stage and score under one version.
#[derive(Clone, Copy)]
pub(crate) struct Standing {
    pub stage: u8,
    pub score: f64,
}

impl From<&OverallResult> for Standing {
    fn from(overall: &OverallResult) -> Standing {
        Standing {
            stage: overall.stage.get(),
            score: overall.score,
        }
    }
}

/// One area under both versions; an area that one version does not have
/// has no standing there.
pub(crate) struct AreaComparison {
    pub id: AreaId,
    pub name: String,
    pub current: Option<Standing>,
    pub other: Option<Standing>,
}

impl AreaComparison {
    /// The stage under the other version minus the stage under the
    /// assessment's own.
    pub fn change(&self) -> Option<i16> {
        Some(i16::from(self.other?.stage) - i16::from(self.current?.stage))
    }
}

impl Comparison {
    pub fn overall_change(&self) -> i16 {
        i16::from(self.other.overall.stage.get()) - i16::from(self.current.overall.stage.get())
    }

    /// The areas of the assessment's version in its order, then those only
    /// the other version has.
    pub fn areas(&self) -> Vec<AreaComparison> {
        let standing = |results: &Results, id: &AreaId| {
            results
                .areas
                .iter()
                .find(|area| &area.id == id)
                .map(|area| Standing {
                    stage: area.stage.get(),
                    score: area.score,
                })
        };
        let mut areas: Vec<AreaComparison> = self
            .current_model
            .areas()
            .iter()
            .map(|area| AreaComparison {
                id: area.id.clone(),
                name: area.name.clone(),
                current: standing(&self.current, &area.id),
                other: standing(&self.other, &area.id),
            })
            .collect();
        for area in self.other_model.areas() {
            if self.current_model.area(&area.id).is_none() {
                areas.push(AreaComparison {
                    id: area.id.clone(),
                    name: area.name.clone(),
                    current: None,
                    other: standing(&self.other, &area.id),
                });
            }
        }
        areas
    }
}

/// Scores an assessment's submitted responses under its own model version
/// and under `other` (a stored version with the same number of scale
/// points), matching items by id. The anonymity rule of the results
/// applies: below the assessment's threshold only the count is shown.
pub(crate) async fn rescore(
    state: &AppState,
    assessment: &Assessment,
    other: &ModelVersion,
) -> Result<Rescore, AppError> {
    let current_model = state.model(&assessment.model_version_id).await?;
    let other_model = state.model(&other.id).await?;
    let points = current_model.scale().points;
    if other_model.scale().points != points {
        return Err(AppError::bad_request(format!(
            "{} {} answers on a {}-point scale and this assessment on a {points}-point one; answers can only be re-scored under a version with the same scale",
            other.model_id,
            other.version,
            other_model.scale().points
        )));
    }
    let policy = crate::results::policy(assessment, &current_model);
    let responses = state.store.responses(&assessment.id).await?;
    // For each item of the other version, its column in the stored answers.
    let columns: Vec<Option<usize>> = other_model
        .items()
        .iter()
        .map(|item| current_model.item_index(item.id.as_str()))
        .collect();
    let mut current_tally = Tally::new(&current_model);
    let mut other_tally = Tally::new(&other_model);
    for response in &responses {
        let answers = answers_of(&current_model, &response.answers);
        let other_answers: Vec<_> = columns
            .iter()
            .map(|column| column.and_then(|column| answers[column]))
            .collect();
        current_tally.add(&answers);
        other_tally.add(&other_answers);
    }
    if !policy.may_show(current_tally.answering()) {
        return Ok(Rescore::Hidden {
            respondents: current_tally.answering(),
            anonymity_min: policy.minimum(),
        });
    }
    let unanswered = other_model
        .items()
        .iter()
        .zip(&columns)
        .filter(|(_, column)| column.is_none())
        .map(|(item, _)| item.id.clone())
        .collect();
    let not_in_other = current_model
        .items()
        .iter()
        .filter(|item| other_model.item_index(item.id.as_str()).is_none())
        .map(|item| item.id.clone())
        .collect();
    Ok(Rescore::Shown(Box::new(Comparison {
        current: simm_core::score_shown(&current_model, &current_tally, policy),
        other: simm_core::score_shown(&other_model, &other_tally, policy),
        matched: columns.iter().flatten().count(),
        unanswered,
        not_in_other,
        current_model,
        other_model,
    })))
}
