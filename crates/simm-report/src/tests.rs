//! Tests of the whole reports, built from the built-in model and answers
//! whose results are worked out by hand in each scenario.

use simm_core::{
    Answer, AreaId, AreaResult, AttributeId, GroupTallies, Model, Policy, StageFulfilment,
    StageLevel, Tally, builtin_model, score, score_grouped,
};

use crate::{area_reason, html, markdown, stage_confidence, stage_probabilities};

fn level(value: u8) -> StageLevel {
    StageLevel::new(value).expect("a valid stage level")
}

/// One respondent's answers: `answer` gives the answer on the 5-point scale
/// for an item id, or `None` for no answer.
fn respondent(model: &Model, answer: impl Fn(&str) -> Option<u8>) -> Vec<Option<Answer>> {
    let points = model.scale().points;
    model
        .items()
        .iter()
        .map(|item| answer(item.id.as_str()).and_then(|value| Answer::new(value, points)))
        .collect()
}

/// The main scenario, with two respondents A and B:
///
/// - every stage-2 statement: 5 and 5, so all areas reach stage 2;
/// - vision, stage 3: 5 and 5, F = 1; stage 4 unanswered. Stage 3, and
///   nobody answered stage 4.
/// - management, stage 3: MG-3-01 1/1 (f 0), MG-3-02 1/5 (f 0.5, r_wg 0),
///   MG-3-03 5/5 (f 1), MG-3-04 4/4 (f 0.75): F = 0.5625, score 2.75. The
///   fewest items to lift it: MG-3-01 alone gives 0.8125.
/// - organization, stage 3: 3 and 3, F = 0.5, score 2.666…, the weakest.
/// - technology: 5 and 5 everywhere, the top stage.
pub(crate) fn scenario_answers(model: &Model) -> Vec<Vec<Option<Answer>>> {
    let answer = |first: bool| {
        move |id: &str| -> Option<u8> {
            let stage = id.split('-').nth(1)?;
            match (id, stage) {
                (_, "2") => Some(5),
                ("MG-3-01", _) => Some(1),
                ("MG-3-02", _) => Some(if first { 1 } else { 5 }),
                ("MG-3-03", _) => Some(5),
                ("MG-3-04", _) => Some(4),
                (id, "3") if id.starts_with("VS") => Some(5),
                (id, "3") if id.starts_with("OR") => Some(3),
                (id, _) if id.starts_with("IT") => Some(5),
                _ => None,
            }
        }
    };
    vec![
        respondent(model, answer(true)),
        respondent(model, answer(false)),
    ]
}

pub(crate) fn scenario(model: &Model) -> simm_core::Results {
    let mut tally = Tally::new(model);
    for answers in scenario_answers(model) {
        tally.add(&answers);
    }
    score(model, &tally)
}

fn area_result(area: &str, stage: u8, fulfilment: &[(u8, Option<f64>)]) -> AreaResult {
    AreaResult {
        id: AreaId::parse(area).expect("a valid area id"),
        stage: level(stage),
        score: f64::from(stage),
        fulfilment: StageFulfilment(
            fulfilment
                .iter()
                .map(|(stage, fulfilment)| (level(*stage), *fulfilment))
                .collect(),
        ),
        consensus: None,
        gap: None,
        score_interval: None,
        fulfilment_interval: None,
        stage_probability: None,
    }
}

/// An area id, its stage, F per stage above the first, and the threshold.
type ReasonCase<'a> = (&'a str, u8, &'a [(u8, Option<f64>)], f64);

#[test]
fn area_reasons() {
    let model = builtin_model();
    let check = |(area, stage, fulfilment, threshold): ReasonCase, expected: &str| {
        let area = area_result(area, stage, fulfilment);
        assert_eq!(area_reason(&model, &area, threshold), expected);
    };
    check(
        (
            "management",
            2,
            &[(2, Some(0.9)), (3, Some(0.58)), (4, None)],
            0.75,
        ),
        "Management stays at stage 2: its stage-3 practices are 58 % in place, 75 % is needed.",
    );
    check(
        (
            "management",
            2,
            &[(2, Some(0.9)), (3, Some(0.749)), (4, None)],
            0.75,
        ),
        "Management stays at stage 2: its stage-3 practices are 74 % in place, 75 % is needed.",
    );
    check(
        (
            "organization",
            1,
            &[(2, Some(0.0)), (3, None), (4, None)],
            0.6,
        ),
        "Organization stays at stage 1: its stage-2 practices are 0 % in place, 60 % is needed.",
    );
    check(
        ("vision", 1, &[(2, None), (3, None), (4, None)], 0.75),
        "Vision and Strategy stays at stage 1: nobody answered its stage-2 statements.",
    );
    check(
        (
            "vision",
            3,
            &[(2, Some(1.0)), (3, Some(0.8)), (4, None)],
            0.75,
        ),
        "Vision and Strategy stays at stage 3: nobody answered its stage-4 statements.",
    );
    check(
        (
            "technology",
            4,
            &[(2, Some(1.0)), (3, Some(1.0)), (4, Some(0.9))],
            0.75,
        ),
        "Information Technology reaches stage 4, the top stage.",
    );
}

/// The stage confidence sentence and the list of probabilities, for an
/// area at `stage` with these stage probabilities (stages 1 to 4).
#[test]
fn stage_confidence_says_when_a_stage_is_close_to_the_line() {
    let model = builtin_model();
    let check = |area: &str,
                 stage: u8,
                 probability: Option<[f64; 4]>,
                 sentence: Option<&str>,
                 list: &str| {
        let mut result = area_result(area, stage, &[(2, Some(0.8)), (3, Some(0.7)), (4, None)]);
        result.stage_probability =
            probability.map(|p| simm_core::ByStage((1..=4).map(level).zip(p).collect()));
        assert_eq!(
            stage_confidence(&model, &result).as_deref(),
            sentence,
            "{probability:?}"
        );
        assert_eq!(stage_probabilities(&result), list, "{probability:?}");
    };
    check(
        "management",
        2,
        Some([0.0, 0.71, 0.29, 0.0]),
        Some(
            "Management is at stage 2, but close to the line: stage 3 is within reach of sampling error (29 %).",
        ),
        "stage 2: 71 %, stage 3: 29 %",
    );
    check(
        "management",
        2,
        Some([0.12, 0.88, 0.0, 0.0]),
        Some("Management is at stage 2, but close to the line: it may still be at stage 1 (12 %)."),
        "stage 1: 12 %, stage 2: 88 %",
    );
    // Both sides, and the stages above summed: reaching stage 3 or beyond.
    check(
        "organization",
        2,
        Some([0.1, 0.8, 0.07, 0.03]),
        Some(
            "Organization is at stage 2, but close to the line: stage 3 is within reach of sampling error (10 %), and it may still be at stage 1 (10 %).",
        ),
        "stage 1: 10 %, stage 2: 80 %, stage 3: 7 %, stage 4: 3 %",
    );
    // Exactly the limit is close; just under it is sure.
    check(
        "vision",
        3,
        Some([0.0, 0.05, 0.95, 0.0]),
        Some(
            "Vision and Strategy is at stage 3, but close to the line: it may still be at stage 2 (5 %).",
        ),
        "stage 2: 5 %, stage 3: 95 %",
    );
    check(
        "vision",
        3,
        Some([0.0, 0.045, 0.955, 0.0]),
        Some("Vision and Strategy is at stage 3 (95 % of resamples agree)."),
        "stage 2: 4 %, stage 3: 95 %",
    );
    check(
        "technology",
        4,
        Some([0.0, 0.0, 0.005, 0.995]),
        Some("Information Technology is at stage 4 (99 % of resamples agree)."),
        "stage 3: < 1 %, stage 4: 99 %",
    );
    check(
        "technology",
        1,
        Some([1.0, 0.0, 0.0, 0.0]),
        Some("Information Technology is at stage 1 (100 % of resamples agree)."),
        "stage 1: 100 %",
    );
    // Results scored without resampling say nothing of it.
    check("technology", 1, None, None, "");
}

#[test]
fn markdown_explains_stages_and_the_roadmap() {
    let model = builtin_model();
    let report = markdown(&model, &scenario(&model));
    let check = |expected: &str| {
        assert!(
            report.contains(expected),
            "the Markdown report lacks {expected:?}:\n{report}"
        );
    };
    check("# Smartsourcing Innovation Model 1.1.0\n");
    check("- Respondents: 2\n");
    check("- Threshold: 75 %.");
    // 2 + 0.5 / 0.75 is 2.666…, cut off rather than rounded to 2.67.
    check("- Overall stage: **2 Functional**, score 2.66, set by the weakest area, Organization.");
    check("Vision and Strategy stays at stage 3: nobody answered its stage-4 statements.");
    check("Management stays at stage 2: its stage-3 practices are 56 % in place, 75 % is needed.");
    check(
        "Organization stays at stage 2: its stage-3 practices are 50 % in place, 75 % is needed.",
    );
    check("Information Technology reaches stage 4, the top stage.");
    check("| 3 Cross-functional | 56 % | █████░░░░░ | not reached |");
    check("| 4 Pervasive | – | ░░░░░░░░░░ | nobody answered |");
    // The weakest area comes first in the roadmap.
    check("### 1. Organization: from stage 2 to stage 3, Cross-functional\n");
    check("### 2. Management: from stage 2 to stage 3, Cross-functional\n");
    check("### 3. Vision and Strategy: from stage 3 to stage 4, Pervasive\n");
    check("Recommended: put this practice fully in place; that alone lifts Management to stage 3.");
    check(
        "1. **MG-3-01** In our organisation, senior management sets aside a budget for innovation projects. (0 % in place)  \n   Practice: Have senior management allocate a dedicated yearly budget for innovation projects.\n",
    );
    check("Further practices: the other stage-3 practices below 75 %.");
    check(
        "- **MG-3-02** Our organisation has a documented process that takes ideas from submission to a decision. (50 % in place)  \n  Practice: Define and publish an innovation process that takes every idea from submission, through evaluation, to a decision.\n",
    );
    check("Stage-4 practices to check:");
    check("- **VS-4-01** ");
    check("(nobody answered)");
    check("Already at the top stage, with no further step: Information Technology.");
    check("respondents disagree about whether this is in place");
    check(
        "| MG-3-02 | Management | Our organisation has a documented process that takes ideas from submission to a decision. | 0.00 |",
    );
    check(
        "| MG-3-01 | Management | 3 | In our organisation, senior management sets aside a budget for innovation projects. | 2 | 0 % | 1.00 |",
    );
    check(
        "| MG-3-02 | Management | 3 | Our organisation has a documented process that takes ideas from submission to a decision. | 2 | 50 % | 0.00 (weak) |",
    );

    // MG-3-04 is exactly at the threshold, so it is no further practice.
    assert!(!report.contains("**MG-3-04**"), "{report}");
    assert!(
        !report.contains("## Results by"),
        "no groups were asked for"
    );
}

#[test]
fn html_carries_the_same_content_and_stays_self_contained() {
    let model = builtin_model();
    let page = html(&model, &scenario(&model));
    for expected in [
        "<!DOCTYPE html>",
        "<html lang=\"en\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "Management stays at stage 2: its stage-3 practices are 56 % in place, 75 % is needed.",
        "Information Technology reaches stage 4, the top stage.",
        "<strong data-practice>MG-3-01</strong> In our organisation, senior management sets aside a budget for innovation projects.",
        "<span class=\"practice\">Have senior management allocate a dedicated yearly budget for innovation projects.</span>",
        "respondents disagree about whether this is in place",
        "<th scope=\"col\">",
        "<th scope=\"row\"",
        "@media print",
        "print-color-adjust: exact",
        "page-break-inside: avoid",
        "role=\"img\"",
        "<title>Radar chart of the area scores</title>",
        "<title>Stage ladder of the areas</title>",
    ] {
        assert!(page.contains(expected), "the page lacks {expected:?}");
    }
    for forbidden in ["<script", "<link", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(forbidden), "the page holds {forbidden:?}");
    }
}

/// The built-in model with hostile texts in a statement, a practice and an
/// area name.
fn hostile_model() -> Model {
    let source = simm_core::BUILTIN_MODEL_SOURCE
        .replace(
            "Our organisation has written plans for the new products or services it intends to develop.",
            r#"<script>alert(1)</script> \"quoted\" | piped"#,
        )
        .replace(
            "Write down a yearly plan for new products or services, with goals and a target date for each one.",
            r#"<script>alert(1)</script> practice \"quoted\""#,
        )
        .replace(
            r#"name = "Vision and Strategy""#,
            r#"name = "Vision <i>&</i> \"Strategy\"""#,
        );
    Model::parse(&source).expect("the edited model stays valid")
}

#[test]
fn model_and_result_texts_are_escaped_in_html() {
    let model = hostile_model();
    let hostile_value = r#"<script>alert(1)</script>""#;
    let everyone = respondent(&model, |_| Some(2));
    let mut total = Tally::new(&model);
    let mut groups = GroupTallies::new(&model, AttributeId::parse("unit").expect("an id"));
    for value in [Some(hostile_value), None] {
        for _ in 0..5 {
            total.add(&everyone);
            groups.add(value, &everyone);
        }
    }
    let page = html(
        &model,
        &score_grouped(
            &model,
            score(&model, &total),
            &groups,
            Policy::of_model(&model),
        ),
    );

    for raw in [
        "<script",
        "alert(1)</script>",
        "<i>",
        "\"quoted\"",
        "\"Strategy\"",
        "<script>alert(1)</script>\"",
    ] {
        assert!(!page.contains(raw), "the page holds {raw:?} unescaped");
    }
    for escaped in [
        // By the template, in the appendix and the roadmap.
        "&#60;script&#62;alert(1)&#60;/script&#62; &#34;quoted&#34; | piped",
        "&#60;script&#62;alert(1)&#60;/script&#62; practice &#34;quoted&#34;",
        // By the SVG functions, in text and in the aria-label attribute.
        "Vision &lt;i&gt;&amp;&lt;/i&gt; &quot;Strategy&quot;",
        "&lt;script&gt;alert(1)&lt;/script&gt;&quot; (n = 5)",
        "(not given)",
    ] {
        assert!(page.contains(escaped), "the page lacks {escaped:?}");
    }
}

#[test]
fn markdown_tables_survive_pipes_and_line_breaks() {
    let source = simm_core::BUILTIN_MODEL_SOURCE.replace(
        "Our organisation has written plans for the new products or services it intends to develop.",
        r"Plans | targets\nand dates",
    );
    let model = Model::parse(&source).expect("the edited model stays valid");
    let mut tally = Tally::new(&model);
    tally.add(&respondent(&model, |_| Some(3)));
    let report = markdown(&model, &score(&model, &tally));
    let row = report
        .lines()
        .find(|line| line.starts_with("| VS-2-01 |"))
        .expect("the appendix has a row for VS-2-01");
    assert_eq!(
        row,
        r"| VS-2-01 | Vision and Strategy | 2 | Plans \| targets and dates | 1 | 50 % | – |"
    );
}

/// Executives and managers (6 each) answer 3 to everything; three partners
/// answer 5. The partners are too few, and the managers are hidden as well
/// (the later of the two smallest shown groups), so that the partners
/// cannot be worked out from the total.
fn grouped_scenario(model: &Model) -> simm_core::Results {
    let middling = respondent(model, |_| Some(3));
    let enthusiastic = respondent(model, |_| Some(5));
    let mut total = Tally::new(model);
    let mut groups = GroupTallies::new(model, AttributeId::parse("role").expect("an id"));
    for (role, count, answers) in [
        ("executive", 6, &middling),
        ("manager", 6, &middling),
        ("partner", 3, &enthusiastic),
    ] {
        for _ in 0..count {
            total.add(answers);
            groups.add(Some(role), answers);
        }
    }
    score_grouped(
        model,
        score(model, &total),
        &groups,
        Policy::of_model(model),
    )
}

#[test]
fn suppressed_groups_show_no_scores() {
    let model = builtin_model();
    let results = grouped_scenario(&model);
    let report = markdown(&model, &results);
    let page = html(&model, &results);

    let check_markdown_row = |expected: &str| {
        assert!(
            report.lines().any(|line| line == expected),
            "no Markdown row {expected:?}:\n{report}"
        );
    };
    // 1 + 0.5 / 0.75 = 1.666…
    check_markdown_row("| executive | 6 | 1.66 | 1.66 | 1.66 | 1.66 | 1.66 |");
    check_markdown_row(
        "| manager | n = 6 — hidden (so that a smaller group cannot be worked out by subtraction) | | | | | |",
    );
    check_markdown_row(
        "| partner | n = 3 — hidden (fewer than 5 respondents, to protect anonymity) | | | | | |",
    );

    let check_html_row = |expected: &str| {
        assert!(page.contains(expected), "no HTML row {expected:?}");
    };
    check_html_row(
        "<tr data-group><th scope=\"row\">partner</th><td class=\"hidden-group\" colspan=\"6\">n = 3 — hidden (fewer than 5 respondents, to protect anonymity)</td></tr>",
    );
    check_html_row(
        "<tr data-group><th scope=\"row\">manager</th><td class=\"hidden-group\" colspan=\"6\">n = 6 — hidden (so that a smaller group cannot be worked out by subtraction)</td></tr>",
    );
    assert!(page.contains("cannot be worked out by subtracting the shown groups from the total"));

    // The partners alone would score 4.00; the total mixes them in at 1.80.
    assert!(!report.contains("4.00"), "{report}");
    assert!(!page.contains(">4.00<"));
    assert!(report.contains("score 1.80"));
}

#[test]
fn model_markdown_describes_the_model() {
    let report = crate::model_markdown(&builtin_model());
    for expected in [
        "# Smartsourcing Innovation Model 1.1.0\n",
        "- Threshold: 75 % of a stage's practices in place\n",
        "### 3 Cross-functional\n",
        "- Senior management supports and encourages innovation.\n",
        "| management | Management |",
        "| role | Role | executive, manager, employee, partner |",
        "| unit | Unit | free text |",
        "| MG-3-01 | 3 | In our organisation, senior management sets aside a budget for innovation projects. | Have senior management allocate a dedicated yearly budget for innovation projects. | 1 |",
    ] {
        assert!(report.contains(expected), "lacks {expected:?}:\n{report}");
    }
}
