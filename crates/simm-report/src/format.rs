//! How numbers and texts are spelled in both report formats, and on the
//! web pages that show the same results.
//!
//! Every shown number is cut off, never rounded up: the reports compare
//! numbers with thresholds, and a fulfilment of 74.9 % shown as "75 %" next
//! to "75 % is needed" would contradict the stage beside it. The same holds
//! for scores, whose whole part is the stage.

/// Absorbs the binary representation error of a decimal such as 0.58, whose
/// nearest double lies just below it, so that cutting off does not drop a
/// whole unit; far smaller than any difference a report shows.
const REPRESENTATION_SLACK: f64 = 1e-9;

/// What the reports print where a value is undefined.
pub const UNDEFINED: &str = "–";

/// A fraction in 0..=1 as whole percent, rounded down.
pub fn whole_percent(fraction: f64) -> u32 {
    // The cast saturates, so an out-of-range value cannot wrap around.
    (fraction * 100.0 + REPRESENTATION_SLACK).floor().max(0.0) as u32
}

/// A fraction as "58 %", rounded down.
pub fn percent(fraction: f64) -> String {
    format!("{} %", whole_percent(fraction))
}

/// A fraction as "58 %", or the undefined mark.
pub fn percent_or_undefined(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| UNDEFINED.to_owned(), percent)
}

/// The threshold as whole percent. It is a setting, not a measurement, so
/// it is rounded to the nearest percent.
pub fn threshold_percent(threshold: f64) -> u32 {
    (threshold * 100.0).round().max(0.0) as u32
}

/// A score with two decimals, cut off so that the whole part stays the
/// stage: the engine returns 2.9999… rather than 3 for an area at stage 2.
pub fn score(score: f64) -> String {
    let whole = score.floor();
    let hundredths = (score * 100.0 + REPRESENTATION_SLACK)
        .floor()
        .min(whole * 100.0 + 99.0);
    format!("{:.2}", hundredths / 100.0)
}

/// An agreement index r_wg in 0..=1 with two decimals, cut off so that a
/// value just below [`crate::WEAK_CONSENSUS`] never reads as reaching it.
pub fn agreement(rwg: Option<f64>) -> String {
    rwg.map_or_else(
        || UNDEFINED.to_owned(),
        |rwg| {
            format!(
                "{:.2}",
                (rwg * 100.0 + REPRESENTATION_SLACK).floor() / 100.0
            )
        },
    )
}

/// A model text on one line: model files may hold multi-line strings, and
/// a line break would end a Markdown list item or table row.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A text fit for a Markdown table cell: on one line, and with `|` escaped
/// so that it cannot open a new column.
pub fn markdown_cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(actual: String, expected: &str) {
        assert_eq!(actual, expected);
    }

    #[test]
    fn percentages_are_cut_off() {
        check(percent(0.58), "58 %");
        check(percent(0.29), "29 %");
        check(percent(0.749), "74 %");
        check(percent(0.7499999), "74 %");
        check(percent(0.75), "75 %");
        check(percent(7.0 / 12.0), "58 %");
        check(percent(0.0), "0 %");
        check(percent(1.0), "100 %");
        check(percent_or_undefined(None), "–");
        check(percent_or_undefined(Some(0.5)), "50 %");
    }

    #[test]
    fn thresholds_are_rounded() {
        check(threshold_percent(0.75).to_string(), "75");
        check(threshold_percent(0.755).to_string(), "76");
        check(threshold_percent(0.7).to_string(), "70");
    }

    #[test]
    fn scores_keep_their_stage() {
        check(score(1.0), "1.00");
        check(score(2.58), "2.58");
        check(score(2.999), "2.99");
        check(score(f64::from_bits(3.0f64.to_bits() - 1)), "2.99");
        check(score(4.0), "4.00");
        check(score(1.0 + 0.29), "1.29");
    }

    #[test]
    fn agreements() {
        check(agreement(None), "–");
        check(agreement(Some(0.499)), "0.49");
        check(agreement(Some(0.5)), "0.50");
        check(agreement(Some(1.0)), "1.00");
    }

    #[test]
    fn markdown_cells() {
        check(markdown_cell("a | b"), "a \\| b");
        check(
            markdown_cell("line one\nline  two\r\n"),
            "line one line two",
        );
        check(markdown_cell("plain"), "plain");
    }
}
