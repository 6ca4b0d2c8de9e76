//! The texts of the results charts, at their 12-pixel font size: names
//! from the model, wrapped into lines, and multi-line labels. SVG has no
//! text layout of its own.

use std::fmt::Write as _;

use super::escape;
use crate::format::decimal;

/// The font size of the results charts, in pixels.
pub(super) const FONT_SIZE: u8 = 12;
/// A rough width of one character at [`FONT_SIZE`], used to wrap labels.
const CHAR_WIDTH: f64 = 7.0;
pub(super) const LINE_HEIGHT: f64 = 14.0;

/// Splits a text into lines of at most `max_chars` characters at spaces; a
/// single longer word gets a line of its own.
pub(super) fn wrap_words(text: &str, max_chars: usize) -> Vec<String> {
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
pub(super) fn chars_in(width: f64) -> usize {
    // The width is a small positive layout constant, so the cast is exact
    // enough and cannot overflow.
    ((width / CHAR_WIDTH).floor().max(1.0)) as usize
}

/// A multi-line text; the first line's baseline is at `y`. `extra` holds
/// further attributes, already escaped.
pub(super) fn text_lines(
    out: &mut String,
    x: f64,
    y: f64,
    anchor: &str,
    extra: &str,
    lines: &[String],
) {
    let _ = write!(
        out,
        "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\"{extra}>",
        x = decimal(x),
        y = decimal(y),
    );
    for (index, line) in lines.iter().enumerate() {
        let dy = if index == 0 { 0.0 } else { LINE_HEIGHT };
        let _ = write!(
            out,
            "<tspan x=\"{x}\" dy=\"{dy}\">{line}</tspan>",
            x = decimal(x),
            dy = decimal(dy),
            line = escape(line),
        );
    }
    out.push_str("</text>\n");
}
