//! How numbers and texts are spelled in every report format, in the
//! charts, and on the web pages that show the same results: the one place
//! where a number becomes text.
//!
//! A number the reader compares with a threshold is cut off, never rounded
//! up: the reports compare numbers with thresholds, and a fulfilment of
//! 74.9 % shown as "75 %" next to "75 % is needed" would contradict the
//! stage beside it. The same holds for scores, whose whole part is the
//! stage, and for the shares and p-values of a calibration that are
//! compared with a cut-off the reader sees (missing answers, overlaps,
//! significance).
//!
//! Estimates that meet no threshold on the page (logits, mean squares,
//! correlations) and the coordinates of the charts are rounded instead, to
//! two decimals as in the flag and suggestion texts that the core writes:
//! a table cell must not read "1.30" where the flag in the same row says
//! "1.31". A rounded value is never shown as "-0.00", so the same input
//! always gives byte-identical output whatever the sign of a rounding
//! error.

/// Absorbs the binary representation error of a decimal such as 0.58, whose
/// nearest double lies just below it, so that cutting off does not drop a
/// whole unit; far smaller than any difference a report shows.
const REPRESENTATION_SLACK: f64 = 1e-9;

/// What the reports print where a value is undefined.
pub const UNDEFINED: &str = "–";

/// How many whole `units` (100 for hundredths) `value` holds, cut off.
fn cut_off(value: f64, units: f64) -> f64 {
    (value * units + REPRESENTATION_SLACK).floor()
}

/// A fraction in 0..=1 as whole percent, rounded down.
pub fn whole_percent(fraction: f64) -> u32 {
    // The cast saturates, so an out-of-range value cannot wrap around.
    cut_off(fraction, 100.0).max(0.0) as u32
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
    let hundredths = cut_off(score, 100.0).min(whole * 100.0 + 99.0);
    format!("{:.2}", hundredths / 100.0)
}

/// An interval of scores as "2.55–2.90", each end cut off as a score is,
/// or the undefined mark.
pub fn score_interval(interval: Option<simm_core::Interval>) -> String {
    interval.map_or_else(
        || UNDEFINED.to_owned(),
        |interval| format!("{}–{}", score(interval.low), score(interval.high)),
    )
}

/// An interval of fractions as "64–72 %", each end cut off as a
/// fulfilment is, or the undefined mark.
pub fn percent_interval(interval: Option<simm_core::Interval>) -> String {
    interval.map_or_else(
        || UNDEFINED.to_owned(),
        |interval| {
            format!(
                "{}–{} %",
                whole_percent(interval.low),
                whole_percent(interval.high)
            )
        },
    )
}

/// A probability as whole percent, cut off like every share compared with
/// a limit, and "< 1 %" for one that is not zero but would read "0 %".
pub fn probability(p: f64) -> String {
    if p > 0.0 && whole_percent(p) == 0 {
        "< 1 %".to_owned()
    } else {
        percent(p)
    }
}

/// An agreement index r_wg in 0..=1 with two decimals, cut off so that a
/// value just below [`crate::WEAK_CONSENSUS`] never reads as reaching it.
pub fn agreement(rwg: Option<f64>) -> String {
    rwg.map_or_else(
        || UNDEFINED.to_owned(),
        |rwg| format!("{:.2}", cut_off(rwg, 100.0) / 100.0),
    )
}

/// A share as percent with one decimal, cut off: 20.09 % shows as "20.0 %"
/// and so never seems to pass a limit of 20.1 % that it does not reach.
pub fn tenth_percent(fraction: f64) -> String {
    format!("{:.1} %", cut_off(fraction, 1000.0) / 10.0)
}

/// A p-value cut off to three decimals, and "< 0.001" below: 0.0099 shows
/// as "0.009", so a significant p never reads as "0.010".
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_owned()
    } else {
        format!("{:.3}", cut_off(p, 1000.0) / 1000.0)
    }
}

/// A value with `decimals` decimals, rounded, and unsigned when it rounds
/// to zero.
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.chars().all(|c| c == '0' || c == '.') => magnitude.to_owned(),
        _ => text,
    }
}

/// A value rounded to two decimals: a logit, a mean square, a correlation,
/// a coordinate.
pub fn decimal(value: f64) -> String {
    fixed(value, 2)
}

/// A value rounded to two decimals, or the undefined mark.
pub fn decimal_or_undefined(value: Option<f64>) -> String {
    value.map_or_else(|| UNDEFINED.to_owned(), decimal)
}

/// A difference rounded to two decimals with its sign, "+0.62" or "-0.62";
/// zero has none.
pub fn signed_decimal(value: f64) -> String {
    let text = decimal(value);
    if text.starts_with('-') || text.chars().all(|c| c == '0' || c == '.') {
        text
    } else {
        format!("+{text}")
    }
}

/// A count with its noun: "1 move", "3 moves".
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
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
    fn intervals_and_probabilities_are_cut_off() {
        let interval = |low, high| Some(simm_core::Interval { low, high });
        check(score_interval(interval(2.556, 2.999)), "2.55–2.99");
        check(score_interval(None), "–");
        check(percent_interval(interval(0.6449, 0.7299)), "64–72 %");
        check(percent_interval(interval(0.0, 1.0)), "0–100 %");
        check(percent_interval(None), "–");
        check(probability(0.715), "71 %");
        check(probability(0.005), "< 1 %");
        check(probability(0.0), "0 %");
        check(probability(1.0), "100 %");
    }

    #[test]
    fn agreements() {
        check(agreement(None), "–");
        check(agreement(Some(0.499)), "0.49");
        check(agreement(Some(0.5)), "0.50");
        check(agreement(Some(1.0)), "1.00");
    }

    #[test]
    fn shares_and_p_values_are_cut_off() {
        check(tenth_percent(0.2), "20.0 %");
        check(tenth_percent(0.2099), "20.9 %");
        check(p_value(0.0099), "0.009");
        check(p_value(0.01), "0.010");
        check(p_value(0.0004), "< 0.001");
    }

    #[test]
    fn decimals_are_rounded_and_unsigned_at_zero() {
        check(decimal(1.0), "1.00");
        check(decimal(2.0 / 3.0), "0.67");
        check(decimal(-1e-12), "0.00");
        check(decimal(-0.001), "0.00");
        check(decimal(-1.2), "-1.20");
        check(decimal(-3.5), "-3.50");
        check(decimal_or_undefined(None), "–");
        check(signed_decimal(0.62), "+0.62");
        check(signed_decimal(-0.62), "-0.62");
        check(signed_decimal(0.001), "0.00");
        check(fixed(-0.4, 0), "0");
        check(fixed(-3.0, 0), "-3");
        check(plural(1, "move", "moves"), "1 move");
        check(plural(3, "move", "moves"), "3 moves");
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
