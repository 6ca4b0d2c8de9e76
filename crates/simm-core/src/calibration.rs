//! Calibration of a model from pooled answers: classical item analysis,
//! Rasch calibration, the check of stage placement against the calibrated
//! locations, differential item functioning between groups, and the stage
//! moves that the evidence supports. `simm calibrate` and the steward page
//! render what [`calibrate`] returns; docs/calibration.md explains how to
//! read it.

use serde::Serialize;

use crate::classical::{AnswerMatrix, ClassicalSums};
use crate::distributions::two_sided_p;
use crate::domain::{AreaId, ItemId, StageLevel};
use crate::model::Model;
use crate::parallel::in_parallel;
use crate::proposal::StageMove;
use crate::rasch::{
    Method, PersonSummary, Progress, RaschError, RaschFit, RaschOptions, calibrate_rasch,
};
use crate::results::ModelRef;

/// Mean squares outside this range flag an item: the usual range for
/// rating scales (Wright and Linacre); above it answers are noisier than
/// the model expects, below it more predictable.
pub const FIT_RANGE: (f64, f64) = (0.7, 1.3);
/// More missing answers than this flag an item as hard to answer.
pub const MISSING_LIMIT: f64 = 0.2;
/// A corrected item-total correlation below this flags weak discrimination.
pub const ITEM_TOTAL_LIMIT: f64 = 0.2;
/// DIF is flagged from this difference of locations, in logits...
pub const DIF_LOGITS: f64 = 0.5;
/// ...when it is significant at this level.
pub const DIF_P: f64 = 0.01;
/// An item contradicts its stage only when it lies this many standard
/// errors beyond another stage's band, so that noise alone does not move
/// items.
pub const STAGE_EVIDENCE_SE: f64 = 2.0;
/// Adjacent stages overlap heavily when at least this share of item pairs
/// is in the wrong order.
pub const HEAVY_OVERLAP: f64 = 0.25;
/// Width of the bins of the person distribution, in logits.
pub const MAP_BIN: f64 = 0.25;

/// Respondents' membership of groups, for DIF.
#[derive(Debug, Clone)]
pub struct Grouping {
    pub attribute: String,
    pub names: Vec<String>,
    /// Per respondent (row of the matrix): an index into `names`.
    pub of_respondent: Vec<Option<u32>>,
}

#[derive(Debug, Clone)]
pub struct CalibrationOptions {
    /// `None` picks Rasch for 2-point scales and PCM above.
    pub method: Option<Method>,
    pub threads: usize,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        CalibrationOptions {
            method: None,
            threads: 1,
        }
    }
}

/// Why a calibration could not be computed, in the model's terms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    #[error("item {item}: {problem}")]
    Item { item: ItemId, problem: String },
    #[error("{0}")]
    Data(String),
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub model: ModelRef,
    pub method: Method,
    /// Always "cml": conditional maximum likelihood.
    pub estimator: &'static str,
    pub respondents: usize,
    pub iterations: usize,
    pub items: Vec<ItemCalibration>,
    pub areas: Vec<AreaCalibration>,
    pub persons: PersonSummary,
    /// The band of item locations of each stage, per area and overall.
    pub stage_bands: Vec<StageBand>,
    pub overlaps: Vec<StageOverlap>,
    pub suggestions: Vec<Suggestion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupSize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dif: Option<Vec<Dif>>,
    /// The distribution of person measures in bins of `MAP_BIN` logits.
    pub person_map: Vec<MapBin>,
    /// Things the reader should know that are not about one item.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemCalibration {
    pub id: ItemId,
    pub area: AreaId,
    pub stage: StageLevel,
    pub answered: usize,
    pub missing_rate: f64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub item_total_r: Option<f64>,
    pub location: f64,
    pub se: f64,
    pub infit: Option<f64>,
    pub outfit: Option<f64>,
    pub thresholds: Vec<f64>,
    /// The answer values the item's categories stand for: values nobody
    /// chose are collapsed, so `thresholds` has one entry fewer than this.
    pub categories: Vec<u8>,
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Infit or outfit above the range: noisy answers.
    Underfit,
    /// Infit or outfit below the range: too predictable answers.
    Overfit,
    /// Many respondents left the item unanswered or did not know.
    Missing,
    /// The item barely correlates with the rest of its area.
    Discrimination,
    /// The location contradicts the stage.
    Stage,
    /// The location differs between groups.
    Dif,
    /// The item's thresholds are not in the order of its answer values: a
    /// middle answer is never the most likely one.
    Disordered,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaCalibration {
    pub id: AreaId,
    pub alpha: Option<f64>,
    pub alpha_if_deleted: Vec<AlphaIfDeleted>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlphaIfDeleted {
    pub item: ItemId,
    pub alpha: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageBand {
    /// `None` for the band over all areas.
    pub area: Option<AreaId>,
    pub stage: StageLevel,
    pub items: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageOverlap {
    pub area: Option<AreaId>,
    pub lower_stage: StageLevel,
    pub upper_stage: StageLevel,
    /// Share of (lower, upper) item pairs where the lower-stage item is at
    /// least as hard as the upper-stage one.
    pub overlap: f64,
    pub heavy: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub item: ItemId,
    pub from_stage: StageLevel,
    pub to_stage: StageLevel,
    pub reason: String,
}

impl Calibration {
    /// The suggested stage moves, strongest evidence first, as
    /// [`crate::propose_model`] takes them.
    pub fn stage_moves(&self) -> Vec<StageMove> {
        self.suggestions
            .iter()
            .map(|s| StageMove {
                item: s.item.clone(),
                from_stage: s.from_stage,
                to_stage: s.to_stage,
                reason: s.reason.clone(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSize {
    pub name: String,
    pub respondents: usize,
    /// Why the group could not be calibrated on its own, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dif {
    pub item: ItemId,
    pub groups: [String; 2],
    /// Location in the first group minus location in the second.
    pub difference: f64,
    pub se: f64,
    pub p: f64,
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapBin {
    /// Centre of the bin, in logits.
    pub location: f64,
    pub count: usize,
}

/// Calibrates `model`'s items from the answers in `matrix` (one column per
/// model item, in model order).
pub fn calibrate(
    model: &Model,
    matrix: &AnswerMatrix,
    grouping: Option<&Grouping>,
    options: &CalibrationOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Calibration, CalibrationError> {
    assert_eq!(matrix.items(), model.items().len(), "one column per item");
    let points = model.scale().points;
    let method = options.method.unwrap_or(Method::default_for(points));
    let mut rasch_options = RaschOptions::new(method, points);
    rasch_options.threads = options.threads.max(1);
    let fit = calibrate_rasch(matrix, None, &rasch_options, progress)
        .map_err(|error| describe(model, error))?;

    let sets: Vec<Vec<usize>> = model
        .areas()
        .iter()
        .map(|area| {
            (0..model.items().len())
                .filter(|i| model.items()[*i].area == area.id)
                .collect()
        })
        .collect();
    let classical = classical_in_parallel(matrix, &sets, rasch_options.threads);

    let mut items: Vec<ItemCalibration> = model
        .items()
        .iter()
        .zip(&fit.items)
        .zip(&classical.items)
        .map(|((item, estimate), statistics)| ItemCalibration {
            id: item.id.clone(),
            area: item.area.clone(),
            stage: item.stage,
            answered: statistics.answered,
            missing_rate: statistics.missing_rate,
            mean: statistics.mean,
            sd: statistics.sd,
            item_total_r: None,
            location: estimate.location,
            se: estimate.se,
            infit: estimate.infit,
            outfit: estimate.outfit,
            thresholds: estimate.thresholds.clone(),
            categories: estimate.categories.clone(),
            flags: Vec::new(),
        })
        .collect();
    let mut areas = Vec::new();
    for ((area, set), analysis) in model.areas().iter().zip(&sets).zip(&classical.sets) {
        for (position, &item) in set.iter().enumerate() {
            items[item].item_total_r = analysis.item_total[position];
        }
        areas.push(AreaCalibration {
            id: area.id.clone(),
            alpha: analysis.alpha,
            alpha_if_deleted: set
                .iter()
                .zip(&analysis.alpha_if_deleted)
                .map(|(item, alpha)| AlphaIfDeleted {
                    item: model.items()[*item].id.clone(),
                    alpha: *alpha,
                })
                .collect(),
        });
    }
    flag_classical_and_fit(&mut items);
    let mut notes = Vec::new();
    match method {
        Method::Pcm => flag_disordered_thresholds(&mut items),
        Method::Rsm => {
            if let Some(text) = items
                .first()
                .and_then(|item| disorder(&item.thresholds, &item.categories))
                .map(|(_, text)| text)
            {
                notes.push(format!(
                    "The shared thresholds of the rating scale are disordered ({text}); the scale's labels may not work as ordered categories"
                ));
            }
        }
        Method::Rasch => {}
    }

    let stage_bands = stage_bands(model, &items);
    let overlaps = stage_overlaps(model, &items);
    let mut suggestions = check_stage_placement(model, &mut items);
    // The strongest evidence first: a proposal that cannot make every move
    // (a stage would be left empty) keeps the earlier ones.
    suggestions.sort_by(|a, b| b.0.total_cmp(&a.0));
    let suggestions: Vec<Suggestion> = suggestions.into_iter().map(|(_, s)| s).collect();

    if fit.persons.extreme_minimum + fit.persons.extreme_maximum > 0 {
        notes.push(format!(
            "{} respondents answered every item at the lowest value and {} at the highest; such answers say nothing about the items under CML, so they are left out of estimation, fit and reliability, and shown at the ends of the person map",
            fit.persons.extreme_minimum, fit.persons.extreme_maximum
        ));
    }
    let (groups, dif) = match grouping {
        Some(grouping) => {
            let (groups, dif) = differential_functioning(
                model,
                matrix,
                grouping,
                &rasch_options,
                &mut items,
                &mut notes,
                progress,
            );
            (Some(groups), Some(dif))
        }
        None => (None, None),
    };
    Ok(Calibration {
        model: ModelRef {
            id: model.id().clone(),
            version: model.version().to_owned(),
        },
        method,
        estimator: "cml",
        respondents: matrix.respondents(),
        iterations: fit.iterations,
        items,
        areas,
        persons: fit.persons.clone(),
        stage_bands,
        overlaps,
        suggestions,
        group_by: grouping.map(|g| g.attribute.clone()),
        groups,
        dif,
        person_map: person_map(&fit),
        notes,
    })
}

/// The classical analysis on up to `threads` threads over row ranges;
/// integer sums make the result independent of the split.
fn classical_in_parallel(
    matrix: &AnswerMatrix,
    sets: &[Vec<usize>],
    threads: usize,
) -> crate::classical::ClassicalAnalysis {
    let rows = matrix.respondents();
    let threads = if rows < 50_000 { 1 } else { threads };
    let parts = in_parallel(rows, threads, |range| {
        let mut sums = ClassicalSums::new(matrix.items(), sets);
        sums.add_rows(matrix, range);
        sums
    });
    let mut total = parts[0].clone();
    for part in &parts[1..] {
        total.merge(part);
    }
    total.finish()
}

/// Translates an estimation error into the model's item ids.
fn describe(model: &Model, error: RaschError) -> CalibrationError {
    let id = |item: usize| model.items()[item].id.clone();
    match error {
        RaschError::NoAnswers { item } => CalibrationError::Item {
            item: id(item),
            problem: "nobody answered it; remove the item from the model or collect answers".into(),
        },
        RaschError::NoVariance { item, value } => CalibrationError::Item {
            item: id(item),
            problem: format!(
                "no variance: every answer is {value}, so its location cannot be estimated; remove the item or collect more varied answers"
            ),
        },
        RaschError::OnlyExtremes { item, value } => CalibrationError::Item {
            item: id(item),
            problem: format!(
                "answer {value} comes only from respondents whose answers are all at the minimum or all at the maximum, so its threshold cannot be estimated"
            ),
        },
        RaschError::OneValueAmongUsable { item, value } => CalibrationError::Item {
            item: id(item),
            problem: format!(
                "every answer from respondents not at the minimum or the maximum is {value}, so its location cannot be estimated"
            ),
        },
        RaschError::NoInformation { item } => CalibrationError::Item {
            item: id(item),
            problem:
                "no respondent who answered it also answered another item, so it cannot be located"
                    .into(),
        },
        RaschError::Diverged { item, limit } => CalibrationError::Item {
            item: id(item),
            problem: format!(
                "the estimate diverged past ±{limit} logits: the item's answers are perfectly predicted by the respondents' scores (a Guttman pattern), so no finite location fits"
            ),
        },
        other => CalibrationError::Data(other.to_string()),
    }
}

fn flag_classical_and_fit(items: &mut [ItemCalibration]) {
    for item in items {
        for (name, value) in [("infit", item.infit), ("outfit", item.outfit)] {
            match value {
                Some(v) if v > FIT_RANGE.1 => item.flags.push(Flag {
                    kind: FlagKind::Underfit,
                    detail: format!(
                        "{name} mean square {v:.2} is above {}: answers are noisier than the model expects",
                        FIT_RANGE.1
                    ),
                }),
                Some(v) if v < FIT_RANGE.0 => item.flags.push(Flag {
                    kind: FlagKind::Overfit,
                    detail: format!(
                        "{name} mean square {v:.2} is below {}: answers are more predictable than the model expects",
                        FIT_RANGE.0
                    ),
                }),
                _ => {}
            }
        }
        if item.missing_rate > MISSING_LIMIT {
            item.flags.push(Flag {
                kind: FlagKind::Missing,
                detail: format!(
                    "{:.0} % of respondents did not answer or did not know",
                    item.missing_rate * 100.0
                ),
            });
        }
        if let Some(r) = item.item_total_r.filter(|r| *r < ITEM_TOTAL_LIMIT) {
            item.flags.push(Flag {
                kind: FlagKind::Discrimination,
                detail: format!(
                    "corrected item-total correlation {r:.2} is below {ITEM_TOTAL_LIMIT}: the item hardly goes with the rest of its area"
                ),
            });
        }
    }
}

/// Describes the first pair of thresholds out of order, if any, with the
/// answer value between them, which is never the most likely one.
fn disorder(thresholds: &[f64], categories: &[u8]) -> Option<(u8, String)> {
    let step = thresholds.windows(2).position(|w| w[1] < w[0])?;
    let value = |k: usize| categories.get(k).map_or(k as u8 + 1, |v| *v);
    let text = format!(
        "the step from answer {} to {} is at {:.2} logits, the step from {} to {} lower at {:.2}",
        value(step),
        value(step + 1),
        thresholds[step],
        value(step + 1),
        value(step + 2),
        thresholds[step + 1]
    );
    Some((value(step + 1), text))
}

fn flag_disordered_thresholds(items: &mut [ItemCalibration]) {
    for item in items {
        if let Some((middle, text)) = disorder(&item.thresholds, &item.categories) {
            item.flags.push(Flag {
                kind: FlagKind::Disordered,
                detail: format!(
                    "thresholds are disordered: {text}, so answer {middle} is never the most likely one; respondents may not tell it from its neighbours (merge it, or reword the labels)"
                ),
            });
        }
    }
}

/// Location bands of `locations`: min, max and mean.
fn band(locations: impl Iterator<Item = f64>) -> Option<(usize, f64, f64, f64)> {
    let (mut n, mut min, mut max, mut sum) = (0, f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for location in locations {
        n += 1;
        min = min.min(location);
        max = max.max(location);
        sum += location;
    }
    (n > 0).then(|| (n, min, max, sum / n as f64))
}

fn stage_bands(model: &Model, items: &[ItemCalibration]) -> Vec<StageBand> {
    let mut bands = Vec::new();
    let areas: Vec<Option<&AreaId>> = model
        .areas()
        .iter()
        .map(|a| Some(&a.id))
        .chain(std::iter::once(None))
        .collect();
    for area in areas {
        for stage in model.stages() {
            let members = items
                .iter()
                .filter(|i| i.stage == stage.level && area.is_none_or(|a| &i.area == a));
            if let Some((n, min, max, mean)) = band(members.map(|i| i.location)) {
                bands.push(StageBand {
                    area: area.cloned(),
                    stage: stage.level,
                    items: n,
                    min,
                    max,
                    mean,
                });
            }
        }
    }
    bands
}

fn stage_overlaps(model: &Model, items: &[ItemCalibration]) -> Vec<StageOverlap> {
    let mut overlaps = Vec::new();
    let areas: Vec<Option<&AreaId>> = model
        .areas()
        .iter()
        .map(|a| Some(&a.id))
        .chain(std::iter::once(None))
        .collect();
    for area in areas {
        let stages: Vec<StageLevel> = model
            .stages()
            .iter()
            .map(|s| s.level)
            .filter(|level| {
                items
                    .iter()
                    .any(|i| i.stage == *level && area.is_none_or(|a| &i.area == a))
            })
            .collect();
        for pair in stages.windows(2) {
            let of = |stage: StageLevel| -> Vec<f64> {
                items
                    .iter()
                    .filter(|i| i.stage == stage && area.is_none_or(|a| &i.area == a))
                    .map(|i| i.location)
                    .collect()
            };
            let (lower, upper) = (of(pair[0]), of(pair[1]));
            let wrong = lower
                .iter()
                .map(|l| upper.iter().filter(|u| l >= u).count())
                .sum::<usize>();
            let overlap = wrong as f64 / (lower.len() * upper.len()) as f64;
            overlaps.push(StageOverlap {
                area: area.cloned(),
                lower_stage: pair[0],
                upper_stage: pair[1],
                overlap,
                heavy: overlap >= HEAVY_OVERLAP,
            });
        }
    }
    overlaps
}

/// Flags items whose location contradicts their stage within their area
/// and suggests the stage whose band the location fits best; returns each
/// suggestion with its evidence: how far, in standard errors, the item
/// lies beyond the farthest band it contradicts.
fn check_stage_placement(model: &Model, items: &mut [ItemCalibration]) -> Vec<(f64, Suggestion)> {
    let mut suggestions = Vec::new();
    for index in 0..items.len() {
        let item = &items[index];
        let area_name = model
            .area(&item.area)
            .map_or_else(|| item.area.to_string(), |a| a.name.clone());
        // Bands of the other items of the same area, per stage.
        let others: Vec<(StageLevel, (usize, f64, f64, f64))> = model
            .stages()
            .iter()
            .filter_map(|stage| {
                band(
                    items
                        .iter()
                        .enumerate()
                        .filter(|(j, other)| {
                            *j != index && other.area == item.area && other.stage == stage.level
                        })
                        .map(|(_, other)| other.location),
                )
                .map(|b| (stage.level, b))
            })
            .collect();
        let margin = STAGE_EVIDENCE_SE * item.se;
        let mut contradictions = Vec::new();
        let mut evidence = 0.0f64;
        for (stage, (_, min, max, _)) in &others {
            if *stage < item.stage && item.location + margin < *min {
                evidence = evidence.max((min - item.location) / item.se);
                contradictions.push(format!(
                    "easier than every stage-{stage} practice of {area_name} (band {min:.2} to {max:.2})"
                ));
            } else if *stage > item.stage && item.location - margin > *max {
                evidence = evidence.max((item.location - max) / item.se);
                contradictions.push(format!(
                    "harder than every stage-{stage} practice of {area_name} (band {min:.2} to {max:.2})"
                ));
            }
        }
        if contradictions.is_empty() {
            continue;
        }
        let detail = format!(
            "location {:.2} ± {:.2} logits is {}",
            item.location,
            item.se,
            contradictions.join(" and ")
        );
        let best = others
            .iter()
            .filter(|(stage, _)| stage.get() > 1)
            .min_by(|a, b| {
                (a.1.3 - item.location)
                    .abs()
                    .total_cmp(&(b.1.3 - item.location).abs())
            })
            .map(|(stage, (_, _, _, mean))| (*stage, *mean));
        let from_stage = item.stage;
        let id = item.id.clone();
        if let Some((to_stage, mean)) = best.filter(|(stage, _)| *stage != from_stage) {
            suggestions.push((
                evidence,
                Suggestion {
                    item: id,
                    from_stage,
                    to_stage,
                    reason: format!(
                        "{detail}; it lies closest to the stage-{to_stage} practices of the area (mean {mean:.2})"
                    ),
                },
            ));
        }
        items[index].flags.push(Flag {
            kind: FlagKind::Stage,
            detail,
        });
    }
    suggestions
}

/// Calibrates each group on its own and compares the item locations of
/// every pair of groups.
fn differential_functioning(
    model: &Model,
    matrix: &AnswerMatrix,
    grouping: &Grouping,
    options: &RaschOptions,
    items: &mut [ItemCalibration],
    notes: &mut Vec<String>,
    progress: &mut dyn FnMut(Progress),
) -> (Vec<GroupSize>, Vec<Dif>) {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); grouping.names.len()];
    for (row, group) in grouping.of_respondent.iter().enumerate() {
        if let Some(group) = group {
            members[*group as usize].push(row);
        }
    }
    let mut sizes = Vec::new();
    let mut fits: Vec<Option<RaschFit>> = Vec::new();
    for (name, rows) in grouping.names.iter().zip(&members) {
        let fit = calibrate_rasch(matrix, Some(rows), options, progress)
            .map_err(|error| describe(model, error));
        sizes.push(GroupSize {
            name: name.clone(),
            respondents: rows.len(),
            problem: fit.as_ref().err().map(|e| e.to_string()),
        });
        fits.push(fit.ok());
    }
    let mut dif = Vec::new();
    let mut incomparable = Vec::new();
    for a in 0..fits.len() {
        for b in a + 1..fits.len() {
            let (Some(first), Some(second)) = (&fits[a], &fits[b]) else {
                continue;
            };
            for (index, (x, y)) in first.items.iter().zip(&second.items).enumerate() {
                // A location is the mean of the thresholds between the values
                // a group used; with different value sets the means are of
                // different steps and their difference is not DIF.
                if x.categories != y.categories {
                    incomparable.push(format!(
                        "{} ({} vs {})",
                        items[index].id, grouping.names[a], grouping.names[b]
                    ));
                    continue;
                }
                let difference = x.location - y.location;
                let se = (x.se * x.se + y.se * y.se).sqrt();
                let p = two_sided_p(difference / se);
                let flagged = difference.abs() >= DIF_LOGITS && p < DIF_P;
                if flagged {
                    items[index].flags.push(Flag {
                        kind: FlagKind::Dif,
                        detail: format!(
                            "{} {} vs {}: location {:.2} against {:.2} (difference {difference:+.2} ± {se:.2}, p = {p:.1e})",
                            grouping.attribute,
                            grouping.names[a],
                            grouping.names[b],
                            x.location,
                            y.location
                        ),
                    });
                }
                dif.push(Dif {
                    item: items[index].id.clone(),
                    groups: [grouping.names[a].clone(), grouping.names[b].clone()],
                    difference,
                    se,
                    p,
                    flagged,
                });
            }
        }
    }
    if !incomparable.is_empty() {
        notes.push(format!(
            "DIF not computed where the two groups used different sets of answer values, so their locations average different steps: {}",
            incomparable.join(", ")
        ));
    }
    (sizes, dif)
}

fn person_map(fit: &RaschFit) -> Vec<MapBin> {
    let mut bins: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for measure in &fit.person_measures {
        *bins.entry((measure / MAP_BIN).round() as i64).or_default() += 1;
    }
    bins.into_iter()
        .map(|(bin, count)| MapBin {
            location: bin as f64 * MAP_BIN,
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disordered_thresholds_are_described() {
        let check = |thresholds: &[f64], categories: &[u8], expected: Option<&str>| {
            assert_eq!(
                disorder(thresholds, categories)
                    .map(|(_, text)| text)
                    .as_deref(),
                expected
            );
        };
        check(&[-1.0, 0.0, 1.0], &[1, 2, 3, 4], None);
        check(&[0.5], &[1, 2], None);
        check(
            &[-1.0, 0.4, 0.1, 1.0],
            &[1, 2, 3, 4, 5],
            Some(
                "the step from answer 2 to 3 is at 0.40 logits, the step from 3 to 4 lower at 0.10",
            ),
        );
        assert_eq!(
            disorder(&[-1.0, 0.4, 0.1], &[1, 2, 3, 4]).map(|(m, _)| m),
            Some(3)
        );
        // Collapsed values: the item never received answer 2.
        check(
            &[0.3, -0.2],
            &[1, 3, 4],
            Some(
                "the step from answer 1 to 3 is at 0.30 logits, the step from 3 to 4 lower at -0.20",
            ),
        );
    }

    #[test]
    fn p_values_of_known_z() {
        let check = |z: f64, expected: f64| {
            let p = two_sided_p(z);
            assert!(
                (p - expected).abs() < 1e-6 * expected.max(1e-3),
                "{z}: {p} vs {expected}"
            );
        };
        check(0.0, 1.0);
        check(1.959_963_985, 0.05);
        check(-2.575_829_304, 0.01);
        check(3.290_526_731, 0.001);
    }
}
