//! The heat map of the scores by group.

use std::fmt::Write as _;

use simm_core::{GroupResult, Model};

use super::ink::{HIDDEN_FILL, MUTED_TEXT, PAPER, TEXT, score_colours};
use super::text::{FONT_SIZE, LINE_HEIGHT, chars_in, text_lines, wrap_words};
use super::{Frame, open_svg};
use crate::format::{self, decimal};

const HEAT_LABEL_WIDTH: f64 = 200.0;
const HEAT_CELL_WIDTH: f64 = 104.0;
const HEAT_CELL_HEIGHT: f64 = 34.0;

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
                                crate::area_name(model, &area.id),
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
        &Frame {
            class: None,
            width,
            height,
            font_size: FONT_SIZE,
            title: &format!("Heat map of the scores by {attribute}"),
            description: &description,
        },
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
        match (&row.hidden, crate::group_scores(model, group)) {
            (None, Some(scores)) => {
                for (index, score) in scores.into_iter().enumerate() {
                    let x = HEAT_LABEL_WIDTH + HEAT_CELL_WIDTH * index as f64;
                    let (fill, ink) = match score {
                        Some(score) => score_colours(score, top),
                        None => (HIDDEN_FILL.to_owned(), TEXT.to_owned()),
                    };
                    let _ = writeln!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"{PAPER}\" stroke-width=\"2\"/>",
                        decimal(x),
                        decimal(y),
                        decimal(HEAT_CELL_WIDTH),
                        decimal(row.height)
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
            (hidden, _) => {
                let lines = hidden
                    .clone()
                    .unwrap_or_else(|| vec![crate::hidden_reason(group, anonymity_min)]);
                let _ = writeln!(
                    out,
                    "<rect class=\"hidden-group\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{HIDDEN_FILL}\" stroke=\"{PAPER}\" stroke-width=\"2\"/>",
                    decimal(HEAT_LABEL_WIDTH),
                    decimal(y),
                    decimal(grid_width),
                    decimal(row.height)
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
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"24\" fill=\"{fill}\" stroke=\"{PAPER}\"/>",
            decimal(x),
            decimal(legend_top),
            decimal(swatch_width)
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
