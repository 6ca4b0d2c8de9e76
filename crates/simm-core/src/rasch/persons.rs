//! Person measures by maximum likelihood per score group, given the item
//! estimates, and their summary: extremes, mean, spread and separation
//! reliability.

use super::PersonSummary;
use super::coding::Coding;
use super::newton::MAX_STEP;
use super::parameters::Parameters;
use super::patterns::Prepared;
use crate::parallel::in_parallel;

/// Extreme scores are placed at this many score points from the end on
/// the person map, as Winsteps does by default.
const EXTREME_SCORE_ADJUSTMENT: f64 = 0.3;

/// Maximum likelihood person measures per score group.
pub(super) struct Measures {
    /// Per group: measure and standard error; extreme groups get the
    /// measure of a score 0.3 points inside the range, and no SE.
    pub(super) measure: Vec<f64>,
    pub(super) se: Vec<Option<f64>>,
}

/// The category weights of every item, for the person-side passes.
pub(super) struct Weights {
    pub(super) values: Vec<f64>,
    pub(super) start: Vec<usize>,
    pub(super) steps: Vec<usize>,
}

impl Weights {
    pub(super) fn new(parameters: &Parameters) -> Self {
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
    pub(super) fn moments(&self, item: usize, t: f64) -> (f64, f64) {
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

pub(super) fn person_measures(
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
    pub(super) fn summary(&self, data: &Prepared) -> PersonSummary {
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
    pub(super) fn map_measures(&self, data: &Prepared) -> Vec<f64> {
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
