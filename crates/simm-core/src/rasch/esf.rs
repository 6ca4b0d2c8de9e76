//! The elementary symmetric functions (ESF) of each pattern's items and
//! the conditional expectations and information they give per score
//! group: the one pass over the data that every Newton step needs, with a
//! fast path for dichotomous items.

use super::coding::Coding;
use super::parameters::Parameters;
use super::patterns::{Prepared, ScoreGroup};
use crate::parallel::in_parallel;

/// Expected counts and information from one pass over the score groups.
#[derive(Debug, Clone)]
pub(super) struct Accumulated {
    /// Expected count of answers at or above each step.
    pub(super) expected: Vec<f64>,
    /// Per item the m × m covariance of the at-or-above indicators,
    /// summed over respondents: the item's block of the information.
    pub(super) information: Vec<f64>,
    information_start: Vec<usize>,
}

impl Accumulated {
    pub(super) fn new(coding: &Coding) -> Self {
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

    pub(super) fn block(&self, item: usize, steps: usize) -> &[f64] {
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
pub(super) fn accumulate(
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
    pub(super) fn new(parameters: &Parameters) -> Self {
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

    pub(super) fn pattern(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classical::AnswerMatrix;
    use crate::rasch::{Method, RaschOptions};

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
