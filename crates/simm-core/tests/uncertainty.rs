//! The intervals and stage probabilities are right: coverage and
//! calibration by simulation with a fixed seed (the larger run is
//! `bench/coverage.sh`), and the properties of the resampling itself.

#[path = "support/coverage.rs"]
mod coverage;

use coverage::{Coverage, calibration, calibration_bins, tiny};
use proptest::prelude::*;
use simm_core::{Answer, Replicates, Resamples, Tally, score, with_uncertainty};

const SAMPLES: usize = 1_000;

fn replicates(count: u32) -> Replicates {
    Replicates::new(count).expect("a valid count")
}

#[test]
fn mean_intervals_cover_the_population_value_95_times_in_100() {
    let model = tiny("mean");
    let mut failures = Vec::new();
    for (n, seed) in [(20, 11), (50, 12), (200, 13)] {
        let result = coverage::coverage(&model, n, SAMPLES, replicates(200), seed);
        let shares: Vec<f64> = result
            .fulfilment
            .iter()
            .chain(&result.score)
            .map(|count| Coverage::share(*count, result.samples))
            .collect();
        eprintln!("n = {n}: fulfilment a2, a3, b2, score a, b: {shares:?}");
        for share in &shares {
            if !(0.93..=0.97).contains(share) {
                failures.push(format!(
                    "n = {n}: coverage {share} outside 93-97 % ({shares:?})"
                ));
            }
        }
        // The negative control: intervals half as wide must miss often,
        // or the check above could not tell a good interval from a wide one.
        let narrowed = Coverage::share(result.narrowed, result.samples);
        assert!(
            narrowed < 0.8,
            "n = {n}: half-width intervals covered {narrowed}"
        );
    }
}

#[test]
fn median_intervals_are_conservative_on_discrete_answers() {
    let model = tiny("median");
    for (n, seed) in [(20, 21), (50, 22), (200, 23)] {
        let result = coverage::coverage(&model, n, SAMPLES, replicates(200), seed);
        let fulfilment: Vec<f64> = result
            .fulfilment
            .iter()
            .map(|count| Coverage::share(*count, result.samples))
            .collect();
        eprintln!("median, n = {n}: fulfilment a2, a3, b2: {fulfilment:?}");
        for share in &fulfilment {
            assert!(*share >= 0.93, "n = {n}: median coverage {share}");
        }
    }
}

#[test]
fn stage_probabilities_are_calibrated() {
    let model = tiny("mean");
    let outcomes = calibration(&model, 50, 2_000, replicates(200), 31);
    let bins = calibration_bins(&outcomes);
    eprintln!("(probability given, share reached, members): {bins:?}");
    for (given, reached, members) in bins {
        if members >= 100 {
            assert!(
                (given - reached).abs() <= 0.08,
                "given {given:.3}, reached {reached:.3} over {members}"
            );
        }
    }
    // The negative control: overconfident probabilities, pushed towards 0
    // and 1, must fail the same check.
    let sharpened: Vec<(f64, bool)> = outcomes
        .iter()
        .map(|(p, reached)| (p * p / (p * p + (1.0 - p) * (1.0 - p)), *reached))
        .collect();
    assert!(
        calibration_bins(&sharpened)
            .iter()
            .any(|(given, reached, members)| *members >= 100 && (given - reached).abs() > 0.08),
        "sharpened probabilities passed: {:?}",
        calibration_bins(&sharpened)
    );
    // Both kinds of area are there: the spread around the threshold works.
    let reached = outcomes.iter().filter(|(_, r)| *r).count();
    assert!((500..1_500).contains(&reached), "{reached} of 2000 reached");
}

fn answers(row: &[u8]) -> Vec<Option<Answer>> {
    row.iter().map(|a| Answer::new(*a, 5)).collect()
}

fn scored(rows: &[Vec<u8>], order: &[usize], parts: usize) -> simm_core::Results {
    let model = tiny("mean");
    let mut tally = Tally::new(&model);
    let mut whole = Resamples::new(&model, replicates(50), 7);
    let chunk = order.len().div_ceil(parts.max(1)).max(1);
    for part in order.chunks(chunk) {
        let mut resamples = Resamples::new(&model, replicates(50), 7);
        for index in part {
            tally.add(&answers(&rows[*index]));
            resamples.add(&format!("id-{index}"), &answers(&rows[*index]));
        }
        whole.merge(&resamples);
    }
    with_uncertainty(&model, score(&model, &tally), &whole)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The weights follow the ids, not the rows: shuffling the sheet or
    /// reading it in parts gives the same intervals.
    #[test]
    fn intervals_do_not_depend_on_row_order_or_parts(
        rows in prop::collection::vec(prop::collection::vec(0u8..=5, 8), 5..40),
        shuffle in any::<prop::sample::Index>(),
        parts in 1usize..5,
    ) {
        let forward: Vec<usize> = (0..rows.len()).collect();
        let mut shuffled = forward.clone();
        shuffled.rotate_left(shuffle.index(rows.len()));
        shuffled.reverse();
        let one = scored(&rows, &forward, 1);
        let other = scored(&rows, &shuffled, parts);
        prop_assert_eq!(serde_json::to_string(&one).unwrap(), serde_json::to_string(&other).unwrap());
    }

    /// Intervals hold their point estimates' neighbourhood sensibly: low ≤
    /// high, within the score's range, and the stage probabilities sum to 1.
    #[test]
    fn intervals_are_ordered_and_probabilities_sum_to_one(
        rows in prop::collection::vec(prop::collection::vec(0u8..=5, 8), 1..40),
    ) {
        let order: Vec<usize> = (0..rows.len()).collect();
        let results = scored(&rows, &order, 1);
        let overall = results.overall.score_interval.expect("an interval");
        prop_assert!(overall.low <= overall.high);
        for area in &results.areas {
            let interval = area.score_interval.expect("an interval");
            prop_assert!(1.0 <= interval.low && interval.low <= interval.high && interval.high <= 3.0);
            let total: f64 = area.stage_probability.as_ref().expect("probabilities").0.iter().map(|(_, p)| p).sum();
            prop_assert!((total - 1.0).abs() < 1e-9, "sum {}", total);
            for (level, spread) in &area.fulfilment_interval.as_ref().expect("intervals").0 {
                prop_assert_eq!(spread.is_some(), area.fulfilment.get(*level).is_some());
                if let Some(spread) = spread {
                    prop_assert!(0.0 <= spread.low && spread.low <= spread.high && spread.high <= 1.0);
                }
            }
        }
    }
}

#[test]
fn uncertainty_adds_keys_and_changes_none() {
    let model = tiny("mean");
    let rows = [vec![5, 4, 3, 2, 1, 0, 5, 4], vec![4, 4, 4, 4, 4, 4, 4, 4]];
    let mut tally = Tally::new(&model);
    let mut resamples = Resamples::new(&model, replicates(20), 0);
    for (index, row) in rows.iter().enumerate() {
        tally.add(&answers(row));
        resamples.add(&format!("r{index}"), &answers(row));
    }
    let plain = serde_json::to_value(score(&model, &tally)).unwrap();
    let with =
        serde_json::to_value(with_uncertainty(&model, score(&model, &tally), &resamples)).unwrap();
    assert_eq!(
        with["uncertainty"],
        serde_json::json!({"method": "poisson bootstrap", "replicates": 20, "level": 0.95})
    );
    let mut stripped = with.clone();
    stripped.as_object_mut().unwrap().remove("uncertainty");
    stripped["overall"]
        .as_object_mut()
        .unwrap()
        .remove("score_interval");
    for area in stripped["areas"].as_array_mut().unwrap() {
        let area = area.as_object_mut().unwrap();
        for key in ["score_interval", "fulfilment_interval", "stage_probability"] {
            assert!(area.remove(key).is_some(), "no {key}");
        }
    }
    for item in stripped["items"].as_array_mut().unwrap() {
        let item = item.as_object_mut().unwrap();
        assert_eq!(
            item.remove("fulfilment_interval").is_some(),
            !item["fulfilment"].is_null()
        );
    }
    assert_eq!(stripped, plain);
    assert_eq!(
        with["areas"][0]["stage_probability"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
}
