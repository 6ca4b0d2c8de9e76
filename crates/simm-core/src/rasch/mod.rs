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
//!
//! [`calibrate_rasch`] runs the steps in order, one module each: `coding`
//! (answer values to categories), `patterns` (patterns and score groups),
//! `parameters` (start values), `esf` and `newton` (the iterations),
//! `persons` (measures and reliability) and `fit` (infit and outfit).

mod coding;
mod esf;
mod fit;
mod newton;
mod parameters;
mod patterns;
mod persons;

use serde::Serialize;

use self::coding::Coding;
use self::fit::item_fit;
use self::newton::{iterate, location_se};
use self::parameters::Parameters;
use self::patterns::Prepared;
use self::persons::person_measures;
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
