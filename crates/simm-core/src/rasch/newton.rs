//! Newton steps on the item parameters until they converge, the small
//! linear algebra they need, and the standard errors from the
//! information at the estimates.

use super::coding::Coding;
use super::esf::{Accumulated, accumulate};
use super::parameters::Parameters;
use super::patterns::Prepared;
use super::{Method, Progress, RaschError, RaschOptions};

/// Thresholds beyond this are taken as diverging to infinity.
const DIVERGENCE_LIMIT: f64 = 40.0;
/// Newton steps are capped so that a poor start cannot overshoot.
pub(super) const MAX_STEP: f64 = 1.0;

/// Newton iterations with the item-block information until the largest
/// change is below the tolerance. Returns the iteration count and the
/// accumulation at the final estimates.
pub(super) fn iterate(
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
pub(super) fn location_se(
    accumulated: &Accumulated,
    coding: &Coding,
    item: usize,
    method: Method,
) -> f64 {
    let steps = coding.steps[item];
    let block = accumulated.block(item, steps);
    if method == Method::Rsm {
        return 1.0 / block.iter().sum::<f64>().sqrt();
    }
    let covariance = invert(block, steps);
    covariance.iter().sum::<f64>().max(0.0).sqrt() / steps as f64
}
