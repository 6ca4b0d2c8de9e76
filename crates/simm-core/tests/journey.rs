//! The roadmap's phases and the delta rule between rounds, on small cases
//! computed by hand (docs/scoring.md, "Roadmap" and "Changes between
//! rounds"), and the rate of false "real" changes between two samples of
//! one population.
//!
//! The tiny model (tests/fixtures/tiny.toml), threshold 0.75:
//! area a: A-2-1 (w 1), A-2-2 (w 3) | A-3-2 (w 1), A-3-1 (w 1), A-3-3 (w 2)
//! area b: B-2-1 (w 2), B-2-2 (w 1) | B-3-1 (w 1)

// Only the population and the tiny model are used here.
#[allow(dead_code)]
#[path = "support/coverage.rs"]
mod coverage;

use rand::SeedableRng;
use rand::rngs::StdRng;
use simm_core::{
    Answer, AreaId, Model, Policy, Replicates, Resamples, Results, Round, StageLevel, Tally,
    Target, TrendInput, compare, roadmap, score, trend, with_uncertainty,
};

const SLACK: f64 = 1e-9;

fn model() -> Model {
    coverage::tiny("mean")
}

fn level(stage: u8) -> StageLevel {
    StageLevel::new(stage).expect("a stage")
}

struct Sample {
    tally: Tally,
    resamples: Resamples,
}

/// `count` respondents who all give `row` (0 = no answer), ids prefixed.
fn sample(model: &Model, rows: &[(&[u8], usize)], salt: u64) -> Sample {
    let mut tally = Tally::new(model);
    let mut resamples = Resamples::new(model, Replicates::new(200).expect("valid"), salt);
    let mut id = 0;
    for (row, count) in rows {
        let answers: Vec<Option<Answer>> = row.iter().map(|a| Answer::new(*a, 5)).collect();
        for _ in 0..*count {
            tally.add(&answers);
            resamples.add(&format!("r{id}"), &answers);
            id += 1;
        }
    }
    Sample { tally, resamples }
}

fn scored(model: &Model, sample: &Sample) -> Results {
    with_uncertainty(model, score(model, &sample.tally), &sample.resamples)
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < SLACK
}

// ---------------------------------------------------------------- roadmap

#[test]
fn phases_lift_the_lowest_areas_one_stage_at_a_time() {
    let model = model();
    // Everyone answers alike, so f = (answer − 1) / 4:
    // a: F2 = 1 (stage 2), F3 = (0.5·1 + 0·1 + 0.75·2) / 4 = 0.5.
    // b: F2 = (0.5·2 + 0.25·1) / 3 = 0.4167 (stage 1), F3 = 1.
    let rows: &[(&[u8], usize)] = &[(&[5, 5, 3, 1, 4, 3, 2, 5], 6)];
    let results = scored(&model, &sample(&model, rows, 0));
    let a = AreaId::parse("a").unwrap();
    let b = AreaId::parse("b").unwrap();
    let current = [(a.clone(), level(2)), (b.clone(), level(1))];
    let target = Target::parse(&model, &[("a", 3), ("b", 3)], Some("2027-12-31"), &current)
        .expect("a valid target");
    let plan = roadmap(&model, &results, &target);

    // (phase, lifts as (area, from, to), practices as (item, f, projected)).
    type Expected<'a> = (u32, Vec<(&'a str, u8, u8)>, Vec<(&'a str, f64, f64)>);
    let check = |expected: Vec<Expected<'_>>| {
        assert_eq!(plan.phases.len(), expected.len(), "{plan:#?}");
        for (phase, (number, lifts, practices)) in plan.phases.iter().zip(expected) {
            assert_eq!(phase.phase, number);
            let got: Vec<(&str, u8, u8)> = phase
                .lifts
                .iter()
                .map(|l| (l.area.as_str(), l.from.get(), l.to.get()))
                .collect();
            assert_eq!(got, lifts, "phase {number}");
            assert_eq!(phase.practices.len(), practices.len(), "phase {number}");
            for (practice, (item, f, projected)) in phase.practices.iter().zip(practices) {
                assert_eq!(practice.item.as_str(), item);
                assert!(close(practice.fulfilment.unwrap(), f), "{practice:?}");
                assert!(
                    close(practice.projected_area_score, projected),
                    "{practice:?}"
                );
                let interval = practice.fulfilment_interval.expect("an interval");
                // Identical answers: every replicate agrees.
                assert!(
                    close(interval.low, f) && close(interval.high, f),
                    "{interval:?}"
                );
            }
        }
    };
    check(vec![
        // b is lowest: B-2-1 adds 2·0.5 = 1, B-2-2 1·0.75; raising B-2-1
        // gives F2 = (2 + 0.25) / 3 = 0.75, and with F3 = 1 already, b
        // lands on the top stage: 3.
        (1, vec![("b", 1, 2)], vec![("B-2-1", 0.5, 3.0)]),
        // Both at 2 now. a: A-3-1 adds 1·1, A-3-2 and A-3-3 0.5 each;
        // raising A-3-1 gives F3 = (0.5 + 1 + 1.5) / 4 = 0.75: score 3.
        // b's stage 3 is already in place: a lift without practices.
        (2, vec![("a", 2, 3), ("b", 2, 3)], vec![("A-3-1", 0.0, 3.0)]),
    ]);
    assert!(close(plan.phases[1].lifts[1].fulfilment.unwrap(), 1.0));
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["target"]["areas"], serde_json::json!({"a": 3, "b": 3}));
    assert_eq!(json["phases"][0]["practices"][0]["item"], "B-2-1");
}

#[test]
fn the_roadmap_is_empty_at_the_target_and_lists_unanswered_stages_whole() {
    let model = model();
    // a: stage 2 in place, nobody answered stage 3; b: stage 1.
    let rows: &[(&[u8], usize)] = &[(&[5, 5, 0, 0, 0, 5, 5, 0], 4)];
    let results = scored(&model, &sample(&model, rows, 0));
    let current: Vec<(AreaId, StageLevel)> = results
        .areas
        .iter()
        .map(|a| (a.id.clone(), a.stage))
        .collect();
    assert_eq!(
        current.iter().map(|(_, s)| s.get()).collect::<Vec<_>>(),
        [2, 2]
    );
    let at_target = Target::parse(&model, &[("a", 2), ("b", 1)], None, &current).unwrap();
    assert!(roadmap(&model, &results, &at_target).phases.is_empty());

    let higher = Target::parse(&model, &[("a", 3), ("b", 2)], None, &current).unwrap();
    let plan = roadmap(&model, &results, &higher);
    assert_eq!(plan.phases.len(), 1);
    let items: Vec<&str> = plan.phases[0]
        .practices
        .iter()
        .map(|p| p.item.as_str())
        .collect();
    // Every stage-3 practice of a, in model order; with all three in
    // place a reaches the top stage.
    assert_eq!(items, ["A-3-2", "A-3-1", "A-3-3"]);
    assert!(
        plan.phases[0]
            .practices
            .iter()
            .all(|p| p.fulfilment.is_none())
    );
    assert!(close(plan.phases[0].practices[2].projected_area_score, 3.0));
}

// ------------------------------------------------------------ delta rule

fn round<'a>(model: &'a Model, sample: &'a Sample, policy: Option<Policy>) -> Round<'a> {
    Round {
        model,
        tally: &sample.tally,
        resamples: &sample.resamples,
        policy,
    }
}

#[test]
fn a_change_everyone_agrees_on_is_real_and_no_change_is_not() {
    let model = model();
    let before = sample(&model, &[(&[2; 8], 30)], 1);
    let after = sample(&model, &[(&[5; 8], 30)], 2);
    let change = compare(round(&model, &before, None), round(&model, &after, None));
    // Before: f = 0.25 everywhere, stage 1, score 1 + 0.25 / 0.75 = 4/3.
    // After: f = 1, the top stage: 3. Every replicate agrees.
    let a = change.area(&AreaId::parse("a").unwrap()).expect("a delta");
    assert!(close(a.value, 3.0 - 4.0 / 3.0), "{a:?}");
    assert!(close(a.interval.low, a.value) && close(a.interval.high, a.value));
    assert!(a.real);
    assert!(close(change.overall.unwrap().value, 5.0 / 3.0));
    let item = change
        .item(&simm_core::ItemId::parse("B-3-1").unwrap())
        .unwrap();
    assert!(close(item.value, 0.75) && item.real);
    assert_eq!(change.shared.len(), 8);
    assert!(change.left_out.is_empty());

    let again = sample(&model, &[(&[2; 8], 30)], 3);
    let none = compare(round(&model, &before, None), round(&model, &again, None));
    let a = none.area(&AreaId::parse("a").unwrap()).unwrap();
    assert!(close(a.value, 0.0) && !a.real, "{a:?}");
}

#[test]
fn rounds_under_different_versions_compare_on_the_items_they_share() {
    let earlier_model = model();
    // The later version moves A-3-3 to stage 2 and replaces B-3-1 by a new
    // B-3-9: all three are left out, and area a is compared on A-2-1,
    // A-2-2, A-3-2 and A-3-1.
    let source = include_str!("fixtures/tiny.toml");
    let moved = source.replacen(
        "id = \"A-3-3\"\narea = \"a\"\nstage = 3",
        "id = \"A-3-3\"\narea = \"a\"\nstage = 2",
        1,
    );
    let renamed = moved.replacen("id = \"B-3-1\"", "id = \"B-3-9\"", 1);
    assert!(moved != source && renamed != moved);
    let later_model = Model::parse(&renamed).expect("a valid model");

    let before = sample(&earlier_model, &[(&[3, 3, 3, 3, 5, 3, 3, 5], 10)], 1);
    let after = sample(&later_model, &[(&[5, 5, 5, 1, 1, 5, 5, 5], 10)], 2);
    let change = compare(
        round(&earlier_model, &before, None),
        round(&later_model, &after, None),
    );
    let left_out: Vec<&str> = change.left_out.iter().map(|i| i.as_str()).collect();
    assert_eq!(left_out, ["A-3-3", "B-3-9", "B-3-1"]);
    // Shared items of a. Before: F2 = 0.5 (stage 1), score 1 + 0.5/0.75.
    // After: F2 = 1 (A-3-3 is not counted), F3 = (1·1 + 0·1) / 2 = 0.5:
    // stage 2, score 2 + 0.5/0.75. The change is exactly 1.
    let a = change.area(&AreaId::parse("a").unwrap()).unwrap();
    assert!(close(a.value, 1.0), "{a:?}");
    // b: only stage 2 is shared. Before F2 = 0.5 → 1 + 0.5/0.75; after
    // F2 = 1, and no stage-3 item is shared: stage 2 with no progress, 2.
    let b = change.area(&AreaId::parse("b").unwrap()).unwrap();
    assert!(close(b.value, 2.0 - (1.0 + 0.5 / 0.75)), "{b:?}");
}

#[test]
fn items_too_few_answered_in_either_round_are_left_out() {
    let model = model();
    // In the earlier round only 2 of 6 answer B-3-1; the policy's minimum
    // is 3 (the tiny model's), so B-3-1 is left out of the comparison.
    let before = sample(
        &model,
        &[
            (&[3, 3, 3, 3, 3, 3, 3, 5], 2),
            (&[3, 3, 3, 3, 3, 3, 3, 0], 4),
        ],
        1,
    );
    let after = sample(&model, &[(&[4; 8], 6)], 2);
    let policy = Some(Policy::of_model(&model));
    let change = compare(
        round(&model, &before, policy),
        round(&model, &after, policy),
    );
    let left_out: Vec<&str> = change.left_out.iter().map(|i| i.as_str()).collect();
    assert_eq!(left_out, ["B-3-1"]);
    assert!(
        change
            .item(&simm_core::ItemId::parse("B-3-1").unwrap())
            .is_none()
    );
    // Without a policy (a consultant's own sheets) it is compared.
    let open = compare(round(&model, &before, None), round(&model, &after, None));
    assert!(open.left_out.is_empty());
}

#[test]
fn two_samples_of_one_population_rarely_show_a_real_change() {
    // The delta rule's false alarms: of 300 pairs of samples of 50 from
    // one population, a "real" change of area b's score should appear in
    // about 5 %; well above that would call noise a change, well below
    // would hide real ones.
    let model = model();
    let mut rng = StdRng::seed_from_u64(41);
    let population = coverage::Population::draw(&model, &coverage::LEVELS, 0.15, 20_000, &mut rng);
    let b = AreaId::parse("b").unwrap();
    let pairs: u32 = 300;
    let mut real = 0;
    for pair in 0..pairs {
        let draw = |rng: &mut StdRng, salt: u64| {
            let mut tally = Tally::new(&model);
            let mut resamples = Resamples::new(&model, Replicates::new(200).unwrap(), salt);
            for respondent in 0..50 {
                let row = &population.rows[rand::Rng::random_range(rng, 0..population.rows.len())];
                let answers: Vec<Option<Answer>> = row.iter().map(|a| Answer::new(*a, 5)).collect();
                tally.add(&answers);
                resamples.add(&format!("r{respondent}"), &answers);
            }
            Sample { tally, resamples }
        };
        let before = draw(&mut rng, 2 * u64::from(pair));
        let after = draw(&mut rng, 2 * u64::from(pair) + 1);
        let change = compare(round(&model, &before, None), round(&model, &after, None));
        real += usize::from(change.area(&b).unwrap().real);
    }
    let rate = real as f64 / f64::from(pairs);
    eprintln!("false real changes: {rate}");
    assert!(
        (0.02..=0.09).contains(&rate),
        "false real changes in {rate} of pairs"
    );
}

#[test]
fn a_hidden_round_is_skipped_and_the_next_is_compared_with_the_last_shown() {
    let model = model();
    let first = sample(&model, &[(&[2; 8], 10)], 1);
    let hidden = sample(&model, &[(&[5; 8], 2)], 2);
    let third = sample(&model, &[(&[3; 8], 10)], 3);
    let (first_results, third_results) = (scored(&model, &first), scored(&model, &third));
    let input = |name: &str, s: &'static str, sample, results| TrendInput {
        assessment: name.to_owned(),
        title: s.to_owned(),
        closed_at: None,
        round: round(&model, sample, None),
        results,
    };
    let rounds = [
        input("one", "2024", &first, Some(&first_results)),
        input("two", "2025", &hidden, None),
        input("three", "2026", &third, Some(&third_results)),
    ];
    let trend = trend(&rounds);
    assert_eq!(trend.rounds.len(), 3);
    assert!(trend.rounds[0].areas.as_ref().unwrap()[0].delta.is_none());
    assert!(!trend.rounds[1].shown && trend.rounds[1].areas.is_none());
    assert_eq!(trend.rounds[1].respondents, 2);
    assert_eq!(trend.rounds[2].compared_with, Some(0));
    // 0.25 → 0.5 everywhere: area a from 1 + 0.25/0.75 to 1 + 0.5/0.75.
    let delta = trend.rounds[2].areas.as_ref().unwrap()[0].delta.unwrap();
    assert!(close(delta.value, 0.25 / 0.75) && delta.real, "{delta:?}");
    let json = serde_json::to_value(&trend).unwrap();
    let area = &json["rounds"][2]["areas"][0];
    assert_eq!(area["id"], "a");
    for key in ["stage", "score", "score_interval", "delta"] {
        assert!(area.get(key).is_some(), "no {key}");
    }
    assert_eq!(json["rounds"][1]["overall"], serde_json::Value::Null);
    assert!(json["rounds"][2]["areas"][0]["delta"]["interval"]["low"].is_number());
}

#[test]
fn groups_hidden_in_a_round_stay_hidden_in_their_trend() {
    use simm_core::{AttributeId, GroupResamples, GroupTallies, group_rounds, group_trends};
    let model = model();
    let policy = Policy::of_model(&model);
    let role = AttributeId::parse("role").unwrap();
    // Round 1: 2 partners (too few for k = 3), 5 executives, 5 without a
    // role; the complementary rule hides the group without a role too.
    // Round 2: 4 partners and 4 executives, both shown.
    let breakdown = |groups: &[(Option<&str>, u8, usize)], salt: &str| {
        let mut tallies = GroupTallies::new(&model, role.clone());
        let mut resamples =
            GroupResamples::new(&model, Replicates::DEFAULT, Resamples::salt_of(salt));
        let mut id = 0;
        for (value, answer, count) in groups {
            let answers: Vec<Option<Answer>> = vec![Answer::new(*answer, 5); 8];
            for _ in 0..*count {
                tallies.add(*value, &answers);
                resamples.add(*value, &format!("r{id}"), &answers);
                id += 1;
            }
        }
        (tallies, resamples)
    };
    let first = breakdown(
        &[
            (Some("partner"), 5, 2),
            (Some("executive"), 2, 5),
            (None, 3, 5),
        ],
        "one",
    );
    let second = breakdown(&[(Some("partner"), 4, 4), (Some("executive"), 4, 4)], "two");
    let rounds = [
        group_rounds(&model, &first.0, &first.1, policy),
        group_rounds(&model, &second.0, &second.1, policy),
    ];
    let totals = [first.0.total(), second.0.total()];
    let empty = Resamples::new(&model, Replicates::DEFAULT, 0);
    let meta: Vec<TrendInput<'_>> = ["2025", "2026"]
        .iter()
        .zip(&totals)
        .map(|(title, tally)| TrendInput {
            assessment: (*title).to_owned(),
            title: (*title).to_owned(),
            closed_at: None,
            round: round_of(&model, tally, &empty),
            results: None,
        })
        .collect();
    let trends = group_trends(&role, &meta, &rounds);
    let values: Vec<Option<&str>> = trends.iter().map(|t| t.value.as_deref()).collect();
    assert_eq!(values, [Some("partner"), Some("executive"), None]);
    let partner = &trends[0];
    assert!(!partner.rounds[0].shown && partner.rounds[0].areas.is_none());
    assert!(partner.rounds[1].shown);
    // Nothing shown before: no change, so nothing about round 1's partners
    // can be worked out from round 2's.
    assert!(partner.rounds[1].areas.as_ref().unwrap()[0].delta.is_none());
    let executive = &trends[1];
    let delta = executive.rounds[1].areas.as_ref().unwrap()[0]
        .delta
        .unwrap();
    // 0.25 → 0.75 on every item: area a from 1 + 0.25/0.75 to stage 3.
    assert!(
        close(delta.value, 3.0 - (1.0 + 0.25 / 0.75)) && delta.real,
        "{delta:?}"
    );
    assert!(!trends[2].rounds[0].shown, "the complementary rule holds");
    assert_eq!(trends[2].rounds.len(), 1);
}

fn round_of<'a>(model: &'a Model, tally: &'a Tally, resamples: &'a Resamples) -> Round<'a> {
    Round {
        model,
        tally,
        resamples,
        policy: None,
    }
}
