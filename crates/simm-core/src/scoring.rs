//! The scoring engine. The rules are stated in docs/scoring.md; each step
//! below names the rule it implements.
//!
//! Answers stream into a [`Tally`]: one histogram of answers per item. The
//! histograms give the mean, the median and the variance exactly, so memory
//! does not grow with the number of respondents.

use std::collections::HashMap;

use crate::domain::{Aggregate, Answer, AreaId, AttributeId, ItemId, StageLevel};
use crate::model::Model;
use crate::privacy::Policy;
use crate::results::{
    AreaResult, Gap, GroupResult, HiddenBecause, ItemResult, ModelRef, OverallResult, Results,
    StageFulfilment,
};

/// Per-item answer histograms for one set of respondents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    points: usize,
    items: usize,
    respondents: u64,
    /// Respondents who gave at least one answer: only they count towards
    /// the anonymity minimum (docs/privacy.md, rule P2).
    answering: u64,
    /// `counts[item * points + answer - 1]` respondents gave `answer`.
    counts: Vec<u64>,
}

impl Tally {
    pub fn new(model: &Model) -> Self {
        let points = usize::from(model.scale().points);
        let items = model.items().len();
        Self {
            points,
            items,
            respondents: 0,
            answering: 0,
            counts: vec![0; points * items],
        }
    }

    /// Adds one respondent. `answers` holds one entry per model item, in
    /// model order.
    #[inline]
    pub fn add(&mut self, answers: &[Option<Answer>]) {
        assert_eq!(answers.len(), self.items, "one answer slot per model item");
        self.respondents += 1;
        let mut answered = false;
        for (histogram, answer) in self.counts.chunks_exact_mut(self.points).zip(answers) {
            if let Some(answer) = answer {
                histogram[usize::from(answer.get()) - 1] += 1;
                answered = true;
            }
        }
        self.answering += u64::from(answered);
    }

    pub fn respondents(&self) -> u64 {
        self.respondents
    }

    /// Respondents with at least one answer.
    pub fn answering(&self) -> u64 {
        self.answering
    }

    /// Adds another tally of the same model, as if its respondents had been
    /// added here: a sheet read in parts is scored as a whole.
    pub fn merge(&mut self, other: &Tally) {
        assert_eq!(
            (self.points, self.items),
            (other.points, other.items),
            "tallies of one model"
        );
        self.respondents += other.respondents;
        self.answering += other.answering;
        for (count, more) in self.counts.iter_mut().zip(&other.counts) {
            *count += more;
        }
    }

    /// A tally of weighted counts, laid out like `counts`: a bootstrap
    /// replicate, scored by the same rules as the tally it resamples.
    pub(crate) fn from_counts(points: usize, items: usize, counts: Vec<u64>) -> Self {
        assert_eq!(counts.len(), points * items, "one histogram per item");
        Self {
            points,
            items,
            respondents: 0,
            answering: 0,
            counts,
        }
    }

    /// The same respondents with the answers to some items left out, as if
    /// nobody had answered them: rounds compared on the items they share.
    pub(crate) fn keeping(&self, keep: &[bool]) -> Self {
        let mut kept = self.clone();
        for (histogram, keep) in kept.counts.chunks_exact_mut(self.points).zip(keep) {
            if !keep {
                histogram.fill(0);
            }
        }
        kept
    }

    fn histogram(&self, item: usize) -> &[u64] {
        &self.counts[item * self.points..(item + 1) * self.points]
    }
}

/// Tallies of respondents broken down by the values of one attribute.
#[derive(Debug, Clone)]
pub struct GroupTallies {
    attribute: AttributeId,
    /// Looked up once per respondent: a fast hash, as the keys are the
    /// model's declared values or the sheet's own text.
    by_value: HashMap<String, Tally, foldhash::fast::RandomState>,
    without_value: Option<Tally>,
    empty: Tally,
}

impl GroupTallies {
    pub fn new(model: &Model, attribute: AttributeId) -> Self {
        Self {
            attribute,
            by_value: HashMap::default(),
            without_value: None,
            empty: Tally::new(model),
        }
    }

    pub fn attribute(&self) -> &AttributeId {
        &self.attribute
    }

    /// Adds a respondent with their value of the attribute (`None` if they
    /// gave none).
    pub fn add(&mut self, value: Option<&str>, answers: &[Option<Answer>]) {
        let tally = match value {
            None => self.without_value.get_or_insert_with(|| self.empty.clone()),
            Some(value) => match self.by_value.get_mut(value) {
                Some(tally) => tally,
                None => self
                    .by_value
                    .entry(value.to_owned())
                    .or_insert_with(|| self.empty.clone()),
            },
        };
        tally.add(answers);
    }

    /// Everyone in the breakdown, with a value or without: the tally of the
    /// whole set, so that a reader who breaks a set down need not tally
    /// each respondent twice.
    pub fn total(&self) -> Tally {
        let mut total = self.empty.clone();
        for tally in self.by_value.values().chain(&self.without_value) {
            total.merge(tally);
        }
        total
    }

    /// The groups in the order results list them: declared values in
    /// their declared order, other values in plain string order, and
    /// respondents without a value last.
    pub fn ordered(&self, model: &Model) -> Vec<(Option<&str>, &Tally)> {
        let declared = model
            .attribute(self.attribute.as_str())
            .and_then(|a| a.values.as_ref());
        let mut ordered: Vec<(Option<&str>, &Tally)> = self
            .by_value
            .iter()
            .map(|(value, tally)| (Some(value.as_str()), tally))
            .collect();
        let position = |value: &str| {
            declared
                .and_then(|values| values.iter().position(|v| v == value))
                .unwrap_or(usize::MAX)
        };
        ordered.sort_by(|(a, _), (b, _)| {
            let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
            position(a).cmp(&position(b)).then_with(|| a.cmp(b))
        });
        if let Some(tally) = &self.without_value {
            ordered.push((None, tally));
        }
        ordered
    }

    /// Which groups the privacy policy hides (docs/privacy.md, rule P4),
    /// in the order of [`GroupTallies::ordered`].
    pub(crate) fn hidden(&self, model: &Model, policy: Policy) -> Vec<Option<HiddenBecause>> {
        let sizes: Vec<u64> = self
            .ordered(model)
            .iter()
            .map(|(_, t)| t.answering)
            .collect();
        policy.hidden_groups_because(&sizes, 0)
    }

    /// Adds the groups of another breakdown by the same attribute.
    pub fn merge(&mut self, other: GroupTallies) {
        assert_eq!(
            self.attribute, other.attribute,
            "breakdowns by one attribute"
        );
        for (value, tally) in other.by_value {
            match self.by_value.get_mut(&value) {
                Some(mine) => mine.merge(&tally),
                None => {
                    self.by_value.insert(value, tally);
                }
            }
        }
        if let Some(tally) = other.without_value {
            match &mut self.without_value {
                Some(mine) => mine.merge(&tally),
                None => self.without_value = Some(tally),
            }
        }
    }
}

/// Scores one set of respondents as it is: the consultant's own sheet.
pub fn score(model: &Model, tally: &Tally) -> Results {
    results(model, tally, evaluate(model, tally, None))
}

/// Scores a set of respondents under the privacy policy's item rule
/// (docs/privacy.md, rule P3): what the platform shows of a released set.
/// Whether the set may be shown at all is the caller's question
/// ([`Policy::may_show`]).
pub fn score_shown(model: &Model, tally: &Tally, policy: Policy) -> Results {
    let mut results = results(model, tally, evaluate(model, tally, Some(policy)));
    results.anonymity_min = Some(policy.minimum());
    results
}

fn results(model: &Model, tally: &Tally, evaluation: Evaluation) -> Results {
    Results {
        model: ModelRef {
            id: model.id().clone(),
            version: model.version().to_owned(),
        },
        respondents: tally.respondents,
        threshold: model.scoring().threshold.get(),
        aggregate: model.scoring().aggregate,
        uncertainty: None,
        overall: evaluation.overall,
        common_language: evaluation.common_language,
        areas: evaluation.areas,
        items: evaluation.items,
        groups: None,
        anonymity_min: None,
    }
}

/// Adds the breakdown by one attribute to scored results: each group is
/// scored under the privacy policy's group and item rules (docs/privacy.md,
/// rules P3 and P4), and hidden groups carry only their size.
pub fn score_grouped(
    model: &Model,
    mut results: Results,
    groups: &GroupTallies,
    policy: Policy,
) -> Results {
    let ordered = groups.ordered(model);
    let hidden = groups.hidden(model, policy);
    let group_results = ordered
        .into_iter()
        .zip(hidden)
        .map(|((value, tally), hidden_because)| {
            let suppressed = hidden_because.is_some();
            let shown = (!suppressed).then(|| evaluate(model, tally, Some(policy)));
            GroupResult {
                attribute: groups.attribute.clone(),
                value: value.map(str::to_owned),
                respondents: tally.respondents,
                suppressed,
                hidden_because,
                overall: shown.as_ref().map(|e| e.overall),
                common_language: shown.as_ref().and_then(|e| e.common_language),
                areas: shown.map(|e| e.areas),
            }
        })
        .collect();
    results.groups = Some(group_results);
    results.anonymity_min = Some(policy.minimum());
    results
}

pub(crate) struct Evaluation {
    pub(crate) overall: OverallResult,
    pub(crate) common_language: Option<f64>,
    pub(crate) areas: Vec<AreaResult>,
    pub(crate) items: Vec<ItemResult>,
}

/// Scores a tally; with a policy, items answered by too few are left out
/// as if unanswered (rule P3), so that nothing derived from them, the
/// stage fulfilment, consensus or the gap, can give them away.
pub(crate) fn evaluate(model: &Model, tally: &Tally, policy: Option<Policy>) -> Evaluation {
    let points = model.scale().points;
    let aggregate = model.scoring().aggregate;
    let items: Vec<ItemResult> = model
        .items()
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let histogram = tally.histogram(index);
            let answered: u64 = histogram.iter().sum();
            let suppressed =
                answered > 0 && policy.is_some_and(|policy| !policy.item_shown(answered));
            ItemResult {
                id: item.id.clone(),
                area: item.area.clone(),
                stage: item.stage,
                answered,
                fulfilment: (!suppressed)
                    .then(|| item_fulfilment(histogram, points, aggregate))
                    .flatten(),
                rwg: (!suppressed)
                    .then(|| agreement(histogram, points))
                    .flatten(),
                suppressed,
                fulfilment_interval: None,
            }
        })
        .collect();

    let areas: Vec<AreaResult> = model
        .areas()
        .iter()
        .map(|area| area_result(model, &area.id, &items))
        .collect();

    // Rule 6: the weakest area holds the organisation back.
    let overall = areas
        .iter()
        .map(|area| OverallResult {
            stage: area.stage,
            score: area.score,
            score_interval: None,
        })
        .min_by(|a, b| a.score.total_cmp(&b.score))
        .unwrap_or(OverallResult {
            stage: StageLevel::new(1).expect("1 is a stage"),
            score: 1.0,
            score_interval: None,
        });
    let common_language = mean_of_defined(items.iter().map(|item| item.rwg));
    Evaluation {
        overall,
        common_language,
        areas,
        items,
    }
}

/// Rules 3, 4, 5, 7 (per area) and 8 for one area, from its items'
/// fulfilments: shared by scoring and by the roadmap's projections.
pub(crate) fn area_result(model: &Model, area: &AreaId, items: &[ItemResult]) -> AreaResult {
    let threshold = model.scoring().threshold.get();
    let top = model.top_stage();
    let fulfilment = StageFulfilment(
        model
            .stages()
            .iter()
            .skip(1)
            .map(|stage| {
                let members = model
                    .item_indices(area, stage.level)
                    .map(|i| (model.items()[i].weight.get(), items[i].fulfilment));
                (stage.level, stage_fulfilment(members))
            })
            .collect(),
    );
    let stage = area_stage(&fulfilment, threshold, top);
    let next = (stage < top).then(|| stage.next());
    let score = area_score(stage, next.and_then(|n| fulfilment.get(n)), threshold);
    let area_items = items.iter().filter(|item| &item.area == area);
    let consensus = mean_of_defined(area_items.map(|item| item.rwg));
    let gap = next.map(|next_stage| Gap {
        next_stage,
        fulfilment: fulfilment.get(next_stage),
        min_items: fewest_items(model, area, next_stage, items),
    });
    AreaResult {
        id: area.clone(),
        stage,
        score,
        fulfilment,
        consensus,
        gap,
        score_interval: None,
        fulfilment_interval: None,
        stage_probability: None,
    }
}

/// Rule 8 for one stage of an area: the fewest of its items that, fully in
/// place, bring it to the threshold.
pub(crate) fn fewest_items(
    model: &Model,
    area: &AreaId,
    stage: StageLevel,
    items: &[ItemResult],
) -> Vec<ItemId> {
    let candidates: Vec<(&ItemId, f64, f64)> = model
        .item_indices(area, stage)
        .filter_map(|i| {
            items[i]
                .fulfilment
                .map(|f| (&items[i].id, model.items()[i].weight.get(), f))
        })
        .collect();
    fewest_items_to_reach(candidates, model.scoring().threshold.get())
}

/// Rules 1 and 2: the mean or median of v = (answer − 1) / (A − 1) over
/// those who answered; `None` if nobody did.
pub(crate) fn item_fulfilment(histogram: &[u64], points: u8, aggregate: Aggregate) -> Option<f64> {
    let answered: u64 = histogram.iter().sum();
    if answered == 0 {
        return None;
    }
    let span = f64::from(points - 1);
    match aggregate {
        Aggregate::Mean => {
            let steps: u64 = histogram
                .iter()
                .enumerate()
                .map(|(k, count)| k as u64 * count)
                .sum();
            Some(steps as f64 / answered as f64 / span)
        }
        Aggregate::Median => {
            let lower = nth_answer_step(histogram, (answered - 1) / 2);
            let upper = nth_answer_step(histogram, answered / 2);
            Some((lower as f64 / span + upper as f64 / span) / 2.0)
        }
    }
}

/// The step (answer − 1) of the answer at a 0-based position in sorted
/// order.
fn nth_answer_step(histogram: &[u64], position: u64) -> usize {
    let mut seen = 0;
    for (step, count) in histogram.iter().enumerate() {
        seen += count;
        if position < seen {
            return step;
        }
    }
    unreachable!("the position is below the number of answers")
}

/// Rule 7: r_wg = max(0, 1 − s² / σ²) with σ² = (A² − 1) / 12, the variance
/// of a uniform answer; `None` below two answers.
pub(crate) fn agreement(histogram: &[u64], points: u8) -> Option<f64> {
    let answered: u64 = histogram.iter().sum();
    if answered < 2 {
        return None;
    }
    let n = answered as f64;
    let mean = histogram
        .iter()
        .enumerate()
        .map(|(k, c)| (k + 1) as f64 * *c as f64)
        .sum::<f64>()
        / n;
    let squares: f64 = histogram
        .iter()
        .enumerate()
        .map(|(k, c)| *c as f64 * ((k + 1) as f64 - mean).powi(2))
        .sum();
    let sample_variance = squares / (n - 1.0);
    let uniform_variance = (f64::from(points).powi(2) - 1.0) / 12.0;
    Some((1.0 - sample_variance / uniform_variance).max(0.0))
}

/// Rule 3: the weighted mean of the defined item fulfilments.
pub(crate) fn stage_fulfilment(members: impl Iterator<Item = (f64, Option<f64>)>) -> Option<f64> {
    let (weighted, weights) = members
        .filter_map(|(weight, fulfilment)| fulfilment.map(|f| (weight * f, weight)))
        .fold((0.0, 0.0), |(sum, total), (wf, w)| (sum + wf, total + w));
    (weights > 0.0).then(|| weighted / weights)
}

/// Fulfilments are reached through sums of thirds, fifths and weights that
/// binary floating point cannot hold exactly, so a stage whose fulfilment is
/// exactly the threshold in exact arithmetic can compute as a hair below it.
/// Comparisons with the threshold allow this much slack (docs/scoring.md,
/// rule 4).
pub const THRESHOLD_TOLERANCE: f64 = 1e-9;

/// Whether a stage fulfilment meets the threshold (rule 4).
pub fn meets_threshold(fulfilment: f64, threshold: f64) -> bool {
    fulfilment >= threshold - THRESHOLD_TOLERANCE
}

/// Rule 4: climb while each next stage is defined and at the threshold.
fn area_stage(fulfilment: &StageFulfilment, threshold: f64, top: StageLevel) -> StageLevel {
    let mut stage = StageLevel::new(1).expect("1 is a stage");
    while stage < top {
        match fulfilment.get(stage.next()) {
            Some(f) if meets_threshold(f, threshold) => stage = stage.next(),
            _ => break,
        }
    }
    stage
}

/// Rule 5: the stage plus the progress towards the next one. The result is
/// kept below the next whole number, since its floor must be the stage even
/// when rounding would carry it over.
fn area_score(stage: StageLevel, next_fulfilment: Option<f64>, threshold: f64) -> f64 {
    let base = f64::from(stage.get());
    let progress = next_fulfilment.map_or(0.0, |f| (f / threshold).min(1.0));
    let ceiling = f64::from_bits((base + 1.0).to_bits() - 1);
    (base + progress).min(ceiling)
}

/// Rule 8: raise the items that add most, weight × (1 − f), to full
/// fulfilment until the stage reaches the threshold.
fn fewest_items_to_reach(mut candidates: Vec<(&ItemId, f64, f64)>, threshold: f64) -> Vec<ItemId> {
    candidates.sort_by(|(id_a, weight_a, f_a), (id_b, weight_b, f_b)| {
        (weight_b * (1.0 - f_b))
            .total_cmp(&(weight_a * (1.0 - f_a)))
            .then_with(|| id_a.cmp(id_b))
    });
    let mut raised = Vec::new();
    for count in 0..=candidates.len() {
        let members = candidates
            .iter()
            .enumerate()
            .map(|(index, (_, weight, f))| (*weight, Some(if index < count { 1.0 } else { *f })));
        match stage_fulfilment(members) {
            None => return Vec::new(),
            Some(f) if meets_threshold(f, threshold) => return raised,
            Some(_) => {}
        }
        if let Some((id, _, _)) = candidates.get(count) {
            raised.push((*id).clone());
        }
    }
    Vec::new()
}

fn mean_of_defined(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, count) = values
        .flatten()
        .fold((0.0, 0u64), |(sum, count), v| (sum + v, count + 1));
    (count > 0).then(|| sum / count as f64)
}
