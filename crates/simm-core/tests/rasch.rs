//! Parameter recovery: data simulated from known item and person
//! parameters must give back the item locations within the sampling error
//! expected for the sample size, and planted misfit must show in the fit
//! statistics.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simm_core::{AnswerMatrix, Method, RaschError, RaschOptions, calibrate_rasch};

/// A standard normal draw by the Box-Muller transform.
fn normal(rng: &mut StdRng) -> f64 {
    let u: f64 = rng.random::<f64>().max(1e-300);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Simulates PCM answers (1-based values) for `persons` respondents with
/// θ ~ N(0, 1.5²); `discrimination[i]` ≠ 1 plants misfit; cells are left
/// out with probability `missing`.
fn simulate(
    persons: usize,
    thresholds: &[Vec<f64>],
    discrimination: &[f64],
    missing: f64,
    seed: u64,
) -> AnswerMatrix {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut matrix = AnswerMatrix::new(thresholds.len());
    let mut row = vec![0u8; thresholds.len()];
    for _ in 0..persons {
        let theta = 1.5 * normal(&mut rng);
        for (item, steps) in thresholds.iter().enumerate() {
            let mut logs = vec![0.0];
            let mut sum = 0.0;
            for delta in steps {
                sum += discrimination[item] * (theta - delta);
                logs.push(sum);
            }
            let max = logs.iter().copied().fold(f64::MIN, f64::max);
            let weights: Vec<f64> = logs.iter().map(|l| (l - max).exp()).collect();
            let total: f64 = weights.iter().sum();
            let mut draw = rng.random::<f64>() * total;
            let mut category = 0;
            for (k, w) in weights.iter().enumerate() {
                category = k;
                if draw < *w {
                    break;
                }
                draw -= w;
            }
            row[item] = if rng.random::<f64>() < missing {
                0
            } else {
                category as u8 + 1
            };
        }
        matrix.push(&row);
    }
    matrix
}

fn centred(locations: &[f64]) -> Vec<f64> {
    let mean = locations.iter().sum::<f64>() / locations.len() as f64;
    locations.iter().map(|l| l - mean).collect()
}

/// Item locations spread over [-2, 2].
fn dichotomous_items(count: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|i| vec![-2.0 + 4.0 * i as f64 / (count - 1) as f64])
        .collect()
}

fn polytomous_items(count: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|i| {
            let location = -1.5 + 3.0 * i as f64 / (count - 1) as f64;
            vec![
                location - 1.2,
                location - 0.3,
                location + 0.4,
                location + 1.1,
            ]
        })
        .collect()
}

/// Checks that every recovered location is within 4 standard errors of the
/// truth (after centring), and that the errors are of the size the SEs say.
fn check_recovery(truth: &[Vec<f64>], matrix: &AnswerMatrix, method: Method, points: u8) {
    let options = RaschOptions::new(method, points);
    let fit = calibrate_rasch(matrix, None, &options, &mut |_| {}).expect("calibrates");
    let true_locations = centred(
        &truth
            .iter()
            .map(|t| t.iter().sum::<f64>() / t.len() as f64)
            .collect::<Vec<_>>(),
    );
    let mut squared_z = 0.0;
    for (item, (estimate, truth)) in fit.items.iter().zip(&true_locations).enumerate() {
        let z = (estimate.location - truth) / estimate.se;
        assert!(
            z.abs() < 4.0,
            "item {item}: estimate {} ± {} against truth {truth}",
            estimate.location,
            estimate.se
        );
        squared_z += z * z;
    }
    // The mean squared z is about 1 when the SEs are right; allow for the
    // sampling variation of 20 to 30 items.
    let mean_squared_z = squared_z / truth.len() as f64;
    assert!(
        (0.3..2.0).contains(&mean_squared_z),
        "mean squared z {mean_squared_z}"
    );
    let reliability = fit.persons.separation_reliability.expect("reliability");
    assert!((0.5..1.0).contains(&reliability), "{reliability}");
}

#[test]
fn dichotomous_complete_and_missing() {
    let truth = dichotomous_items(25);
    let ones = vec![1.0; truth.len()];
    check_recovery(
        &truth,
        &simulate(3000, &truth, &ones, 0.0, 1),
        Method::Rasch,
        2,
    );
    check_recovery(
        &truth,
        &simulate(3000, &truth, &ones, 0.15, 2),
        Method::Rasch,
        2,
    );
}

#[test]
fn partial_credit_complete_and_missing() {
    let truth = polytomous_items(20);
    let ones = vec![1.0; truth.len()];
    check_recovery(
        &truth,
        &simulate(2000, &truth, &ones, 0.0, 3),
        Method::Pcm,
        5,
    );
    check_recovery(
        &truth,
        &simulate(2000, &truth, &ones, 0.1, 4),
        Method::Pcm,
        5,
    );
}

#[test]
fn rating_scale_recovers_shared_thresholds() {
    // RSM data: every item has the same step pattern around its location.
    let truth = polytomous_items(20);
    let ones = vec![1.0; truth.len()];
    let matrix = simulate(2000, &truth, &ones, 0.05, 5);
    check_recovery(&truth, &matrix, Method::Rsm, 5);
    let fit = calibrate_rasch(
        &matrix,
        None,
        &RaschOptions::new(Method::Rsm, 5),
        &mut |_| {},
    )
    .unwrap();
    // The steps relative to the location are -1.2, -0.3, 0.4, 1.1 less
    // their mean (0): each within 0.1 logits at this sample size.
    let item = &fit.items[7];
    for (step, truth) in item.thresholds.iter().zip([-1.2, -0.3, 0.4, 1.1]) {
        assert!(
            (step - item.location - truth).abs() < 0.1,
            "{step} vs {truth}"
        );
    }
}

#[test]
fn planted_misfit_shows_in_outfit() {
    let truth = dichotomous_items(20);
    let mut discrimination = vec![1.0; truth.len()];
    // Item 5 barely discriminates (noise: outfit well above 1); item 14
    // discriminates far too sharply (Guttman-like: outfit well below 1).
    discrimination[5] = 0.3;
    discrimination[14] = 3.0;
    let matrix = simulate(4000, &truth, &discrimination, 0.05, 6);
    let fit = calibrate_rasch(
        &matrix,
        None,
        &RaschOptions::new(Method::Rasch, 2),
        &mut |_| {},
    )
    .unwrap();
    let outfit: Vec<f64> = fit.items.iter().map(|i| i.outfit.unwrap()).collect();
    assert!(outfit[5] > 1.3, "{outfit:?}");
    assert!(outfit[14] < 0.7, "{outfit:?}");
    for (item, value) in outfit.iter().enumerate() {
        if item != 5 && item != 14 {
            assert!((0.75..1.3).contains(value), "item {item}: {outfit:?}");
        }
    }
}

#[test]
fn extreme_respondents_are_counted_and_left_out() {
    let truth = dichotomous_items(10);
    let ones = vec![1.0; truth.len()];
    let mut matrix = simulate(500, &truth, &ones, 0.0, 7);
    matrix.push(&[1; 10]);
    matrix.push(&[2; 10]);
    matrix.push(&[2; 10]);
    let fit = calibrate_rasch(
        &matrix,
        None,
        &RaschOptions::new(Method::Rasch, 2),
        &mut |_| {},
    )
    .unwrap();
    assert!(fit.persons.extreme_minimum >= 1);
    assert!(fit.persons.extreme_maximum >= 2);
    assert_eq!(fit.persons.n, 503);
    assert_eq!(fit.person_measures.len(), 503);
}

fn error_of(rows: &[&[u8]], method: Method, points: u8) -> RaschError {
    let mut matrix = AnswerMatrix::new(rows[0].len());
    for row in rows {
        matrix.push(row);
    }
    calibrate_rasch(
        &matrix,
        None,
        &RaschOptions::new(method, points),
        &mut |_| {},
    )
    .unwrap_err()
}

#[test]
fn bad_input_is_named() {
    let check = |rows: &[&[u8]], method, points, expected: RaschError| {
        assert_eq!(error_of(rows, method, points), expected);
    };
    check(
        &[&[1, 2, 0], &[2, 1, 0]],
        Method::Rasch,
        2,
        RaschError::NoAnswers { item: 2 },
    );
    check(
        &[&[1, 2, 2], &[2, 1, 2]],
        Method::Rasch,
        2,
        RaschError::NoVariance { item: 2, value: 2 },
    );
    check(
        &[&[1, 2], &[2, 1]],
        Method::Rasch,
        5,
        RaschError::NotDichotomous { points: 5 },
    );
    check(
        &[&[1, 2, 1], &[0, 0, 0]],
        Method::Rasch,
        2,
        RaschError::TooFewRespondents { respondents: 1 },
    );
    check(
        &[&[1, 1, 1], &[2, 2, 2], &[0, 0, 0]],
        Method::Rasch,
        2,
        RaschError::TooFewUsable {
            respondents: 3,
            usable: 0,
        },
    );
    // The rating scale model shares thresholds: answer 3 only from a
    // respondent at the top leaves the shared top threshold infinite.
    check(
        &[&[3, 3], &[1, 2], &[2, 1], &[2, 2]],
        Method::Rsm,
        3,
        RaschError::SharedValueOnlyExtremes { value: 3 },
    );
    // Answer 3 of item 0 only comes from a respondent with all answers at
    // the top, so its threshold is infinite.
    check(
        &[&[3, 3, 3], &[1, 2, 1], &[2, 1, 2], &[1, 1, 2]],
        Method::Pcm,
        3,
        RaschError::OnlyExtremes { item: 0, value: 3 },
    );
}

/// Items 0 and 1 are answered positively by everyone who answers items 2
/// or 3 positively: the two pairs never cross, the conditional likelihood
/// has no maximum, and the estimation must say so instead of printing
/// numbers.
#[test]
fn a_guttman_split_does_not_print_numbers() {
    let mut matrix = AnswerMatrix::new(4);
    for _ in 0..20 {
        for row in [[2, 1, 1, 1], [1, 2, 1, 1], [2, 2, 2, 1], [2, 2, 1, 2]] {
            matrix.push(&row);
        }
    }
    let error = calibrate_rasch(
        &matrix,
        None,
        &RaschOptions::new(Method::Rasch, 2),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            RaschError::Diverged { .. } | RaschError::NotConverged { .. }
        ),
        "{error:?}"
    );
}

/// The ESF of 900 dichotomous items would overflow floating point: the
/// calibration says so instead of printing NaN.
#[test]
fn too_many_items_are_refused() {
    let items = 900;
    let mut matrix = AnswerMatrix::new(items);
    for person in 0..4 {
        let row: Vec<u8> = (0..items).map(|i| 1 + ((i + person) % 2) as u8).collect();
        matrix.push(&row);
    }
    let error = calibrate_rasch(
        &matrix,
        None,
        &RaschOptions::new(Method::Rasch, 2),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(error, RaschError::TooManyItems { items });
}

/// An item whose middle answer is rarely the most likely one (true
/// thresholds out of order) comes back with its thresholds out of order,
/// and the others in order.
#[test]
fn disordered_thresholds_are_recovered() {
    let mut truth = polytomous_items(12);
    truth[4] = vec![-1.0, 0.9, -0.6, 1.3];
    let ones = vec![1.0; truth.len()];
    let matrix = simulate(3000, &truth, &ones, 0.0, 9);
    let fit = calibrate_rasch(
        &matrix,
        None,
        &RaschOptions::new(Method::Pcm, 5),
        &mut |_| {},
    )
    .unwrap();
    let ordered = |t: &[f64]| t.windows(2).all(|w| w[0] < w[1]);
    for (item, estimate) in fit.items.iter().enumerate() {
        assert_eq!(
            ordered(&estimate.thresholds),
            item != 4,
            "item {item}: {:?}",
            estimate.thresholds
        );
    }
}
