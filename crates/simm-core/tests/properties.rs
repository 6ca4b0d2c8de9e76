//! Properties of the scoring engine over random respondent sets, on a tiny
//! test model and on the built-in model.
//!
//! A respondent is a row of answers, one per model item, where 0 means no
//! answer. The answers lean towards the top of the scale by a random
//! amount, so that every stage is reached now and then.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use simm_core::{
    Answer, AttributeId, BUILTIN_MODEL_SOURCE, GroupTallies, ItemId, Model, Policy, Results, Tally,
    builtin_model, score, score_grouped,
};

/// Slack for comparisons with values recomputed here in floating point.
const SLACK: f64 = 1e-9;

/// The tiny model of tests/scoring.rs: 3 stages, 2 areas, unequal weights.
const TINY_SOURCE: &str = include_str!("fixtures/tiny.toml");

fn tiny_source(aggregate: &str) -> String {
    let mean = "aggregate = \"mean\"";
    assert_eq!(TINY_SOURCE.matches(mean).count(), 1);
    TINY_SOURCE.replace(mean, &format!("aggregate = \"{aggregate}\""))
}

static TINY: LazyLock<Model> =
    LazyLock::new(|| Model::parse(&tiny_source("mean")).expect("the tiny model is valid"));
static TINY_MEDIAN: LazyLock<Model> =
    LazyLock::new(|| Model::parse(&tiny_source("median")).expect("the tiny model is valid"));
static BUILTIN: LazyLock<Model> = LazyLock::new(builtin_model);
static BUILTIN_MEDIAN: LazyLock<Model> = LazyLock::new(|| {
    let mean = "aggregate = \"mean\"";
    assert_eq!(BUILTIN_MODEL_SOURCE.matches(mean).count(), 1);
    let source = BUILTIN_MODEL_SOURCE.replace(mean, "aggregate = \"median\"");
    Model::parse(&source).expect("the built-in model with the median is valid")
});

const TINY_ITEMS: usize = 8;
const BUILTIN_ITEMS: usize = 48;
const POINTS: u8 = 5;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Keep the source tree clean: no regression files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ------------------------------------------------------------ strategies

/// Respondents of `items` answers each, leaning towards the top of the
/// scale by a random amount.
fn respondents(items: usize, max: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
    (1u32..8).prop_flat_map(move |lean| {
        let answer = prop_oneof![
            1 => Just(0u8),
            2 => 1..=POINTS,
            lean => (POINTS - 1)..=POINTS,
        ];
        prop::collection::vec(prop::collection::vec(answer, items), 0..=max)
    })
}

/// Respondents with a value of the role attribute each (or none).
fn grouped_respondents(
    items: usize,
    max: usize,
    values: &'static [&'static str],
) -> impl Strategy<Value = Vec<(Option<&'static str>, Vec<u8>)>> {
    respondents(items, max).prop_flat_map(move |rows| {
        let count = rows.len();
        (
            Just(rows),
            prop::collection::vec(prop::option::of(prop::sample::select(values)), count),
        )
            .prop_map(|(rows, values)| values.into_iter().zip(rows).collect())
    })
}

/// Respondents who, item by item, all give the same answer or none: one
/// value per item (0 = nobody answers it) and a mask of who answers.
fn unanimous(items: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
    (
        prop::collection::vec(0..=POINTS, items),
        prop::collection::vec(prop::collection::vec(any::<bool>(), items), 1..=8),
    )
        .prop_map(|(values, masks)| {
            masks
                .into_iter()
                .map(|mask| {
                    values
                        .iter()
                        .zip(mask)
                        .map(|(&value, answers)| if answers { value } else { 0 })
                        .collect()
                })
                .collect()
        })
}

// ------------------------------------------------------------ helpers

fn answers(model: &Model, row: &[u8]) -> Vec<Option<Answer>> {
    let points = model.scale().points;
    row.iter()
        .map(|&v| (v != 0).then(|| Answer::new(v, points).expect("an answer on the scale")))
        .collect()
}

fn run(model: &Model, rows: &[Vec<u8>]) -> Results {
    let mut tally = Tally::new(model);
    for row in rows {
        tally.add(&answers(model, row));
    }
    score(model, &tally)
}

fn run_grouped(model: &Model, rows: &[(Option<&str>, Vec<u8>)]) -> Results {
    let mut total = Tally::new(model);
    let mut groups = GroupTallies::new(model, AttributeId::parse("role").unwrap());
    for (value, row) in rows {
        let row = answers(model, row);
        total.add(&row);
        groups.add(*value, &row);
    }
    score_grouped(
        model,
        score(model, &total),
        &groups,
        Policy::of_model(model),
    )
}

fn in_unit(value: Option<f64>) -> bool {
    value.is_none_or(|v| (0.0..=1.0).contains(&v))
}

/// The weighted mean of `(weight, fulfilment)` pairs.
fn weighted_mean(members: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (sum, weights) = members.fold((0.0, 0.0), |(s, t), (w, f)| (s + w * f, t + w));
    sum / weights
}

// ------------------------------------------------------------ properties

fn check_bounds(model: &Model, results: &Results) -> Result<(), TestCaseError> {
    let top = f64::from(model.top_stage().get());
    for area in &results.areas {
        prop_assert!(
            (1.0..=top).contains(&area.score),
            "score {} of {} outside [1, {top}]",
            area.score,
            area.id
        );
        prop_assert_eq!(
            area.score.floor(),
            f64::from(area.stage.get()),
            "{:?}",
            area
        );
        prop_assert_eq!(area.gap.is_none(), area.stage == model.top_stage());
        prop_assert!(in_unit(area.consensus), "{:?}", area);
        for (_, fulfilment) in &area.fulfilment.0 {
            prop_assert!(in_unit(*fulfilment), "{:?}", area);
        }
        if let Some(gap) = &area.gap {
            prop_assert!(in_unit(gap.fulfilment), "{:?}", area);
        }
    }
    let overall = results.overall;
    prop_assert!((1.0..=top).contains(&overall.score), "{:?}", overall);
    prop_assert_eq!(overall.score.floor(), f64::from(overall.stage.get()));
    let lowest = results
        .areas
        .iter()
        .map(|a| a.score)
        .fold(f64::INFINITY, f64::min);
    prop_assert_eq!(overall.score, lowest);
    for item in &results.items {
        prop_assert!(in_unit(item.fulfilment), "{:?}", item);
        prop_assert!(in_unit(item.rwg), "{:?}", item);
        prop_assert_eq!(item.fulfilment.is_none(), item.answered == 0);
        prop_assert_eq!(item.rwg.is_none(), item.answered < 2);
    }
    prop_assert!(in_unit(results.common_language));
    Ok(())
}

/// Raises one given answer below the top of the scale by one point.
fn check_monotone(model: &Model, rows: &[Vec<u8>], pick: &Index) -> Result<(), TestCaseError> {
    let raisable: Vec<(usize, usize)> = rows
        .iter()
        .enumerate()
        .flat_map(|(r, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, a)| (1..POINTS).contains(*a))
                .map(move |(i, _)| (r, i))
        })
        .collect();
    if raisable.is_empty() {
        return Ok(());
    }
    let (r, i) = *pick.get(&raisable);
    let mut raised = rows.to_vec();
    raised[r][i] += 1;
    let before = run(model, rows);
    let after = run(model, &raised);
    for (old, new) in before.areas.iter().zip(&after.areas) {
        prop_assert!(
            new.stage >= old.stage && new.score >= old.score,
            "raising respondent {r}, item {i}: area {} went from {} (stage {}) to {} (stage {})",
            old.id,
            old.score,
            old.stage,
            new.score,
            new.stage
        );
    }
    prop_assert!(after.overall.stage >= before.overall.stage);
    prop_assert!(
        after.overall.score >= before.overall.score,
        "raising respondent {r}, item {i}: overall went from {:?} to {:?}",
        before.overall,
        after.overall
    );
    Ok(())
}

fn check_same_for_mean_and_median(
    mean: &Model,
    median: &Model,
    rows: &[Vec<u8>],
) -> Result<(), TestCaseError> {
    let mut by_mean = serde_json::to_value(run(mean, rows)).unwrap();
    let mut by_median = serde_json::to_value(run(median, rows)).unwrap();
    prop_assert_eq!(&by_mean["aggregate"], "mean");
    prop_assert_eq!(&by_median["aggregate"], "median");
    by_mean["aggregate"] = serde_json::Value::Null;
    by_median["aggregate"] = serde_json::Value::Null;
    prop_assert_eq!(by_mean, by_median);
    Ok(())
}

/// Rule 8, recomputed from the item fulfilments of the results.
fn check_min_items(model: &Model, results: &Results) -> Result<(), TestCaseError> {
    let threshold = results.threshold;
    for area in &results.areas {
        let Some(gap) = &area.gap else { continue };
        prop_assert_eq!(gap.next_stage, area.stage.next());
        prop_assert_eq!(gap.fulfilment, area.fulfilment.get(gap.next_stage));
        let mut candidates: Vec<(&ItemId, f64, f64)> = model
            .items()
            .iter()
            .zip(&results.items)
            .filter(|(item, _)| item.area == area.id && item.stage == gap.next_stage)
            .filter_map(|(item, result)| {
                result.fulfilment.map(|f| (&item.id, item.weight.get(), f))
            })
            .collect();
        let Some(fulfilment) = gap.fulfilment else {
            prop_assert!(candidates.is_empty());
            prop_assert!(gap.min_items.is_empty(), "{:?}", gap);
            continue;
        };
        // The next stage is not reached, so some items are needed.
        prop_assert!(fulfilment < threshold, "{:?}", area);
        prop_assert!(!gap.min_items.is_empty(), "{:?}", gap);

        // The items come in the documented order: gain descending, ties by
        // id ascending.
        candidates.sort_by(|(id_a, w_a, f_a), (id_b, w_b, f_b)| {
            (w_b * (1.0 - f_b))
                .total_cmp(&(w_a * (1.0 - f_a)))
                .then_with(|| id_a.cmp(id_b))
        });
        let count = gap.min_items.len();
        prop_assert!(count <= candidates.len());
        let prefix: Vec<&ItemId> = candidates[..count].iter().map(|(id, _, _)| *id).collect();
        prop_assert_eq!(gap.min_items.iter().collect::<Vec<_>>(), prefix);

        // Raising them reaches the threshold.
        let raised = weighted_mean(
            candidates
                .iter()
                .map(|(id, w, f)| (*w, if gap.min_items.contains(id) { 1.0 } else { *f })),
        );
        prop_assert!(
            raised >= threshold - SLACK,
            "raising {:?} gives {raised}",
            gap.min_items
        );
        // The best count − 1 items (the largest gains) do not.
        let fewer = weighted_mean(
            candidates
                .iter()
                .enumerate()
                .map(|(index, (_, w, f))| (*w, if index + 1 < count { 1.0 } else { *f })),
        );
        prop_assert!(
            fewer < threshold + SLACK,
            "the first {} of {:?} already give {fewer}",
            count - 1,
            gap.min_items
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn tiny_scores_are_bounded(rows in respondents(TINY_ITEMS, 12)) {
        check_bounds(&TINY, &run(&TINY, &rows))?;
        check_bounds(&TINY_MEDIAN, &run(&TINY_MEDIAN, &rows))?;
    }

    #[test]
    fn tiny_raising_an_answer_never_lowers_a_score(
        rows in respondents(TINY_ITEMS, 12),
        pick in any::<Index>(),
    ) {
        check_monotone(&TINY, &rows, &pick)?;
        check_monotone(&TINY_MEDIAN, &rows, &pick)?;
    }

    #[test]
    fn tiny_order_of_respondents_does_not_matter(
        (rows, shuffled) in grouped_respondents(TINY_ITEMS, 14, &["partner", "executive", "other"])
            .prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle())),
    ) {
        let before = serde_json::to_string(&run_grouped(&TINY, &rows)).unwrap();
        let after = serde_json::to_string(&run_grouped(&TINY, &shuffled)).unwrap();
        prop_assert_eq!(before, after);
    }

    #[test]
    fn tiny_mean_and_median_agree_on_unanimous_answers(rows in unanimous(TINY_ITEMS)) {
        check_same_for_mean_and_median(&TINY, &TINY_MEDIAN, &rows)?;
    }

    #[test]
    fn tiny_min_items_are_the_fewest_that_reach_the_threshold(
        rows in respondents(TINY_ITEMS, 12),
    ) {
        check_min_items(&TINY, &run(&TINY, &rows))?;
        check_min_items(&TINY_MEDIAN, &run(&TINY_MEDIAN, &rows))?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn builtin_scores_are_bounded(rows in respondents(BUILTIN_ITEMS, 10)) {
        check_bounds(&BUILTIN, &run(&BUILTIN, &rows))?;
        check_bounds(&BUILTIN_MEDIAN, &run(&BUILTIN_MEDIAN, &rows))?;
    }

    #[test]
    fn builtin_raising_an_answer_never_lowers_a_score(
        rows in respondents(BUILTIN_ITEMS, 10),
        pick in any::<Index>(),
    ) {
        check_monotone(&BUILTIN, &rows, &pick)?;
        check_monotone(&BUILTIN_MEDIAN, &rows, &pick)?;
    }

    #[test]
    fn builtin_order_of_respondents_does_not_matter(
        (rows, shuffled) in grouped_respondents(
            BUILTIN_ITEMS,
            12,
            &["executive", "manager", "employee", "partner", "contractor"],
        )
        .prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle())),
    ) {
        let before = serde_json::to_string(&run_grouped(&BUILTIN, &rows)).unwrap();
        let after = serde_json::to_string(&run_grouped(&BUILTIN, &shuffled)).unwrap();
        prop_assert_eq!(before, after);
    }

    #[test]
    fn builtin_mean_and_median_agree_on_unanimous_answers(rows in unanimous(BUILTIN_ITEMS)) {
        check_same_for_mean_and_median(&BUILTIN, &BUILTIN_MEDIAN, &rows)?;
    }

    #[test]
    fn builtin_min_items_are_the_fewest_that_reach_the_threshold(
        rows in respondents(BUILTIN_ITEMS, 10),
    ) {
        check_min_items(&BUILTIN, &run(&BUILTIN, &rows))?;
        check_min_items(&BUILTIN_MEDIAN, &run(&BUILTIN_MEDIAN, &rows))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Scoring respondents tallied in two parts and merged equals scoring
    /// them tallied at once, grouped or not.
    #[test]
    fn merged_tallies_score_like_one(answers in proptest::collection::vec(proptest::collection::vec(0u8..=5, 48), 0..40), split in 0usize..40) {
        let model = simm_core::builtin_model();
        let role = simm_core::AttributeId::parse("role").unwrap();
        let roles = ["executive", "manager", "employee", "partner"];
        let rows: Vec<Vec<Option<simm_core::Answer>>> = answers
            .iter()
            .map(|row| row.iter().map(|v| simm_core::Answer::new(*v, 5)).collect())
            .collect();
        let split = split.min(rows.len());
        let tally_of = |rows: &[Vec<Option<simm_core::Answer>>], offset: usize| {
            let mut tally = simm_core::Tally::new(&model);
            let mut groups = simm_core::GroupTallies::new(&model, role.clone());
            for (index, row) in rows.iter().enumerate() {
                tally.add(row);
                groups.add(Some(roles[(index + offset) % 4]).filter(|_| !(index + offset).is_multiple_of(5)), row);
            }
            (tally, groups)
        };
        let (whole, whole_groups) = tally_of(&rows, 0);
        let (mut first, mut first_groups) = tally_of(&rows[..split], 0);
        let (second, second_groups) = tally_of(&rows[split..], split);
        first.merge(&second);
        first_groups.merge(second_groups);
        prop_assert_eq!(&first, &whole);
        let merged = serde_json::to_string(&simm_core::score_grouped(&model, simm_core::score(&model, &first), &first_groups, simm_core::Policy::of_model(&model))).unwrap();
        let at_once = serde_json::to_string(&simm_core::score_grouped(&model, simm_core::score(&model, &whole), &whole_groups, simm_core::Policy::of_model(&model))).unwrap();
        prop_assert_eq!(merged, at_once);
    }
}
