//! Tests of the calibration report, on a small calibration written out by
//! hand: seven items in two areas, three of them at one location, one
//! suggested move, one flagged DIF comparison among seven, and hostile
//! texts wherever the core passes free text through.

use std::collections::BTreeSet;

use simm_core::{
    AlphaIfDeleted, AreaCalibration, AreaId, Calibration, Dif, Flag, FlagKind, GroupSize,
    HEAVY_OVERLAP, ItemCalibration, ItemId, MapBin, Method, ModelId, ModelRef, PersonSummary,
    StageBand, StageLevel, StageOverlap, Suggestion,
};

use super::wright_map::{LABEL_GAP, spread_labels};
use super::*;
use crate::svg::tests::assert_well_formed;

const HOSTILE: &str = "<script>alert(\"x\")</script>";

fn level(value: u8) -> StageLevel {
    StageLevel::new(value).expect("a valid stage level")
}

fn area_id(id: &str) -> AreaId {
    AreaId::parse(id).expect("a valid area id")
}

fn item_id(id: &str) -> ItemId {
    ItemId::parse(id).expect("a valid item id")
}

/// An item of `area` at `stage` and `location`, with the given flags.
fn item(id: &str, area: &str, stage: u8, location: f64, flags: &[FlagKind]) -> ItemCalibration {
    ItemCalibration {
        id: item_id(id),
        area: area_id(area),
        stage: level(stage),
        answered: 40,
        missing_rate: 0.2,
        mean: Some(3.25),
        sd: Some(1.1),
        item_total_r: Some(0.45),
        location,
        se: 0.21,
        infit: Some(1.02),
        outfit: None,
        thresholds: vec![location - 1.0, location + 1.0],
        categories: vec![1, 2, 3],
        flags: flags
            .iter()
            .map(|kind| Flag {
                kind: *kind,
                detail: format!("detail of {id}: {HOSTILE}"),
            })
            .collect(),
    }
}

fn band(area: Option<&str>, stage: u8, min: f64, max: f64, items: usize) -> StageBand {
    StageBand {
        area: area.map(area_id),
        stage: level(stage),
        items,
        min,
        max,
        mean: (min + max) / 2.0,
    }
}

fn overlap(area: Option<&str>, lower: u8, share: f64) -> StageOverlap {
    StageOverlap {
        area: area.map(area_id),
        lower_stage: level(lower),
        upper_stage: level(lower + 1),
        overlap: share,
        heavy: share >= HEAVY_OVERLAP,
    }
}

fn dif(item: &str, difference: f64, p: f64, flagged: bool) -> Dif {
    Dif {
        item: item_id(item),
        groups: ["<b>lead</b>".to_owned(), "staff".to_owned()],
        difference,
        se: 0.2,
        p,
        flagged,
    }
}

fn calibration() -> Calibration {
    let items = vec![
        item("VS-2-01", "vision", 2, -1.2, &[]),
        item("VS-2-02", "vision", 2, -1.2, &[]),
        item("VS-2-03", "vision", 2, -1.2, &[FlagKind::Missing]),
        item(
            "VS-3-01",
            "vision",
            3,
            0.4,
            &[FlagKind::Underfit, FlagKind::Underfit],
        ),
        item("MG-2-01", "management", 2, -0.8, &[]),
        item(
            "MG-3-01",
            "management",
            3,
            -1.0,
            &[FlagKind::Stage, FlagKind::Dif],
        ),
        item("MG-4-01", "management", 4, 1.5, &[]),
    ];
    let dif_rows = vec![
        dif("VS-2-01", 0.1, 0.6, false),
        dif("VS-2-02", -0.2, 0.3, false),
        dif("VS-2-03", 0.0, 1.0, false),
        dif("VS-3-01", 0.3, 0.2, false),
        dif("MG-2-01", -0.1, 0.7, false),
        dif("MG-3-01", -0.83, 0.0099, true),
        dif("MG-4-01", 0.2, 0.4, false),
    ];
    Calibration {
        model: ModelRef {
            id: ModelId::parse("smartsourcing").expect("a valid model id"),
            version: "1.1.0".to_owned(),
        },
        method: Method::Pcm,
        estimator: "cml",
        respondents: 42,
        iterations: 17,
        areas: vec![
            AreaCalibration {
                id: area_id("vision"),
                alpha: Some(0.8),
                alpha_if_deleted: vec![
                    AlphaIfDeleted {
                        item: item_id("VS-2-01"),
                        alpha: Some(0.75),
                    },
                    AlphaIfDeleted {
                        item: item_id("VS-3-01"),
                        alpha: Some(0.84),
                    },
                ],
            },
            AreaCalibration {
                id: area_id("management"),
                alpha: None,
                alpha_if_deleted: Vec::new(),
            },
        ],
        persons: PersonSummary {
            n: 40,
            extreme_minimum: 1,
            extreme_maximum: 2,
            separation_reliability: Some(0.812),
            mean: Some(0.25),
            sd: Some(1.04),
        },
        stage_bands: vec![
            band(Some("vision"), 2, -1.2, -1.2, 3),
            band(Some("vision"), 3, 0.4, 0.4, 1),
            band(Some("management"), 2, -0.8, -0.8, 1),
            band(None, 2, -1.2, -0.8, 4),
            band(None, 3, -1.0, 0.4, 2),
            band(None, 4, 1.5, 1.5, 1),
        ],
        overlaps: vec![
            overlap(Some("vision"), 2, 0.0),
            overlap(Some("management"), 2, 1.0),
            overlap(None, 2, 0.125),
            overlap(None, 3, 0.0),
        ],
        suggestions: vec![Suggestion {
            item: item_id("MG-3-01"),
            from_stage: level(3),
            to_stage: level(2),
            reason: format!("easier than every stage-2 practice | {HOSTILE}"),
        }],
        items,
        group_by: Some("role".to_owned()),
        groups: Some(vec![
            GroupSize {
                name: "<b>lead</b>".to_owned(),
                respondents: 19,
                problem: None,
            },
            GroupSize {
                name: "staff".to_owned(),
                respondents: 23,
                problem: Some(format!("too few answers {HOSTILE}")),
            },
        ]),
        dif: Some(dif_rows),
        person_map: vec![
            MapBin {
                location: -2.0,
                count: 2,
            },
            MapBin {
                location: -0.25,
                count: 9,
            },
            MapBin {
                location: 0.0,
                count: 14,
            },
            MapBin {
                location: 0.5,
                count: 12,
            },
            MapBin {
                location: 2.75,
                count: 3,
            },
        ],
        notes: vec![format!("a note with {HOSTILE} & more")],
    }
}

fn proposal() -> ProposalSummary<'static> {
    ProposalSummary {
        file_name: "NEW<1>.toml",
        version: "1.1.0",
        applied: 3,
        skipped: vec![(
            "MG-4-01".to_owned(),
            format!("the top stage has no items left {HOSTILE}"),
        )],
    }
}

/// The line of `text` that contains `marker`.
fn line_with<'a>(text: &'a str, marker: &str) -> &'a str {
    text.lines()
        .find(|line| line.contains(marker))
        .unwrap_or_else(|| panic!("no line with {marker:?} in\n{text}"))
}

#[test]
fn markdown_has_every_section() {
    let markdown = calibration_markdown(&calibration(), Some(&proposal()));
    for expected in [
        "# Calibration of smartsourcing 1.1.0\n",
        "- Method: PCM (Masters' partial credit model)",
        "- Estimator: CML (conditional maximum likelihood)",
        "- Respondents: 42",
        "- Iterations: 17",
        "Proposal written to NEW<1>.toml (version 1.1.0): 3 moves, 1 skipped:\n\n- MG-4-01: the top stage has no items left",
        "- Separation reliability: 0.81",
        "- Measures: mean 0.25, SD 1.04 logits",
        "| vision | 4 | 0.80 | VS-3-01 (0.84) |",
        "| management | 3 | – | none |",
        "| VS-2-03 | vision | 2 | 40 | 20.0 % | 3.25 | 1.10 | 0.45 | -1.20 ± 0.21 | 1.02 | – | missing |",
        "| VS-3-01 | vision | 3 |",
        "- **MG-3-01** stage: detail of MG-3-01",
        "| All areas | 2 | 4 | -1.20 | -1.00 | -0.80 |",
        "| MG-3-01 | 3 | 2 | easier than every stage-2 practice \\| <script>",
        "## Differential item functioning by role\n",
        "| <b>lead</b> | 19 |  |",
        "| staff | 23 | too few answers",
        "| MG-3-01 | <b>lead</b> vs staff | -0.83 ± 0.20 | 0.009 |",
        "6 further comparisons are not flagged and not listed; an item is flagged when its locations differ by at least 0.5 logits at p < 0.01.",
        "## Notes\n\n- a note with",
    ] {
        assert!(
            markdown.contains(expected),
            "{expected:?} missing in\n{markdown}"
        );
    }
    // Two underfit flags name the kind once in the table, and twice below.
    assert!(line_with(&markdown, "| VS-3-01 |").ends_with("| underfit |"));
    assert_eq!(markdown.matches("- **VS-3-01** underfit:").count(), 2);
    // Only the flagged DIF comparison gets a row.
    assert!(!markdown.contains("| VS-2-01 | <b>lead</b> vs staff"));
    assert!(markdown.ends_with("& more\n"));
}

#[test]
fn markdown_lists_heavy_overlaps_first() {
    let markdown = calibration_markdown(&calibration(), None);
    let section = &markdown[markdown.find("## Stage overlaps").expect("the section")..];
    let rows: Vec<&str> = section
        .lines()
        .filter(|line| line.starts_with("| ") && line.contains('→'))
        .collect();
    assert_eq!(
        rows,
        [
            "| management | 2 → 3 | 100 % | **heavy** |",
            "| vision | 2 → 3 | 0 % |  |",
            "| All areas | 2 → 3 | 12 % |  |",
            "| All areas | 3 → 4 | 0 % |  |",
        ]
    );
    assert!(!markdown.contains("Proposal written"));
}

#[test]
fn without_grouping_there_is_no_dif_section() {
    let mut calibration = calibration();
    calibration.group_by = None;
    calibration.groups = None;
    calibration.dif = None;
    calibration.suggestions.clear();
    calibration.notes.clear();
    let markdown = calibration_markdown(&calibration, None);
    assert!(!markdown.contains("Differential item functioning"));
    assert!(!markdown.contains("## Notes"));
    assert!(markdown.contains("No item's location contradicts its stage; no move is suggested."));
    let html = calibration_html_fragment(&calibration, None);
    assert!(!html.contains("Differential item functioning"));
    assert!(!html.contains("calibration-notes"));
}

#[test]
fn dif_without_flags_says_so() {
    let mut calibration = calibration();
    for row in calibration.dif.iter_mut().flatten() {
        row.flagged = false;
    }
    let markdown = calibration_markdown(&calibration, None);
    assert!(markdown.contains("None of the 7 comparisons is flagged;"));
    assert!(!markdown.contains("| Item | Groups |"));
}

#[test]
fn proposal_sentences() {
    let sentence = |applied: usize, skipped: usize| {
        let summary = ProposalSummary {
            file_name: "NEW.toml",
            version: "1.1.0",
            applied,
            skipped: (0..skipped)
                .map(|i| (format!("IT-{i}"), "why".to_owned()))
                .collect(),
        };
        let markdown = calibration_markdown(&calibration(), Some(&summary));
        line_with(&markdown, "Proposal written").to_owned()
    };
    assert_eq!(
        sentence(1, 0),
        "Proposal written to NEW.toml (version 1.1.0): 1 move."
    );
    assert_eq!(
        sentence(3, 2),
        "Proposal written to NEW.toml (version 1.1.0): 3 moves, 2 skipped:"
    );
    assert_eq!(
        sentence(0, 1),
        "Proposal written to NEW.toml (version 1.1.0): 0 moves, 1 skipped:"
    );
}

#[test]
fn html_escapes_every_text() {
    let calibration = calibration();
    let proposal = proposal();
    for html in [
        calibration_html(&calibration, Some(&proposal)),
        calibration_html_fragment(&calibration, Some(&proposal)),
    ] {
        assert!(!html.contains("<script"), "unescaped script in\n{html}");
        assert!(!html.contains("<b>lead"), "unescaped group name");
        // Askama writes numeric character references.
        assert!(html.contains("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;"));
        assert!(html.contains("&#60;b&#62;lead&#60;/b&#62; vs staff"));
        assert!(html.contains(
            "Proposal written to NEW&#60;1&#62;.toml (version 1.1.0): 3 moves, 1 skipped:"
        ));
        assert!(html.contains(
            "a note with &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; more"
        ));
    }
}

#[test]
fn html_shows_suggestions_and_flagged_dif() {
    let html = calibration_html_fragment(&calibration(), None);
    assert!(html.contains(
        "<tr><th scope=\"row\" class=\"nowrap\">MG-3-01</th><td class=\"num\">3</td><td class=\"num\">2</td><td>easier than every stage-2 practice | &#60;script&#62;"
    ));
    assert!(html.contains("<td class=\"num\">-0.83 ± 0.20</td><td class=\"num\">0.009</td>"));
    assert!(html.contains("6 further comparisons are not flagged"));
    assert!(html.contains("<tr class=\"flagged\"><th scope=\"row\" class=\"nowrap\">VS-3-01</th>"));
    assert!(html.contains("<span class=\"flag\">underfit</span></td>"));
    assert_eq!(html.matches("class=\"item-marker").count(), 7);
    assert!(!html.contains("Proposal written"));
}

#[test]
fn the_fragment_fits_inside_another_page() {
    let fragment = calibration_html_fragment(&calibration(), Some(&proposal()));
    assert!(fragment.starts_with("<div class=\"simm-calibration\">\n"));
    assert!(fragment.trim_end().ends_with("</div>"));
    for document_only in ["<html", "<head", "<body", "<style", "<!DOCTYPE", "<h1"] {
        assert!(
            !fragment.contains(document_only),
            "{document_only} in the fragment"
        );
    }
    // A console with `style-src 'self'` would refuse style attributes.
    assert!(!fragment.contains(" style="));
    // Every rule of the shared stylesheet is scoped to the wrapper.
    for rule in CALIBRATION_CSS.lines().filter(|line| line.contains('{')) {
        let selector = rule.trim_start();
        assert!(
            selector.starts_with(".simm-calibration") || selector.starts_with("@media"),
            "unscoped rule {rule}"
        );
    }
}

#[test]
fn the_document_stands_alone() {
    let html = calibration_html(&calibration(), None);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("<title>Calibration of smartsourcing 1.1.0</title>"));
    assert!(html.contains("<h1>Calibration of smartsourcing 1.1.0</h1>"));
    assert!(html.contains(CALIBRATION_CSS));
    assert!(html.contains(&calibration_html_fragment(&calibration(), None)));
    for external in ["<script", "<link", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(external), "{external} in the document");
    }
}

// ---------------------------------------------------------------------------
// The item–person map

/// Every number in the attributes that place shapes and texts.
fn coordinates(svg: &str) -> Vec<(String, f64)> {
    let mut found = Vec::new();
    for attribute in ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy"] {
        let needle = format!(" {attribute}=\"");
        for (index, _) in svg.match_indices(&needle) {
            let start = index + needle.len();
            let length = svg[start..].find('"').expect("a closing quote");
            let value: f64 = svg[start..start + length]
                .parse()
                .unwrap_or_else(|_| panic!("a number in {attribute}"));
            found.push((attribute.to_owned(), value));
        }
    }
    for (index, _) in svg.match_indices(" points=\"") {
        let start = index + " points=\"".len();
        let length = svg[start..].find('"').expect("a closing quote");
        for pair in svg[start..start + length].split_whitespace() {
            let (x, y) = pair.split_once(',').expect("x,y");
            found.push(("x".to_owned(), x.parse().expect("a number")));
            found.push(("y".to_owned(), y.parse().expect("a number")));
        }
    }
    found
}

fn view_box(svg: &str) -> (f64, f64) {
    let start = svg.find("viewBox=\"0 0 ").expect("a viewBox") + "viewBox=\"0 0 ".len();
    let length = svg[start..].find('"').expect("a closing quote");
    let (width, height) = svg[start..start + length]
        .split_once(' ')
        .expect("width and height");
    (
        width.parse().expect("a width"),
        height.parse().expect("a height"),
    )
}

fn assert_within_view_box(svg: &str) {
    let (width, height) = view_box(svg);
    for (attribute, value) in coordinates(svg) {
        let limit = if attribute.starts_with('x') || attribute == "cx" {
            width
        } else {
            height
        };
        assert!(
            (0.0..=limit).contains(&value),
            "{attribute}={value} outside 0..={limit}"
        );
    }
}

/// The baselines of the item labels, per x position (one per column).
fn label_baselines(svg: &str) -> Vec<(String, Vec<f64>)> {
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    for line in svg
        .lines()
        .filter(|l| l.starts_with("<text class=\"item-label\""))
    {
        let value = |name: &str| {
            let start = line.find(&format!(" {name}=\"")).expect("the attribute") + name.len() + 3;
            let length = line[start..].find('"').expect("a closing quote");
            line[start..start + length].to_owned()
        };
        let x = value("x");
        let y: f64 = value("y").parse().expect("a number");
        match columns.iter_mut().find(|(column, _)| *column == x) {
            Some((_, ys)) => ys.push(y),
            None => columns.push((x, vec![y])),
        }
    }
    columns
}

#[test]
fn the_map_has_one_marker_per_item() {
    let svg = wright_map(&calibration());
    assert_eq!(svg.matches("class=\"item-marker").count(), 7);
    assert_eq!(svg.matches("class=\"item-marker flagged\"").count(), 3);
    assert_eq!(svg.matches("<text class=\"item-label\"").count(), 7);
    assert_eq!(svg.matches("class=\"person-bin\"").count(), 5);
    // One shaded band per stage column: 2, 3 and 4.
    assert_eq!(svg.matches("class=\"stage-band\"").count(), 3);
    for heading in [">Stage 2<", ">Stage 3<", ">Stage 4<", ">Persons<"] {
        assert!(svg.contains(heading), "{heading} missing");
    }
    // Areas differ in shape: vision circles, management squares.
    assert!(svg.contains("<circle cx="));
    assert!(line_with(&svg, "class=\"item-marker\" fill=\"#d55e00\"").starts_with("<rect "));
    assert!(svg.contains(">vision</text>") && svg.contains(">management</text>"));
}

#[test]
fn the_map_is_accessible_and_well_formed() {
    let svg = wright_map(&calibration());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains(" role=\"img\" aria-label=\"Item–person map of smartsourcing 1.1.0\""));
    assert_eq!(svg.matches("<title>").count(), 1);
    assert!(svg.contains(
        "<desc>Logit scale from -3 (easier items, less mature respondents) to 4 (harder items, more mature respondents). Persons: 40 respondents in bins of 0.25 logits, the most (14) at 0.00."
    ));
    assert!(svg.contains(
        " Stage 3 (band -1.00 to 0.40): VS-3-01 (vision) 0.40, flagged; MG-3-01 (management) -1.00, flagged."
    ));
    assert_well_formed(&svg);
    assert_within_view_box(&svg);
}

#[test]
fn labels_of_items_at_one_location_do_not_overlap() {
    let svg = wright_map(&calibration());
    let columns = label_baselines(&svg);
    assert_eq!(columns.len(), 3, "one label column per stage");
    let (_, stage_two) = &columns[0];
    assert_eq!(stage_two.len(), 4);
    for pair in stage_two.windows(2) {
        assert!(pair[1] - pair[0] >= LABEL_GAP - 0.01, "{stage_two:?}");
    }
    // The three items at -1.2 get a lane each, so their markers sit apart.
    let xs: Vec<String> = svg
        .lines()
        .filter(|line| line.contains("class=\"item-marker") && line.starts_with("<circle"))
        .map(|line| line.split('"').nth(1).expect("cx").to_owned())
        .collect();
    let distinct: BTreeSet<&String> = xs.iter().collect();
    assert!(distinct.len() >= 3, "{xs:?}");
}

#[test]
fn a_crowded_column_grows_the_map_and_stays_inside() {
    let mut calibration = calibration();
    calibration.items = (0..60)
        .map(|i| item(&format!("VS-2-{i:02}"), "vision", 2, 0.5, &[]))
        .collect();
    let svg = wright_map(&calibration);
    assert_eq!(svg.matches("class=\"item-marker").count(), 60);
    let columns = label_baselines(&svg);
    let (_, baselines) = &columns[0];
    for pair in baselines.windows(2) {
        assert!(pair[1] - pair[0] >= LABEL_GAP - 0.01);
    }
    assert_within_view_box(&svg);
    assert_well_formed(&svg);
}

#[test]
fn an_empty_calibration_still_draws() {
    let mut calibration = calibration();
    calibration.items.clear();
    calibration.person_map.clear();
    calibration.stage_bands.clear();
    let svg = wright_map(&calibration);
    assert_eq!(svg.matches("class=\"item-marker").count(), 0);
    assert_well_formed(&svg);
    assert_within_view_box(&svg);
}

#[test]
fn the_map_is_deterministic() {
    assert_eq!(wright_map(&calibration()), wright_map(&calibration()));
    assert_eq!(
        calibration_html(&calibration(), Some(&proposal())),
        calibration_html(&calibration(), Some(&proposal()))
    );
}

#[test]
fn spreading_keeps_labels_apart_and_close_to_their_items() {
    // Three wishes at one place are centred on it.
    assert_eq!(
        spread_labels(&[100.0, 100.0, 100.0], 0.0, 500.0),
        [100.0 - LABEL_GAP, 100.0, 100.0 + LABEL_GAP]
    );
    // Labels far apart stay where they are.
    assert_eq!(spread_labels(&[10.0, 50.0], 0.0, 500.0), [10.0, 50.0]);
    // At the top bound the block is pushed down, at the bottom up.
    assert_eq!(
        spread_labels(&[0.0, 0.0], 5.0, 500.0),
        [5.0, 5.0 + LABEL_GAP]
    );
    assert_eq!(
        spread_labels(&[500.0, 500.0], 0.0, 500.0),
        [500.0 - LABEL_GAP, 500.0]
    );
    // A chain reaction: merging two blocks makes them reach a third.
    let spread = spread_labels(&[100.0, 110.0, 112.0, 114.0], 0.0, 500.0);
    for pair in spread.windows(2) {
        assert!(pair[1] - pair[0] >= LABEL_GAP - 1e-9, "{spread:?}");
    }
}

#[test]
fn thresholds_are_listed_with_their_answer_values_and_disorder() {
    let mut calibration = calibration();
    calibration.items[0].thresholds = vec![-0.5, -0.9];
    calibration.items[0].categories = vec![1, 3, 4];
    let markdown = calibration_markdown(&calibration, None);
    let row = line_with(&markdown, &format!("| {} | 1→3", calibration.items[0].id));
    assert!(row.contains("1→3 -0.50, 3→4 -0.90"), "{row}");
    assert!(row.ends_with("| disordered |"), "{row}");
    let second = &calibration.items[1];
    let row = line_with(&markdown, &format!("| {} | 1→2", second.id));
    assert!(!row.contains("disordered"), "{row}");
    let html = calibration_html_fragment(&calibration, None);
    assert!(html.contains("calibration-thresholds"));
    assert!(html.contains("1→3 -0.50, 3→4 -0.90"));
}
