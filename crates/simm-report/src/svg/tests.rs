//! Tests of the results charts and the primitives they share.

use simm_core::{
    AreaId, AreaResult, GroupResult, Model, OverallResult, StageFulfilment, StageLevel,
    builtin_model,
};

use super::text::wrap_words;
use super::*;
use crate::format;

fn check(actual: String, expected: &str) {
    assert_eq!(actual, expected);
}

#[test]
fn escaping() {
    check(escape("plain text"), "plain text");
    check(
        escape(r#"<script>alert("x" & 'y')</script>"#),
        "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;",
    );
    check(escape("&amp;"), "&amp;amp;");
    check(escape("Zürich — 5 %"), "Zürich — 5 %");
}

#[test]
fn wrapping() {
    let check = |(text, width): (&str, usize), expected: &[&str]| {
        assert_eq!(wrap_words(text, width), expected);
    };
    check(
        ("Information Technology", 18),
        &["Information", "Technology"],
    );
    check(("Vision and Strategy", 18), &["Vision and", "Strategy"]);
    check(("Management", 18), &["Management"]);
    check(
        ("Extraordinarily-long-word here", 10),
        &["Extraordinarily-long-word", "here"],
    );
    check(("", 10), &[""]);
}

#[test]
fn colours_have_readable_text() {
    let check = |(score, top): (f64, u8), expected: (&str, &str)| {
        let (background, text) = score_colours(score, top);
        assert_eq!((background.as_str(), text.as_str()), expected);
    };
    check((1.0, 4), ("#eaf2fb", "#111111"));
    check((4.0, 4), ("#1d4e89", "#ffffff"));
    check((0.0, 4), ("#eaf2fb", "#111111"));
    check((1.0, 1), ("#eaf2fb", "#111111"));
}

fn area(id: &str, stage: u8, score: f64) -> AreaResult {
    AreaResult {
        id: AreaId::parse(id).expect("a valid id"),
        stage: StageLevel::new(stage).expect("a valid stage"),
        score,
        fulfilment: StageFulfilment::default(),
        consensus: None,
        gap: None,
        score_interval: None,
        fulfilment_interval: None,
        stage_probability: None,
    }
}

fn areas_with_scores(model: &Model, scores: &[f64]) -> Vec<AreaResult> {
    model
        .areas()
        .iter()
        .zip(scores)
        .map(|(model_area, score)| {
            // The whole part of a score is its stage.
            area(model_area.id.as_str(), score.floor() as u8, *score)
        })
        .collect()
}

/// The value of `attribute` in the first element that has `marker`.
fn attribute_of(svg: &str, marker: &str, attribute: &str) -> String {
    let element = svg
        .lines()
        .find(|line| line.contains(marker))
        .unwrap_or_else(|| panic!("no element with {marker:?} in\n{svg}"));
    let start = element
        .find(&format!(" {attribute}=\""))
        .expect("the attribute is present")
        + attribute.len()
        + 3;
    let length = element[start..].find('"').expect("a closing quote");
    element[start..start + length].to_owned()
}

/// Checks that tags nest and close, and that every `&` starts one of
/// the entities [`escape`] writes.
pub(crate) fn assert_well_formed(svg: &str) {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("every tag closes") + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().expect("a tag name");
            open.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed tags: {open:?}");
    for (index, _) in svg.match_indices('&') {
        let entity = &svg[index..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|known| entity.starts_with(known)),
            "a bare & at {:?}",
            &entity[..entity.len().min(12)]
        );
    }
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains(" role=\"img\" aria-label=\""));
    assert_eq!(svg.matches("<title>").count(), 1);
    assert_eq!(svg.matches("<desc>").count(), 1);
}

#[test]
fn radar_points() {
    let model = builtin_model();
    // Four areas: axes point up, right, down and left; ring k of 4 lies
    // at k / 4 of the 150-pixel radius around (280, 220).
    let check = |scores: &[f64], expected: &str| {
        let svg = radar(&model, &areas_with_scores(&model, scores));
        assert_well_formed(&svg);
        let points = attribute_of(&svg, "class=\"scores\"", "points");
        assert_eq!(
            points.split(' ').count(),
            scores.len(),
            "one vertex per area"
        );
        assert_eq!(points, expected);
    };
    check(
        &[1.0, 2.0, 3.0, 4.0],
        "280.00,182.50 355.00,220.00 280.00,332.50 130.00,220.00",
    );
    check(
        &[2.5, 2.5, 2.5, 2.5],
        "280.00,126.25 373.75,220.00 280.00,313.75 186.25,220.00",
    );
    check(
        &[1.0, 1.0, 1.0, 1.0],
        "280.00,182.50 317.50,220.00 280.00,257.50 242.50,220.00",
    );
}

#[test]
fn radar_score_one_lies_on_the_innermost_ring() {
    let model = builtin_model();
    let svg = radar(&model, &areas_with_scores(&model, &[1.0; 4]));
    assert_eq!(
        attribute_of(&svg, "class=\"scores\"", "points"),
        attribute_of(&svg, "class=\"ring\"", "points")
    );
    assert_eq!(
        svg.matches("class=\"ring\"").count(),
        4,
        "one ring per stage"
    );
    assert_eq!(svg.matches("<line ").count(), 4, "one axis per area");
}

#[test]
fn radar_with_few_areas_uses_circles() {
    let model = builtin_model();
    let svg = radar(&model, &areas_with_scores(&model, &[2.0, 3.0]));
    assert_well_formed(&svg);
    assert_eq!(svg.matches("<circle class=\"ring\"").count(), 4);
    check(
        attribute_of(&svg, "class=\"scores\"", "points"),
        "280.00,145.00 280.00,332.50",
    );
    let empty = radar(&model, &[]);
    assert_well_formed(&empty);
    assert!(!empty.contains("class=\"scores\""));
}

#[test]
fn radar_is_deterministic() {
    let model = builtin_model();
    let areas = areas_with_scores(&model, &[1.3, 2.7, 3.1, 4.0]);
    assert_eq!(radar(&model, &areas), radar(&model, &areas));
}

#[test]
fn stage_ladder_places_scores_on_the_steps() {
    let model = builtin_model();
    let areas = areas_with_scores(&model, &[1.0, 2.5, 3.0, 4.0]);
    let overall = OverallResult {
        stage: StageLevel::new(1).expect("a stage"),
        score: 1.0,
        score_interval: None,
    };
    let svg = stage_ladder(&model, &areas, &overall);
    assert_well_formed(&svg);
    // Steps are 127.5 wide from x = 190: score s sits at
    // 190 + (s − 1) × 127.5.
    let markers: Vec<String> = svg
        .lines()
        .filter(|line| line.contains("class=\"area-marker\""))
        .map(|line| attribute_of(line, "area-marker", "cx"))
        .collect();
    assert_eq!(markers, ["190.00", "381.25", "445.00", "572.50"]);
    check(attribute_of(&svg, "overall-marker", "x1"), "190.00");
    for name in [
        "1 Ad hoc",
        "2 Functional",
        "3 Cross-functional",
        "4 Pervasive",
    ] {
        assert!(
            svg.contains(&format!(">{name}</tspan>")),
            "no step {name:?}"
        );
    }
    assert!(svg.contains("Overall 1.00 (stage 1, Ad hoc)"));
}

#[test]
fn heat_map_hides_suppressed_groups() {
    let model = builtin_model();
    let role = simm_core::AttributeId::parse("role").expect("an id");
    let shown = GroupResult {
        attribute: role.clone(),
        value: Some("executive".to_owned()),
        respondents: 7,
        suppressed: false,
        hidden_because: None,
        overall: Some(OverallResult {
            stage: StageLevel::new(2).expect("a stage"),
            score: 2.25,
            score_interval: None,
        }),
        common_language: Some(0.8),
        areas: Some(areas_with_scores(&model, &[2.25, 3.5, 2.75, 4.0])),
    };
    let hidden = GroupResult {
        attribute: role,
        value: None,
        respondents: 3,
        suppressed: true,
        hidden_because: Some(simm_core::HiddenBecause::TooFew),
        overall: None,
        common_language: None,
        areas: None,
    };
    let svg = heat_map(&model, &[shown, hidden], 5);
    assert_well_formed(&svg);
    for text in [
        "2.25",
        "3.50",
        "2.75",
        "4.00",
        "executive (n = 7)",
        "(not given) (n = 3)",
    ] {
        assert!(svg.contains(&format!(">{text}</tspan>")), "no {text:?}");
    }
    assert_eq!(svg.matches("class=\"hidden-group\"").count(), 1);
    assert!(
        svg.contains(
            "(not given): n = 3 — hidden (fewer than 5 respondents, to protect anonymity)"
        )
    );
    // Five score cells for the shown row, four legend swatches, one
    // hidden band: nothing else is filled with a score colour.
    assert_eq!(svg.matches("<rect ").count(), 5 + 4 + 1);
}

/// Every element that has `marker`, one a line.
fn elements<'a>(svg: &'a str, marker: &str) -> Vec<&'a str> {
    svg.lines().filter(|line| line.contains(marker)).collect()
}

// The old charts' markup for these inputs, written before the overlays
// existed: without overlays the charts must stay byte for byte the same.
const LEGACY_RADAR: &str = include_str!("../../tests/fixtures/legacy_radar.svg");
const LEGACY_STAGE_LADDER: &str = include_str!("../../tests/fixtures/legacy_stage_ladder.svg");

#[test]
fn charts_without_overlays_are_unchanged() {
    let model = builtin_model();
    let areas = areas_with_scores(&model, &[1.3, 2.7, 3.1, 4.0]);
    let overall = OverallResult {
        stage: StageLevel::new(2).expect("a stage"),
        score: 2.35,
        score_interval: None,
    };
    check(radar(&model, &areas), LEGACY_RADAR);
    check(
        radar_with_overlays(&model, &areas, &RadarOverlays::default()),
        LEGACY_RADAR,
    );
    check(stage_ladder(&model, &areas, &overall), LEGACY_STAGE_LADDER);
    check(
        stage_ladder_with_targets(&model, &areas, &overall, &[]),
        LEGACY_STAGE_LADDER,
    );
}

#[test]
fn radar_overlays_the_previous_round_and_the_target() {
    let model = builtin_model();
    let areas = areas_with_scores(&model, &[2.0, 3.0, 2.0, 2.0]);
    let targets = [
        ("vision", 3),
        ("management", 3),
        ("organization", 4),
        ("technology", 3),
    ];
    // No previous score for Organization, the third axis.
    let previous = [("vision", 2.0), ("management", 3.0), ("technology", 2.0)];
    let svg = radar_with_overlays(
        &model,
        &areas,
        &RadarOverlays {
            current_label: "This round (2026-11)",
            previous: Some(RadarSeries {
                label: "Previous round <2025-11>",
                values: &previous,
            }),
            target: Some(RadarSeries {
                label: "Target (2027-12)",
                values: &targets,
            }),
        },
    );
    assert_well_formed(&svg);
    // Stage 3 lies on ring 3, at 3 / 4 of the 150-pixel radius, and
    // stage 4 on the outermost ring.
    check(
        attribute_of(&svg, "<polygon class=\"target\"", "points"),
        "280.00,107.50 392.50,220.00 280.00,370.00 167.50,220.00",
    );
    assert!(attribute_of(&svg, "class=\"target\"", "stroke-dasharray") != "none");
    // The previous outline skips the axis without a value: one run from
    // Information Technology (left) over Vision (up) to Management
    // (right), and no line down to the centre.
    check(
        attribute_of(&svg, "<path class=\"previous\"", "d"),
        "M205.00,220.00 L280.00,145.00 L392.50,220.00",
    );
    assert_ne!(
        attribute_of(&svg, "class=\"previous\"", "stroke-dasharray"),
        attribute_of(&svg, "class=\"target\"", "stroke-dasharray"),
        "the series differ in greyscale too"
    );
    assert_eq!(elements(&svg, "class=\"target-vertex\"").len(), 4);
    assert_eq!(elements(&svg, "class=\"previous-vertex\"").len(), 3);
    for label in [
        "This round (2026-11)",
        "Previous round &lt;2025-11&gt;",
        "Target (2027-12)",
    ] {
        assert!(svg.contains(&format!(">{label}</tspan>")), "no {label:?}");
    }
    assert!(svg.contains(
        "Previous round &lt;2025-11&gt;: Vision and Strategy 2.00, Management 3.00, Organization no value, Information Technology 2.00."
    ));
    assert!(svg.contains(
        "Target (2027-12): Vision and Strategy stage 3, Management stage 3, Organization stage 4, Information Technology stage 3."
    ));
    // The legend adds rows below the chart.
    check(attribute_of(&svg, "<svg", "height"), "502.00");
}

#[test]
fn radar_overlay_gaps() {
    let model = builtin_model();
    let areas = areas_with_scores(&model, &[2.0, 2.0, 2.0, 2.0]);
    let draw = |values: &[(&str, u8)]| {
        radar_with_overlays(
            &model,
            &areas,
            &RadarOverlays {
                current_label: "",
                previous: None,
                target: Some(RadarSeries {
                    label: "Target",
                    values,
                }),
            },
        )
    };
    // A run that wraps past the first axis stays one subpath.
    let svg = draw(&[("vision", 4), ("organization", 4), ("technology", 4)]);
    assert_well_formed(&svg);
    check(
        attribute_of(&svg, "class=\"target\"", "d"),
        "M280.00,370.00 L130.00,220.00 L280.00,70.00",
    );
    // Two lone values: no line, only their markers.
    let svg = draw(&[("vision", 4), ("organization", 4)]);
    assert!(!svg.contains("class=\"target\""));
    assert_eq!(elements(&svg, "class=\"target-vertex\"").len(), 2);
    assert!(svg.contains(">Current scores</tspan>"));
}

#[test]
fn stage_ladder_marks_targets() {
    let model = builtin_model();
    let areas = areas_with_scores(&model, &[1.0, 2.5, 3.0, 4.0]);
    let overall = OverallResult {
        stage: StageLevel::new(2).expect("a stage"),
        score: 2.6,
        score_interval: None,
    };
    let svg = stage_ladder_with_targets(
        &model,
        &areas,
        &overall,
        &[("vision", 3), ("technology", 4), ("unknown", 2)],
    );
    assert_well_formed(&svg);
    let marks = elements(&svg, "class=\"target-marker\"");
    assert_eq!(marks.len(), 2, "one mark per listed area of the chart");
    // Step 3 starts at 190 + 2 × 127.5; the diamond reaches 10 either
    // side of it. The four steps of 26 end at 48 + 104 = 152, the lanes
    // of 34 start 12 lower, so Vision's lane (the first) is centred at
    // 181 and Information Technology's (the fourth) at 283.
    check(
        attribute_of(marks[0], "target-marker", "points"),
        "435.00,181.00 445.00,171.00 455.00,181.00 445.00,191.00",
    );
    check(
        attribute_of(marks[1], "target-marker", "points"),
        "562.50,283.00 572.50,273.00 582.50,283.00 572.50,293.00",
    );
    assert!(svg.contains(">target 3</tspan>"));
    assert!(svg.contains(">target 4</tspan>"));
    assert!(svg.contains(" Targets: Vision and Strategy stage 3, Information Technology stage 4."));
}

fn round<'a>(
    label: &'a str,
    score: Option<f64>,
    interval: Option<(f64, f64)>,
    change: Option<(f64, bool)>,
) -> TrendRound<'a> {
    TrendRound {
        label,
        score,
        interval,
        change: change.map(|(value, real)| TrendChange { value, real }),
    }
}

/// Where the trend chart puts a score when the title takes one line: the
/// plot's bottom, score 1, lies at 20 + 14 + 3 × 34 = 136, and each
/// stage is 34 pixels up.
fn trend_y(score: f64) -> String {
    format::decimal(136.0 - (score - 1.0) * 34.0)
}

#[test]
fn trend_draws_scores_intervals_and_the_target() {
    let rounds = [
        round("2025-11", Some(2.1), Some((1.85, 2.35)), None),
        round("2026-11", Some(2.52), Some((2.3, 2.74)), Some((0.42, true))),
        round("2027-05", Some(2.6), Some((2.2, 3.05)), Some((0.08, false))),
    ];
    let svg = trend(&TrendSeries {
        area: "Vision and Strategy",
        top_stage: 4,
        stage_names: &[],
        target: Some(3),
        rounds: &rounds,
    });
    assert_well_formed(&svg);
    let whiskers = elements(&svg, "class=\"interval\"");
    assert_eq!(whiskers.len(), 3);
    for (whisker, (low, high)) in whiskers
        .iter()
        .zip([(1.85, 2.35), (2.3, 2.74), (2.2, 3.05)])
    {
        check(attribute_of(whisker, "interval", "y1"), &trend_y(low));
        check(attribute_of(whisker, "interval", "y2"), &trend_y(high));
    }
    assert_eq!(elements(&svg, "class=\"interval-cap\"").len(), 6);
    // Three columns of 76 from x = 28: the rounds sit at 66, 142, 218.
    check(
        attribute_of(&svg, "class=\"trend-line\"", "d"),
        &format!(
            "M66.00,{} L142.00,{} L218.00,{}",
            trend_y(2.1),
            trend_y(2.52),
            trend_y(2.6)
        ),
    );
    check(attribute_of(&svg, "class=\"target\"", "y1"), &trend_y(3.0));
    assert!(svg.contains(">target 3</tspan>"));
    assert_eq!(elements(&svg, "class=\"stage-grid\"").len(), 4);
    let real = elements(&svg, "real-change");
    assert_eq!(real.len(), 1);
    check(attribute_of(real[0], "real-change", "cx"), "142.00");
    assert_eq!(elements(&svg, "class=\"round-score").len(), 3);
    assert!(svg.contains(
        "<desc>Vision and Strategy over 3 rounds on a score axis from stage 1 to stage 4; target stage 3. 2025-11: 2.10 (95 % interval 1.85 to 2.35). 2026-11: 2.52 (95 % interval 2.30 to 2.74), up 0.42, a real change. 2027-05: 2.60 (95 % interval 2.20 to 3.05), up 0.08, change within noise.</desc>"
    ));
}

#[test]
fn trend_breaks_the_line_at_a_missing_round() {
    let rounds = [
        round("2024", Some(1.5), None, None),
        round("2025", None, None, None),
        round("2026", Some(2.0), None, None),
        round("2027", Some(2.5), None, Some((-0.5, true))),
    ];
    let svg = trend(&TrendSeries {
        area: "Management",
        top_stage: 4,
        stage_names: &["Ad hoc", "Functional", "Cross-functional", "Pervasive"],
        target: None,
        rounds: &rounds,
    });
    assert_well_formed(&svg);
    // With stage names the plot starts at 128; the first round, alone in
    // its run, starts a subpath that draws nothing.
    check(
        attribute_of(&svg, "class=\"trend-line\"", "d"),
        &format!(
            "M166.00,{} M318.00,{} L394.00,{}",
            trend_y(1.5),
            trend_y(2.0),
            trend_y(2.5)
        ),
    );
    assert_eq!(elements(&svg, "class=\"round-score").len(), 3);
    assert!(svg.contains(">no score</tspan>"));
    assert!(svg.contains(">3 Cross-functional</tspan>"));
    assert!(!svg.contains("class=\"target\""));
    assert!(svg.contains("2025: no score. 2026: 2.00. 2027: 2.50, down 0.50, a real change."));
}

#[test]
fn trend_of_one_round_is_a_point() {
    let rounds = [round("2026-11", Some(3.2), Some((2.9, 3.5)), None)];
    let svg = trend(&TrendSeries {
        area: "Organization",
        top_stage: 4,
        stage_names: &[],
        target: None,
        rounds: &rounds,
    });
    assert_well_formed(&svg);
    assert!(!svg.contains("class=\"trend-line\""));
    assert_eq!(elements(&svg, "class=\"round-score").len(), 1);
    // One round still gets the least plot width, and no legend of changes.
    check(attribute_of(&svg, "<svg", "width"), "320.00");
    assert!(!svg.contains("real change</tspan>"));
}

#[test]
fn trend_escapes_and_wraps_labels() {
    let rounds = [
        round("Spring <survey> round of 2026", Some(2.0), None, None),
        round("R&D \"autumn\" 2026", Some(2.2), None, Some((0.2, false))),
    ];
    let svg = trend(&TrendSeries {
        area: "R&D <lab> with a rather long area name that needs two lines at least",
        top_stage: 4,
        stage_names: &[],
        target: None,
        rounds: &rounds,
    });
    assert_well_formed(&svg);
    assert!(svg.contains("aria-label=\"Trend of R&amp;D &lt;lab&gt; with"));
    assert!(!svg.contains("<lab>") && !svg.contains("<survey>"));
    // A column of 114 holds 18 characters a line.
    for line in [
        "Spring &lt;survey&gt;",
        "round of 2026",
        "R&amp;D &quot;autumn&quot;",
    ] {
        assert!(svg.contains(&format!(">{line}</tspan>")), "no {line:?}");
    }
    // The title wraps, and the plot moves down by its second line.
    check(
        attribute_of(&svg, "class=\"stage-grid\"", "y1"),
        &format::decimal(136.0 + 14.0),
    );
}
