//! The radar chart of the area scores, optionally overlaid with the
//! previous round's scores and the target stages.

use std::f64::consts::{FRAC_PI_2, TAU};
use std::fmt::Write as _;

use simm_core::{AreaResult, Model};

use super::ink::{GRID, INK, MUTED_TEXT, PAPER, PREVIOUS_INK, TARGET_INK};
use super::text::{FONT_SIZE, LINE_HEIGHT, text_lines, wrap_words};
use super::{Frame, open_svg};
use crate::format::{self, decimal};

const RADAR_WIDTH: f64 = 560.0;
const RADAR_HEIGHT: f64 = 440.0;
const RADAR_CENTRE: (f64, f64) = (280.0, 220.0);
const RADAR_RADIUS: f64 = 150.0;
const RADAR_LABEL_GAP: f64 = 18.0;
const LEGEND_ROW_HEIGHT: f64 = 18.0;

/// A series drawn over the current scores: its name in the legend, and a
/// value per area id. An area of the chart that the series does not list
/// has no value there, and the series' outline breaks at its axis.
pub struct RadarSeries<'a, V> {
    /// The legend's name, e.g. "Previous round (2025-11)".
    pub label: &'a str,
    pub values: &'a [(&'a str, V)],
}

/// What the radar draws beside the current scores. With neither overlay
/// the chart is the plain radar, without a legend.
#[derive(Default)]
pub struct RadarOverlays<'a> {
    /// The legend's name of the current scores, e.g. "This round
    /// (2026-11)"; "Current scores" when empty.
    pub current_label: &'a str,
    /// The previous round's scores: thin, muted and dotted.
    pub previous: Option<RadarSeries<'a, f64>>,
    /// The target stage per area: dashed, with square vertices.
    pub target: Option<RadarSeries<'a, u8>>,
}

/// How an overlay is drawn; the dash patterns differ as well as the
/// colours, so the series stay apart in greyscale print.
struct Pen {
    class: &'static str,
    colour: &'static str,
    width: &'static str,
    dash: &'static str,
}

const PREVIOUS_PEN: Pen = Pen {
    class: "previous",
    colour: PREVIOUS_INK,
    width: "1.5",
    dash: "2 3",
};
const TARGET_PEN: Pen = Pen {
    class: "target",
    colour: TARGET_INK,
    width: "2",
    dash: "8 4",
};

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
        .map(|(x, y)| format!("{},{}", decimal(*x), decimal(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A radar (spider) chart of area scores: one axis per area, one ring per
/// stage, the areas' scores joined into a polygon.
pub fn radar(model: &Model, areas: &[AreaResult]) -> String {
    radar_with_overlays(model, areas, &RadarOverlays::default())
}

/// The value a series gives each area of the chart, in the chart's order.
fn series_values<V: Copy + Into<f64>>(
    areas: &[AreaResult],
    series: &RadarSeries<V>,
) -> Vec<Option<f64>> {
    areas
        .iter()
        .map(|area| {
            series
                .values
                .iter()
                .find(|(id, _)| *id == area.id.as_str())
                .map(|(_, value)| (*value).into())
        })
        .collect()
}

/// A series in words: "Target (2027-12): Vision stage 3, Management no
/// value".
fn series_words(
    model: &Model,
    areas: &[AreaResult],
    label: &str,
    values: &[Option<f64>],
    spell: impl Fn(f64) -> String,
) -> String {
    format!(
        " {label}: {}.",
        areas
            .iter()
            .zip(values)
            .map(|(area, value)| format!(
                "{} {}",
                crate::area_name(model, &area.id),
                value.map_or_else(|| "no value".to_owned(), &spell)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// An overlay's outline: a closed polygon when every area has a value,
/// else the runs of neighbouring values, so that no line crosses an axis
/// without a value. Each vertex gets a marker.
fn draw_series(out: &mut String, values: &[Option<f64>], top: u8, pen: &Pen) {
    let count = values.len();
    let vertices: Vec<Option<(f64, f64)>> = values
        .iter()
        .enumerate()
        .map(|(index, value)| value.map(|v| radar_point(index, count, radar_radius(v, top))))
        .collect();
    let stroke = format!(
        "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-dasharray=\"{}\" stroke-linejoin=\"round\"",
        pen.colour, pen.width, pen.dash
    );
    if let Some(all) = vertices.iter().copied().collect::<Option<Vec<_>>>() {
        if !all.is_empty() {
            let _ = writeln!(
                out,
                "<polygon class=\"{}\" points=\"{}\" {stroke}/>",
                pen.class,
                points_attribute(&all)
            );
        }
    } else if let Some(gap) = vertices.iter().position(Option::is_none) {
        // Walk once round from just after a gap, so a run that wraps past
        // the first axis stays one run.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for step in 1..=count {
            match vertices[(gap + step) % count] {
                Some(point) => runs.last_mut().expect("one run at least").push(point),
                None => runs.push(Vec::new()),
            }
        }
        let path: Vec<String> = runs
            .iter()
            .filter(|run| run.len() > 1)
            .map(|run| format!("M{}", points_attribute(run).replace(' ', " L")))
            .collect();
        if !path.is_empty() {
            let _ = writeln!(
                out,
                "<path class=\"{}\" d=\"{}\" {stroke}/>",
                pen.class,
                path.join(" ")
            );
        }
    }
    for (x, y) in vertices.iter().flatten() {
        vertex_marker(out, pen, *x, *y, true);
    }
}

/// A vertex of an overlay: a hollow circle for the previous round, a
/// hollow square for the target, so they differ in shape too. The
/// legend's samples carry no class, so they are not taken for data.
fn vertex_marker(out: &mut String, pen: &Pen, x: f64, y: f64, data: bool) {
    let class = if data {
        format!(" class=\"{}-vertex\"", pen.class)
    } else {
        String::new()
    };
    if pen.class == TARGET_PEN.class {
        let _ = writeln!(
            out,
            "<rect{class} x=\"{}\" y=\"{}\" width=\"7\" height=\"7\" fill=\"{PAPER}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            decimal(x - 3.5),
            decimal(y - 3.5),
            pen.colour
        );
    } else {
        let _ = writeln!(
            out,
            "<circle{class} cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{PAPER}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            decimal(x),
            decimal(y),
            pen.colour
        );
    }
}

/// The legend: a sample of each series' line and marker, and its name.
fn draw_legend(out: &mut String, top: f64, rows: &[(Option<&Pen>, &str)]) {
    for (index, (pen, label)) in rows.iter().enumerate() {
        let y = top + LEGEND_ROW_HEIGHT * index as f64;
        let (x1, x2, middle) = (16.0, 44.0, 30.0);
        match pen {
            Some(pen) => {
                let _ = writeln!(
                    out,
                    "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"{}\" stroke-dasharray=\"{}\"/>",
                    decimal(x1),
                    decimal(x2),
                    pen.colour,
                    pen.width,
                    pen.dash,
                    y = decimal(y),
                );
                vertex_marker(out, pen, middle, y, false);
            }
            None => {
                let _ = writeln!(
                    out,
                    "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{INK}\" stroke-width=\"2\"/>\n<circle cx=\"{}\" cy=\"{y}\" r=\"4\" fill=\"{INK}\"/>",
                    decimal(x1),
                    decimal(x2),
                    decimal(middle),
                    y = decimal(y),
                );
            }
        }
        text_lines(out, x2 + 8.0, y + 4.0, "start", "", &[(*label).to_owned()]);
    }
}

/// The radar with its overlays: the previous round's scores under the
/// current ones, the target stages over them, and a legend naming each
/// series shown. Without overlays this is [`radar`].
pub fn radar_with_overlays(
    model: &Model,
    areas: &[AreaResult],
    overlays: &RadarOverlays,
) -> String {
    let top = model.top_stage().get();
    let count = areas.len();
    let previous = overlays
        .previous
        .as_ref()
        .map(|series| (series.label, series_values(areas, series)));
    let target = overlays
        .target
        .as_ref()
        .map(|series| (series.label, series_values(areas, series)));
    let current_label = if overlays.current_label.is_empty() {
        "Current scores"
    } else {
        overlays.current_label
    };
    let mut legend: Vec<(Option<&Pen>, &str)> = Vec::new();
    if previous.is_some() || target.is_some() {
        legend.push((None, current_label));
    }
    if let Some((label, _)) = &previous {
        legend.push((Some(&PREVIOUS_PEN), label));
    }
    if let Some((label, _)) = &target {
        legend.push((Some(&TARGET_PEN), label));
    }
    let mut description = format!(
        "Area scores on axes from the centre; ring 1 (innermost) is stage 1 and ring {top} (outermost) is stage {top}. {}",
        areas
            .iter()
            .map(|area| format!(
                "{}: {} (stage {}, {})",
                crate::area_name(model, &area.id),
                format::score(area.score),
                area.stage,
                model.stage(area.stage).name
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if !legend.is_empty() {
        description = format!("{current_label}: {description}");
    }
    if let Some((label, values)) = &previous {
        description.push_str(&series_words(model, areas, label, values, format::score));
    }
    if let Some((label, values)) = &target {
        description.push_str(&series_words(model, areas, label, values, |stage| {
            format!("stage {stage}")
        }));
    }
    let legend_top = RADAR_HEIGHT + 8.0;
    let height = if legend.is_empty() {
        RADAR_HEIGHT
    } else {
        legend_top + LEGEND_ROW_HEIGHT * legend.len() as f64
    };
    let mut out = String::new();
    open_svg(
        &mut out,
        &Frame {
            class: None,
            width: RADAR_WIDTH,
            height,
            font_size: FONT_SIZE,
            title: "Radar chart of the area scores",
            description: &description,
        },
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
                decimal(RADAR_CENTRE.0),
                decimal(RADAR_CENTRE.1),
                decimal(radius)
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{MUTED_TEXT}\">{level}</text>",
            decimal(RADAR_CENTRE.0 + 4.0),
            decimal(RADAR_CENTRE.1 - radius - 3.0),
        );
    }
    for index in 0..count {
        let (x, y) = radar_point(index, count, RADAR_RADIUS);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{GRID}\"/>",
            decimal(RADAR_CENTRE.0),
            decimal(RADAR_CENTRE.1),
            decimal(x),
            decimal(y)
        );
    }

    if let Some((_, values)) = &previous {
        draw_series(&mut out, values, top, &PREVIOUS_PEN);
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
            decimal(*x),
            decimal(*y)
        );
    }

    if let Some((_, values)) = &target {
        draw_series(&mut out, values, top, &TARGET_PEN);
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
        let mut lines = wrap_words(crate::area_name(model, &area.id), 18);
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
    draw_legend(&mut out, legend_top, &legend);
    out.push_str("</svg>\n");
    out
}
