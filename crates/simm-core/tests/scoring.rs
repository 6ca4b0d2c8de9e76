//! Hand-computed cases for every scoring rule of docs/scoring.md.
//!
//! Each concern has a `check_*` helper and a table of cases. The expected
//! values are worked out by hand in the comments; v = (answer − 1)/(A − 1),
//! so on the 5-point scale the answers 1..5 count 0, .25, .5, .75, 1.
//!
//! The tiny test model has 3 stages, 2 areas, threshold 0.75 and
//! anonymity_min 3. Its items, in model order:
//!
//! | index | id    | area | stage | weight |
//! |-------|-------|------|-------|--------|
//! | 0     | A-2-1 | a    | 2     | 1      |
//! | 1     | A-2-2 | a    | 2     | 3      |
//! | 2     | A-3-2 | a    | 3     | 1      |
//! | 3     | A-3-1 | a    | 3     | 1      |
//! | 4     | A-3-3 | a    | 3     | 2      |
//! | 5     | B-2-1 | b    | 2     | 2      |
//! | 6     | B-2-2 | b    | 2     | 1      |
//! | 7     | B-3-1 | b    | 3     | 1      |
//!
//! A-3-2 comes before A-3-1 on purpose, so that breaking ties by item id is
//! told apart from breaking them by model order.

use serde_json::{Value, json};
use simm_core::{
    Answer, AttributeId, GroupTallies, Model, Policy, Results, Tally, builtin_model, score,
    score_grouped,
};

const TOLERANCE: f64 = 1e-12;

/// Answers per item: `(item id, answers)`, respondent r giving
/// `answers[r]` (0 for no answer). Items left out, and respondents past the
/// end of a shorter list, give no answer. The number of respondents is the
/// longest list.
type Columns<'a> = &'a [(&'a str, &'a [u8])];

/// The tiny model, shared with tests/properties.rs.
const TINY_SOURCE: &str = include_str!("fixtures/tiny.toml");

/// Replaces `from`, which must occur once, in the tiny model.
fn replaced(source: &str, from: &str, to: &str) -> String {
    assert_eq!(source.matches(from).count(), 1, "{from:?}");
    source.replace(from, to)
}

/// The tiny model on a scale of `points` with the `aggregate`.
fn tiny_source(points: u8, aggregate: &str) -> String {
    let labels = (1..=points)
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let source = replaced(
        TINY_SOURCE,
        "points = 5\nlabels = [\"1\", \"2\", \"3\", \"4\", \"5\"]",
        &format!("points = {points}\nlabels = [{labels}]"),
    );
    replaced(
        &source,
        "aggregate = \"mean\"",
        &format!("aggregate = \"{aggregate}\""),
    )
}

fn tiny_with(points: u8, aggregate: &str) -> Model {
    Model::parse(&tiny_source(points, aggregate)).expect("the tiny model is valid")
}

fn tiny() -> Model {
    tiny_with(5, "mean")
}

fn answers(model: &Model, row: &[u8]) -> Vec<Option<Answer>> {
    let points = model.scale().points;
    row.iter()
        .map(|&value| {
            (value != 0).then(|| {
                Answer::new(value, points)
                    .unwrap_or_else(|| panic!("{value} is not on a {points}-point scale"))
            })
        })
        .collect()
}

fn rows(model: &Model, columns: Columns<'_>) -> Vec<Vec<u8>> {
    let respondents = columns.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    let mut rows = vec![vec![0; model.items().len()]; respondents];
    for (id, column) in columns {
        let index = model
            .item_index(id)
            .unwrap_or_else(|| panic!("the model has no item {id}"));
        for (row, &value) in rows.iter_mut().zip(column.iter()) {
            row[index] = value;
        }
    }
    rows
}

fn tally_of(model: &Model, rows: &[Vec<u8>]) -> Tally {
    let mut tally = Tally::new(model);
    for row in rows {
        tally.add(&answers(model, row));
    }
    tally
}

fn results(model: &Model, columns: Columns<'_>) -> Results {
    score(model, &tally_of(model, &rows(model, columns)))
}

fn close(actual: Option<f64>, expected: Option<f64>) -> bool {
    match (actual, expected) {
        (None, None) => true,
        (Some(a), Some(e)) => (a - e).abs() <= TOLERANCE,
        _ => false,
    }
}

fn area<'r>(results: &'r Results, id: &str) -> &'r simm_core::AreaResult {
    results
        .areas
        .iter()
        .find(|a| a.id.as_str() == id)
        .unwrap_or_else(|| panic!("no area {id} in the results"))
}

fn level(level: u8) -> simm_core::StageLevel {
    simm_core::StageLevel::new(level).expect("a valid stage level")
}

// ------------------------------------------------------------ rules 1 and 2

/// Rules 1 and 2, on item A-2-1: the answered count and the fulfilment.
fn check_item(model: &Model, item_answers: &[u8], answered: u64, expected: Option<f64>) {
    let results = results(model, &[("A-2-1", item_answers)]);
    let item = &results.items[0];
    assert_eq!(item.id.as_str(), "A-2-1");
    assert_eq!(
        item.answered,
        answered,
        "answered for {item_answers:?} ({:?}, {} points)",
        model.scoring().aggregate,
        model.scale().points
    );
    assert!(
        close(item.fulfilment, expected),
        "fulfilment for {item_answers:?} ({:?}, {} points): expected {expected:?}, got {:?}",
        model.scoring().aggregate,
        model.scale().points,
        item.fulfilment
    );
}

#[test]
fn item_fulfilment() {
    let mean5 = tiny_with(5, "mean");
    let median5 = tiny_with(5, "median");
    let mean2 = tiny_with(2, "mean");
    let median2 = tiny_with(2, "median");
    let cases: &[(&Model, &[u8], u64, Option<f64>)] = &[
        // Nobody at all, and two respondents who both said "don't know".
        (&mean5, &[], 0, None),
        (&mean5, &[0, 0], 0, None),
        (&median5, &[0], 0, None),
        // Rule 1: v = (answer − 1)/4.
        (&mean5, &[1], 1, Some(0.0)),
        (&mean5, &[3], 1, Some(0.5)),
        (&mean5, &[5], 1, Some(1.0)),
        // (.75 + 1)/2 = .875
        (&mean5, &[4, 5], 2, Some(0.875)),
        // (0 + .25 + 1)/3 = 1.25/3 = .41666…
        (&mean5, &[1, 2, 5], 3, Some(1.25 / 3.0)),
        // (.25 + .75)/2 = .5: the blank is left out, not counted as 0.
        (&mean5, &[2, 0, 4], 2, Some(0.5)),
        // Median, odd count: sorted 1, 2, 5 → 2 → .25 (the mean is .4166…).
        (&median5, &[1, 2, 5], 3, Some(0.25)),
        (&median5, &[5, 1, 2], 3, Some(0.25)),
        // Answers 1, 4, 5 (blanks left out) → 4 → .75.
        (&median5, &[5, 0, 4, 0, 1], 3, Some(0.75)),
        // Median, even count: the mean of the two middle values.
        // 1, 2, 4, 5 → (.25 + .75)/2 = .5
        (&median5, &[1, 2, 4, 5], 4, Some(0.5)),
        // 1, 1, 1, 5 → (0 + 0)/2 = 0
        (&median5, &[1, 1, 1, 5], 4, Some(0.0)),
        // 2, 5 → (.25 + 1)/2 = .625
        (&median5, &[2, 5], 2, Some(0.625)),
        // 2-point scale: v = answer − 1.
        (&mean2, &[2], 1, Some(1.0)),
        // (0 + 1 + 1)/3 = 2/3
        (&mean2, &[1, 2, 2], 3, Some(2.0 / 3.0)),
        (&median2, &[1, 2, 2], 3, Some(1.0)),
        // (0 + 1)/2
        (&median2, &[1, 2], 2, Some(0.5)),
    ];
    for (model, item_answers, answered, expected) in cases {
        check_item(model, item_answers, *answered, *expected);
    }
}

// ------------------------------------------------------------ rule 3

fn check_stage_fulfilment(
    columns: Columns<'_>,
    area_id: &str,
    stage2: Option<f64>,
    stage3: Option<f64>,
) {
    let results = results(&tiny(), columns);
    let area = area(&results, area_id);
    let levels: Vec<u8> = area.fulfilment.0.iter().map(|(l, _)| l.get()).collect();
    assert_eq!(levels, [2, 3], "fulfilment is given for stages 2 and 3");
    for (stage, expected) in [(2, stage2), (3, stage3)] {
        let actual = area.fulfilment.get(level(stage));
        assert!(
            close(actual, expected),
            "F({area_id}, {stage}) for {columns:?}: expected {expected:?}, got {actual:?}"
        );
    }
}

#[test]
fn stage_fulfilment() {
    let cases: &[(Columns<'_>, &str, Option<f64>, Option<f64>)] = &[
        // Nothing answered: undefined at every stage.
        (&[], "a", None, None),
        // (1·1 + 3·0)/4 = .25; unweighted it would be .5.
        (&[("A-2-1", &[5]), ("A-2-2", &[1])], "a", Some(0.25), None),
        // A-2-2 is undefined and left out, not counted as 0: 1·1/1 = 1.
        (&[("A-2-1", &[5])], "a", Some(1.0), None),
        // (1·.5 + 1·.25 + 2·1)/4 = 2.75/4 = .6875
        (
            &[("A-3-2", &[3]), ("A-3-1", &[2]), ("A-3-3", &[5])],
            "a",
            None,
            Some(0.6875),
        ),
        // f(A-2-1) = (1 + .5)/2 = .75, f(A-2-2) = .75 (one answer):
        // (.75 + 3·.75)/4 = .75
        (
            &[("A-2-1", &[5, 3]), ("A-2-2", &[4, 0])],
            "a",
            Some(0.75),
            None,
        ),
        // (2·0 + 1·1)/3 = 1/3; F(b, 3) = .75
        (
            &[("B-2-1", &[1]), ("B-2-2", &[5]), ("B-3-1", &[4])],
            "b",
            Some(1.0 / 3.0),
            Some(0.75),
        ),
        // Items of another area do not count: F(a, 2) = 1.
        (&[("A-2-1", &[5]), ("B-2-1", &[1])], "a", Some(1.0), None),
    ];
    for (columns, area_id, stage2, stage3) in cases {
        check_stage_fulfilment(columns, area_id, *stage2, *stage3);
    }
}

// ------------------------------------------------------------ rules 4 and 5

fn check_area(model: &Model, columns: Columns<'_>, area_id: &str, stage: u8, expected: f64) {
    let results = results(model, columns);
    let area = area(&results, area_id);
    assert_eq!(
        area.stage.get(),
        stage,
        "stage of {area_id} for {columns:?} (fulfilment {:?})",
        area.fulfilment
    );
    assert!(
        (area.score - expected).abs() <= TOLERANCE,
        "score of {area_id} for {columns:?}: expected {expected}, got {}",
        area.score
    );
    assert_eq!(
        area.score.floor(),
        f64::from(stage),
        "the floor of the score is the stage"
    );
}

#[test]
fn area_stage_and_score() {
    let model = tiny();
    // 99 answers of 4 and one of 3: f = (99·3 + 2)/(100·4) = 299/400 = .7475
    let near: Vec<u8> = std::iter::repeat_n(4, 99).chain([3]).collect();
    let all5: Columns<'_> = &[
        ("A-2-1", &[5]),
        ("A-2-2", &[5]),
        ("A-3-2", &[5]),
        ("A-3-1", &[5]),
        ("A-3-3", &[5]),
    ];
    let cases: &[(Columns<'_>, &str, u8, f64)] = &[
        // Nothing answered: stage 1, and F(a, 2) undefined adds 0.
        (&[], "a", 1, 1.0),
        // Everything in place: the top stage, score N + 0.
        (all5, "a", 3, 3.0),
        // All answers 4: F(a, 2) = F(a, 3) = .75 ≥ .75 reaches both stages.
        (
            &[
                ("A-2-1", &[4]),
                ("A-2-2", &[4]),
                ("A-3-2", &[4]),
                ("A-3-1", &[4]),
                ("A-3-3", &[4]),
            ],
            "a",
            3,
            3.0,
        ),
        // F(a, 2) = 1, F(a, 3) = (.5 + .25 + 2·1)/4 = .6875:
        // 2 + .6875/.75 = 2.91666…
        (
            &[
                ("A-2-1", &[5]),
                ("A-2-2", &[5]),
                ("A-3-2", &[3]),
                ("A-3-1", &[2]),
                ("A-3-3", &[5]),
            ],
            "a",
            2,
            2.0 + 0.6875 / 0.75,
        ),
        // No skipping: F(a, 2) = (1 + 3·0)/4 = .25, F(a, 3) = 1 → stage 1,
        // score 1 + .25/.75 = 1.3333… (F(a, 3) plays no part).
        (
            &[
                ("A-2-1", &[5]),
                ("A-2-2", &[1]),
                ("A-3-2", &[5]),
                ("A-3-1", &[5]),
                ("A-3-3", &[5]),
            ],
            "a",
            1,
            1.0 + 0.25 / 0.75,
        ),
        // No skipping over an undefined stage: F(a, 2) undefined,
        // F(a, 3) = 1 → stage 1, score 1 + 0.
        (
            &[("A-3-2", &[5]), ("A-3-1", &[5]), ("A-3-3", &[5])],
            "a",
            1,
            1.0,
        ),
        // F(a, 2) = 1, F(a, 3) undefined: stage 2, score 2 + 0.
        (&[("A-2-1", &[5]), ("A-2-2", &[5])], "a", 2, 2.0),
        // Weights decide: (1·0 + 3·1)/4 = .75 reaches stage 2 (unweighted .5
        // would not).
        (&[("A-2-1", &[1]), ("A-2-2", &[5])], "a", 2, 2.0),
        // Weights decide: (1·1 + 3·.5)/4 = .625 does not reach stage 2
        // (unweighted .75 would); 1 + .625/.75 = 1.8333…
        (
            &[("A-2-1", &[5]), ("A-2-2", &[3])],
            "a",
            1,
            1.0 + 0.625 / 0.75,
        ),
        // Near the threshold: F(a, 2) = .7475 → stage 1, score
        // 1 + .7475/.75 = 1.99666…, whose floor is still 1.
        (
            &[("A-2-1", &near), ("A-2-2", &near)],
            "a",
            1,
            1.0 + 0.7475 / 0.75,
        ),
        // Exactly at the threshold, and nothing of stage 3 in place:
        // F(a, 2) = .75 → stage 2; F(a, 3) = 0 → score 2 + 0/.75 = 2.
        (
            &[
                ("A-2-1", &[4]),
                ("A-2-2", &[4]),
                ("A-3-2", &[1]),
                ("A-3-1", &[1]),
                ("A-3-3", &[1]),
            ],
            "a",
            2,
            2.0,
        ),
        // Nothing of stage 2 in place: F(a, 2) = 0 → 1 + 0.
        (&[("A-2-1", &[1]), ("A-2-2", &[1])], "a", 1, 1.0),
        // f(B-2-1) = (1 + 1 + .75)/3 = 11/12, f(B-2-2) = 0:
        // F(b, 2) = (2·11/12 + 0)/3 = 22/36 → 1 + (22/36)/.75 = 1.8148…
        (
            &[("B-2-1", &[5, 5, 4]), ("B-2-2", &[1])],
            "b",
            1,
            1.0 + (22.0 / 36.0) / 0.75,
        ),
    ];
    for (columns, area_id, stage, expected) in cases {
        check_area(&model, columns, area_id, *stage, *expected);
    }
}

/// Rule 4 says a stage is reached when F ≥ threshold. These cases sit
/// exactly on the threshold in exact arithmetic, with fulfilments that are
/// not binary fractions (thirds, twentieths).
#[test]
fn a_fulfilment_exactly_at_the_threshold_reaches_the_stage() {
    // Built-in model, 3 respondents. VS-2-01: 5, 5, 5 → f = 1.
    // VS-2-02..04: 4, 4, 3 → f = (.75 + .75 + .5)/3 = 2/3.
    // F(vision, 2) = (1 + 3·2/3)/4 = 3/4 = .75 → stage 2; nothing of
    // stage 3 answered → score 2 + 0.
    let builtin = builtin_model();
    check_area(
        &builtin,
        &[
            ("VS-2-01", &[5, 5, 5]),
            ("VS-2-02", &[4, 4, 3]),
            ("VS-2-03", &[4, 4, 3]),
            ("VS-2-04", &[4, 4, 3]),
        ],
        "vision",
        2,
        2.0,
    );
    // Tiny model, 5 respondents. A-2-1: 2, 2, 2, 1, 1 → f = 3/20 = .15.
    // A-2-2: 5, 5, 5, 5, 4 → f = 19/20 = .95.
    // F(a, 2) = (1·.15 + 3·.95)/4 = 3/4 = .75 → stage 2, score 2 + 0.
    check_area(
        &tiny(),
        &[("A-2-1", &[2, 2, 2, 1, 1]), ("A-2-2", &[5, 5, 5, 5, 4])],
        "a",
        2,
        2.0,
    );
}

// ------------------------------------------------------------ rule 6

fn check_overall(columns: Columns<'_>, stage: u8, expected: f64) {
    let results = results(&tiny(), columns);
    assert_eq!(
        results.overall.stage.get(),
        stage,
        "overall stage for {columns:?}"
    );
    assert!(
        (results.overall.score - expected).abs() <= TOLERANCE,
        "overall score for {columns:?}: expected {expected}, got {}",
        results.overall.score
    );
}

#[test]
fn overall() {
    let cases: &[(Columns<'_>, u8, f64)] = &[
        // Nothing answered: both areas 1.0.
        (&[], 1, 1.0),
        // a: F2 = 1, F3 = .6875 → 2.91666…; b: F2 = (2·1 + 0)/3 = 2/3 →
        // 1 + (2/3)/.75 = 1.8888… → b is the weakest.
        (
            &[
                ("A-2-1", &[5]),
                ("A-2-2", &[5]),
                ("A-3-2", &[3]),
                ("A-3-1", &[2]),
                ("A-3-3", &[5]),
                ("B-2-1", &[5]),
                ("B-2-2", &[1]),
            ],
            1,
            1.0 + (2.0 / 3.0) / 0.75,
        ),
        // a: everything 5 → 3.0; b: F2 = 1, F3 = .5 → 2 + .5/.75 = 2.666…
        (
            &[
                ("A-2-1", &[5]),
                ("A-2-2", &[5]),
                ("A-3-2", &[5]),
                ("A-3-1", &[5]),
                ("A-3-3", &[5]),
                ("B-2-1", &[5]),
                ("B-2-2", &[5]),
                ("B-3-1", &[3]),
            ],
            2,
            2.0 + 0.5 / 0.75,
        ),
        // a: F2 = 1, F3 undefined → 2.0; b: F2 = (2·.75 + .375)/3 = .625
        // (B-2-2: 2, 3 → (.25 + .5)/2 = .375) → 1 + .625/.75 = 1.8333…
        (
            &[
                ("A-2-1", &[5, 5]),
                ("A-2-2", &[5, 5]),
                ("B-2-1", &[4, 4]),
                ("B-2-2", &[2, 3]),
            ],
            1,
            1.0 + 0.625 / 0.75,
        ),
        // a: F2 = (1·1 + 3·.5)/4 = .625 → 1.8333…; b: everything 5 → 3.0.
        (
            &[
                ("A-2-1", &[5]),
                ("A-2-2", &[3]),
                ("B-2-1", &[5]),
                ("B-2-2", &[5]),
                ("B-3-1", &[5]),
            ],
            1,
            1.0 + 0.625 / 0.75,
        ),
    ];
    for (columns, stage, expected) in cases {
        check_overall(columns, *stage, *expected);
    }
}

// ------------------------------------------------------------ rule 7

/// r_wg of item A-2-1.
fn check_rwg(model: &Model, item_answers: &[u8], expected: Option<f64>) {
    let results = results(model, &[("A-2-1", item_answers)]);
    let actual = results.items[0].rwg;
    assert!(
        close(actual, expected),
        "r_wg for {item_answers:?} on {} points: expected {expected:?}, got {actual:?}",
        model.scale().points
    );
}

#[test]
fn agreement() {
    // σ² = (A² − 1)/12: 2 on 5 points, .25 on 2 points.
    let five = tiny();
    let five_median = tiny_with(5, "median");
    let two = tiny_with(2, "mean");
    let cases: &[(&Model, &[u8], Option<f64>)] = &[
        // Fewer than two answers: undefined.
        (&five, &[], None),
        (&five, &[3], None),
        (&five, &[3, 0], None),
        (&two, &[1], None),
        // Full agreement: s² = 0 → 1.
        (&five, &[3, 3], Some(1.0)),
        // n = 2: mean 3.5, s² = (.25 + .25)/1 = .5 → 1 − .5/2 = .75.
        (&five, &[3, 4], Some(0.75)),
        // mean 3, s² = (1 + 1)/1 = 2 → 1 − 2/2 = 0.
        (&five, &[2, 4], Some(0.0)),
        // Full disagreement: s² = (4 + 4)/1 = 8 → 1 − 4 = −3, clamped to 0.
        (&five, &[1, 5], Some(0.0)),
        // s² = 4·4/3 = 16/3 → 1 − 8/3 < 0, clamped to 0.
        (&five, &[1, 5, 1, 5], Some(0.0)),
        // mean 3, s² = (1 + 0 + 1)/2 = 1 → 1 − 1/2 = .5.
        (&five, &[2, 3, 4], Some(0.5)),
        // mean 13/3, squares 1/9 + 1/9 + 4/9 = 2/3, s² = 1/3 →
        // 1 − (1/3)/2 = 5/6.
        (&five, &[4, 4, 5], Some(5.0 / 6.0)),
        // The aggregate plays no part in r_wg.
        (&five_median, &[3, 4], Some(0.75)),
        (&five_median, &[4, 0, 4, 5], Some(5.0 / 6.0)),
        // 2 points: mean 1.5, s² = .5 → 1 − .5/.25 = −1, clamped to 0.
        (&two, &[1, 2], Some(0.0)),
        (&two, &[2, 2], Some(1.0)),
        // mean 1.25, squares 3·.0625 + .5625 = .75, s² = .25 → 1 − 1 = 0.
        (&two, &[1, 1, 1, 2], Some(0.0)),
        // mean 1.2, squares 4·.04 + .64 = .8, s² = .2 → 1 − .8 = .2.
        (&two, &[1, 1, 1, 1, 2], Some(0.2)),
    ];
    for (model, item_answers, expected) in cases {
        check_rwg(model, item_answers, *expected);
    }
}

fn check_consensus(
    columns: Columns<'_>,
    consensus_a: Option<f64>,
    consensus_b: Option<f64>,
    common_language: Option<f64>,
) {
    let results = results(&tiny(), columns);
    for (id, expected) in [("a", consensus_a), ("b", consensus_b)] {
        let actual = area(&results, id).consensus;
        assert!(
            close(actual, expected),
            "consensus of {id} for {columns:?}: expected {expected:?}, got {actual:?}"
        );
    }
    assert!(
        close(results.common_language, common_language),
        "common language for {columns:?}: expected {common_language:?}, got {:?}",
        results.common_language
    );
}

#[test]
fn consensus_and_common_language() {
    // (answers, consensus of a, consensus of b, common language)
    type Case<'a> = (Columns<'a>, Option<f64>, Option<f64>, Option<f64>);
    let cases: &[Case<'_>] = &[
        (&[], None, None, None),
        // r_wg: A-2-1 1, A-2-2 .75, A-3-2 undefined (one answer), B-2-1 0.
        // a = (1 + .75)/2 = .875; b = 0; common language is the mean over
        // all items, (1 + .75 + 0)/3 = .58333…, not the mean of the areas.
        (
            &[
                ("A-2-1", &[3, 3]),
                ("A-2-2", &[3, 4]),
                ("A-3-2", &[3]),
                ("B-2-1", &[2, 4]),
            ],
            Some(0.875),
            Some(0.0),
            Some(1.75 / 3.0),
        ),
        // b has only an item with one answer: undefined.
        (
            &[("A-2-1", &[3, 3]), ("B-3-1", &[5])],
            Some(1.0),
            None,
            Some(1.0),
        ),
        // Items of every stage count: A-2-1 0 (clamped), A-3-3 5/6 →
        // a = 5/12.
        (
            &[("A-2-1", &[1, 5]), ("A-3-3", &[4, 4, 5])],
            Some(5.0 / 12.0),
            None,
            Some(5.0 / 12.0),
        ),
    ];
    for (columns, a, b, common) in cases {
        check_consensus(columns, *a, *b, *common);
    }
}

// ------------------------------------------------------------ rule 8

type ExpectedGap<'a> = Option<(u8, Option<f64>, &'a [&'a str])>;

fn check_gap(model: &Model, columns: Columns<'_>, area_id: &str, expected: ExpectedGap<'_>) {
    let results = results(model, columns);
    let area = area(&results, area_id);
    match (&area.gap, expected) {
        (None, None) => {}
        (Some(gap), Some((next, fulfilment, min_items))) => {
            assert_eq!(
                gap.next_stage.get(),
                next,
                "next stage of {area_id} for {columns:?}"
            );
            assert!(
                close(gap.fulfilment, fulfilment),
                "gap fulfilment of {area_id} for {columns:?}: expected {fulfilment:?}, got {:?}",
                gap.fulfilment
            );
            let actual: Vec<&str> = gap.min_items.iter().map(|id| id.as_str()).collect();
            assert_eq!(actual, min_items, "min_items of {area_id} for {columns:?}");
        }
        (actual, expected) => {
            panic!("gap of {area_id} for {columns:?}: expected {expected:?}, got {actual:?}")
        }
    }
}

#[test]
fn gaps() {
    let model = tiny();
    let stage2: [(&str, &[u8]); 2] = [("A-2-1", &[5]), ("A-2-2", &[5])];
    let with_stage2 = |more: &[(&'static str, &'static [u8])]| {
        let mut columns = stage2.to_vec();
        columns.extend_from_slice(more);
        columns
    };
    let f_tie_by_id = with_stage2(&[("A-3-2", &[1]), ("A-3-1", &[1]), ("A-3-3", &[5])]);
    let g_two_items = with_stage2(&[("A-3-2", &[1]), ("A-3-1", &[1]), ("A-3-3", &[1])]);
    let h_tie_weights = with_stage2(&[("A-3-2", &[1]), ("A-3-1", &[5]), ("A-3-3", &[3])]);
    let cases: &[(Columns<'_>, &str, ExpectedGap<'_>)] = &[
        // F(a, 2) = 0. Gains w·(1 − f): A-2-1 1, A-2-2 3. Raising A-2-2:
        // (0 + 3·1)/4 = .75 ✓.
        (
            &[("A-2-1", &[1]), ("A-2-2", &[1])],
            "a",
            Some((2, Some(0.0), &["A-2-2"])),
        ),
        // F = (0 + 3·.5)/4 = .375. Gains: A-2-1 1, A-2-2 1.5. Raising
        // A-2-2: 3/4 = .75 ✓.
        (
            &[("A-2-1", &[1]), ("A-2-2", &[3])],
            "a",
            Some((2, Some(0.375), &["A-2-2"])),
        ),
        // F = (0 + 3·.75)/4 = .5625. Gains: A-2-1 1, A-2-2 .75, so the
        // lighter item comes first: (1 + 2.25)/4 = .8125 ✓.
        (
            &[("A-2-1", &[1]), ("A-2-2", &[4])],
            "a",
            Some((2, Some(0.5625), &["A-2-1"])),
        ),
        // Only A-2-1 answered: F = .25; A-2-2 is no candidate. Raising
        // A-2-1 gives 1 ✓.
        (&[("A-2-1", &[2])], "a", Some((2, Some(0.25), &["A-2-1"]))),
        // Several respondents: f(A-2-1) = (0 + 1)/2 = .5, f(A-2-2) =
        // (0 + .25)/2 = .125; F = (.5 + .375)/4 = .21875. Gains: A-2-1 .5,
        // A-2-2 2.625. Raising A-2-2: (.5 + 3)/4 = .875 ✓.
        (
            &[("A-2-1", &[1, 5]), ("A-2-2", &[1, 2])],
            "a",
            Some((2, Some(0.21875), &["A-2-2"])),
        ),
        // Nothing of stage 2 answered: F undefined, no items.
        (&[], "a", Some((2, None, &[]))),
        (&[("A-2-2", &[0, 0])], "a", Some((2, None, &[]))),
        // The gap is the next stage even when a later one is met.
        (
            &[("A-3-2", &[5]), ("A-3-1", &[5]), ("A-3-3", &[5])],
            "a",
            Some((2, None, &[])),
        ),
        // Stage 2 reached, stage 3 unanswered.
        (&stage2, "a", Some((3, None, &[]))),
        // F(a, 3) = (0 + 0 + 2·1)/4 = .5. Gains: A-3-2 1, A-3-1 1, A-3-3 0.
        // The tie goes to the lower id, A-3-1 (model order would give
        // A-3-2): (0 + 1 + 2)/4 = .75 ✓.
        (&f_tie_by_id, "a", Some((3, Some(0.5), &["A-3-1"]))),
        // F(a, 3) = 0. Gains: A-3-3 2, A-3-1 1, A-3-2 1. A-3-3: 2/4 = .5;
        // then A-3-1 (tie with A-3-2, lower id): 3/4 = .75 ✓.
        (&g_two_items, "a", Some((3, Some(0.0), &["A-3-3", "A-3-1"]))),
        // F(a, 3) = (1·0 + 1·1 + 2·.5)/4 = .5. Gains: A-3-2 1·1 = 1,
        // A-3-1 0, A-3-3 2·.5 = 1. The tie goes to the lower id A-3-2, not
        // to the heavier item: (1 + 1 + 1)/4 = .75 ✓.
        (&h_tie_weights, "a", Some((3, Some(0.5), &["A-3-2"]))),
        // Area b: f(B-2-1) = .25 (gain 2·.75 = 1.5), f(B-2-2) = 0 (gain 1);
        // F = (.5 + 0)/3 = 1/6. B-2-1: (2 + 0)/3 = .667 < .75; then B-2-2:
        // 3/3 = 1 ✓.
        (
            &[("B-2-1", &[2, 2]), ("B-2-2", &[1])],
            "b",
            Some((2, Some(1.0 / 6.0), &["B-2-1", "B-2-2"])),
        ),
        // The top stage has no gap.
        (
            &[
                ("A-2-1", &[5]),
                ("A-2-2", &[5]),
                ("A-3-2", &[5]),
                ("A-3-1", &[5]),
                ("A-3-3", &[5]),
            ],
            "a",
            None,
        ),
        (
            &[("B-2-1", &[4]), ("B-2-2", &[4]), ("B-3-1", &[4])],
            "b",
            None,
        ),
    ];
    for (columns, area_id, expected) in cases {
        check_gap(&model, columns, area_id, *expected);
    }
}

/// Rule 8 in exact arithmetic: raising one item reaches exactly .75.
#[test]
fn min_items_reaching_the_threshold_exactly_are_enough() {
    // Built-in model, 3 respondents. VS-2-01: 1, 1, 1 → f = 0 (gain 1).
    // VS-2-02..04: 4, 4, 3 → f = 2/3 (gain 1/3 each).
    // F(vision, 2) = (0 + 3·2/3)/4 = .5. Raising VS-2-01:
    // (1 + 3·2/3)/4 = 3/4 = .75 ✓, so one item is enough.
    check_gap(
        &builtin_model(),
        &[
            ("VS-2-01", &[1, 1, 1]),
            ("VS-2-02", &[4, 4, 3]),
            ("VS-2-03", &[4, 4, 3]),
            ("VS-2-04", &[4, 4, 3]),
        ],
        "vision",
        Some((2, Some(0.5), &["VS-2-01"])),
    );
}

// ------------------------------------------------------------ rule 9

/// Adds `count` respondents per `(value, count)` member, in order (a value
/// may come back later), and compares the groups as
/// `(value, respondents, suppressed)`.
fn check_groups(
    attribute: &str,
    members: &[(Option<&str>, usize)],
    expected: &[(Option<&str>, u64, bool)],
) {
    let model = tiny();
    let mut total = Tally::new(&model);
    let mut groups = GroupTallies::new(&model, AttributeId::parse(attribute).unwrap());
    let mut by_value: Vec<(Option<&str>, Tally)> = Vec::new();
    for (member, (value, count)) in members.iter().enumerate() {
        // Every member answers differently, so that group scores differ.
        let answer = u8::try_from(member % 5).unwrap() + 1;
        let row = answers(&model, &vec![answer; model.items().len()]);
        for _ in 0..*count {
            total.add(&row);
            groups.add(*value, &row);
            match by_value.iter_mut().find(|(v, _)| v == value) {
                Some((_, tally)) => tally.add(&row),
                None => {
                    let mut tally = Tally::new(&model);
                    tally.add(&row);
                    by_value.push((*value, tally));
                }
            }
        }
    }
    let results = score_grouped(
        &model,
        score(&model, &total),
        &groups,
        Policy::of_model(&model),
    );

    // The totals are those of all respondents.
    let mut plain = score(&model, &total);
    plain.groups.clone_from(&results.groups);
    plain.anonymity_min = results.anonymity_min;
    assert_eq!(
        results, plain,
        "the totals of a grouped result for {members:?}"
    );

    let groups = results
        .groups
        .as_ref()
        .expect("grouped results have groups");
    let actual: Vec<(Option<&str>, u64, bool)> = groups
        .iter()
        .map(|g| (g.value.as_deref(), g.respondents, g.suppressed))
        .collect();
    assert_eq!(actual, expected, "groups for {members:?}");

    for group in groups {
        assert_eq!(group.attribute.as_str(), attribute);
        if group.suppressed {
            assert!(
                group.overall.is_none() && group.areas.is_none() && group.common_language.is_none(),
                "a suppressed group shows nothing: {group:?}"
            );
        } else {
            let tally = &by_value
                .iter()
                .find(|(v, _)| *v == group.value.as_deref())
                .expect("the group's respondents")
                .1;
            let alone = score(&model, tally);
            assert_eq!(group.overall, Some(alone.overall), "{group:?}");
            assert_eq!(group.areas.as_ref(), Some(&alone.areas), "{group:?}");
            assert_eq!(group.common_language, alone.common_language, "{group:?}");
        }
    }
}

#[test]
fn groups() {
    type Members<'a> = &'a [(Option<&'a str>, usize)];
    type Expected<'a> = &'a [(Option<&'a str>, u64, bool)];
    let cases: &[(&str, Members<'_>, Expected<'_>)] = &[
        // Declared order (partner before executive), not sorted order.
        (
            "role",
            &[(Some("executive"), 3), (Some("partner"), 3)],
            &[(Some("partner"), 3, false), (Some("executive"), 3, false)],
        ),
        // Declared values, then other values sorted, then no value.
        (
            "role",
            &[
                (None, 3),
                (Some("zeta"), 3),
                (Some("alpha"), 4),
                (Some("executive"), 3),
                (Some("partner"), 5),
            ],
            &[
                (Some("partner"), 5, false),
                (Some("executive"), 3, false),
                (Some("alpha"), 4, false),
                (Some("zeta"), 3, false),
                (None, 3, false),
            ],
        ),
        // A free-text attribute: values sorted, no value last.
        (
            "unit",
            &[(Some("b-team"), 3), (None, 4), (Some("a-team"), 3)],
            &[
                (Some("a-team"), 3, false),
                (Some("b-team"), 3, false),
                (None, 4, false),
            ],
        ),
        // partner (2 < 3) is suppressed; the smallest other group, alpha
        // (4), goes with it.
        (
            "role",
            &[
                (Some("partner"), 2),
                (Some("executive"), 5),
                (Some("alpha"), 4),
            ],
            &[
                (Some("partner"), 2, true),
                (Some("executive"), 5, false),
                (Some("alpha"), 4, true),
            ],
        ),
        // The complement is the smallest group, not the last one: alpha (1)
        // is suppressed, then partner (3), the smallest of the others.
        (
            "role",
            &[
                (Some("partner"), 3),
                (Some("executive"), 6),
                (Some("beta"), 4),
                (Some("alpha"), 1),
            ],
            &[
                (Some("partner"), 3, true),
                (Some("executive"), 6, false),
                (Some("alpha"), 1, true),
                (Some("beta"), 4, false),
            ],
        ),
        // executive (2) is suppressed; partner and alpha tie at 4, and the
        // later one in order, alpha, goes with it.
        (
            "role",
            &[
                (Some("partner"), 4),
                (Some("executive"), 2),
                (Some("alpha"), 4),
                (None, 5),
            ],
            &[
                (Some("partner"), 4, false),
                (Some("executive"), 2, true),
                (Some("alpha"), 4, true),
                (None, 5, false),
            ],
        ),
        // The group without a value counts too; the tie partner/executive
        // goes to the later one, executive.
        (
            "role",
            &[(Some("partner"), 3), (Some("executive"), 3), (None, 1)],
            &[
                (Some("partner"), 3, false),
                (Some("executive"), 3, true),
                (None, 1, true),
            ],
        ),
        // Two groups too small: no complementary suppression.
        (
            "role",
            &[
                (Some("partner"), 2),
                (Some("executive"), 1),
                (Some("alpha"), 5),
            ],
            &[
                (Some("partner"), 2, true),
                (Some("executive"), 1, true),
                (Some("alpha"), 5, false),
            ],
        ),
        // None too small: nothing suppressed; exactly anonymity_min is
        // enough.
        (
            "role",
            &[(Some("partner"), 3)],
            &[(Some("partner"), 3, false)],
        ),
        // A single group, too small: suppressed, with nothing to pair.
        (
            "role",
            &[(Some("partner"), 2)],
            &[(Some("partner"), 2, true)],
        ),
        ("role", &[(None, 2)], &[(None, 2, true)]),
        // Two groups, one too small: both hidden.
        (
            "role",
            &[(Some("partner"), 5), (Some("executive"), 1)],
            &[(Some("partner"), 5, true), (Some("executive"), 1, true)],
        ),
        // A value that comes back later counts as one group (partner 2 + 1).
        (
            "role",
            &[
                (Some("partner"), 2),
                (Some("executive"), 1),
                (Some("partner"), 1),
            ],
            &[(Some("partner"), 3, true), (Some("executive"), 1, true)],
        ),
    ];
    for (attribute, members, expected) in cases {
        check_groups(attribute, members, expected);
    }
}

// ------------------------------------------------------------ JSON

#[test]
fn json_shape() {
    // Items, in model order:     A-2-1 A-2-2 A-3-2 A-3-1 A-3-3 B-2-1 B-2-2 B-3-1
    // respondent 1:                5     4     3     2     –     3     1     –
    // respondent 2:                5     5     –     –     –     3     2     –
    //
    // f:    A-2-1 1; A-2-2 (.75 + 1)/2 = .875; A-3-2 .5; A-3-1 .25;
    //       B-2-1 .5; B-2-2 (0 + .25)/2 = .125.
    // r_wg: A-2-1 1; A-2-2 1 − .5/2 = .75; B-2-1 1; B-2-2 .75.
    // a: F2 = (1 + 3·.875)/4 = .90625 → stage 2; F3 = (.5 + .25)/2 = .375
    //    → score 2 + .375/.75 = 2.5; consensus (1 + .75)/2 = .875;
    //    gains A-3-2 .5, A-3-1 .75 → raise A-3-1: (.5 + 1)/2 = .75 ✓.
    // b: F2 = (2·.5 + .125)/3 = .375 → stage 1, score 1 + .5 = 1.5;
    //    F3 undefined; consensus .875; gains B-2-1 2·.5 = 1, B-2-2 .875:
    //    B-2-1 → (2 + .125)/3 = .708…; + B-2-2 → 1 ✓.
    // overall: b, (1, 1.5); common language (1 + .75 + 1 + .75)/4 = .875.
    let model = tiny();
    let results = results(
        &model,
        &[
            ("A-2-1", &[5, 5]),
            ("A-2-2", &[4, 5]),
            ("A-3-2", &[3]),
            ("A-3-1", &[2]),
            ("B-2-1", &[3, 3]),
            ("B-2-2", &[1, 2]),
        ],
    );
    let actual = serde_json::to_value(&results).unwrap();
    let expected = json!({
        "model": {"id": "tiny", "version": "0.1.0"},
        "respondents": 2,
        "threshold": 0.75,
        "aggregate": "mean",
        "overall": {"stage": 1, "score": 1.5},
        "common_language": 0.875,
        "areas": [
            {
                "id": "a",
                "stage": 2,
                "score": 2.5,
                "fulfilment": {"2": 0.90625, "3": 0.375},
                "consensus": 0.875,
                "gap": {"next_stage": 3, "fulfilment": 0.375, "min_items": ["A-3-1"]},
            },
            {
                "id": "b",
                "stage": 1,
                "score": 1.5,
                "fulfilment": {"2": 0.375, "3": null},
                "consensus": 0.875,
                "gap": {"next_stage": 2, "fulfilment": 0.375, "min_items": ["B-2-1", "B-2-2"]},
            },
        ],
        "items": [
            {"id": "A-2-1", "area": "a", "stage": 2, "answered": 2, "fulfilment": 1.0, "rwg": 1.0},
            {"id": "A-2-2", "area": "a", "stage": 2, "answered": 2, "fulfilment": 0.875, "rwg": 0.75},
            {"id": "A-3-2", "area": "a", "stage": 3, "answered": 1, "fulfilment": 0.5, "rwg": null},
            {"id": "A-3-1", "area": "a", "stage": 3, "answered": 1, "fulfilment": 0.25, "rwg": null},
            {"id": "A-3-3", "area": "a", "stage": 3, "answered": 0, "fulfilment": null, "rwg": null},
            {"id": "B-2-1", "area": "b", "stage": 2, "answered": 2, "fulfilment": 0.5, "rwg": 1.0},
            {"id": "B-2-2", "area": "b", "stage": 2, "answered": 2, "fulfilment": 0.125, "rwg": 0.75},
            {"id": "B-3-1", "area": "b", "stage": 3, "answered": 0, "fulfilment": null, "rwg": null},
        ],
    });
    assert_eq!(actual, expected);

    // Key order in the text: the top-level keys as documented, and the
    // stage fulfilments by ascending level.
    let text = serde_json::to_string(&results).unwrap();
    let keys = [
        "\"model\"",
        "\"respondents\"",
        "\"threshold\"",
        "\"aggregate\"",
        "\"overall\"",
        "\"common_language\"",
        "\"areas\"",
        "\"items\"",
    ];
    let positions: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(positions.is_sorted(), "top-level key order in {text}");
    assert!(
        text.contains(r#""fulfilment":{"2":0.90625,"3":0.375}"#),
        "{text}"
    );
    assert!(
        !text.contains("\"groups\""),
        "no groups unless grouped: {text}"
    );

    // A median model says so.
    let median = tiny_with(5, "median");
    let value = serde_json::to_value(score(&median, &Tally::new(&median))).unwrap();
    assert_eq!(value["aggregate"], "median");
}

#[test]
fn json_shape_of_groups() {
    // partner 3 (shown), executive 3 (the complement, suppressed),
    // no value 1 (suppressed).
    let model = tiny();
    let mut total = Tally::new(&model);
    let mut groups = GroupTallies::new(&model, AttributeId::parse("role").unwrap());
    let row = answers(&model, &[5, 4, 3, 2, 1, 5, 4, 3]);
    for value in [
        Some("partner"),
        Some("executive"),
        Some("partner"),
        None,
        Some("executive"),
        Some("partner"),
        Some("executive"),
    ] {
        total.add(&row);
        groups.add(value, &row);
    }
    let value = serde_json::to_value(score_grouped(
        &model,
        score(&model, &total),
        &groups,
        Policy::of_model(&model),
    ))
    .unwrap();
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "aggregate",
            "anonymity_min",
            "areas",
            "common_language",
            "groups",
            "items",
            "model",
            "overall",
            "respondents",
            "threshold"
        ]
    );
    let groups = value["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    for group in groups {
        let mut keys: Vec<&str> = group
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "areas",
                "attribute",
                "common_language",
                "overall",
                "respondents",
                "suppressed",
                "value"
            ],
            "{group}"
        );
        assert_eq!(group["attribute"], "role");
    }
    let summary: Vec<(Value, Value, Value)> = groups
        .iter()
        .map(|g| {
            (
                g["value"].clone(),
                g["respondents"].clone(),
                g["suppressed"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!("partner"), json!(3), json!(false)),
            (json!("executive"), json!(3), json!(true)),
            (Value::Null, json!(1), json!(true)),
        ]
    );
    // Shown: the same shape as the totals. Hidden: null.
    let shown = &groups[0];
    assert_eq!(shown["overall"], value["overall"]);
    assert_eq!(shown["areas"], value["areas"]);
    assert_eq!(shown["common_language"], value["common_language"]);
    for hidden in &groups[1..] {
        assert_eq!(hidden["overall"], Value::Null, "{hidden}");
        assert_eq!(hidden["areas"], Value::Null, "{hidden}");
        assert_eq!(hidden["common_language"], Value::Null, "{hidden}");
    }
}

// ------------------------------------------------------------ rule 10

/// Rows for the tiny model: `answered` rows answer every item with 4, the
/// rest answer nothing.
fn rows_with_blanks(model: &Model, answered: usize, blank: usize) -> Vec<Vec<Option<Answer>>> {
    let items = model.items().len();
    let mut rows = vec![answers(model, &vec![4; items]); answered];
    rows.extend(vec![vec![None; items]; blank]);
    rows
}

#[test]
fn blank_respondents_do_not_count_towards_a_group() {
    // k = 3. Executives: 1 real and 4 blank rows; partners: 3 real ones.
    // Counting rows, the executives would be a group of 5 showing one
    // person's exact answers.
    let model = tiny();
    let mut total = Tally::new(&model);
    let mut groups = GroupTallies::new(&model, AttributeId::parse("role").unwrap());
    for (value, answered, blank) in [("executive", 1, 4), ("partner", 3, 0), ("partner", 3, 0)] {
        for row in rows_with_blanks(&model, answered, blank) {
            total.add(&row);
            groups.add(Some(value), &row);
        }
    }
    assert_eq!((total.respondents(), total.answering()), (11, 7));
    let results = score_grouped(
        &model,
        score(&model, &total),
        &groups,
        Policy::of_model(&model),
    );
    let shown: Vec<(&str, u64, bool)> = results
        .groups
        .as_ref()
        .unwrap()
        .iter()
        .map(|g| (g.value.as_deref().unwrap(), g.respondents, g.suppressed))
        .collect();
    // The executives are hidden; alone they would be the total minus the
    // partners, so the partners are hidden too.
    assert_eq!(shown, [("partner", 6, true), ("executive", 5, true)]);
}

#[test]
fn items_answered_by_too_few_are_left_out_of_a_group() {
    // k = 3. A group of 4 answers every item, except A-3-1, which only one
    // of them answers, with a 1. Shown, that item would be that person's
    // answer; left in, it would pull stage 3 of area A down by an amount
    // that gives the answer back.
    let model = tiny();
    let a31 = model.item_index("A-3-1").unwrap();
    let mut total = Tally::new(&model);
    let mut groups = GroupTallies::new(&model, AttributeId::parse("role").unwrap());
    for respondent in 0..4 {
        let mut row = answers(&model, &vec![5; model.items().len()]);
        row[a31] = (respondent == 0).then(|| Answer::new(1, 5).unwrap());
        total.add(&row);
        groups.add(Some("partner"), &row);
        // Another group of 4, so that the first is shown; it leaves
        // A-3-1 out.
        let mut other = answers(&model, &vec![3; model.items().len()]);
        other[a31] = None;
        total.add(&other);
        groups.add(Some("executive"), &other);
    }
    let policy = Policy::of_model(&model);
    let results = score_grouped(&model, score(&model, &total), &groups, policy);
    let partner = &results.groups.as_ref().unwrap()[0];
    assert_eq!(partner.value.as_deref(), Some("partner"));
    assert!(!partner.suppressed);
    // Without A-3-1, every stage-3 item of area A the group answered is a 5.
    let area = partner
        .areas
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.id.as_str() == "a")
        .unwrap();
    assert_eq!(area.fulfilment.get(level(3)), Some(1.0));
    // The whole sheet is the consultant's own data: there the item counts.
    assert_eq!(results.items[a31].answered, 1);
    assert!(!results.items[a31].suppressed);
    assert!(results.items[a31].fulfilment.is_some());
    // Shown under the policy, as the platform shows an assessment, the
    // item is suppressed in the total as well.
    let shown = simm_core::score_shown(&model, &total, policy);
    assert!(shown.items[a31].suppressed);
    assert_eq!(
        (shown.items[a31].fulfilment, shown.items[a31].rwg),
        (None, None)
    );
    let json = serde_json::to_value(&shown).unwrap();
    assert_eq!(json["items"][a31]["suppressed"], true);
    assert_eq!(json["items"][0].get("suppressed"), None);
}
