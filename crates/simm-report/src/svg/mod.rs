//! Hand-drawn SVG charts: pure functions from results to markup, and the
//! primitives every chart shares (here, in `ink.rs` and `text.rs`): the
//! escaping of texts, the opening tag, the fonts and the colours. The
//! results charts are the radar (with the previous round and the target
//! as overlays), the stage ladder (with target marks), the heat map and
//! the trend chart of an area over the rounds; the calibration report's
//! item–person map draws with the same primitives.
//!
//! Coordinates are printed with [`crate::format::decimal`], so the same
//! results always give byte-identical markup, and every text from the
//! model or the results goes through [`escape`], so a name cannot inject
//! markup. Colours are presentation attributes rather than CSS, so each
//! chart also stands alone as an `.svg` file.

mod heat_map;
pub(crate) mod ink;
mod radar;
mod stage_ladder;
mod text;
mod trend;

use std::fmt::Write as _;

pub use self::heat_map::heat_map;
pub(crate) use self::ink::score_colours;
use self::ink::{FONT_FAMILY, TEXT};
pub use self::radar::{RadarOverlays, RadarSeries, radar, radar_with_overlays};
pub use self::stage_ladder::{stage_ladder, stage_ladder_with_targets};
pub use self::trend::{TrendChange, TrendRound, TrendSeries, trend};
use crate::format::decimal;

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

/// What the opening tag of a chart says about it.
pub(crate) struct Frame<'a> {
    /// A class for styling pages, or none.
    pub class: Option<&'a str>,
    pub width: f64,
    pub height: f64,
    /// The font size of texts that set none of their own.
    pub font_size: u8,
    /// The accessible name.
    pub title: &'a str,
    /// The chart in words, for readers who cannot see it.
    pub description: &'a str,
}

/// The opening tag of a chart, with its accessible name and description.
pub(crate) fn open_svg(out: &mut String, frame: &Frame) {
    let class = frame
        .class
        .map_or_else(String::new, |class| format!(" class=\"{}\"", escape(class)));
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\"{class} viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{label}\" font-family=\"{FONT_FAMILY}\" font-size=\"{size}\" fill=\"{TEXT}\">\n<title>{label}</title>\n<desc>{description}</desc>\n",
        w = decimal(frame.width),
        h = decimal(frame.height),
        size = frame.font_size,
        label = escape(frame.title),
        description = escape(frame.description),
    );
}

#[cfg(test)]
pub(crate) mod tests;
