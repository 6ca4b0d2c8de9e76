//! The fonts and colours ("ink") of every chart, and the colour of a
//! score: one palette, so the charts of a report and the calibration
//! report's map look of a piece.

pub(crate) const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
/// Texts and outlines.
pub(crate) const TEXT: &str = "#111111";
/// Secondary texts: ticks, counts, notes.
pub(crate) const MUTED_TEXT: &str = "#4b5563";
/// The page the charts are drawn on, and the gaps between filled shapes.
pub(crate) const PAPER: &str = "#ffffff";
/// The ink of data marks; dark enough for 4.5:1 contrast on white.
pub(crate) const INK: &str = "#1d4e89";
/// The overall marker, set apart from the areas' ink.
pub(crate) const OVERALL_INK: &str = "#b3261e";
/// Targets: the radar's target polygon, the ladder's target marks and
/// the trend's target line; apart from the blue and red of the scores,
/// and 4.9:1 on white.
pub(crate) const TARGET_INK: &str = "#8a6d00";
/// The previous round's polygon on the radar, muted behind this round's.
pub(crate) const PREVIOUS_INK: &str = "#6b7280";
/// Rings, axes and step edges of the results charts.
pub(crate) const GRID: &str = "#c4ccd4";
/// The lighter gridlines and leader lines of the item–person map, which
/// sit behind many markers.
pub(crate) const FAINT_GRID: &str = "#d5dbe1";
/// A group whose scores are hidden.
pub(crate) const HIDDEN_FILL: &str = "#eceff1";
/// The respondents' histogram of the item–person map.
pub(crate) const PERSON_FILL: &str = "#8da9c4";
/// A stage's band of item locations behind its column of the map.
pub(crate) const BAND_FILL: &str = "#e3ebf4";
/// Area colours from the Okabe–Ito palette, darkened where needed for 3:1
/// contrast on white. Shapes vary too, so areas stay apart without colour.
pub(crate) const AREA_COLOURS: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#b04a95", "#8a6d00", "#4b5563",
];
/// The palette that colours scores, from stage 1 to the top stage.
const LOW_SCORE_RGB: [u8; 3] = [0xea, 0xf2, 0xfb];
const HIGH_SCORE_RGB: [u8; 3] = [0x1d, 0x4e, 0x89];

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
        PAPER
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
