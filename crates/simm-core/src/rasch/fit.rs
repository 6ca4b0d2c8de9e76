//! Item fit: infit and outfit mean squares of the answers of the
//! non-extreme respondents, given the item and person estimates.

use super::RaschOptions;
use super::coding::Coding;
use super::parameters::Parameters;
use super::patterns::Prepared;
use super::persons::{Measures, Weights};
use crate::classical::AnswerMatrix;
use crate::parallel::in_parallel;

/// Sums for an item's infit and outfit.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct FitSums {
    squared_standardised: f64,
    squared_residual: f64,
    variance: f64,
    pub(super) answers: usize,
}

impl FitSums {
    pub(super) fn outfit(&self) -> Option<f64> {
        (self.answers > 0).then(|| self.squared_standardised / self.answers as f64)
    }

    pub(super) fn infit(&self) -> Option<f64> {
        (self.variance > 0.0).then(|| self.squared_residual / self.variance)
    }
}

/// Infit and outfit mean squares over the non-extreme respondents.
pub(super) fn item_fit(
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
