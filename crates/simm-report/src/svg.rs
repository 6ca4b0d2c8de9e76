//! Hand-drawn SVG charts: pure functions from results to markup.
//!
//! Coordinates are printed with two decimals, so the same results always
//! give byte-identical markup, and every text from the model or the results
//! goes through [`escape`], so a name cannot inject markup. Colours are
//! presentation attributes rather than CSS, so each chart also stands alone
//! as an `.svg` file.

use std::f64::consts::{FRAC_PI_2, TAU};
use std::fmt::Write as _;

use simm_core::{AreaResult, GroupResult, Model, OverallResult};

use crate::format;

/// The ink of data marks; dark enough for 4.5:1 contrast on white.
const INK: &str = "#1d4e89";
/// The overall marker, set apart from the areas' ink.
const OVERALL_INK: &str = "#b3261e";
const GRID: &str = "#c4ccd4";
const MUTED_TEXT: &str = "#4b5563";
const TEXT: &str = "#111111";
/// The palette that colours scores, from stage 1 to the top stage.
const LOW_SCORE_RGB: [u8; 3] = [0xea, 0xf2, 0xfb];
const HIGH_SCORE_RGB: [u8; 3] = [0x1d, 0x4e, 0x89];
const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
/// A rough width of one character at the 12-pixel font size, used to wrap
/// labels; SVG has no text layout of its own.
const CHAR_WIDTH: f64 = 7.0;
const LINE_HEIGHT: f64 = 14.0;

const RADAR_WIDTH: f64 = 560.0;
const RADAR_HEIGHT: f64 = 440.0;
const RADAR_CENTRE: (f64, f64) = (280.0, 220.0);
const RADAR_RADIUS: f64 = 150.0;
const RADAR_LABEL_GAP: f64 = 18.0;

/// Escapes a text for SVG (or HTML) content and double- or single-quoted
/// attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A coordinate with two decimals. A tiny negative value would print as
/// "-0.00"; it is shown as "0.00" so output does not depend on the sign of
/// a rounding error.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    if text == "-0.00" {
        "0.00".to_owned()
    } else {
        text
    }
}

/// Splits a text into lines of at most `max_chars` characters at spaces; a
/// single longer word gets a line of its own.
fn wrap_words(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= max_chars => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// How many characters fit in a width at the chart font size.
fn chars_in(width: f64) -> usize {
    // The width is a small positive layout constant, so the cast is exact
    // enough and cannot overflow.
    ((width / CHAR_WIDTH).floor().max(1.0)) as usize
}

/// The opening tag of a chart, with its accessible name and description.
fn open_svg(out: &mut String, width: f64, height: f64, title: &str, description: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{label}\" font-family=\"{FONT_FAMILY}\" font-size=\"12\" fill=\"{TEXT}\">\n<title>{label}</title>\n<desc>{description}</desc>\n",
        w = number(width),
        h = number(height),
        label = escape(title),
        description = escape(description),
    );
}

/// A multi-line text; the first line's baseline is at `y`. `extra` holds
/// further attributes, already escaped.
fn text_lines(out: &mut String, x: f64, y: f64, anchor: &str, extra: &str, lines: &[String]) {
    let _ = write!(
        out,
        "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\"{extra}>",
        x = number(x),
        y = number(y),
    );
    for (index, line) in lines.iter().enumerate() {
        let dy = if index == 0 { 0.0 } else { LINE_HEIGHT };
        let _ = write!(
            out,
            "<tspan x=\"{x}\" dy=\"{dy}\">{line}</tspan>",
            x = number(x),
            dy = number(dy),
            line = escape(line),
        );
    }
    out.push_str("</text>\n");
}

fn area_name<'a>(model: &'a Model, area: &'a AreaResult) -> &'a str {
    model
        .area(&area.id)
        .map_or(area.id.as_str(), |found| found.name.as_str())
}

fn stage_name(model: &Model, level: u8) -> &str {
    model
        .stages()
        .iter()
        .find(|stage| stage.level.get() == level)
        .map_or("", |stage| stage.name.as_str())
}

/// The background colour of a score and the text colour that reads best on
/// it, as "#rrggbb". Score 1 is the lightest, the top stage the darkest.
pub(crate) fn score_colours(score: f64, top_stage: u8) -> (String, String) {
    let span = f64::from(top_stage.max(2) - 1);
    let share = ((score - 1.0) / span).clamp(0.0, 1.0);
    let channel = |low: u8, high: u8| {
        let value = f64::from(low) + (f64::from(high) - f64::from(low)) * share;
        // Clamped to the byte range above, so the cast is exact.
        value.round().clamp(0.0, 255.0) as u8
    };
    let rgb = [
        channel(LOW_SCORE_RGB[0], HIGH_SCORE_RGB[0]),
        channel(LOW_SCORE_RGB[1], HIGH_SCORE_RGB[1]),
        channel(LOW_SCORE_RGB[2], HIGH_SCORE_RGB[2]),
    ];
    let background = relative_luminance(rgb);
    let dark_text = relative_luminance([0x11, 0x11, 0x11]);
    let contrast_with_dark = (background + 0.05) / (dark_text + 0.05);
    let contrast_with_white = 1.05 / (background + 0.05);
    let text = if contrast_with_dark >= contrast_with_white {
        TEXT
    } else {
        "#ffffff"
    };
    (
        format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]),
        text.to_owned(),
    )
}

/// WCAG 2 relative luminance of an sRGB colour.
fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let linear = |channel: u8| {
        let value = f64::from(channel) / 255.0;
        if value <= 0.039_28 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// The point at `radius` on axis `index` of `count`. The first axis points
/// straight up and the others follow clockwise.
fn radar_point(index: usize, count: usize, radius: f64) -> (f64, f64) {
    let angle = -FRAC_PI_2 + TAU * index as f64 / count.max(1) as f64;
    (
        RADAR_CENTRE.0 + radius * angle.cos(),
        RADAR_CENTRE.1 + radius * angle.sin(),
    )
}

/// The distance from the centre of a score: ring k, at k / N of the radius,
/// stands for stage k, so the lowest score, 1, lies on the innermost ring.
fn radar_radius(score: f64, top_stage: u8) -> f64 {
    let top = f64::from(top_stage.max(1));
    RADAR_RADIUS * score.clamp(0.0, top) / top
}

fn points_attribute(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{},{}", number(*x), number(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A radar (spider) chart of area scores: one axis per area, one ring per
/// stage, the areas' scores joined into a polygon.
pub fn radar(model: &Model, areas: &[AreaResult]) -> String {
    let top = model.top_stage().get();
    let count = areas.len();
    let description = format!(
        "Area scores on axes from the centre; ring 1 (innermost) is stage 1 and ring {top} (outermost) is stage {top}. {}",
        areas
            .iter()
            .map(|area| format!(
                "{}: {} (stage {}, {})",
                area_name(model, area),
                format::score(area.score),
                area.stage,
                stage_name(model, area.stage.get())
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let mut out = String::new();
    open_svg(
        &mut out,
        RADAR_WIDTH,
        RADAR_HEIGHT,
        "Radar chart of the area scores",
        &description,
    );

    // Rings first, then axes, then data, so the data is drawn on top.
    for level in 1..=top {
        let radius = radar_radius(f64::from(level), top);
        if count >= 3 {
            let ring: Vec<(f64, f64)> = (0..count)
                .map(|index| radar_point(index, count, radius))
                .collect();
            let _ = writeln!(
                out,
                "<polygon class=\"ring\" points=\"{}\" fill=\"none\" stroke=\"{GRID}\"/>",
                points_attribute(&ring)
            );
        } else {
            let _ = writeln!(
                out,
                "<circle class=\"ring\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"none\" stroke=\"{GRID}\"/>",
                number(RADAR_CENTRE.0),
                number(RADAR_CENTRE.1),
                number(radius)
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{MUTED_TEXT}\">{level}</text>",
            number(RADAR_CENTRE.0 + 4.0),
            number(RADAR_CENTRE.1 - radius - 3.0),
        );
    }
    for index in 0..count {
        let (x, y) = radar_point(index, count, RADAR_RADIUS);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{GRID}\"/>",
            number(RADAR_CENTRE.0),
            number(RADAR_CENTRE.1),
            number(x),
            number(y)
        );
    }

    let vertices: Vec<(f64, f64)> = areas
        .iter()
        .enumerate()
        .map(|(index, area)| radar_point(index, count, radar_radius(area.score, top)))
        .collect();
    if count > 0 {
        let _ = writeln!(
            out,
            "<polygon class=\"scores\" points=\"{}\" fill=\"{INK}\" fill-opacity=\"0.2\" stroke=\"{INK}\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
            points_attribute(&vertices)
        );
    }
    for (x, y) in &vertices {
        let _ = writeln!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{INK}\"/>",
            number(*x),
            number(*y)
        );
    }

    for (index, area) in areas.iter().enumerate() {
        let (x, y) = radar_point(index, count, RADAR_RADIUS + RADAR_LABEL_GAP);
        let (dx, dy) = (x - RADAR_CENTRE.0, y - RADAR_CENTRE.1);
        let anchor = if dx > 0.2 * RADAR_LABEL_GAP {
            "start"
        } else if dx < -0.2 * RADAR_LABEL_GAP {
            "end"
        } else {
            "middle"
        };
        let mut lines = wrap_words(area_name(model, area), 18);
        lines.push(format::score(area.score));
        let height = LINE_HEIGHT * (lines.len() - 1) as f64;
        // Labels above the centre grow upwards, those below downwards, and
        // those at the sides are centred on their axis.
        let first_baseline = if dy < -0.2 * RADAR_LABEL_GAP {
            y - 4.0 - height
        } else if dy > 0.2 * RADAR_LABEL_GAP {
            y + 12.0
        } else {
            y + 4.0 - height / 2.0
        };
        text_lines(&mut out, x, first_baseline, anchor, "", &lines);
    }
    out.push_str("</svg>\n");
    out
}

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
    let top = model.top_stage().get();
    let steps = f64::from(top);
    let step_width = (LADDER_WIDTH - LADDER_LABEL_WIDTH - LADDER_RIGHT_MARGIN) / steps;
    let base = LADDER_TOP + steps * LADDER_STEP_HEIGHT;
    let lanes_top = base + 12.0;
    let lanes_bottom = lanes_top + LADDER_LANE_HEIGHT * areas.len() as f64;
    let height = lanes_bottom + 36.0;
    let x_of = |score: f64| LADDER_LABEL_WIDTH + (score.clamp(1.0, steps) - 1.0) * step_width;

    let description = format!(
        "Stages as steps: {}. Area positions: {}. Overall: {} (stage {}, {}).",
        model
            .stages()
            .iter()
            .map(|stage| format!("{} {}", stage.level, stage.name))
            .collect::<Vec<_>>()
            .join(", "),
        areas
            .iter()
            .map(|area| format!("{} {}", area_name(model, area), format::score(area.score)))
            .collect::<Vec<_>>()
            .join(", "),
        format::score(overall.score),
        overall.stage,
        stage_name(model, overall.stage.get()),
    );
    let mut out = String::new();
    open_svg(
        &mut out,
        LADDER_WIDTH,
        height,
        "Stage ladder of the areas",
        &description,
    );

    for stage in model.stages() {
        let level = f64::from(stage.level.get());
        let x = LADDER_LABEL_WIDTH + (level - 1.0) * step_width;
        let y = base - level * LADDER_STEP_HEIGHT;
        let (fill, _) = score_colours(level, top);
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#ffffff\"/>",
            number(x),
            number(y),
            number(step_width),
            number(level * LADDER_STEP_HEIGHT)
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
            x = number(x),
            y1 = number(base),
            y2 = number(lanes_bottom),
        );
    }

    for (index, area) in areas.iter().enumerate() {
        let middle = lanes_top + LADDER_LANE_HEIGHT * (index as f64 + 0.5);
        let lines = wrap_words(area_name(model, area), chars_in(LADDER_LABEL_WIDTH - 16.0));
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
            number(x_of(1.0)),
            number(x_of(steps)),
            y = number(middle),
        );
        let x = x_of(area.score);
        let _ = writeln!(
            out,
            "<circle class=\"area-marker\" cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{INK}\"/>",
            number(x),
            number(middle)
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
        x = number(overall_x),
        y1 = number(base - LADDER_STEP_HEIGHT / 2.0),
        y2 = number(lanes_bottom + 8.0),
    );
    let label = format!(
        "Overall {} (stage {}, {})",
        format::score(overall.score),
        overall.stage,
        stage_name(model, overall.stage.get())
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

const HEAT_LABEL_WIDTH: f64 = 200.0;
const HEAT_CELL_WIDTH: f64 = 104.0;
const HEAT_CELL_HEIGHT: f64 = 34.0;
const HIDDEN_FILL: &str = "#eceff1";

/// A heat map of group results: one row per group, one column per area and
/// a last column for the overall score, each cell coloured by its score.
/// Suppressed groups show their size and why they are hidden, and no score.
pub fn heat_map(model: &Model, groups: &[GroupResult], anonymity_min: u32) -> String {
    let top = model.top_stage().get();
    let mut columns: Vec<&str> = model.areas().iter().map(|a| a.name.as_str()).collect();
    columns.push("Overall");
    let grid_width = HEAT_CELL_WIDTH * columns.len() as f64;
    let width = HEAT_LABEL_WIDTH + grid_width + 10.0;
    let headers: Vec<Vec<String>> = columns
        .iter()
        .map(|name| wrap_words(name, chars_in(HEAT_CELL_WIDTH - 8.0)))
        .collect();
    let header_lines = headers.iter().map(Vec::len).max().unwrap_or(1);
    let header_height = LINE_HEIGHT * header_lines as f64 + 12.0;

    struct Row {
        label: Vec<String>,
        hidden: Option<Vec<String>>,
        height: f64,
    }
    let rows: Vec<Row> = groups
        .iter()
        .map(|group| {
            let label = wrap_words(
                &format!("{} (n = {})", crate::group_label(group), group.respondents),
                chars_in(HEAT_LABEL_WIDTH - 16.0),
            );
            let hidden = group.suppressed.then(|| {
                wrap_words(
                    &crate::hidden_reason(group, anonymity_min),
                    chars_in(grid_width - 16.0),
                )
            });
            let lines = label.len().max(hidden.as_ref().map_or(1, Vec::len));
            let height = HEAT_CELL_HEIGHT.max(LINE_HEIGHT * lines as f64 + 12.0);
            Row {
                label,
                hidden,
                height,
            }
        })
        .collect();
    let grid_bottom = header_height + rows.iter().map(|row| row.height).sum::<f64>();
    let legend_top = grid_bottom + 16.0;
    let height = legend_top + 44.0;

    let attribute = groups
        .first()
        .and_then(|group| model.attribute(group.attribute.as_str()))
        .map_or("group", |attribute| attribute.name.as_str());
    let description = format!(
        "Area and overall scores by {attribute}. {}",
        groups
            .iter()
            .map(|group| {
                let label = crate::group_label(group);
                match (group.suppressed, &group.areas, &group.overall) {
                    (false, Some(areas), Some(overall)) => format!(
                        "{label} (n = {}): {}; overall {}",
                        group.respondents,
                        areas
                            .iter()
                            .map(|area| format!(
                                "{} {}",
                                area_name(model, area),
                                format::score(area.score)
                            ))
                            .collect::<Vec<_>>()
                            .join(", "),
                        format::score(overall.score)
                    ),
                    _ => format!(
                        "{label}: {}",
                        crate::hidden_group_text(group, anonymity_min)
                    ),
                }
            })
            .collect::<Vec<_>>()
            .join(". ")
    );
    let mut out = String::new();
    open_svg(
        &mut out,
        width,
        height,
        &format!("Heat map of the scores by {attribute}"),
        &description,
    );

    for (index, lines) in headers.iter().enumerate() {
        let x = HEAT_LABEL_WIDTH + HEAT_CELL_WIDTH * (index as f64 + 0.5);
        let first_baseline = header_height - 8.0 - LINE_HEIGHT * (lines.len() - 1) as f64;
        text_lines(
            &mut out,
            x,
            first_baseline,
            "middle",
            " font-weight=\"600\"",
            lines,
        );
    }

    let mut y = header_height;
    for (group, row) in groups.iter().zip(&rows) {
        let middle = y + row.height / 2.0;
        let first_baseline = middle + 4.0 - LINE_HEIGHT * (row.label.len() - 1) as f64 / 2.0;
        text_lines(
            &mut out,
            HEAT_LABEL_WIDTH - 10.0,
            first_baseline,
            "end",
            "",
            &row.label,
        );
        match (&row.hidden, &group.areas, &group.overall) {
            (None, Some(areas), Some(overall)) => {
                let scores = model
                    .areas()
                    .iter()
                    .map(|area| {
                        areas
                            .iter()
                            .find(|result| result.id == area.id)
                            .map(|result| result.score)
                    })
                    .chain([Some(overall.score)]);
                for (index, score) in scores.enumerate() {
                    let x = HEAT_LABEL_WIDTH + HEAT_CELL_WIDTH * index as f64;
                    let (fill, ink) = match score {
                        Some(score) => score_colours(score, top),
                        None => (HIDDEN_FILL.to_owned(), TEXT.to_owned()),
                    };
                    let _ = writeln!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"2\"/>",
                        number(x),
                        number(y),
                        number(HEAT_CELL_WIDTH),
                        number(row.height)
                    );
                    text_lines(
                        &mut out,
                        x + HEAT_CELL_WIDTH / 2.0,
                        middle + 4.0,
                        "middle",
                        &format!(" fill=\"{ink}\""),
                        &[score.map_or_else(|| format::UNDEFINED.to_owned(), format::score)],
                    );
                }
            }
            // A suppressed group, or one the core left without scores,
            // shows no number but its size.
            (hidden, _, _) => {
                let lines = hidden
                    .clone()
                    .unwrap_or_else(|| vec![crate::hidden_reason(group, anonymity_min)]);
                let _ = writeln!(
                    out,
                    "<rect class=\"hidden-group\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{HIDDEN_FILL}\" stroke=\"#ffffff\" stroke-width=\"2\"/>",
                    number(HEAT_LABEL_WIDTH),
                    number(y),
                    number(grid_width),
                    number(row.height)
                );
                let first_baseline = middle + 4.0 - LINE_HEIGHT * (lines.len() - 1) as f64 / 2.0;
                text_lines(
                    &mut out,
                    HEAT_LABEL_WIDTH + grid_width / 2.0,
                    first_baseline,
                    "middle",
                    &format!(" fill=\"{MUTED_TEXT}\" font-style=\"italic\""),
                    &lines,
                );
            }
        }
        y += row.height;
    }

    // The legend: one swatch per stage.
    text_lines(
        &mut out,
        HEAT_LABEL_WIDTH - 10.0,
        legend_top + 18.0,
        "end",
        "",
        &["Score".to_owned()],
    );
    let swatch_width = (grid_width / f64::from(top)).min(60.0);
    for level in 1..=top {
        let x = HEAT_LABEL_WIDTH + swatch_width * f64::from(level - 1);
        let (fill, ink) = score_colours(f64::from(level), top);
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"24\" fill=\"{fill}\" stroke=\"#ffffff\"/>",
            number(x),
            number(legend_top),
            number(swatch_width)
        );
        text_lines(
            &mut out,
            x + swatch_width / 2.0,
            legend_top + 16.0,
            "middle",
            &format!(" fill=\"{ink}\""),
            &[level.to_string()],
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use simm_core::{
        AreaId, AreaResult, GroupResult, Model, OverallResult, StageFulfilment, StageLevel,
        builtin_model,
    };

    use super::*;

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
    fn numbers_are_fixed_and_unsigned_at_zero() {
        check(number(1.0), "1.00");
        check(number(2.0 / 3.0), "0.67");
        check(number(-1e-12), "0.00");
        check(number(-3.5), "-3.50");
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
    fn assert_well_formed(svg: &str) {
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
        assert!(svg.contains(
            "(not given): n = 3 — hidden (fewer than 5 respondents, to protect anonymity)"
        ));
        // Five score cells for the shown row, four legend swatches, one
        // hidden band: nothing else is filled with a score colour.
        assert_eq!(svg.matches("<rect ").count(), 5 + 4 + 1);
    }
}
