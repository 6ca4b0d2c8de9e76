//! The trend chart: one area's score over the rounds, with each round's
//! interval, the target stage, and which changes are real.

use std::fmt::Write as _;

use super::ink::{GRID, INK, MUTED_TEXT, PAPER, TARGET_INK};
use super::text::{FONT_SIZE, LINE_HEIGHT, chars_in, text_lines, wrap_words};
use super::{Frame, open_svg};
use crate::format::{self, decimal};

/// The height of one stage on the score axis.
const STAGE_HEIGHT: f64 = 34.0;
/// The least width of a round's column, and of all columns together, so a
/// chart of one or two rounds still has room for its title.
const ROUND_WIDTH: f64 = 76.0;
const MIN_PLOT_WIDTH: f64 = 228.0;
/// The score axis with bare levels, or with the stages' names.
const AXIS_WIDTH: f64 = 28.0;
const NAMED_AXIS_WIDTH: f64 = 128.0;
/// Room right of the plot for the target line's label.
const RIGHT_MARGIN: f64 = 64.0;
const DOT_RADIUS: f64 = 5.0;
const CAP_HALF_WIDTH: f64 = 5.0;

/// One area's scores over the rounds, in order.
pub struct TrendSeries<'a> {
    /// The area's name, the chart's title.
    pub area: &'a str,
    /// The highest stage: the score axis runs from 1 to it.
    pub top_stage: u8,
    /// The stages' names from stage 1 up, written beside the axis; empty
    /// for bare levels.
    pub stage_names: &'a [&'a str],
    /// The target stage, drawn as a dashed line.
    pub target: Option<u8>,
    pub rounds: &'a [TrendRound<'a>],
}

/// The area in one round.
pub struct TrendRound<'a> {
    /// The round's name on the time axis, e.g. "2025-11".
    pub label: &'a str,
    /// The score, or none where the round has no score for the area; the
    /// line breaks there.
    pub score: Option<f64>,
    /// The 95 % interval of the score, (low, high).
    pub interval: Option<(f64, f64)>,
    /// The change from the previous round; none for the first round.
    pub change: Option<TrendChange>,
}

/// A change from the previous round and whether it is real: its interval
/// excludes 0.
#[derive(Clone, Copy)]
pub struct TrendChange {
    pub value: f64,
    pub real: bool,
}

/// The layout the marks share: where a round and a score lie.
struct Layout {
    plot_left: f64,
    plot_width: f64,
    plot_bottom: f64,
    round_width: f64,
    top: u8,
}

impl Layout {
    fn x(&self, round: usize) -> f64 {
        self.plot_left + self.round_width * (round as f64 + 0.5)
    }

    /// Score 1 lies on the bottom gridline and the top stage on the top one.
    fn y(&self, score: f64) -> f64 {
        self.plot_bottom - (score.clamp(1.0, f64::from(self.top)) - 1.0) * STAGE_HEIGHT
    }
}

/// A horizontal line across the plot at `y`; `style` holds its class and
/// stroke attributes.
fn across_plot(out: &mut String, layout: &Layout, y: f64, style: &str) {
    let _ = writeln!(
        out,
        "<line {style} x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/>",
        decimal(layout.plot_left),
        decimal(layout.plot_left + layout.plot_width),
        y = decimal(y),
    );
}

/// A change in words: "up 0.42, a real change", "down 0.10, change within
/// noise".
fn change_words(change: TrendChange) -> String {
    let size = format::decimal(change.value.abs());
    let direction = if size.chars().all(|c| c == '0' || c == '.') {
        "no change".to_owned()
    } else if change.value > 0.0 {
        format!("up {size}")
    } else {
        format!("down {size}")
    };
    let verdict = if change.real {
        "a real change"
    } else {
        "change within noise"
    };
    format!("{direction}, {verdict}")
}

fn description(series: &TrendSeries, top: u8) -> String {
    let mut text = format!(
        "{} over {} on a score axis from stage 1 to stage {top}",
        series.area,
        format::plural(series.rounds.len(), "round", "rounds")
    );
    if let Some(target) = series.target {
        let _ = write!(text, "; target stage {target}");
    }
    text.push('.');
    for round in series.rounds {
        let _ = write!(text, " {}: ", round.label);
        match round.score {
            Some(score) => text.push_str(&format::score(score)),
            None => text.push_str("no score"),
        }
        if let Some((low, high)) = round.interval {
            let _ = write!(
                text,
                " (95 % interval {} to {})",
                format::score(low),
                format::score(high)
            );
        }
        if let Some(change) = round.change {
            let _ = write!(text, ", {}", change_words(change));
        }
        text.push('.');
    }
    text
}

/// A small line chart of one area over the rounds: a gridline per stage,
/// a line through the round scores that breaks where a round has none,
/// each round's 95 % interval as a whisker, the target as a dashed line,
/// and a filled dot where the change from the previous round is real (a
/// hollow one where it is within noise or there is nothing to compare,
/// which the description tells apart).
pub fn trend(series: &TrendSeries) -> String {
    let top = series.top_stage.max(1);
    let rounds = series.rounds.len();
    let round_width = (MIN_PLOT_WIDTH / rounds.max(1) as f64).max(ROUND_WIDTH);
    let plot_left = if series.stage_names.is_empty() {
        AXIS_WIDTH
    } else {
        NAMED_AXIS_WIDTH
    };
    let plot_width = round_width * rounds.max(1) as f64;
    let width = plot_left + plot_width + RIGHT_MARGIN;
    let title = wrap_words(series.area, chars_in(width - 16.0));
    let plot_top = 20.0 + LINE_HEIGHT * title.len() as f64;
    let plot_bottom = plot_top + STAGE_HEIGHT * f64::from(top - 1);
    let layout = Layout {
        plot_left,
        plot_width,
        plot_bottom,
        round_width,
        top,
    };
    let labels: Vec<Vec<String>> = series
        .rounds
        .iter()
        .map(|round| wrap_words(round.label, chars_in(round_width - 6.0)))
        .collect();
    let label_lines = labels.iter().map(Vec::len).max().unwrap_or(1);
    let labels_bottom = plot_bottom + 22.0 + LINE_HEIGHT * (label_lines - 1) as f64;
    let has_changes = series.rounds.iter().any(|round| round.change.is_some());
    let legend_y = labels_bottom + 20.0;
    let height = if has_changes {
        legend_y + 12.0
    } else {
        labels_bottom + 10.0
    };

    let mut out = String::new();
    open_svg(
        &mut out,
        &Frame {
            class: Some("trend"),
            width,
            height,
            font_size: FONT_SIZE,
            title: &format!("Trend of {}", series.area),
            description: &description(series, top),
        },
    );
    text_lines(&mut out, 8.0, 16.0, "start", " font-weight=\"600\"", &title);

    // Gridlines and the score axis first, so the data is drawn on top.
    for level in 1..=top {
        let y = layout.y(f64::from(level));
        across_plot(
            &mut out,
            &layout,
            y,
            &format!("class=\"stage-grid\" stroke=\"{GRID}\""),
        );
        let mut lines = match series.stage_names.get(usize::from(level) - 1) {
            Some(name) => wrap_words(name, chars_in(NAMED_AXIS_WIDTH - 24.0)),
            None => vec![String::new()],
        };
        lines[0] = format!("{level} {}", lines[0]).trim_end().to_owned();
        let first_baseline = y + 4.0 - LINE_HEIGHT * (lines.len() - 1) as f64 / 2.0;
        text_lines(
            &mut out,
            plot_left - 6.0,
            first_baseline,
            "end",
            &format!(" fill=\"{MUTED_TEXT}\""),
            &lines,
        );
    }

    if let Some(target) = series.target {
        let y = layout.y(f64::from(target));
        across_plot(
            &mut out,
            &layout,
            y,
            &format!(
                "class=\"target\" stroke=\"{TARGET_INK}\" stroke-width=\"2\" stroke-dasharray=\"8 4\""
            ),
        );
        text_lines(
            &mut out,
            plot_left + plot_width + 6.0,
            y + 4.0,
            "start",
            &format!(" fill=\"{TARGET_INK}\""),
            &[format!("target {target}")],
        );
    }

    for (index, round) in series.rounds.iter().enumerate() {
        let x = layout.x(index);
        text_lines(
            &mut out,
            x,
            plot_bottom + 22.0,
            "middle",
            "",
            &labels[index],
        );
        if let Some((low, high)) = round.interval {
            let (y_low, y_high) = (layout.y(low), layout.y(high));
            let _ = writeln!(
                out,
                "<line class=\"interval\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
                decimal(y_low),
                decimal(y_high),
                x = decimal(x),
            );
            for y in [y_low, y_high] {
                let _ = writeln!(
                    out,
                    "<line class=\"interval-cap\" x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
                    decimal(x - CAP_HALF_WIDTH),
                    decimal(x + CAP_HALF_WIDTH),
                    y = decimal(y),
                );
            }
        }
        if round.score.is_none() {
            text_lines(
                &mut out,
                x,
                layout.y((f64::from(top) + 1.0) / 2.0) + 4.0,
                "middle",
                &format!(" fill=\"{MUTED_TEXT}\" font-style=\"italic\""),
                &["no score".to_owned()],
            );
        }
    }

    // The line: one subpath per run of rounds with a score.
    let mut path = String::new();
    let mut drawing = false;
    for (index, round) in series.rounds.iter().enumerate() {
        match round.score {
            Some(score) => {
                let command = if drawing { 'L' } else { 'M' };
                let _ = write!(
                    path,
                    "{}{command}{},{}",
                    if path.is_empty() { "" } else { " " },
                    decimal(layout.x(index)),
                    decimal(layout.y(score))
                );
                drawing = true;
            }
            None => drawing = false,
        }
    }
    // A run of one round is a dot alone, and the path draws nothing for it.
    if path.contains('L') {
        let _ = writeln!(
            out,
            "<path class=\"trend-line\" d=\"{path}\" fill=\"none\" stroke=\"{INK}\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
        );
    }

    for (index, round) in series.rounds.iter().enumerate() {
        let Some(score) = round.score else { continue };
        let real = round.change.is_some_and(|change| change.real);
        let fill = if real { INK } else { PAPER };
        let _ = writeln!(
            out,
            "<circle class=\"round-score{}\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"2\"/>",
            if real { " real-change" } else { "" },
            decimal(layout.x(index)),
            decimal(layout.y(score)),
            decimal(DOT_RADIUS),
        );
    }

    if has_changes {
        let _ = writeln!(
            out,
            "<circle cx=\"14\" cy=\"{y}\" r=\"{r}\" fill=\"{INK}\" stroke=\"{INK}\" stroke-width=\"2\"/>\n<circle cx=\"124\" cy=\"{y}\" r=\"{r}\" fill=\"{PAPER}\" stroke=\"{INK}\" stroke-width=\"2\"/>",
            y = decimal(legend_y - 4.0),
            r = decimal(DOT_RADIUS),
        );
        text_lines(
            &mut out,
            24.0,
            legend_y,
            "start",
            "",
            &["real change".to_owned()],
        );
        text_lines(
            &mut out,
            134.0,
            legend_y,
            "start",
            "",
            &["no real change".to_owned()],
        );
    }
    out.push_str("</svg>\n");
    out
}
