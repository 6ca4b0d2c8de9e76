//! The journey views on the reports' hand-worked scenario
//! (`crate::tests::scenario`): vision at stage 3 with stage 4 unanswered,
//! management and organization at stage 2, technology at the top.

use simm_core::{
    Replicates, Resamples, Round, Target, Trend, TrendInput, builtin_model, roadmap, score, trend,
    with_uncertainty,
};

use super::*;
use crate::tests::{scenario, scenario_answers};

fn scenario_target(model: &simm_core::Model) -> Target {
    let results = scenario(model);
    let current: Vec<_> = results
        .areas
        .iter()
        .map(|a| (a.id.clone(), a.stage))
        .collect();
    Target::parse(model, &[], Some("2027-12-31"), &current).expect("a target")
}

#[test]
fn the_roadmap_view_names_the_gaps_and_the_phases() {
    let model = builtin_model();
    let results = scenario(&model);
    let plan = roadmap(&model, &results, &scenario_target(&model));
    let view = roadmap_view(&model, &results, &plan);
    let sentences: Vec<&str> = view.targets.iter().map(|t| t.sentence.as_str()).collect();
    assert_eq!(
        sentences,
        [
            "Vision and Strategy: stage 3, target stage 4 by 2027-12",
            "Management: stage 2, target stage 3 by 2027-12",
            "Organization: stage 2, target stage 3 by 2027-12",
            "Information Technology: stage 4, at its target (stage 4)",
        ]
    );
    let headings: Vec<&str> = view.phases.iter().map(|p| p.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "Phase 1: Management to stage 3, Organization to stage 3",
            "Phase 2: Vision and Strategy to stage 4",
        ]
    );
    // Management: MG-3-01 alone lifts F from 0.5625 to 0.8125, stage 3;
    // its stage-4 practices are unanswered, so the score is 3.00.
    let first = &view.phases[0].practices[0];
    assert_eq!(
        (
            first.item.as_str(),
            first.fulfilment.as_str(),
            first.projected.as_str()
        ),
        ("MG-3-01", "0 %", "3.00")
    );
    assert!(
        view.phases[1].lifts[0].contains("nobody answered the stage 4 practices"),
        "{:?}",
        view.phases[1].lifts
    );
    let markdown = roadmap_markdown(&view);
    assert!(markdown.contains("## Phase 2: Vision and Strategy to stage 4"));
    assert!(markdown.contains("| MG-3-01 |"));
    let html = roadmap_html_fragment(&view, Some("/organizations/o/actions/adopt"), "t<k>");
    assert!(html.contains("name=\"item\" value=\"MG-3-01\""));
    assert!(html.contains("value=\"t&#60;k&#62;\"") || html.contains("value=\"t&lt;k&gt;\""));
    assert!(!roadmap_html(&view).contains("Adopt</button>"));
}

fn scored_round(
    model: &simm_core::Model,
    salt: &str,
    better: bool,
) -> (simm_core::Tally, Resamples) {
    let mut tally = simm_core::Tally::new(model);
    let mut resamples = Resamples::new(model, Replicates::DEFAULT, Resamples::salt_of(salt));
    for copy in 0..10 {
        for (index, answers) in scenario_answers(model).into_iter().enumerate() {
            let answers: Vec<_> = if better {
                answers
                    .into_iter()
                    .zip(model.items())
                    .map(|(a, item)| {
                        if item.id.as_str().starts_with("OR-3") {
                            simm_core::Answer::new(5, 5)
                        } else {
                            a
                        }
                    })
                    .collect()
            } else {
                answers
            };
            tally.add(&answers);
            resamples.add(&format!("{copy}-{index}"), &answers);
        }
    }
    (tally, resamples)
}

#[test]
fn the_trend_view_shows_changes_and_the_outcome_of_a_done_action() {
    let model = builtin_model();
    let (first_tally, first_resamples) = scored_round(&model, "one", false);
    let (second_tally, second_resamples) = scored_round(&model, "two", true);
    let first = with_uncertainty(&model, score(&model, &first_tally), &first_resamples);
    let second = with_uncertainty(&model, score(&model, &second_tally), &second_resamples);
    let round = |tally, resamples| Round {
        model: &model,
        tally,
        resamples,
        policy: None,
    };
    let inputs = [
        TrendInput {
            assessment: "a1".into(),
            title: "Baseline".into(),
            closed_at: Some("2025-11-30".into()),
            round: round(&first_tally, &first_resamples),
            results: Some(&first),
        },
        TrendInput {
            assessment: "a2".into(),
            title: "Round 2".into(),
            closed_at: Some("2026-11-30".into()),
            round: round(&second_tally, &second_resamples),
            results: Some(&second),
        },
    ];
    let trend: Trend = trend(&inputs);
    let target = scenario_target(&model);
    let done = [
        ActionDone {
            title: "Bring the units together".into(),
            item: Some("OR-3-01".into()),
            done_at: 1_770_000_000,
            done_on: "2026-02-02".into(),
        },
        ActionDone {
            title: "Later work".into(),
            item: Some("MG-3-01".into()),
            done_at: 1_800_000_000,
            done_on: "2027-01-15".into(),
        },
    ];
    let view = trend_view(&TrendViewInput {
        model: &model,
        trend: &trend,
        latest: Some(&second),
        target: Some(&target),
        closings: &[Some(1_764_460_800), Some(1_795_996_800)],
        done: &done,
    });
    assert_eq!((view.rounds[1].label.as_str(), view.rounds[1].closed.as_str()), ("Round 2", "2026-11-30"));
    let organization = view
        .areas
        .iter()
        .find(|a| a.area == "Organization")
        .unwrap();
    // Organization's stage-3 items went from 3 to 5 for everyone: F 0.5 →
    // 1, stage 2 (2.67) → the stage-4 items are unanswered, so stage 3.00.
    assert_eq!(organization.cells[1].stage, "3");
    assert_eq!(organization.cells[1].real, Some(true));
    assert!(
        organization.cells[1].change.starts_with("+0.33"),
        "{:?}",
        organization.cells[1]
    );
    let vision = view
        .areas
        .iter()
        .find(|a| a.area == "Vision and Strategy")
        .unwrap();
    assert_eq!(vision.cells[1].real, Some(false));
    assert!(vision.cells[1].change.contains("within noise"));
    assert_eq!(view.outcomes.len(), 2);
    assert!(
        view.outcomes[0]
            .change
            .starts_with("Baseline to Round 2: +50 %"),
        "{:?}",
        view.outcomes[0]
    );
    assert_eq!(view.outcomes[0].real, Some(true));
    assert_eq!(
        view.outcomes[1].change,
        "no round has closed since it was done"
    );
    let radar = view.radar.as_deref().expect("a radar");
    assert!(
        radar.contains("Previous round: Baseline") && radar.contains("Target by 2027-12")
    );
    let markdown = trend_markdown(&view);
    assert!(markdown.contains("## Outcomes of actions"));
    let html = trend_html(&view);
    assert!(html.contains("class=\"real\"") && html.contains("<svg"));
}
