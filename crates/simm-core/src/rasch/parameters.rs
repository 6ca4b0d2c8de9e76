//! The item parameters being estimated, their crude start values and the
//! category weights that the ESF and the person side are built from.

use super::Method;
use super::coding::Coding;
use super::patterns::Prepared;

/// Item parameters: PCM thresholds, or RSM locations and shared steps.
#[derive(Debug, Clone)]
pub(super) struct Parameters {
    pub(super) method: Method,
    /// Flat thresholds δ_ih for every item and step.
    pub(super) thresholds: Vec<f64>,
    pub(super) offsets: Vec<usize>,
    pub(super) steps: Vec<usize>,
    /// RSM only: item locations b_i and steps τ_h (Σ τ = 0).
    pub(super) locations: Vec<f64>,
    pub(super) taus: Vec<f64>,
}

impl Parameters {
    /// Crude start values from log odds of adjacent categories.
    pub(super) fn start(coding: &Coding, data: &Prepared, method: Method) -> Self {
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

    pub(super) fn thresholds(&self, item: usize) -> &[f64] {
        &self.thresholds[self.offsets[item]..self.offsets[item] + self.steps[item]]
    }

    pub(super) fn rsm_to_thresholds(&mut self) {
        for item in 0..self.steps.len() {
            for step in 0..self.steps[item] {
                self.thresholds[self.offsets[item] + step] = self.locations[item] + self.taus[step];
            }
        }
    }

    /// Shifts every threshold so that the item locations average 0; the
    /// conditional likelihood does not change under a common shift.
    pub(super) fn centre(&mut self) {
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
    pub(super) fn category_weights(&self) -> (Vec<f64>, Vec<usize>) {
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
