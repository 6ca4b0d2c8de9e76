//! The radar chart of the area scores.

use std::f64::consts::{FRAC_PI_2, TAU};
use std::fmt::Write as _;

use simm_core::{AreaResult, Model};

use super::ink::{GRID, INK, MUTED_TEXT};
use super::text::{FONT_SIZE, LINE_HEIGHT, text_lines, wrap_words};
use super::{Frame, open_svg};
use crate::format::{self, decimal};

const RADAR_WIDTH: f64 = 560.0;
const RADAR_HEIGHT: f64 = 440.0;
const RADAR_CENTRE: (f64, f64) = (280.0, 220.0);
const RADAR_RADIUS: f64 = 150.0;
const RADAR_LABEL_GAP: f64 = 18.0;

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
    let top = model.top_stage().get();
    let count = areas.len();
    let description = format!(
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
    let mut out = String::new();
    open_svg(
        &mut out,
        &Frame {
            class: None,
            width: RADAR_WIDTH,
            height: RADAR_HEIGHT,
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
    out.push_str("</svg>\n");
    out
}
