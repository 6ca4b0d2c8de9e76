//! Rasch calibration by conditional maximum likelihood (CML): the
//! dichotomous Rasch model, the rating scale model (RSM) and the partial
//! credit model (PCM), with person measures, item fit and reliability.
//!
//! Why CML: conditioning on each respondent's raw score removes the person
//! parameters from the likelihood, so the item estimates are consistent
//! without assumptions about the population, and they are what eRm
//! computes. The conditional likelihood needs the elementary symmetric
//! functions (ESF) of the items a respondent answered; respondents who
//! answered the same set of items share them, so the data are first folded
//! into *patterns* (answered-item sets) and *score groups* (pattern × raw
//! score). Complete data is one pattern whatever the sample size, which
//! makes a million respondents as cheap as a thousand. With scattered
//! missing answers nearly every respondent has a pattern of their own; the
//! cost is then one ESF pass per respondent and iteration, so the estimate
//! first converges on a subsample and finishes on all the data.
//!
//! Parameters are PCM thresholds δ_ih (item i, step h = 1..m_i): the
//! probability of category k is proportional to exp(kθ − Σ_{h≤k} δ_ih).
//! The dichotomous model is the PCM with one step; the RSM constrains
//! δ_ih = b_i + τ_h with Σ τ_h = 0. Item locations (the mean of an item's
//! thresholds) are centred at 0; higher means harder to have in place.
//!
//! Missing answers are left out: a respondent's likelihood involves only
//! the items they answered. Respondents whose raw score is the minimum or
//! the maximum possible on their items carry no information on the items
//! under CML; they are counted and reported, and left out of item
//! estimation, fit and reliability.

use serde::Serialize;

use crate::classical::AnswerMatrix;

/// The measurement model to calibrate with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The dichotomous Rasch model; needs a 2-point scale.
    Rasch,
    /// Andrich's rating scale model: one set of thresholds for all items.
    Rsm,
    /// Masters' partial credit model: thresholds per item.
    Pcm,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        match text {
            "rasch" => Some(Method::Rasch),
            "rsm" => Some(Method::Rsm),
            "pcm" => Some(Method::Pcm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Rasch => "rasch",
            Method::Rsm => "rsm",
            Method::Pcm => "pcm",
        }
    }

    /// The default for a scale: Rasch for 2 points, PCM above.
    pub fn default_for(points: u8) -> Method {
        if points <= 2 {
            Method::Rasch
        } else {
            Method::Pcm
        }
    }
}

/// Why a calibration could not be computed. Items are named by their
/// column index; callers translate to item ids.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RaschError {
    #[error(
        "the dichotomous Rasch model needs a 2-point scale; this scale has {points} points (use --method pcm or rsm)"
    )]
    NotDichotomous { points: u8 },
    #[error("calibration needs at least 2 respondents with answers; there are {respondents}")]
    TooFewRespondents { respondents: usize },
    #[error(
        "only {usable} of {respondents} respondents have a score between the minimum and the maximum; calibration needs at least 2"
    )]
    TooFewUsable { respondents: usize, usable: usize },
    #[error("nobody answered item {item}")]
    NoAnswers { item: usize },
    #[error(
        "item {item}: every answer from respondents not at the minimum or the maximum is {value}, so its location cannot be estimated"
    )]
    OneValueAmongUsable { item: usize, value: u8 },
    #[error(
        "answer {value} was chosen only by respondents whose answers are all at the minimum or all at the maximum, so the shared threshold cannot be estimated"
    )]
    SharedValueOnlyExtremes { value: u8 },
    #[error(
        "item {item}: no respondent who answered it also answered another item, so it cannot be located"
    )]
    NoInformation { item: usize },
    #[error(
        "{items} items of these scales are more than calibration supports (its sums would exceed the range of floating point); calibrate the areas separately"
    )]
    TooManyItems { items: usize },
    #[error("item {item} has no variance: every answer is {value}")]
    NoVariance { item: usize, value: u8 },
    #[error(
        "item {item}: answer {value} was chosen only by respondents whose answers are all at the minimum or all at the maximum, so its threshold cannot be estimated"
    )]
    OnlyExtremes { item: usize, value: u8 },
    #[error(
        "the estimation did not converge in {iterations} iterations (largest change {largest_change:.2e} logits); the data may be too sparse or follow a Guttman pattern"
    )]
    NotConverged {
        iterations: usize,
        largest_change: f64,
    },
    #[error(
        "the estimates diverged (item {item} went past ±{limit} logits); some answer pattern makes a threshold infinite"
    )]
    Diverged { item: usize, limit: f64 },
}

/// How far along a calibration is, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// An iteration of the item estimation finished; `largest_change` is
    /// the largest parameter change in logits.
    Iteration {
        iteration: usize,
        largest_change: f64,
        subsample: bool,
    },
    PersonMeasures,
    Fit,
}

/// The calibration of one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemEstimate {
    /// Mean of the thresholds; centred at 0 over the items.
    pub location: f64,
    pub se: f64,
    /// The item's thresholds, in logits, one per step between answer
    /// values the item observed; empty for the dichotomous model.
    pub thresholds: Vec<f64>,
    /// The answer values (1-based, as in the sheet) the item's categories
    /// stand for; unobserved values are collapsed.
    pub categories: Vec<u8>,
    pub infit: Option<f64>,
    pub outfit: Option<f64>,
    /// Answers that entered the fit statistics.
    pub fit_answers: usize,
}

/// The person side of a calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonSummary {
    /// Respondents with at least one answer.
    pub n: usize,
    pub extreme_minimum: usize,
    pub extreme_maximum: usize,
    /// Person separation reliability over the non-extreme respondents:
    /// (observed variance − mean error variance) / observed variance.
    pub separation_reliability: Option<f64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}

/// A calibration's result.
#[derive(Debug, Clone, PartialEq)]
pub struct RaschFit {
    pub method: Method,
    pub items: Vec<ItemEstimate>,
    pub persons: PersonSummary,
    /// Person measures (maximum likelihood; extreme scores at 0.3 score
    /// points from the end), one per respondent with answers, for the
    /// item-person map. No respondent ids: only the distribution.
    pub person_measures: Vec<f64>,
    pub iterations: usize,
}

/// Options of [`calibrate_rasch`].
#[derive(Debug, Clone)]
pub struct RaschOptions {
    pub method: Method,
    /// The scale's number of points; answers are 1..=points.
    pub points: u8,
    /// Worker threads for the heavy passes; the caller decides.
    pub threads: usize,
    /// Convergence: the largest parameter change of an iteration, in
    /// logits. Each iteration shrinks the remaining error to about a sixth,
    /// so stopping below 1e-4 leaves an error near 2e-5 logits, far below
    /// any standard error.
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl RaschOptions {
    pub fn new(method: Method, points: u8) -> Self {
        RaschOptions {
            method,
            points,
            threads: 1,
            tolerance: 1e-4,
            max_iterations: 500,
        }
    }
}

/// Past this many patterns the estimate first converges on a subsample.
const SUBSAMPLE_PATTERNS: usize = 40_000;
/// Thresholds beyond this are taken as diverging to infinity.
const DIVERGENCE_LIMIT: f64 = 40.0;
/// Newton steps are capped so that a poor start cannot overshoot.
const MAX_STEP: f64 = 1.0;
/// Extreme scores are placed at this many score points from the end on
/// the person map, as Winsteps does by default.
const EXTREME_SCORE_ADJUSTMENT: f64 = 0.3;

/// Calibrates the respondents `rows` of `matrix` (all when `None`).
pub fn calibrate_rasch(
    matrix: &AnswerMatrix,
    rows: Option<&[usize]>,
    options: &RaschOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<RaschFit, RaschError> {
    if options.method == Method::Rasch && options.points != 2 {
        return Err(RaschError::NotDichotomous {
            points: options.points,
        });
    }
    let all_rows: Vec<usize>;
    let rows = match rows {
        Some(rows) => rows,
        None => {
            all_rows = (0..matrix.respondents()).collect();
            &all_rows
        }
    };
    let coding = Coding::new(matrix, rows, options)?;
    // The ESF of all items grows like Π (m_i + 1); past e^600 it would
    // overflow f64 (see `Parameters::category_weights`).
    let growth: f64 = coding.steps.iter().map(|m| ((m + 1) as f64).ln()).sum();
    if growth > 600.0 {
        return Err(RaschError::TooManyItems {
            items: coding.items,
        });
    }
    let data = Prepared::new(matrix, rows, &coding, options.threads);
    data.check(&coding, options.method, rows.len())?;

    let mut parameters = Parameters::start(&coding, &data, options.method);
    let mut iterations = 0;
    if data.patterns() > SUBSAMPLE_PATTERNS {
        let stride = data.patterns().div_ceil(SUBSAMPLE_PATTERNS / 2);
        let sample: Vec<usize> = rows.iter().copied().step_by(stride).collect();
        let sample_data = Prepared::new(matrix, &sample, &coding, options.threads);
        // A subsample may lack a category that the whole sample has; the
        // whole-data iterations then start from the crude estimates.
        if sample_data
            .check(&coding, options.method, sample.len())
            .is_ok()
        {
            let mut sample_parameters = parameters.clone();
            // The whole data refines the estimate, so the subsample need
            // only get close.
            let sample_options = RaschOptions {
                tolerance: options.tolerance.max(1e-3),
                ..options.clone()
            };
            if let Ok((count, _)) = iterate(
                &sample_data,
                &coding,
                &mut sample_parameters,
                &sample_options,
                true,
                progress,
            ) {
                iterations += count;
                parameters = sample_parameters;
            }
        }
    }
    let (count, accumulated) = iterate(&data, &coding, &mut parameters, options, false, progress)?;
    iterations += count;

    let standard_errors: Vec<f64> = (0..coding.items)
        .map(|item| location_se(&accumulated, &coding, item, options.method))
        .collect();
    if let Some(item) = standard_errors
        .iter()
        .position(|se| !(se.is_finite() && *se > 0.0))
    {
        return Err(RaschError::NoInformation { item });
    }
    progress(Progress::PersonMeasures);
    let measures = person_measures(&data, &coding, &parameters, options.threads);
    progress(Progress::Fit);
    let fit = item_fit(
        matrix,
        rows,
        &data,
        &coding,
        &parameters,
        &measures,
        options,
    );

    let items = (0..coding.items)
        .map(|item| {
            let thresholds = parameters.thresholds(item).to_vec();
            let location = thresholds.iter().sum::<f64>() / thresholds.len() as f64;
            let se = standard_errors[item];
            ItemEstimate {
                location,
                se,
                thresholds: if coding.steps[item] > 1 || options.method != Method::Rasch {
                    thresholds
                } else {
                    Vec::new()
                },
                categories: coding.values[item].clone(),
                infit: fit[item].infit(),
                outfit: fit[item].outfit(),
                fit_answers: fit[item].answers,
            }
        })
        .collect();
    Ok(RaschFit {
        method: options.method,
        items,
        persons: measures.summary(&data),
        person_measures: measures.map_measures(&data),
        iterations,
    })
}

/// How answer values map to categories 0..=m_i per item.
struct Coding {
    items: usize,
    /// `code[item * (points + 1) + value]`: the category, or `NONE`.
    code: Vec<u8>,
    points: usize,
    /// Number of steps (categories − 1) per item.
    steps: Vec<usize>,
    /// First threshold of each item in flat threshold vectors.
    offsets: Vec<usize>,
    /// The answer values each item's categories stand for.
    values: Vec<Vec<u8>>,
}

const NONE: u8 = u8::MAX;

impl Coding {
    /// Collapses unobserved answer values: per item for the PCM and the
    /// Rasch model, over all items for the RSM, which shares thresholds.
    fn new(
        matrix: &AnswerMatrix,
        rows: &[usize],
        options: &RaschOptions,
    ) -> Result<Self, RaschError> {
        let items = matrix.items();
        let points = usize::from(options.points);
        let mut seen = vec![false; items * (points + 1)];
        let mut respondents = 0;
        for &row in rows {
            let mut answered = false;
            for (item, &value) in matrix.row(row).iter().enumerate() {
                if value != 0 {
                    seen[item * (points + 1) + usize::from(value)] = true;
                    answered = true;
                }
            }
            respondents += usize::from(answered);
        }
        // Too few respondents is the first thing to say: every item
        // problem follows from it.
        if respondents < 2 {
            return Err(RaschError::TooFewRespondents { respondents });
        }
        let mut shared = vec![false; points + 1];
        for item in 0..items {
            let observed: Vec<u8> = (1..=points as u8)
                .filter(|v| seen[item * (points + 1) + usize::from(*v)])
                .collect();
            match observed.len() {
                0 => return Err(RaschError::NoAnswers { item }),
                1 => {
                    return Err(RaschError::NoVariance {
                        item,
                        value: observed[0],
                    });
                }
                _ => {}
            }
            for v in observed {
                shared[usize::from(v)] = true;
            }
        }
        let mut code = vec![NONE; items * (points + 1)];
        let mut values = Vec::with_capacity(items);
        for item in 0..items {
            let used: Vec<u8> = (1..=points as u8)
                .filter(|v| {
                    if options.method == Method::Rsm {
                        shared[usize::from(*v)]
                    } else {
                        seen[item * (points + 1) + usize::from(*v)]
                    }
                })
                .collect();
            for (category, value) in used.iter().enumerate() {
                code[item * (points + 1) + usize::from(*value)] = category as u8;
            }
            values.push(used);
        }
        let steps: Vec<usize> = values.iter().map(|v| v.len() - 1).collect();
        let offsets = steps
            .iter()
            .scan(0, |next, steps| {
                let offset = *next;
                *next += steps;
                Some(offset)
            })
            .collect();
        Ok(Coding {
            items,
            code,
            points,
            steps,
            offsets,
            values,
        })
    }

    fn category(&self, item: usize, value: u8) -> u8 {
        self.code[item * (self.points + 1) + usize::from(value)]
    }

    fn thresholds(&self) -> usize {
        self.steps.iter().sum()
    }
}

/// The data folded into patterns and score groups.
struct Prepared {
    /// Items of pattern p: `pattern_items[pattern_start[p]..pattern_start[p + 1]]`.
    pattern_items: Vec<u16>,
    pattern_start: Vec<usize>,
    /// Score groups of pattern p (non-extreme and extreme alike):
    /// `groups[group_start[p]..group_start[p + 1]]`, sorted by score.
    groups: Vec<ScoreGroup>,
    group_start: Vec<usize>,
    /// The group of each respondent in `rows` order; `None` without answers.
    person_group: Vec<Option<u32>>,
    /// Observed count of answers at or above each step (non-extreme only).
    observed: Vec<f64>,
    /// Answers per item from non-extreme respondents.
    answered: Vec<f64>,
    /// Non-extreme respondents with more than one answer.
    usable: usize,
}

#[derive(Debug, Clone, Copy)]
struct ScoreGroup {
    score: u16,
    count: u32,
    /// 0 for non-extreme, -1 for the minimum score, 1 for the maximum.
    extreme: i8,
}

/// Fills each row's answered-item mask and raw score (`u16::MAX` for a
/// row without answers) and counts answers at or above each step.
fn scan_rows(
    matrix: &AnswerMatrix,
    rows: &[usize],
    coding: &Coding,
    masks: &mut [u64],
    scores: &mut [u16],
) -> Vec<u64> {
    let words = coding.items.div_ceil(64);
    let mut at_or_above = vec![0u64; coding.thresholds()];
    for ((row, mask), score_slot) in rows.iter().zip(masks.chunks_mut(words)).zip(scores) {
        let mut score = 0usize;
        let mut answered = false;
        for (item, &value) in matrix.row(*row).iter().enumerate() {
            if value != 0 {
                answered = true;
                mask[item / 64] |= 1 << (item % 64);
                let category = usize::from(coding.category(item, value));
                score += category;
                let offset = coding.offsets[item];
                for count in &mut at_or_above[offset..offset + category] {
                    *count += 1;
                }
            }
        }
        *score_slot = if answered { score as u16 } else { u16::MAX };
    }
    at_or_above
}

impl Prepared {
    fn new(matrix: &AnswerMatrix, rows: &[usize], coding: &Coding, threads: usize) -> Self {
        let words = coding.items.div_ceil(64);
        let mut masks = vec![0u64; rows.len() * words];
        let mut scores = vec![0u16; rows.len()];
        // Answers at or above each step, over all respondents; those of
        // respondents at the maximum are taken off below (respondents at
        // the minimum have none).
        let mut at_or_above = vec![0u64; coding.thresholds()];
        let threads = if rows.len() < 100_000 {
            1
        } else {
            threads.clamp(1, 16)
        };
        let chunk = rows.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(chunk)
                .zip(masks.chunks_mut(chunk * words))
                .zip(scores.chunks_mut(chunk))
                .map(|((rows, masks), scores)| {
                    scope.spawn(move || scan_rows(matrix, rows, coding, masks, scores))
                })
                .collect();
            for handle in handles {
                let counts = handle.join().expect("a scanning thread panicked");
                for (total, count) in at_or_above.iter_mut().zip(counts) {
                    *total += count;
                }
            }
        });
        let mut order: Vec<u32> = (0..rows.len() as u32)
            .filter(|p| scores[*p as usize] != u16::MAX)
            .collect();
        // Sorting by (pattern, score) gathers patterns and, within them,
        // score groups, in one pass and without a hash table.
        let mask_of = |position: u32| {
            let start = position as usize * words;
            &masks[start..start + words]
        };
        order.sort_unstable_by(|a, b| {
            mask_of(*a)
                .cmp(mask_of(*b))
                .then(scores[*a as usize].cmp(&scores[*b as usize]))
        });
        let mut pattern_items = Vec::new();
        let mut pattern_start = vec![0];
        let mut groups: Vec<ScoreGroup> = Vec::new();
        let mut group_start = vec![0];
        let mut person_group = vec![None; rows.len()];
        let mut maximum = 0;
        for (index, &position) in order.iter().enumerate() {
            let score = scores[position as usize];
            let new_pattern = index == 0 || mask_of(order[index - 1]) != mask_of(position);
            if new_pattern {
                if index > 0 {
                    pattern_start.push(pattern_items.len());
                    group_start.push(groups.len());
                }
                maximum = 0;
                for (word_index, word) in mask_of(position).iter().enumerate() {
                    let mut bits = *word;
                    while bits != 0 {
                        let item = word_index * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        pattern_items.push(item as u16);
                        maximum += coding.steps[item];
                    }
                }
            }
            if new_pattern || groups.last().is_none_or(|g| g.score != score) {
                let extreme = if score == 0 {
                    -1
                } else if usize::from(score) == maximum {
                    1
                } else {
                    0
                };
                groups.push(ScoreGroup {
                    score,
                    count: 0,
                    extreme,
                });
            }
            let group = groups.len() - 1;
            groups[group].count += 1;
            person_group[position as usize] = Some(group as u32);
        }
        if !order.is_empty() {
            pattern_start.push(pattern_items.len());
            group_start.push(groups.len());
        }
        drop(masks);
        let mut usable = 0;
        let mut answered = vec![0.0; coding.items];
        for pattern in 0..pattern_start.len() - 1 {
            let items = &pattern_items[pattern_start[pattern]..pattern_start[pattern + 1]];
            for group in &groups[group_start[pattern]..group_start[pattern + 1]] {
                if group.extreme == 0 {
                    for &item in items {
                        answered[usize::from(item)] += f64::from(group.count);
                    }
                }
                match group.extreme {
                    // One answer is fixed by its own score: no information.
                    0 if items.len() >= 2 => usable += group.count as usize,
                    1 => {
                        for &item in items {
                            let item = usize::from(item);
                            for step in 0..coding.steps[item] {
                                at_or_above[coding.offsets[item] + step] -= u64::from(group.count);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let observed = at_or_above.iter().map(|c| *c as f64).collect();
        Prepared {
            pattern_items,
            pattern_start,
            groups,
            group_start,
            person_group,
            observed,
            answered,
            usable,
        }
    }

    fn patterns(&self) -> usize {
        self.pattern_start.len() - 1
    }

    fn items_of(&self, pattern: usize) -> &[u16] {
        &self.pattern_items[self.pattern_start[pattern]..self.pattern_start[pattern + 1]]
    }

    fn groups_of(&self, pattern: usize) -> &[ScoreGroup] {
        &self.groups[self.group_start[pattern]..self.group_start[pattern + 1]]
    }

    fn pattern_of_group(&self, group: usize) -> usize {
        self.group_start.partition_point(|start| *start <= group) - 1
    }

    /// Every category an item uses needs answers from respondents who are
    /// not extreme, or a threshold is infinite. The RSM shares its
    /// thresholds, so there each category needs answers on some item, and
    /// each item needs answers in two categories.
    fn check(&self, coding: &Coding, method: Method, respondents: usize) -> Result<(), RaschError> {
        if self.usable < 2 {
            return Err(RaschError::TooFewUsable {
                respondents,
                usable: self.usable,
            });
        }
        let mut shared = vec![0.0; coding.steps.iter().max().map_or(0, |m| m + 1)];
        for (item, answered) in self.answered.iter().enumerate() {
            let counts = self.category_counts(coding, item, *answered);
            if method == Method::Rsm {
                for (k, count) in counts.iter().enumerate() {
                    shared[k] += count;
                }
                if counts.iter().filter(|c| **c > 0.0).count() < 2 {
                    let value = counts
                        .iter()
                        .position(|c| *c > 0.0)
                        .map_or(coding.values[item][0], |k| coding.values[item][k]);
                    return Err(RaschError::OneValueAmongUsable { item, value });
                }
            } else if let Some(k) = counts.iter().position(|c| *c <= 0.0) {
                return Err(RaschError::OnlyExtremes {
                    item,
                    value: coding.values[item][k],
                });
            }
        }
        if let Some(k) = shared
            .iter()
            .position(|c| *c <= 0.0)
            .filter(|_| method == Method::Rsm)
        {
            return Err(RaschError::SharedValueOnlyExtremes {
                value: coding.values[0][k],
            });
        }
        Ok(())
    }

    /// Answers per category of an item from non-extreme respondents.
    fn category_counts(&self, coding: &Coding, item: usize, answered: f64) -> Vec<f64> {
        let offset = coding.offsets[item];
        let steps = coding.steps[item];
        (0..=steps)
            .map(|k| {
                let at_or_above = if k == 0 {
                    answered
                } else {
                    self.observed[offset + k - 1]
                };
                let above = if k == steps {
                    0.0
                } else {
                    self.observed[offset + k]
                };
                at_or_above - above
            })
            .collect()
    }
}

/// Item parameters: PCM thresholds, or RSM locations and shared steps.
#[derive(Debug, Clone)]
struct Parameters {
    method: Method,
    /// Flat thresholds δ_ih for every item and step.
    thresholds: Vec<f64>,
    offsets: Vec<usize>,
    steps: Vec<usize>,
    /// RSM only: item locations b_i and steps τ_h (Σ τ = 0).
    locations: Vec<f64>,
    taus: Vec<f64>,
}

impl Parameters {
    /// Crude start values from log odds of adjacent categories.
    fn start(coding: &Coding, data: &Prepared, method: Method) -> Self {
        let mut thresholds = vec![0.0; coding.thresholds()];
        for (item, answered) in data.answered.iter().enumerate() {
            let offset = coding.offsets[item];
            for step in 0..coding.steps[item] {
                let at_or_above = data.observed[offset + step].max(0.5);
                let below = (answered - data.observed[offset + step]).max(0.5);
                thresholds[offset + step] = (below / at_or_above).ln();
            }
        }
        let mut parameters = Parameters {
            method,
            thresholds,
            offsets: coding.offsets.clone(),
            steps: coding.steps.clone(),
            locations: Vec::new(),
            taus: Vec::new(),
        };
        if method == Method::Rsm {
            let steps = coding.steps[0];
            parameters.locations = (0..coding.items)
                .map(|item| parameters.thresholds(item).iter().sum::<f64>() / steps as f64)
                .collect();
            parameters.taus = (0..steps)
                .map(|step| {
                    (0..coding.items)
                        .map(|item| {
                            parameters.thresholds[coding.offsets[item] + step]
                                - parameters.locations[item]
                        })
                        .sum::<f64>()
                        / coding.items as f64
                })
                .collect();
            parameters.rsm_to_thresholds();
        }
        parameters.centre();
        parameters
    }

    fn thresholds(&self, item: usize) -> &[f64] {
        &self.thresholds[self.offsets[item]..self.offsets[item] + self.steps[item]]
    }

    fn rsm_to_thresholds(&mut self) {
        for item in 0..self.steps.len() {
            for step in 0..self.steps[item] {
                self.thresholds[self.offsets[item] + step] = self.locations[item] + self.taus[step];
            }
        }
    }

    /// Shifts every threshold so that the item locations average 0; the
    /// conditional likelihood does not change under a common shift.
    fn centre(&mut self) {
        let items = self.steps.len();
        let mean = (0..items)
            .map(|item| self.thresholds(item).iter().sum::<f64>() / self.steps[item] as f64)
            .sum::<f64>()
            / items as f64;
        for threshold in &mut self.thresholds {
            *threshold -= mean;
        }
        for location in &mut self.locations {
            *location -= mean;
        }
    }

    /// Category weights ε_ik = exp(−Σ_{h≤k} δ_ih), scaled per item so the
    /// largest is 1: the scale cancels in every conditional probability,
    /// and it keeps the ESF of 60 items well inside the range of f64.
    fn category_weights(&self) -> (Vec<f64>, Vec<usize>) {
        let mut weights = Vec::with_capacity(self.thresholds.len() + self.steps.len());
        let mut starts = Vec::with_capacity(self.steps.len());
        for item in 0..self.steps.len() {
            starts.push(weights.len());
            let mut logs = Vec::with_capacity(self.steps[item] + 1);
            let mut sum = 0.0;
            logs.push(0.0);
            for threshold in self.thresholds(item) {
                sum -= threshold;
                logs.push(sum);
            }
            let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            weights.extend(logs.iter().map(|l| (l - max).exp()));
        }
        (weights, starts)
    }
}

/// Expected counts and information from one pass over the score groups.
#[derive(Debug, Clone)]
struct Accumulated {
    /// Expected count of answers at or above each step.
    expected: Vec<f64>,
    /// Per item the m × m covariance of the at-or-above indicators,
    /// summed over respondents: the item's block of the information.
    information: Vec<f64>,
    information_start: Vec<usize>,
}

impl Accumulated {
    fn new(coding: &Coding) -> Self {
        let mut information_start = Vec::with_capacity(coding.items);
        let mut size = 0;
        for steps in &coding.steps {
            information_start.push(size);
            size += steps * steps;
        }
        Accumulated {
            expected: vec![0.0; coding.thresholds()],
            information: vec![0.0; size],
            information_start,
        }
    }

    fn merge(&mut self, other: &Accumulated) {
        for (a, b) in self.expected.iter_mut().zip(&other.expected) {
            *a += b;
        }
        for (a, b) in self.information.iter_mut().zip(&other.information) {
            *a += b;
        }
    }

    fn block(&self, item: usize, steps: usize) -> &[f64] {
        &self.information
            [self.information_start[item]..self.information_start[item] + steps * steps]
    }
}

/// Scratch space for one pattern's ESF computations, reused across
/// patterns to avoid allocation.
#[derive(Default)]
struct Scratch {
    suffix: Vec<f64>,
    suffix_start: Vec<usize>,
    suffix_len: Vec<usize>,
    forward: Vec<f64>,
    next: Vec<f64>,
    probabilities: Vec<f64>,
    at_least: Vec<f64>,
}

/// Adds the conditional expectations of the score groups of one pattern.
fn accumulate_pattern(
    items: &[u16],
    groups: &[ScoreGroup],
    weights: &[f64],
    weight_start: &[usize],
    coding: &Coding,
    scratch: &mut Scratch,
    accumulated: &mut Accumulated,
) {
    if groups.iter().all(|g| g.extreme != 0) {
        return;
    }
    let n = items.len();
    // Suffix ESFs: B_j over items j.., stored from B_n = [1] backwards.
    scratch.suffix.clear();
    scratch.suffix_start.clear();
    scratch.suffix_len.clear();
    scratch.suffix_start.resize(n + 1, 0);
    scratch.suffix_len.resize(n + 1, 0);
    scratch.suffix.push(1.0);
    scratch.suffix_start[n] = 0;
    scratch.suffix_len[n] = 1;
    for j in (0..n).rev() {
        let item = usize::from(items[j]);
        let steps = coding.steps[item];
        let weight = &weights[weight_start[item]..=weight_start[item] + steps];
        let previous_start = scratch.suffix_start[j + 1];
        let previous_len = scratch.suffix_len[j + 1];
        let start = scratch.suffix.len();
        let len = previous_len + steps;
        scratch.suffix.resize(start + len, 0.0);
        let (done, new) = scratch.suffix.split_at_mut(start);
        let previous = &done[previous_start..previous_start + previous_len];
        for (k, w) in weight.iter().enumerate() {
            for (s, p) in previous.iter().enumerate() {
                new[s + k] += w * p;
            }
        }
        scratch.suffix_start[j] = start;
        scratch.suffix_len[j] = len;
    }
    let gamma_start = scratch.suffix_start[0];
    scratch.forward.clear();
    scratch.forward.push(1.0);
    for (j, &item) in items.iter().enumerate() {
        let item = usize::from(item);
        let steps = coding.steps[item];
        let weight = &weights[weight_start[item]..=weight_start[item] + steps];
        let rest_start = scratch.suffix_start[j + 1];
        let rest = &scratch.suffix[rest_start..rest_start + scratch.suffix_len[j + 1]];
        let forward = &scratch.forward;
        let offset = coding.offsets[item];
        let block_start = accumulated.information_start[item];
        for group in groups.iter().filter(|g| g.extreme == 0) {
            let score = usize::from(group.score);
            let gamma = scratch.suffix[gamma_start + score];
            scratch.probabilities.clear();
            for (k, w) in weight.iter().enumerate() {
                let probability = if score < k {
                    0.0
                } else {
                    let s = score - k;
                    let low = s.saturating_sub(rest.len() - 1);
                    let high = s.min(forward.len() - 1);
                    let mut sum = 0.0;
                    if low <= high {
                        for t in low..=high {
                            sum += forward[t] * rest[s - t];
                        }
                    }
                    w * sum / gamma
                };
                scratch.probabilities.push(probability);
            }
            // At-or-above probabilities A_h for h = 1..=steps.
            scratch.at_least.clear();
            let mut tail = 0.0;
            for k in (1..=steps).rev() {
                tail += scratch.probabilities[k];
                scratch.at_least.push(tail);
            }
            scratch.at_least.reverse();
            let count = f64::from(group.count);
            for h in 0..steps {
                accumulated.expected[offset + h] += count * scratch.at_least[h];
                for g in 0..steps {
                    let both = scratch.at_least[h.max(g)];
                    accumulated.information[block_start + h * steps + g] +=
                        count * (both - scratch.at_least[h] * scratch.at_least[g]);
                }
            }
        }
        // F ← F ⊛ ε_item.
        scratch.next.clear();
        scratch.next.resize(scratch.forward.len() + steps, 0.0);
        for (k, w) in weight.iter().enumerate() {
            for (s, f) in scratch.forward.iter().enumerate() {
                scratch.next[s + k] += w * f;
            }
        }
        std::mem::swap(&mut scratch.forward, &mut scratch.next);
    }
}

/// One pass over all patterns, on `threads` threads. Dichotomous data
/// takes the fast path of [`DichotomousPass`].
fn accumulate(
    data: &Prepared,
    coding: &Coding,
    parameters: &Parameters,
    threads: usize,
) -> Accumulated {
    let fast = coding.steps.iter().all(|steps| *steps == 1);
    accumulate_with(data, coding, parameters, threads, fast)
}

fn accumulate_with(
    data: &Prepared,
    coding: &Coding,
    parameters: &Parameters,
    threads: usize,
    fast: bool,
) -> Accumulated {
    let (weights, weight_start) = parameters.category_weights();
    let dichotomous = fast.then(|| DichotomousPass::new(parameters));
    let patterns = data.patterns();
    let run = |range: std::ops::Range<usize>| {
        let mut accumulated = Accumulated::new(coding);
        let mut scratch = Scratch::default();
        let mut lanes = Lanes::default();
        for pattern in range {
            match &dichotomous {
                Some(pass) => pass.pattern(
                    data.items_of(pattern),
                    data.groups_of(pattern),
                    &mut lanes,
                    &mut accumulated,
                ),
                None => accumulate_pattern(
                    data.items_of(pattern),
                    data.groups_of(pattern),
                    &weights,
                    &weight_start,
                    coding,
                    &mut scratch,
                    &mut accumulated,
                ),
            }
        }
        accumulated
    };
    let threads = if patterns < 64 { 1 } else { threads };
    let mut parts = in_parallel(patterns, threads, run).into_iter();
    let mut total = parts.next().expect("at least one part");
    for part in parts {
        total.merge(&part);
    }
    total
}

/// Runs `run` over `threads` contiguous parts of `0..len` on scoped
/// threads and returns the parts' results in order; one part runs on the
/// calling thread.
pub(crate) fn in_parallel<T: Send>(
    len: usize,
    threads: usize,
    run: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    let threads = threads.clamp(1, len.max(1));
    if threads == 1 {
        return vec![run(0..len)];
    }
    let chunk = len.div_ceil(threads);
    let run = &run;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * chunk).min(len)..((t + 1) * chunk).min(len);
                scope.spawn(move || run(range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a calibration thread panicked"))
            .collect()
    })
}

/// The dichotomous fast path. Instead of building each pattern's ESF from
/// its items (quadratic in the number of items), it removes the pattern's
/// few missing items from the ESF of all items, and gets each answered
/// item's γ^(i)_{r−1} by the removal recursion
///   γ^(i)_k = γ_k − ε_i γ^(i)_{k−1}          (forward), or
///   γ^(i)_{k−1} = (γ_k − γ^(i)_k) / ε_i      (backward).
/// Each direction is exact; rounding errors grow forward by the factor
/// ε_i γ^(i)_{k−1} / γ^(i)_k per step and backward by its inverse. ESFs
/// are log-concave, so that factor rises with k: forward is stable below
/// the score where the item's conditional probability passes ½ and
/// backward above it, and each recursion is run only where it is stable.
/// The items of one score group run in lockstep, which vectorises.
struct DichotomousPass {
    /// ε_i = exp(−b_i) and its inverse, per item.
    weight: Vec<f64>,
    inverse: Vec<f64>,
    /// The ESF of all items.
    all: Vec<f64>,
}

/// Scratch space for the dichotomous pass.
#[derive(Default)]
struct Lanes {
    gamma: Vec<f64>,
    removed: Vec<f64>,
    missing: Vec<usize>,
    forward_items: Vec<usize>,
    forward_weight: Vec<f64>,
    forward_value: Vec<f64>,
    backward_items: Vec<usize>,
    backward_inverse: Vec<f64>,
    backward_value: Vec<f64>,
}

impl DichotomousPass {
    fn new(parameters: &Parameters) -> Self {
        let weight: Vec<f64> = parameters.thresholds.iter().map(|b| (-b).exp()).collect();
        let inverse = weight.iter().map(|w| 1.0 / w).collect();
        let mut all = vec![1.0];
        for w in &weight {
            all.push(0.0);
            for k in (1..all.len()).rev() {
                all[k] += w * all[k - 1];
            }
        }
        DichotomousPass {
            weight,
            inverse,
            all,
        }
    }

    /// Removes an item of weight `w` from the ESF `gamma` (length n + 1),
    /// writing the ESF of the other items (length n) to `out`.
    fn remove(gamma: &[f64], w: f64, out: &mut Vec<f64>) {
        let n = gamma.len() - 1;
        out.clear();
        out.resize(n, 0.0);
        // Forward while stable, that is while w γ'_{k−1} ≤ γ'_k for the
        // ESF γ' without the item.
        let mut k = 0;
        let mut previous = 0.0;
        while k < n {
            let value = gamma[k] - w * previous;
            if w * previous > value {
                break;
            }
            out[k] = value;
            previous = value;
            k += 1;
        }
        if k < n {
            // Backward from the top down to k.
            let inverse = 1.0 / w;
            let mut next = gamma[n] * inverse;
            out[n - 1] = next;
            for j in (k + 1..n).rev() {
                next = (gamma[j] - next) * inverse;
                out[j - 1] = next;
            }
        }
    }

    fn pattern(
        &self,
        items: &[u16],
        groups: &[ScoreGroup],
        lanes: &mut Lanes,
        accumulated: &mut Accumulated,
    ) {
        if groups.iter().all(|g| g.extreme != 0) {
            return;
        }
        let total = self.weight.len();
        lanes.missing.clear();
        let mut next = 0;
        for item in 0..total {
            if items.get(next) == Some(&(item as u16)) {
                next += 1;
            } else {
                lanes.missing.push(item);
            }
        }
        lanes.gamma.clear();
        lanes.gamma.extend_from_slice(&self.all);
        for &item in &lanes.missing {
            Self::remove(&lanes.gamma, self.weight[item], &mut lanes.removed);
            std::mem::swap(&mut lanes.gamma, &mut lanes.removed);
        }
        let gamma = &lanes.gamma;
        let n = items.len();
        for group in groups.iter().filter(|g| g.extreme == 0) {
            let r = usize::from(group.score);
            // The item's conditional probability at score r is about
            // w γ_{r−1} / γ_r; below ½-ish the forward recursion up to
            // r − 1 is stable, above it the backward one.
            let ratio = gamma[r - 1] / gamma[r];
            lanes.forward_items.clear();
            lanes.forward_weight.clear();
            lanes.backward_items.clear();
            lanes.backward_inverse.clear();
            for &item in items {
                let item = usize::from(item);
                if self.weight[item] * ratio <= 1.0 {
                    lanes.forward_items.push(item);
                    lanes.forward_weight.push(self.weight[item]);
                } else {
                    lanes.backward_items.push(item);
                    lanes.backward_inverse.push(self.inverse[item]);
                }
            }
            lanes.forward_value.clear();
            lanes.forward_value.resize(lanes.forward_items.len(), 1.0);
            for &gamma_k in &gamma[1..r] {
                for (value, w) in lanes.forward_value.iter_mut().zip(&lanes.forward_weight) {
                    *value = gamma_k - w * *value;
                }
            }
            lanes.backward_value.clear();
            lanes.backward_value.extend(
                lanes
                    .backward_inverse
                    .iter()
                    .map(|inverse| gamma[n] * inverse),
            );
            for &gamma_k in gamma[r..n].iter().rev() {
                for (value, inverse) in lanes.backward_value.iter_mut().zip(&lanes.backward_inverse)
                {
                    *value = (gamma_k - *value) * inverse;
                }
            }
            let count = f64::from(group.count);
            let scale = 1.0 / gamma[r];
            let forward = lanes.forward_items.iter().zip(&lanes.forward_value);
            let backward = lanes.backward_items.iter().zip(&lanes.backward_value);
            for (&item, &without) in forward.chain(backward) {
                let probability = (self.weight[item] * without * scale).clamp(0.0, 1.0);
                accumulated.expected[item] += count * probability;
                accumulated.information[item] += count * probability * (1.0 - probability);
            }
        }
    }
}

/// Newton iterations with the item-block information until the largest
/// change is below the tolerance. Returns the iteration count and the
/// accumulation at the final estimates.
fn iterate(
    data: &Prepared,
    coding: &Coding,
    parameters: &mut Parameters,
    options: &RaschOptions,
    subsample: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<(usize, Accumulated), RaschError> {
    let mut largest_change = f64::INFINITY;
    let mut previous_change = f64::INFINITY;
    for iteration in 1..=options.max_iterations {
        let accumulated = accumulate(data, coding, parameters, options.threads);
        largest_change = match parameters.method {
            Method::Rsm => step_rsm(parameters, data, coding, &accumulated),
            Method::Rasch | Method::Pcm => step_pcm(parameters, data, coding, &accumulated),
        };
        if let Some(item) = (0..coding.items).find(|item| {
            parameters
                .thresholds(*item)
                .iter()
                .any(|t| !t.is_finite() || t.abs() > DIVERGENCE_LIMIT)
        }) {
            return Err(RaschError::Diverged {
                item,
                limit: DIVERGENCE_LIMIT,
            });
        }
        progress(Progress::Iteration {
            iteration,
            largest_change,
            subsample,
        });
        // The iterations converge linearly: each change is about q times
        // the previous one, so the error left after this step is about
        // change · q / (1 − q). Stopping on that estimate saves a whole pass
        // over the data when convergence is fast, as it is once the
        // subsample has done the first steps.
        let ratio = largest_change / previous_change;
        let remaining = if previous_change.is_finite() && ratio < 0.5 {
            largest_change * ratio / (1.0 - ratio)
        } else {
            f64::INFINITY
        };
        if largest_change < options.tolerance || remaining < options.tolerance {
            // The information of this pass is at estimates less than the
            // last change away from the final ones: good enough for SEs.
            return Ok((iteration, accumulated));
        }
        previous_change = largest_change;
    }
    Err(RaschError::NotConverged {
        iterations: options.max_iterations,
        largest_change,
    })
}

/// One Newton step per item on its thresholds; returns the largest change.
fn step_pcm(
    parameters: &mut Parameters,
    data: &Prepared,
    coding: &Coding,
    accumulated: &Accumulated,
) -> f64 {
    let mut largest = 0.0f64;
    for item in 0..coding.items {
        let steps = coding.steps[item];
        let offset = coding.offsets[item];
        let gradient: Vec<f64> = (0..steps)
            .map(|h| accumulated.expected[offset + h] - data.observed[offset + h])
            .collect();
        let mut change = solve(accumulated.block(item, steps), &gradient, steps);
        cap(&mut change);
        for (h, delta) in change.iter().enumerate() {
            parameters.thresholds[offset + h] += delta;
            largest = largest.max(delta.abs());
        }
    }
    parameters.centre();
    largest
}

/// One Newton step on the RSM's item locations and then on its shared
/// steps; returns the largest change.
fn step_rsm(
    parameters: &mut Parameters,
    data: &Prepared,
    coding: &Coding,
    accumulated: &Accumulated,
) -> f64 {
    let steps = coding.steps[0];
    let mut largest = 0.0f64;
    let mut tau_gradient = vec![0.0; steps];
    let mut tau_information = vec![0.0; steps * steps];
    for item in 0..coding.items {
        let offset = coding.offsets[item];
        let block = accumulated.block(item, steps);
        let gradient: f64 = (0..steps)
            .map(|h| accumulated.expected[offset + h] - data.observed[offset + h])
            .sum();
        let information: f64 = block.iter().sum();
        let change = (gradient / information).clamp(-MAX_STEP, MAX_STEP);
        parameters.locations[item] += change;
        largest = largest.max(change.abs());
        for (h, gradient) in tau_gradient.iter_mut().enumerate() {
            *gradient += accumulated.expected[offset + h] - data.observed[offset + h];
        }
        for (total, value) in tau_information.iter_mut().zip(block) {
            *total += value;
        }
    }
    if steps > 1 {
        // Σ τ = 0: solve for τ_1..τ_{m−1} with τ_m = −Σ others, that is
        // with the contrast matrix A = [I | −1].
        let free = steps - 1;
        let reduced_gradient: Vec<f64> = (0..free)
            .map(|h| tau_gradient[h] - tau_gradient[free])
            .collect();
        let mut reduced = vec![0.0; free * free];
        for a in 0..free {
            for b in 0..free {
                let at = |x: usize, y: usize| tau_information[x * steps + y];
                reduced[a * free + b] = at(a, b) - at(a, free) - at(free, b) + at(free, free);
            }
        }
        let mut change = solve(&reduced, &reduced_gradient, free);
        cap(&mut change);
        let last: f64 = -change.iter().sum::<f64>();
        for (h, delta) in change.iter().chain(std::iter::once(&last)).enumerate() {
            parameters.taus[h] += delta;
            largest = largest.max(delta.abs());
        }
    }
    parameters.rsm_to_thresholds();
    parameters.centre();
    largest
}

/// Scales a step down so that no parameter moves more than `MAX_STEP`.
fn cap(change: &mut [f64]) {
    let largest = change.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    if largest > MAX_STEP {
        for c in change.iter_mut() {
            *c *= MAX_STEP / largest;
        }
    }
}

/// Solves the symmetric positive definite system `matrix · x = rhs` (n × n,
/// row-major) by Gaussian elimination with partial pivoting; the systems
/// are one item's steps, so n is small. A singular system gives zeros.
fn solve(matrix: &[f64], rhs: &[f64], n: usize) -> Vec<f64> {
    let mut a: Vec<f64> = matrix.to_vec();
    let mut b: Vec<f64> = rhs.to_vec();
    for column in 0..n {
        let pivot = (column..n)
            .max_by(|x, y| a[x * n + column].abs().total_cmp(&a[y * n + column].abs()))
            .expect("column < n");
        if a[pivot * n + column].abs() < 1e-300 {
            return vec![0.0; n];
        }
        if pivot != column {
            for k in 0..n {
                a.swap(pivot * n + k, column * n + k);
            }
            b.swap(pivot, column);
        }
        for row in column + 1..n {
            let factor = a[row * n + column] / a[column * n + column];
            for k in column..n {
                a[row * n + k] -= factor * a[column * n + k];
            }
            b[row] -= factor * b[column];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let mut sum = b[row];
        for k in row + 1..n {
            sum -= a[row * n + k] * x[k];
        }
        x[row] = sum / a[row * n + row];
    }
    x
}

/// The inverse of a small symmetric positive definite matrix.
fn invert(matrix: &[f64], n: usize) -> Vec<f64> {
    let mut inverse = vec![0.0; n * n];
    for column in 0..n {
        let mut unit = vec![0.0; n];
        unit[column] = 1.0;
        for (row, value) in solve(matrix, &unit, n).into_iter().enumerate() {
            inverse[row * n + column] = value;
        }
    }
    inverse
}

/// The standard error of an item's location from its block of the
/// conditional information. Covariances between items are O(1/L) and left
/// out, as docs/calibration.md explains.
fn location_se(accumulated: &Accumulated, coding: &Coding, item: usize, method: Method) -> f64 {
    let steps = coding.steps[item];
    let block = accumulated.block(item, steps);
    if method == Method::Rsm {
        return 1.0 / block.iter().sum::<f64>().sqrt();
    }
    let covariance = invert(block, steps);
    covariance.iter().sum::<f64>().max(0.0).sqrt() / steps as f64
}

/// Maximum likelihood person measures per score group.
struct Measures {
    /// Per group: measure and standard error; extreme groups get the
    /// measure of a score 0.3 points inside the range, and no SE.
    measure: Vec<f64>,
    se: Vec<Option<f64>>,
}

/// The category weights of every item, for the person-side passes.
struct Weights {
    values: Vec<f64>,
    start: Vec<usize>,
    steps: Vec<usize>,
}

impl Weights {
    fn new(parameters: &Parameters) -> Self {
        let (values, start) = parameters.category_weights();
        Weights {
            values,
            start,
            steps: parameters.steps.clone(),
        }
    }

    /// Mean and variance of the item's category at θ. The weights are
    /// exp(−Σ δ) scaled per item, so the probabilities are w_k·t^k with
    /// t = exp(θ) over their sum: no exponential per item.
    fn moments(&self, item: usize, t: f64) -> (f64, f64) {
        let weights = &self.values[self.start[item]..=self.start[item] + self.steps[item]];
        if let [none, one] = weights {
            let p = one * t / (none + one * t);
            return (p, p * (1.0 - p));
        }
        let (mut total, mut first, mut second, mut power) = (0.0, 0.0, 0.0, 1.0);
        for (k, w) in weights.iter().enumerate() {
            let p = w * power;
            let k = k as f64;
            total += p;
            first += k * p;
            second += k * k * p;
            power *= t;
        }
        let mean = first / total;
        (mean, (second / total - mean * mean).max(0.0))
    }

    fn expected_score(&self, items: &[u16], t: f64) -> (f64, f64) {
        items.iter().fold((0.0, 0.0), |(e, v), item| {
            let (mean, variance) = self.moments(usize::from(*item), t);
            (e + mean, v + variance)
        })
    }
}

/// Person measures are kept inside ±MEASURE_LIMIT logits, where t^k stays
/// finite for any reasonable number of categories.
const MEASURE_LIMIT: f64 = 20.0;

fn person_measures(
    data: &Prepared,
    coding: &Coding,
    parameters: &Parameters,
    threads: usize,
) -> Measures {
    let weights = Weights::new(parameters);
    let run = |range: std::ops::Range<usize>| {
        let mut out = Vec::new();
        for pattern in range {
            let items = data.items_of(pattern);
            let maximum: usize = items.iter().map(|i| coding.steps[usize::from(*i)]).sum();
            for group in data.groups_of(pattern) {
                let target = match group.extreme {
                    -1 => EXTREME_SCORE_ADJUSTMENT,
                    1 => maximum as f64 - EXTREME_SCORE_ADJUSTMENT,
                    _ => f64::from(group.score),
                };
                let (theta, information) = solve_measure(items, target, maximum, &weights);
                let se =
                    (group.extreme == 0 && information > 0.0).then(|| 1.0 / information.sqrt());
                out.push((theta, se));
            }
        }
        out
    };
    let patterns = data.patterns();
    let threads = if patterns < 1024 { 1 } else { threads };
    let (measure, se) = in_parallel(patterns, threads, run)
        .into_iter()
        .flatten()
        .unzip();
    Measures { measure, se }
}

/// Solves expected score = target by Newton's method with capped steps;
/// returns θ and the information at θ.
fn solve_measure(items: &[u16], target: f64, maximum: usize, weights: &Weights) -> (f64, f64) {
    let share = (target / maximum as f64).clamp(1e-6, 1.0 - 1e-6);
    let mut theta = (share / (1.0 - share)).ln();
    for _ in 0..100 {
        let (expected, variance) = weights.expected_score(items, theta.exp());
        if variance <= 0.0 {
            return (theta, variance);
        }
        let change = ((target - expected) / variance).clamp(-MAX_STEP, MAX_STEP);
        theta = (theta + change).clamp(-MEASURE_LIMIT, MEASURE_LIMIT);
        if change.abs() < 1e-7 {
            break;
        }
    }
    let (_, variance) = weights.expected_score(items, theta.exp());
    (theta, variance)
}

impl Measures {
    fn summary(&self, data: &Prepared) -> PersonSummary {
        let mut n = 0;
        let mut extreme_minimum = 0;
        let mut extreme_maximum = 0;
        let (mut count, mut sum, mut sum_squares, mut error) = (0.0, 0.0, 0.0, 0.0);
        for (position, group) in data.groups.iter().enumerate() {
            let members = f64::from(group.count);
            n += group.count as usize;
            match group.extreme {
                -1 => extreme_minimum += group.count as usize,
                1 => extreme_maximum += group.count as usize,
                // A lone answer says nothing about the person's spread
                // beyond its score; such measures only add error.
                _ if data.items_of(data.pattern_of_group(position)).len() < 2 => {}
                _ => {
                    let theta = self.measure[position];
                    count += members;
                    sum += members * theta;
                    sum_squares += members * theta * theta;
                    error += members * self.se[position].map_or(0.0, |se| se * se);
                }
            }
        }
        let (mean, variance) = if count >= 2.0 {
            let mean = sum / count;
            (
                Some(mean),
                Some((sum_squares - count * mean * mean) / (count - 1.0)),
            )
        } else {
            (None, None)
        };
        let separation_reliability = variance
            .filter(|v| *v > 0.0)
            .map(|v| (v - error / count) / v);
        PersonSummary {
            n,
            extreme_minimum,
            extreme_maximum,
            separation_reliability,
            mean,
            sd: variance.map(f64::sqrt),
        }
    }

    /// One measure per respondent with answers, in no particular order.
    fn map_measures(&self, data: &Prepared) -> Vec<f64> {
        let mut measures = Vec::with_capacity(data.person_group.len());
        for (position, group) in data.groups.iter().enumerate() {
            measures.extend(std::iter::repeat_n(
                self.measure[position],
                group.count as usize,
            ));
        }
        measures
    }
}

/// Sums for an item's infit and outfit.
#[derive(Debug, Clone, Copy, Default)]
struct FitSums {
    squared_standardised: f64,
    squared_residual: f64,
    variance: f64,
    answers: usize,
}

impl FitSums {
    fn outfit(&self) -> Option<f64> {
        (self.answers > 0).then(|| self.squared_standardised / self.answers as f64)
    }

    fn infit(&self) -> Option<f64> {
        (self.variance > 0.0).then(|| self.squared_residual / self.variance)
    }
}

/// Infit and outfit mean squares over the non-extreme respondents.
fn item_fit(
    matrix: &AnswerMatrix,
    rows: &[usize],
    data: &Prepared,
    coding: &Coding,
    parameters: &Parameters,
    measures: &Measures,
    options: &RaschOptions,
) -> Vec<FitSums> {
    let weights = Weights::new(parameters);
    let run = |range: std::ops::Range<usize>| {
        let mut sums = vec![FitSums::default(); coding.items];
        let mut last_group = u32::MAX;
        let mut single_answer = false;
        let mut moments: Vec<(f64, f64)> = Vec::new();
        for position in range {
            let Some(group) = data.person_group[position] else {
                continue;
            };
            if data.groups[group as usize].extreme != 0 {
                continue;
            }
            let theta = measures.measure[group as usize];
            if group != last_group {
                // Respondents of one group share θ; complete data has few
                // groups, so the moments are computed once per group.
                last_group = group;
                moments.clear();
                let pattern = data.pattern_of_group(group as usize);
                single_answer = data.items_of(pattern).len() < 2;
                moments.resize(coding.items, (0.0, 0.0));
                let t = theta.exp();
                for &item in data.items_of(pattern) {
                    let item = usize::from(item);
                    moments[item] = weights.moments(item, t);
                }
            }
            // A lone answer is fixed by the score: its residual is 0 by
            // construction and would make every item look overfitting.
            if single_answer {
                continue;
            }
            for (item, &value) in matrix.row(rows[position]).iter().enumerate() {
                if value == 0 {
                    continue;
                }
                let x = f64::from(coding.category(item, value));
                let (mean, variance) = moments[item];
                let residual = x - mean;
                let sum = &mut sums[item];
                sum.squared_residual += residual * residual;
                sum.variance += variance;
                sum.squared_standardised += residual * residual / variance;
                sum.answers += 1;
            }
        }
        sums
    };
    let persons = data.person_group.len();
    let threads = if persons < 10_000 { 1 } else { options.threads };
    let parts = in_parallel(persons, threads, run);
    let mut total = parts[0].clone();
    for part in &parts[1..] {
        for (a, b) in total.iter_mut().zip(part) {
            a.squared_standardised += b.squared_standardised;
            a.squared_residual += b.squared_residual;
            a.variance += b.variance;
            a.answers += b.answers;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic matrix of dichotomous answers with missing cells.
    fn matrix(persons: usize, items: usize, missing_every: usize) -> AnswerMatrix {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cells = Vec::with_capacity(persons * items);
        for person in 0..persons {
            let ability = (person % 7) as u64;
            for item in 0..items {
                let cell = if next() % missing_every as u64 == 0 {
                    0
                } else if next() % 8 < ability + (item % 3) as u64 {
                    2
                } else {
                    1
                };
                cells.push(cell);
            }
        }
        AnswerMatrix::from_cells(items, cells)
    }

    /// The dichotomous fast path equals the general ESF computation, also
    /// for items far apart, where the removal recursions are unstable if
    /// run in the wrong direction.
    #[test]
    fn fast_dichotomous_pass_equals_the_general_one() {
        for (items, spread) in [(8, 1.0), (30, 3.0), (60, 8.0)] {
            let matrix = matrix(400, items, 9);
            let options = RaschOptions::new(Method::Rasch, 2);
            let rows: Vec<usize> = (0..matrix.respondents()).collect();
            let coding = Coding::new(&matrix, &rows, &options).unwrap();
            let data = Prepared::new(&matrix, &rows, &coding, 1);
            let mut parameters = Parameters::start(&coding, &data, Method::Rasch);
            for (item, threshold) in parameters.thresholds.iter_mut().enumerate() {
                *threshold = spread * (2.0 * item as f64 / (items - 1) as f64 - 1.0);
            }
            let fast = accumulate_with(&data, &coding, &parameters, 1, true);
            let general = accumulate_with(&data, &coding, &parameters, 1, false);
            for (a, b) in fast.expected.iter().zip(&general.expected) {
                assert!(
                    (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                    "{items} {spread}: {a} vs {b}"
                );
            }
            for (a, b) in fast.information.iter().zip(&general.information) {
                assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
            }
        }
    }
}
