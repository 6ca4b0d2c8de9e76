//! The stage ladder: the stages as steps, each area's score on them, and
//! optionally each area's target stage.

use std::fmt::Write as _;

use simm_core::{AreaResult, Model, OverallResult};

use super::ink::{GRID, INK, OVERALL_INK, PAPER, TARGET_INK, score_colours};
use super::text::{FONT_SIZE, LINE_HEIGHT, chars_in, text_lines, wrap_words};
use super::{Frame, open_svg};
use crate::format::{self, decimal};

const LADDER_WIDTH: f64 = 720.0;
const LADDER_LABEL_WIDTH: f64 = 190.0;
const LADDER_RIGHT_MARGIN: f64 = 20.0;
const LADDER_TOP: f64 = 48.0;
const LADDER_STEP_HEIGHT: f64 = 26.0;
const LADDER_LANE_HEIGHT: f64 = 34.0;

/// The stages as a staircase, with one lane per area below it that places
/// the area's score on the steps, and a marker for the overall score.
///
/// A score s sits at the left edge of step ⌊s⌋ plus its progress towards
/// the next step, so a dot halfway across step 2 means stage 2 and half of
/// the way to stage 3.
pub fn stage_ladder(model: &Model, areas: &[AreaResult], overall: &OverallResult) -> String {
    stage_ladder_with_targets(model, areas, overall, &[])
}

/// The stage ladder with each area's target stage marked on its lane: a
/// hollow diamond at the target's step, labelled "target 3". `targets`
/// holds stages by area id; an area it does not list gets no mark, and
/// with none the chart is [`stage_ladder`].
pub fn stage_ladder_with_targets(
    model: &Model,
    areas: &[AreaResult],
    overall: &OverallResult,
    targets: &[(&str, u8)],
) -> String {
    let top = model.top_stage().get();
    let steps = f64::from(top);
    let step_width = (LADDER_WIDTH - LADDER_LABEL_WIDTH - LADDER_RIGHT_MARGIN) / steps;
    let base = LADDER_TOP + steps * LADDER_STEP_HEIGHT;
    let lanes_top = base + 12.0;
    let lanes_bottom = lanes_top + LADDER_LANE_HEIGHT * areas.len() as f64;
    let height = lanes_bottom + 36.0;
    let x_of = |score: f64| LADDER_LABEL_WIDTH + (score.clamp(1.0, steps) - 1.0) * step_width;

    let mut description = format!(
        "Stages as steps: {}. Area positions: {}. Overall: {} (stage {}, {}).",
        model
            .stages()
            .iter()
            .map(|stage| format!("{} {}", stage.level, stage.name))
            .collect::<Vec<_>>()
            .join(", "),
        areas
            .iter()
            .map(|area| format!(
                "{} {}",
                crate::area_name(model, &area.id),
                format::score(area.score)
            ))
            .collect::<Vec<_>>()
            .join(", "),
        format::score(overall.score),
        overall.stage,
        model.stage(overall.stage).name,
    );
    let target_of = |area: &AreaResult| {
        targets
            .iter()
            .find(|(id, _)| *id == area.id.as_str())
            .map(|(_, stage)| *stage)
    };
    let marked: Vec<String> = areas
        .iter()
        .filter_map(|area| {
            target_of(area)
                .map(|stage| format!("{} stage {stage}", crate::area_name(model, &area.id)))
        })
        .collect();
    if !marked.is_empty() {
        description.push_str(&format!(" Targets: {}.", marked.join(", ")));
    }
    let mut out = String::new();
    open_svg(
        &mut out,
        &Frame {
            class: None,
            width: LADDER_WIDTH,
            height,
            font_size: FONT_SIZE,
            title: "Stage ladder of the areas",
            description: &description,
        },
    );

    for stage in model.stages() {
        let level = f64::from(stage.level.get());
        let x = LADDER_LABEL_WIDTH + (level - 1.0) * step_width;
        let y = base - level * LADDER_STEP_HEIGHT;
        let (fill, _) = score_colours(level, top);
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"{PAPER}\"/>",
            decimal(x),
            decimal(y),
            decimal(step_width),
            decimal(level * LADDER_STEP_HEIGHT)
        );
        // The level stays on the first line of the name: "3" alone above
        // "Cross-functional" would read as two labels.
        let mut lines = wrap_words(&stage.name, chars_in(step_width - 8.0).saturating_sub(2));
        lines[0] = format!("{} {}", stage.level, lines[0]);
        let first_baseline = y - 6.0 - LINE_HEIGHT * (lines.len() - 1) as f64;
        text_lines(
            &mut out,
            x + 4.0,
            first_baseline,
            "start",
            " font-weight=\"600\"",
            &lines,
        );
    }

    // Gridlines carry the step edges down through the lanes.
    for level in 0..=top {
        let x = LADDER_LABEL_WIDTH + f64::from(level) * step_width;
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{y2}\" stroke=\"{GRID}\" stroke-dasharray=\"2 3\"/>",
            x = decimal(x),
            y1 = decimal(base),
            y2 = decimal(lanes_bottom),
        );
    }

    for (index, area) in areas.iter().enumerate() {
        let middle = lanes_top + LADDER_LANE_HEIGHT * (index as f64 + 0.5);
        let lines = wrap_words(
            crate::area_name(model, &area.id),
            chars_in(LADDER_LABEL_WIDTH - 16.0),
        );
        let first_baseline = middle + 4.0 - LINE_HEIGHT * (lines.len() - 1) as f64 / 2.0;
        text_lines(
            &mut out,
            LADDER_LABEL_WIDTH - 10.0,
            first_baseline,
            "end",
            "",
            &lines,
        );
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{GRID}\" stroke-width=\"2\"/>",
            decimal(x_of(1.0)),
            decimal(x_of(steps)),
            y = decimal(middle),
        );
        if let Some(stage) = target_of(area) {
            // Drawn under the area's dot, and larger, so a score at its
            // target shows the dot inside the diamond.
            let x = x_of(f64::from(stage));
            let _ = writeln!(
                out,
                "<polygon class=\"target-marker\" points=\"{},{y} {},{} {},{y} {},{}\" fill=\"none\" stroke=\"{TARGET_INK}\" stroke-width=\"2\"/>",
                decimal(x - 10.0),
                decimal(x),
                decimal(middle - 10.0),
                decimal(x + 10.0),
                decimal(x),
                decimal(middle + 10.0),
                y = decimal(middle),
            );
            text_lines(
                &mut out,
                x - 10.0,
                middle + 15.0,
                "start",
                &format!(" font-size=\"10\" fill=\"{TARGET_INK}\""),
                &[format!("target {stage}")],
            );
        }
        let x = x_of(area.score);
        let _ = writeln!(
            out,
            "<circle class=\"area-marker\" cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{INK}\"/>",
            decimal(x),
            decimal(middle)
        );
        let (label_x, anchor) = if x + 50.0 > LADDER_WIDTH - LADDER_RIGHT_MARGIN {
            (x - 10.0, "end")
        } else {
            (x + 10.0, "start")
        };
        text_lines(
            &mut out,
            label_x,
            middle - 6.0,
            anchor,
            "",
            &[format::score(area.score)],
        );
    }

    let overall_x = x_of(overall.score);
    let _ = writeln!(
        out,
        "<line class=\"overall-marker\" x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{y2}\" stroke=\"{OVERALL_INK}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
        x = decimal(overall_x),
        y1 = decimal(base - LADDER_STEP_HEIGHT / 2.0),
        y2 = decimal(lanes_bottom + 8.0),
    );
    let label = format!(
        "Overall {} (stage {}, {})",
        format::score(overall.score),
        overall.stage,
        model.stage(overall.stage).name
    );
    let middle_of_steps = (x_of(1.0) + x_of(steps)) / 2.0;
    let (label_x, anchor) = if overall_x <= middle_of_steps {
        (overall_x + 6.0, "start")
    } else {
        (overall_x - 6.0, "end")
    };
    text_lines(
        &mut out,
        label_x,
        lanes_bottom + 24.0,
        anchor,
        &format!(" fill=\"{OVERALL_INK}\" font-weight=\"600\""),
        &[label],
    );
    out.push_str("</svg>\n");
    out
}
