//! The item–person ("Wright") map of a calibration as inline SVG: the
//! layout of its columns, lanes and labels, drawn with the chart
//! primitives of [`crate::svg`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use simm_core::{Calibration, ItemCalibration, MAP_BIN};

use crate::format::{decimal, fixed};
use crate::svg::ink::{AREA_COLOURS, BAND_FILL, FAINT_GRID, MUTED_TEXT, PAPER, PERSON_FILL, TEXT};
use crate::svg::{Frame, escape, open_svg};

/// Marker shapes, one per area in turn, so areas stay apart without colour.
const AREA_SHAPES: usize = 5;
/// The font size of the map's texts, in pixels.
const FONT_SIZE: u8 = 11;

const MAP_MARGIN: f64 = 16.0;
/// Room left of the bars for the counts.
const COUNT_WIDTH: f64 = 40.0;
const HISTOGRAM_WIDTH: f64 = 150.0;
const AXIS_X: f64 = MAP_MARGIN + COUNT_WIDTH + HISTOGRAM_WIDTH;
/// Room right of the axis for the tick labels.
const TICK_LABEL_WIDTH: f64 = 40.0;
const COLUMNS_LEFT: f64 = AXIS_X + TICK_LABEL_WIDTH;
const PLOT_TOP: f64 = 56.0;
/// Pixels per logit when the range is small.
const PREFERRED_SCALE: f64 = 48.0;
/// The plot is squeezed towards this height when the range is wide...
const PREFERRED_PLOT_HEIGHT: f64 = 560.0;
/// ...but never below this many pixels per logit.
const MINIMUM_SCALE: f64 = 16.0;
const MARKER_RADIUS: f64 = 5.0;
/// Markers that would touch in a column are set side by side in lanes this
/// far apart, so that items at one location stay distinguishable.
const LANE_WIDTH: f64 = 12.0;
/// Beyond this many lanes a column would grow too wide; further markers
/// share the lane with the most room.
const MAX_LANES: usize = 4;
/// The vertical distance between labels of one column, at font size 11.
pub(super) const LABEL_GAP: f64 = 13.0;
/// A rough width of one character at font size 11; SVG has no text layout.
const LABEL_CHAR_WIDTH: f64 = 6.6;
const MINIMUM_COLUMN_WIDTH: f64 = 110.0;
const LEGEND_ROW_HEIGHT: f64 = 20.0;

/// The vertical scale: logits `low..=high` onto `top..=bottom` pixels,
/// higher logits (harder items, more mature respondents) at the top.
struct Scale {
    low: f64,
    high: f64,
    top: f64,
    bottom: f64,
}

impl Scale {
    fn y(&self, logit: f64) -> f64 {
        let share = (self.high - logit) / (self.high - self.low);
        let y = self.top + share * (self.bottom - self.top);
        // Non-finite or out-of-range values stay inside the plot.
        if y.is_nan() {
            self.bottom
        } else {
            y.clamp(self.top, self.bottom)
        }
    }

    fn pixels_per_logit(&self) -> f64 {
        (self.bottom - self.top) / (self.high - self.low)
    }
}

/// One item placed in its stage column.
struct PlacedItem<'a> {
    item: &'a ItemCalibration,
    marker_y: f64,
    lane: usize,
    label_baseline: f64,
}

/// Shifts label baselines as little as possible so that no two are closer
/// than [`LABEL_GAP`], keeping them within `top..=bottom`. `desired` is
/// sorted ascending. Overlapping labels are merged into blocks, and each
/// block is centred on the mean of its members' wishes (the least-squares
/// placement), then kept inside the bounds.
pub(super) fn spread_labels(desired: &[f64], top: f64, bottom: f64) -> Vec<f64> {
    struct Block {
        start: f64,
        /// Sum of (desired − offset within the block), for the mean.
        sum: f64,
        count: usize,
    }
    let place = |block: &mut Block| {
        let span = (block.count - 1) as f64 * LABEL_GAP;
        let centred = block.sum / block.count as f64;
        block.start = centred.min(bottom - span).max(top);
    };
    let mut blocks: Vec<Block> = Vec::new();
    for &wish in desired {
        let mut block = Block {
            start: wish,
            sum: wish,
            count: 1,
        };
        place(&mut block);
        blocks.push(block);
        while blocks.len() >= 2 {
            let last = &blocks[blocks.len() - 1];
            let previous = &blocks[blocks.len() - 2];
            if previous.start + previous.count as f64 * LABEL_GAP <= last.start + 1e-9 {
                break;
            }
            let last = blocks.pop().expect("two blocks");
            let previous = blocks.last_mut().expect("two blocks");
            // The members of `last` move down in the merged block by the
            // length of `previous`, so their wishes count that much less.
            previous.sum += last.sum - last.count as f64 * previous.count as f64 * LABEL_GAP;
            previous.count += last.count;
            place(previous);
        }
    }
    blocks
        .iter()
        .flat_map(|block| (0..block.count).map(move |i| block.start + i as f64 * LABEL_GAP))
        .collect()
}

/// A marker of `shape` centred on (x, y): circle, square, diamond, and
/// triangles up and down.
fn marker(shape: usize, x: f64, y: f64, attributes: &str) -> String {
    let r = MARKER_RADIUS;
    let points = |corners: &[(f64, f64)]| {
        corners
            .iter()
            .map(|(dx, dy)| format!("{},{}", decimal(x + dx), decimal(y + dy)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match shape % AREA_SHAPES {
        0 => format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"{attributes}/>",
            decimal(x),
            decimal(y),
            decimal(r)
        ),
        1 => format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{attributes}/>",
            decimal(x - r * 0.9),
            decimal(y - r * 0.9),
            decimal(r * 1.8),
            decimal(r * 1.8)
        ),
        2 => format!(
            "<polygon points=\"{}\"{attributes}/>",
            points(&[
                (0.0, -r * 1.2),
                (r * 1.2, 0.0),
                (0.0, r * 1.2),
                (-r * 1.2, 0.0)
            ])
        ),
        3 => format!(
            "<polygon points=\"{}\"{attributes}/>",
            points(&[(0.0, -r * 1.1), (r * 1.1, r * 0.9), (-r * 1.1, r * 0.9)])
        ),
        _ => format!(
            "<polygon points=\"{}\"{attributes}/>",
            points(&[(0.0, r * 1.1), (r * 1.1, -r * 0.9), (-r * 1.1, -r * 0.9)])
        ),
    }
}

/// The item–person ("Wright") map as inline SVG: persons as a histogram on
/// the left of a vertical logit axis, items on the right in one column per
/// stage at their calibrated locations, shaped and coloured by area, with
/// the band of each stage over all areas shaded behind its column. Flagged
/// items have a bold outline and a bold label.
pub fn wright_map(calibration: &Calibration) -> String {
    let area_ids: Vec<&str> = {
        let mut ids: Vec<&str> = calibration.areas.iter().map(|a| a.id.as_str()).collect();
        for item in &calibration.items {
            if !ids.contains(&item.area.as_str()) {
                ids.push(item.area.as_str());
            }
        }
        ids
    };
    let area_index = |id: &str| area_ids.iter().position(|a| *a == id).unwrap_or(0);
    let stages: Vec<u8> = calibration
        .items
        .iter()
        .map(|item| item.stage.get())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let overall_band = |stage: u8| {
        calibration
            .stage_bands
            .iter()
            .find(|band| band.area.is_none() && band.stage.get() == stage)
    };

    // The logit range covers every person bin, item and band, padded and
    // widened to whole logits.
    let mut extent: Vec<f64> = Vec::new();
    for bin in &calibration.person_map {
        extent.push(bin.location - MAP_BIN / 2.0);
        extent.push(bin.location + MAP_BIN / 2.0);
    }
    extent.extend(calibration.items.iter().map(|item| item.location));
    for band in calibration.stage_bands.iter().filter(|b| b.area.is_none()) {
        extent.extend([band.min, band.max]);
    }
    let finite = extent.iter().copied().filter(|v| v.is_finite());
    let (mut low, mut high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if low > high {
        (low, high) = (-1.0, 1.0);
    }
    low = (low - 0.2).floor();
    high = (high + 0.2).ceil();
    if high - low < 2.0 {
        low -= 1.0;
        high += 1.0;
    }
    let range = high - low;
    let largest_column = stages
        .iter()
        .map(|stage| {
            calibration
                .items
                .iter()
                .filter(|item| item.stage.get() == *stage)
                .count()
        })
        .max()
        .unwrap_or(0);
    let scale_for_range = (PREFERRED_PLOT_HEIGHT / range).clamp(MINIMUM_SCALE, PREFERRED_SCALE);
    // Every label of the fullest column must fit, one LABEL_GAP apart.
    let plot_height = (range * scale_for_range).max((largest_column as f64 + 1.0) * LABEL_GAP);
    let scale = Scale {
        low,
        high,
        top: PLOT_TOP,
        bottom: PLOT_TOP + plot_height,
    };

    // Place the items of each column: lanes for markers, spread labels.
    let mut columns: Vec<Vec<PlacedItem>> = Vec::new();
    for stage in &stages {
        let members = column_items(calibration, *stage);
        let mut lane_ends: Vec<f64> = Vec::new();
        let mut placed: Vec<PlacedItem> = Vec::new();
        for item in members {
            let y = scale.y(item.location);
            let lane = match lane_ends
                .iter()
                .position(|end| y - end >= 2.0 * MARKER_RADIUS + 1.0)
            {
                Some(free) => free,
                None if lane_ends.len() < MAX_LANES => {
                    lane_ends.push(f64::NEG_INFINITY);
                    lane_ends.len() - 1
                }
                // Every lane is crowded: the one with the most room.
                None => lane_ends
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(0, |(lane, _)| lane),
            };
            lane_ends[lane] = y;
            placed.push(PlacedItem {
                item,
                marker_y: y,
                lane,
                label_baseline: 0.0,
            });
        }
        let desired: Vec<f64> = placed.iter().map(|p| p.marker_y + 4.0).collect();
        let spread = spread_labels(&desired, scale.top + 9.0, scale.bottom + 4.0);
        for (placed, baseline) in placed.iter_mut().zip(spread) {
            placed.label_baseline = baseline;
        }
        columns.push(placed);
    }
    let lanes = columns
        .iter()
        .flatten()
        .map(|p| p.lane + 1)
        .max()
        .unwrap_or(1);
    let longest_id = calibration
        .items
        .iter()
        .map(|item| item.id.as_str().chars().count())
        .max()
        .unwrap_or(0);
    let label_offset = 10.0 + lanes as f64 * LANE_WIDTH;
    let column_width =
        (label_offset + longest_id as f64 * LABEL_CHAR_WIDTH + 12.0).max(MINIMUM_COLUMN_WIDTH);

    // The legend: one entry per area, then the flag and the band.
    struct LegendEntry {
        label: String,
        kind: LegendKind,
    }
    enum LegendKind {
        Area(usize),
        Flagged,
        Band,
    }
    let mut legend: Vec<LegendEntry> = area_ids
        .iter()
        .enumerate()
        .map(|(index, id)| LegendEntry {
            label: (*id).to_owned(),
            kind: LegendKind::Area(index),
        })
        .collect();
    legend.push(LegendEntry {
        label: "flagged item".to_owned(),
        kind: LegendKind::Flagged,
    });
    legend.push(LegendEntry {
        label: "stage band over all areas".to_owned(),
        kind: LegendKind::Band,
    });
    let entry_width =
        |entry: &LegendEntry| 22.0 + entry.label.chars().count() as f64 * LABEL_CHAR_WIDTH + 18.0;
    let widest_entry = legend.iter().map(&entry_width).fold(0.0, f64::max);
    let width = (COLUMNS_LEFT + stages.len() as f64 * column_width + MAP_MARGIN)
        .max(widest_entry + 2.0 * MAP_MARGIN);
    let mut legend_rows: Vec<Vec<(f64, &LegendEntry)>> = vec![Vec::new()];
    let mut cursor = MAP_MARGIN;
    for entry in &legend {
        let entry_width = entry_width(entry);
        if cursor + entry_width > width - MAP_MARGIN && cursor > MAP_MARGIN {
            legend_rows.push(Vec::new());
            cursor = MAP_MARGIN;
        }
        legend_rows.last_mut().expect("a row").push((cursor, entry));
        cursor += entry_width;
    }
    let legend_top = scale.bottom + 36.0;
    let height = legend_top + legend_rows.len() as f64 * LEGEND_ROW_HEIGHT + 4.0;

    let mut out = String::new();
    let title = format!(
        "Item–person map of {} {}",
        calibration.model.id, calibration.model.version
    );
    open_svg(
        &mut out,
        &Frame {
            class: Some("wright-map"),
            width,
            height,
            font_size: FONT_SIZE,
            title: &title,
            description: &map_description(calibration, &stages, low, high),
        },
    );

    // Headings.
    let heading = |out: &mut String, x: f64, y: f64, anchor: &str, extra: &str, text: &str| {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"{extra}>{}</text>",
            decimal(x),
            decimal(y),
            escape(text)
        );
    };
    heading(
        &mut out,
        AXIS_X - HISTOGRAM_WIDTH / 2.0,
        20.0,
        "middle",
        " font-weight=\"600\"",
        "Persons",
    );
    heading(
        &mut out,
        AXIS_X - HISTOGRAM_WIDTH / 2.0,
        38.0,
        "middle",
        &format!(" font-size=\"10\" fill=\"{MUTED_TEXT}\""),
        &format!("respondents per {MAP_BIN} logits"),
    );
    heading(
        &mut out,
        AXIS_X + 4.0,
        20.0,
        "start",
        " font-weight=\"600\"",
        "Logits",
    );
    if !stages.is_empty() {
        heading(
            &mut out,
            COLUMNS_LEFT + stages.len() as f64 * column_width / 2.0,
            20.0,
            "middle",
            " font-weight=\"600\"",
            "Items",
        );
    }
    for (index, stage) in stages.iter().enumerate() {
        heading(
            &mut out,
            COLUMNS_LEFT + (index as f64 + 0.5) * column_width,
            38.0,
            "middle",
            " font-weight=\"600\"",
            &format!("Stage {stage}"),
        );
    }

    // Gridlines and ticks at whole logits, or every second logit when
    // the scale is tight.
    let step = if scale.pixels_per_logit() >= 20.0 {
        1.0
    } else {
        2.0
    };
    let mut tick = (low / step).ceil() * step;
    while tick <= high + 1e-9 {
        let y = scale.y(tick);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{FAINT_GRID}\" stroke-dasharray=\"2 3\"/>",
            decimal(AXIS_X - HISTOGRAM_WIDTH),
            decimal(width - MAP_MARGIN),
            y = decimal(y),
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{MUTED_TEXT}\">{}</text>",
            decimal(AXIS_X + 6.0),
            decimal(y + 3.5),
            fixed(tick, 0)
        );
        tick += step;
    }

    // Stage bands behind the columns.
    for (index, stage) in stages.iter().enumerate() {
        if let Some(band) = overall_band(*stage) {
            let left = COLUMNS_LEFT + index as f64 * column_width + 4.0;
            let top = scale.y(band.max);
            // A band of one item would be invisible; it gets a sliver.
            let bottom = scale.y(band.min).max(top + 2.0).min(scale.bottom);
            let top = top.min(bottom - 2.0);
            let _ = writeln!(
                out,
                "<rect class=\"stage-band\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{BAND_FILL}\"/>",
                decimal(left),
                decimal(top),
                decimal(column_width - 8.0),
                decimal(bottom - top)
            );
        }
    }

    // The person histogram, bars growing left from the axis.
    let most = calibration
        .person_map
        .iter()
        .map(|bin| bin.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_height = (MAP_BIN * scale.pixels_per_logit() - 1.0).max(1.0);
    for bin in &calibration.person_map {
        if bin.count == 0 {
            continue;
        }
        let length = (bin.count as f64 / most as f64 * HISTOGRAM_WIDTH).max(1.0);
        let centre = scale.y(bin.location);
        let top = (centre - bar_height / 2.0).max(scale.top);
        let bottom = (centre + bar_height / 2.0).min(scale.bottom);
        let _ = writeln!(
            out,
            "<rect class=\"person-bin\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{PERSON_FILL}\"/>",
            decimal(AXIS_X - length),
            decimal(top),
            decimal(length),
            decimal((bottom - top).max(0.5))
        );
        // Counts only where a bar is tall enough to carry them legibly.
        if bar_height >= 10.0 {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\" fill=\"{MUTED_TEXT}\">{}</text>",
                decimal(AXIS_X - length - 3.0),
                decimal(centre + 3.5),
                bin.count
            );
        }
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{TEXT}\"/>",
        decimal(scale.top),
        decimal(scale.bottom),
        x = decimal(AXIS_X),
    );

    // Items: leader lines first, so markers and labels are drawn on top.
    for (index, column) in columns.iter().enumerate() {
        let left = COLUMNS_LEFT + index as f64 * column_width;
        for placed in column {
            let x = left + 10.0 + (placed.lane as f64 + 0.5) * LANE_WIDTH;
            let label_middle = placed.label_baseline - 4.0;
            if (label_middle - placed.marker_y).abs() > 1.5 {
                let _ = writeln!(
                    out,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{FAINT_GRID}\"/>",
                    decimal(x + MARKER_RADIUS),
                    decimal(placed.marker_y),
                    decimal(left + label_offset - 2.0),
                    decimal(label_middle)
                );
            }
        }
    }
    for (index, column) in columns.iter().enumerate() {
        let left = COLUMNS_LEFT + index as f64 * column_width;
        for placed in column {
            let item = placed.item;
            let area = area_index(item.area.as_str());
            let flagged = !item.flags.is_empty();
            let (stroke, stroke_width) = if flagged { (TEXT, "2.5") } else { (PAPER, "1") };
            let x = left + 10.0 + (placed.lane as f64 + 0.5) * LANE_WIDTH;
            let attributes = format!(
                " class=\"item-marker{}\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"",
                if flagged { " flagged" } else { "" },
                AREA_COLOURS[area % AREA_COLOURS.len()]
            );
            out.push_str(&marker(area, x, placed.marker_y, &attributes));
            out.push('\n');
            let _ = writeln!(
                out,
                "<text class=\"item-label\" x=\"{}\" y=\"{}\"{}>{}</text>",
                decimal(left + label_offset),
                decimal(placed.label_baseline),
                if flagged { " font-weight=\"700\"" } else { "" },
                escape(item.id.as_str())
            );
        }
    }

    // The legend.
    for (row, entries) in legend_rows.iter().enumerate() {
        let middle = legend_top + row as f64 * LEGEND_ROW_HEIGHT;
        for (x, entry) in entries {
            let sample_x = x + 8.0;
            match entry.kind {
                LegendKind::Area(index) => out.push_str(&marker(
                    index,
                    sample_x,
                    middle,
                    &format!(
                        " class=\"legend-marker\" fill=\"{}\" stroke=\"{PAPER}\" stroke-width=\"1\"",
                        AREA_COLOURS[index % AREA_COLOURS.len()]
                    ),
                )),
                LegendKind::Flagged => out.push_str(&marker(
                    0,
                    sample_x,
                    middle,
                    &format!(
                        " class=\"legend-marker\" fill=\"{PAPER}\" stroke=\"{TEXT}\" stroke-width=\"2.5\""
                    ),
                )),
                LegendKind::Band => {
                    let _ = write!(
                        out,
                        "<rect class=\"legend-marker\" x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{BAND_FILL}\" stroke=\"{FAINT_GRID}\"/>",
                        decimal(sample_x - 7.0),
                        decimal(middle - 5.0)
                    );
                }
            }
            out.push('\n');
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                decimal(x + 20.0),
                decimal(middle + 4.0),
                escape(&entry.label)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The items of one stage's column, hardest first and then by id, as the
/// map draws them and its description lists them.
fn column_items(calibration: &Calibration, stage: u8) -> Vec<&ItemCalibration> {
    let mut members: Vec<&ItemCalibration> = calibration
        .items
        .iter()
        .filter(|item| item.stage.get() == stage)
        .collect();
    members.sort_by(|a, b| {
        b.location
            .total_cmp(&a.location)
            .then_with(|| a.id.cmp(&b.id))
    });
    members
}

/// The map in words, for readers who cannot see it.
fn map_description(calibration: &Calibration, stages: &[u8], low: f64, high: f64) -> String {
    let respondents: usize = calibration.person_map.iter().map(|bin| bin.count).sum();
    let mut description = format!(
        "Logit scale from {} (easier items, less mature respondents) to {} (harder items, more mature respondents). Persons: {respondents} respondents in bins of {MAP_BIN} logits",
        fixed(low, 0),
        fixed(high, 0),
    );
    if let Some(mode) = calibration.person_map.iter().max_by(|a, b| {
        a.count
            .cmp(&b.count)
            .then(b.location.total_cmp(&a.location))
    }) {
        let _ = write!(
            description,
            ", the most ({}) at {}",
            mode.count,
            decimal(mode.location)
        );
    }
    description.push('.');
    for stage in stages {
        let members = column_items(calibration, *stage);
        let _ = write!(description, " Stage {stage}");
        if let Some(band) = calibration
            .stage_bands
            .iter()
            .find(|band| band.area.is_none() && band.stage.get() == *stage)
        {
            let _ = write!(
                description,
                " (band {} to {})",
                decimal(band.min),
                decimal(band.max)
            );
        }
        let listed: Vec<String> = members
            .iter()
            .map(|item| {
                format!(
                    "{} ({}) {}{}",
                    item.id,
                    item.area,
                    decimal(item.location),
                    if item.flags.is_empty() {
                        ""
                    } else {
                        ", flagged"
                    }
                )
            })
            .collect();
        let _ = write!(description, ": {}.", listed.join("; "));
    }
    description
}
