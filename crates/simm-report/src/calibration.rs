//! Presentation of a model calibration: the Markdown report that
//! `simm calibrate` prints, the HTML report (a whole document, or a fragment
//! the web console embeds in its own layout) and the item–person ("Wright")
//! map as inline SVG.
//!
//! Both formats are laid out from one [`CalibrationView`] of already
//! spelled-out texts, so that Markdown and HTML always show the same digits.
//!
//! Logits, mean squares and correlations are rounded to two decimals, as in
//! the flag and suggestion texts that the core writes and that the report
//! shows beside them: a table cell must not read "1.30" where the flag in
//! the same row says "1.31". Shares that are compared with a cut-off the
//! reader sees (missing answers, overlaps, p-values) are cut off instead,
//! following [`crate::format`], so that a value just under a limit never
//! reads as reaching it.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use askama::Template;
use simm_core::{
    Calibration, DIF_LOGITS, DIF_P, FlagKind, HEAVY_OVERLAP, ItemCalibration, MAP_BIN, Method,
    Proposal,
};

use crate::format::{UNDEFINED, markdown_cell as cell, one_line};
use crate::svg::escape;

/// What a written proposal for a new model version did, for the sentence
/// at the top of the report: "Proposal written to NEW.toml (version 1.1.0):
/// 3 moves, 1 skipped."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalSummary<'a> {
    /// The file the proposal was written to, as the user named it.
    pub file_name: &'a str,
    /// The proposed model version.
    pub version: &'a str,
    /// How many stage moves the proposal makes.
    pub applied: usize,
    /// The moves left out: item id and why.
    pub skipped: Vec<(String, String)>,
}

impl<'a> ProposalSummary<'a> {
    /// The summary of a proposal made by [`simm_core::propose_model`] and
    /// written to `file_name`.
    pub fn from_proposal(file_name: &'a str, proposal: &'a Proposal) -> Self {
        ProposalSummary {
            file_name,
            version: &proposal.version,
            applied: proposal.applied.len(),
            skipped: proposal
                .skipped
                .iter()
                .map(|(stage_move, why)| (stage_move.item.to_string(), why.clone()))
                .collect(),
        }
    }
}

/// The styles of [`calibration_html_fragment`], every rule scoped to its
/// `simm-calibration` wrapper so that the console can add them to its own
/// stylesheet without affecting other pages. Colours fall back to the
/// report's palette where the including page defines no `--line`, `--soft`,
/// `--muted` or `--accent`.
pub const CALIBRATION_CSS: &str = r#".simm-calibration .calibration-summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.75rem; margin: 1rem 0; padding: 0; }
.simm-calibration .calibration-summary div { background: var(--soft, #f3f6f9); border-left: 4px solid var(--accent, #1d4e89); padding: 0.5rem 0.75rem; }
.simm-calibration .calibration-summary dt { color: var(--muted, #4b5563); font-size: 0.85rem; }
.simm-calibration .calibration-summary dd { margin: 0; font-weight: 600; }
.simm-calibration .calibration-proposal { background: var(--soft, #f3f6f9); border-left: 4px solid #1b6e3a; padding: 0.5rem 1rem; margin: 1rem 0; }
.simm-calibration .calibration-proposal p { margin: 0.25rem 0; }
.simm-calibration section { margin: 1.5rem 0; }
.simm-calibration h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; }
.simm-calibration h3 { font-size: 1.05rem; margin: 1.25rem 0 0.4rem; }
.simm-calibration figure { margin: 1rem 0; }
.simm-calibration figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.simm-calibration figcaption { color: var(--muted, #4b5563); font-size: 0.9rem; margin-top: 0.4rem; }
.simm-calibration .table-wrap { overflow-x: auto; margin: 0.5rem 0 1rem; }
.simm-calibration table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 0; }
.simm-calibration caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
.simm-calibration th, .simm-calibration td { text-align: left; vertical-align: top; padding: 0.3rem 0.45rem; border-bottom: 1px solid var(--line, #d0d7de); }
.simm-calibration thead th { background: var(--soft, #f3f6f9); border-bottom: 2px solid var(--line, #d0d7de); }
.simm-calibration .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.simm-calibration .nowrap { white-space: nowrap; }
.simm-calibration tr.flagged th { font-weight: 700; }
.simm-calibration .flag { display: inline-block; padding: 0 0.35rem; margin: 0 0.2rem 0.2rem 0; border-radius: 3px; background: #fdecea; color: #8a1c1c; font-size: 0.8rem; font-weight: 600; }
.simm-calibration .heavy { color: #8a1c1c; font-weight: 600; }
.simm-calibration .note { color: var(--muted, #4b5563); }
@media print {
  .simm-calibration figure, .simm-calibration tr { break-inside: avoid; page-break-inside: avoid; }
  .simm-calibration .table-wrap { overflow: visible; }
}
"#;

/// The calibration as Markdown, for a terminal or a file next to the
/// proposal.
pub fn calibration_markdown(
    calibration: &Calibration,
    proposal: Option<&ProposalSummary>,
) -> String {
    render_markdown(&CalibrationView::build(calibration, proposal))
}

/// The calibration as one self-contained HTML page: inline CSS and SVG, no
/// scripts and no external resources.
pub fn calibration_html(calibration: &Calibration, proposal: Option<&ProposalSummary>) -> String {
    let view = CalibrationView::build(calibration, proposal);
    let page = CalibrationPage {
        title: &view.title,
        css: CALIBRATION_CSS,
        fragment: render_fragment(&view, wright_map(calibration)),
    };
    page.render()
        .expect("the template writes into a String and its values always format")
}

/// The body of [`calibration_html`] without the document around it: one
/// `<div class="simm-calibration">` for a page that has its own layout and
/// title. It uses no `style` attributes, so a policy of `style-src 'self'`
/// holds; style it with [`CALIBRATION_CSS`].
pub fn calibration_html_fragment(
    calibration: &Calibration,
    proposal: Option<&ProposalSummary>,
) -> String {
    render_fragment(
        &CalibrationView::build(calibration, proposal),
        wright_map(calibration),
    )
}

// ---------------------------------------------------------------------------
// Numbers

/// A value with `decimals` decimals, rounded. A tiny negative value would
/// print as "-0.00"; it is shown unsigned so output does not depend on the
/// sign of a rounding error.
fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.chars().all(|c| c == '0' || c == '.') => magnitude.to_owned(),
        _ => text,
    }
}

fn decimal(value: f64) -> String {
    fixed(value, 2)
}

fn optional_decimal(value: Option<f64>) -> String {
    value.map_or_else(|| UNDEFINED.to_owned(), decimal)
}

/// A difference of logits with its sign, "+0.62" or "-0.62".
fn signed_decimal(value: f64) -> String {
    let text = decimal(value);
    if text.starts_with('-') || text.chars().all(|c| c == '0' || c == '.') {
        text
    } else {
        format!("+{text}")
    }
}

/// A share as percent with one decimal, cut off: 20.09 % shows as "20.0 %"
/// and so never seems to pass a limit of 20.1 % that it does not reach.
fn tenth_percent(fraction: f64) -> String {
    // The slack absorbs the representation error of decimals such as 0.2.
    let tenths = (fraction * 1000.0 + 1e-9).floor() / 10.0;
    format!("{tenths:.1} %")
}

/// A p-value cut off to three decimals, and "< 0.001" below: 0.0099 shows
/// as "0.009", so a significant p never reads as "0.010".
fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_owned()
    } else {
        format!("{:.3}", (p * 1000.0 + 1e-9).floor() / 1000.0)
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

// ---------------------------------------------------------------------------
// The view shared by both formats

fn method_label(method: Method) -> &'static str {
    match method {
        Method::Rasch => "Rasch (dichotomous Rasch model)",
        Method::Rsm => "RSM (Andrich's rating scale model)",
        Method::Pcm => "PCM (Masters' partial credit model)",
    }
}

fn estimator_label(estimator: &str) -> String {
    if estimator == "cml" {
        "CML (conditional maximum likelihood)".to_owned()
    } else {
        estimator.to_uppercase()
    }
}

fn flag_label(kind: FlagKind) -> &'static str {
    match kind {
        FlagKind::Underfit => "underfit",
        FlagKind::Overfit => "overfit",
        FlagKind::Missing => "missing",
        FlagKind::Discrimination => "discrimination",
        FlagKind::Stage => "stage",
        FlagKind::Dif => "DIF",
        FlagKind::Disordered => "disordered thresholds",
    }
}

/// The name of the band or overlap over all areas.
const ALL_AREAS: &str = "All areas";

struct CalibrationView {
    title: String,
    model: String,
    method: &'static str,
    estimator: String,
    respondents: usize,
    iterations: usize,
    proposal: Option<ProposalView>,
    persons: PersonsView,
    areas: Vec<AreaRow>,
    items: Vec<ItemRow>,
    flagged_items: Vec<FlaggedItem>,
    bands: Vec<BandRow>,
    /// Per polytomous item: its steps between answer values, in order.
    thresholds: Vec<ThresholdRow>,
    overlaps: Vec<OverlapRow>,
    overlap_sentence: String,
    suggestions: Vec<SuggestionRow>,
    dif: Option<DifView>,
    notes: Vec<String>,
}

struct ProposalView {
    sentence: String,
    skipped: Vec<SkippedMove>,
}

struct SkippedMove {
    item: String,
    why: String,
}

struct PersonsView {
    n: usize,
    extreme_minimum: usize,
    extreme_maximum: usize,
    reliability: String,
    mean: String,
    sd: String,
}

struct AreaRow {
    id: String,
    items: usize,
    alpha: String,
    /// The items without which alpha would rise, with the alpha then.
    rising: String,
}

struct ItemRow {
    id: String,
    area: String,
    stage: u8,
    answered: usize,
    missing: String,
    mean: String,
    sd: String,
    item_total_r: String,
    location: String,
    se: String,
    infit: String,
    outfit: String,
    flags: Vec<&'static str>,
}

struct FlaggedItem {
    id: String,
    flags: Vec<FlagText>,
}

struct FlagText {
    label: &'static str,
    detail: String,
}

struct BandRow {
    scope: String,
    stage: u8,
    items: usize,
    min: String,
    mean: String,
    max: String,
}

struct OverlapRow {
    scope: String,
    lower: u8,
    upper: u8,
    overlap: String,
    heavy: bool,
}

struct SuggestionRow {
    item: String,
    from: u8,
    to: u8,
    reason: String,
}

struct DifView {
    heading: String,
    groups: Vec<GroupRow>,
    flagged: Vec<DifRow>,
    summary: String,
}

struct GroupRow {
    name: String,
    respondents: usize,
    problem: String,
}

struct DifRow {
    item: String,
    first: String,
    second: String,
    difference: String,
    se: String,
    p: String,
}

impl CalibrationView {
    fn build(calibration: &Calibration, proposal: Option<&ProposalSummary>) -> Self {
        let model = format!("{} {}", calibration.model.id, calibration.model.version);
        let persons = &calibration.persons;
        CalibrationView {
            title: format!("Calibration of {model}"),
            model,
            method: method_label(calibration.method),
            estimator: estimator_label(calibration.estimator),
            respondents: calibration.respondents,
            iterations: calibration.iterations,
            proposal: proposal.map(proposal_view),
            persons: PersonsView {
                n: persons.n,
                extreme_minimum: persons.extreme_minimum,
                extreme_maximum: persons.extreme_maximum,
                reliability: optional_decimal(persons.separation_reliability),
                mean: optional_decimal(persons.mean),
                sd: optional_decimal(persons.sd),
            },
            areas: area_rows(calibration),
            items: calibration.items.iter().map(item_row).collect(),
            flagged_items: calibration
                .items
                .iter()
                .filter(|item| !item.flags.is_empty())
                .map(|item| FlaggedItem {
                    id: item.id.to_string(),
                    flags: item
                        .flags
                        .iter()
                        .map(|flag| FlagText {
                            label: flag_label(flag.kind),
                            detail: one_line(&flag.detail),
                        })
                        .collect(),
                })
                .collect(),
            bands: band_rows(calibration),
            thresholds: threshold_rows(calibration),
            overlaps: overlap_rows(calibration),
            overlap_sentence: format!(
                "The share of pairs of items of adjacent stages in which the lower-stage item is at least as hard as the upper-stage one; from {} the overlap is heavy and the two stages are hard to tell apart.",
                crate::format::percent(HEAVY_OVERLAP)
            ),
            suggestions: calibration
                .suggestions
                .iter()
                .map(|suggestion| SuggestionRow {
                    item: suggestion.item.to_string(),
                    from: suggestion.from_stage.get(),
                    to: suggestion.to_stage.get(),
                    reason: one_line(&suggestion.reason),
                })
                .collect(),
            dif: dif_view(calibration),
            notes: calibration
                .notes
                .iter()
                .map(|note| one_line(note))
                .collect(),
        }
    }
}

/// One item's thresholds, each written as "from→to at logits".
struct ThresholdRow {
    id: String,
    steps: Vec<String>,
    disordered: bool,
}

fn threshold_rows(calibration: &Calibration) -> Vec<ThresholdRow> {
    calibration
        .items
        .iter()
        .filter(|item| !item.thresholds.is_empty())
        .map(|item| ThresholdRow {
            id: item.id.to_string(),
            steps: item
                .thresholds
                .iter()
                .enumerate()
                .map(|(step, threshold)| {
                    let value = |k: usize| item.categories.get(k).map_or(k as u8 + 1, |v| *v);
                    format!("{}→{} {threshold:.2}", value(step), value(step + 1))
                })
                .collect(),
            disordered: item.thresholds.windows(2).any(|w| w[1] < w[0]),
        })
        .collect()
}

fn proposal_view(proposal: &ProposalSummary) -> ProposalView {
    let mut sentence = format!(
        "Proposal written to {} (version {}): {}",
        one_line(proposal.file_name),
        one_line(proposal.version),
        plural(proposal.applied, "move", "moves"),
    );
    match proposal.skipped.len() {
        0 => sentence.push('.'),
        skipped => {
            let _ = write!(sentence, ", {skipped} skipped:");
        }
    }
    ProposalView {
        sentence,
        skipped: proposal
            .skipped
            .iter()
            .map(|(item, why)| SkippedMove {
                item: one_line(item),
                why: one_line(why),
            })
            .collect(),
    }
}

fn area_rows(calibration: &Calibration) -> Vec<AreaRow> {
    calibration
        .areas
        .iter()
        .map(|area| {
            let rising: Vec<String> = match area.alpha {
                Some(alpha) => area
                    .alpha_if_deleted
                    .iter()
                    .filter_map(|deleted| {
                        deleted
                            .alpha
                            .filter(|without| *without > alpha)
                            .map(|without| format!("{} ({})", deleted.item, decimal(without)))
                    })
                    .collect(),
                None => Vec::new(),
            };
            AreaRow {
                id: area.id.to_string(),
                items: calibration
                    .items
                    .iter()
                    .filter(|item| item.area == area.id)
                    .count(),
                alpha: optional_decimal(area.alpha),
                rising: if rising.is_empty() {
                    "none".to_owned()
                } else {
                    rising.join(", ")
                },
            }
        })
        .collect()
}

fn item_row(item: &ItemCalibration) -> ItemRow {
    // An item can carry the same kind twice (infit and outfit); the table
    // names each kind once and the flag list below it gives every detail.
    let mut flags: Vec<&'static str> = Vec::new();
    for flag in &item.flags {
        let label = flag_label(flag.kind);
        if !flags.contains(&label) {
            flags.push(label);
        }
    }
    ItemRow {
        id: item.id.to_string(),
        area: item.area.to_string(),
        stage: item.stage.get(),
        answered: item.answered,
        missing: tenth_percent(item.missing_rate),
        mean: optional_decimal(item.mean),
        sd: optional_decimal(item.sd),
        item_total_r: optional_decimal(item.item_total_r),
        location: decimal(item.location),
        se: decimal(item.se),
        infit: optional_decimal(item.infit),
        outfit: optional_decimal(item.outfit),
        flags,
    }
}

/// The bands over all areas first, which the item–person map shades, then
/// each area's in the core's order.
fn band_rows(calibration: &Calibration) -> Vec<BandRow> {
    let overall = calibration.stage_bands.iter().filter(|b| b.area.is_none());
    let per_area = calibration.stage_bands.iter().filter(|b| b.area.is_some());
    overall
        .chain(per_area)
        .map(|band| BandRow {
            scope: band
                .area
                .as_ref()
                .map_or_else(|| ALL_AREAS.to_owned(), ToString::to_string),
            stage: band.stage.get(),
            items: band.items,
            min: decimal(band.min),
            mean: decimal(band.mean),
            max: decimal(band.max),
        })
        .collect()
}

/// Heavy overlaps first, since they are what the reader must act on; the
/// sort is stable, so the core's order holds within each kind.
fn overlap_rows(calibration: &Calibration) -> Vec<OverlapRow> {
    let mut overlaps: Vec<_> = calibration.overlaps.iter().collect();
    overlaps.sort_by_key(|overlap| !overlap.heavy);
    overlaps
        .into_iter()
        .map(|overlap| OverlapRow {
            scope: overlap
                .area
                .as_ref()
                .map_or_else(|| ALL_AREAS.to_owned(), ToString::to_string),
            lower: overlap.lower_stage.get(),
            upper: overlap.upper_stage.get(),
            overlap: crate::format::percent(overlap.overlap),
            heavy: overlap.heavy,
        })
        .collect()
}

/// Only the flagged comparisons are listed: with a few groups there are
/// hundreds of comparisons, nearly all of them unremarkable.
fn dif_view(calibration: &Calibration) -> Option<DifView> {
    let dif = calibration.dif.as_ref()?;
    let attribute = calibration
        .group_by
        .as_deref()
        .map_or_else(|| "group".to_owned(), one_line);
    let flagged: Vec<DifRow> = dif
        .iter()
        .filter(|row| row.flagged)
        .map(|row| DifRow {
            item: row.item.to_string(),
            first: one_line(&row.groups[0]),
            second: one_line(&row.groups[1]),
            difference: signed_decimal(row.difference),
            se: decimal(row.se),
            p: p_value(row.p),
        })
        .collect();
    let unflagged = dif.len() - flagged.len();
    let rule = format!(
        "an item is flagged when its locations differ by at least {DIF_LOGITS} logits at p < {DIF_P}"
    );
    let summary = if dif.is_empty() {
        format!("No pair of groups could be compared; {rule}.")
    } else if flagged.is_empty() {
        format!(
            "None of the {} is flagged; {rule}.",
            plural(unflagged, "comparison", "comparisons")
        )
    } else {
        format!(
            "{} not flagged and not listed; {rule}.",
            plural(
                unflagged,
                "further comparison is",
                "further comparisons are"
            )
        )
    };
    Some(DifView {
        heading: format!("Differential item functioning by {attribute}"),
        groups: calibration
            .groups
            .iter()
            .flatten()
            .map(|group| GroupRow {
                name: one_line(&group.name),
                respondents: group.respondents,
                problem: group.problem.as_deref().map_or_else(String::new, one_line),
            })
            .collect(),
        flagged,
        summary,
    })
}

// ---------------------------------------------------------------------------
// Markdown

fn render_markdown(view: &CalibrationView) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail, so the results are ignored.
    let _ = writeln!(out, "# {}\n", view.title);
    let _ = writeln!(out, "- Model: {}", view.model);
    let _ = writeln!(out, "- Method: {}", view.method);
    let _ = writeln!(out, "- Estimator: {}", view.estimator);
    let _ = writeln!(out, "- Respondents: {}", view.respondents);
    let _ = writeln!(out, "- Iterations: {}\n", view.iterations);

    if let Some(proposal) = &view.proposal {
        let _ = writeln!(out, "{}\n", proposal.sentence);
        if !proposal.skipped.is_empty() {
            for skipped in &proposal.skipped {
                let _ = writeln!(out, "- {}: {}", skipped.item, skipped.why);
            }
            out.push('\n');
        }
    }

    let persons = &view.persons;
    out.push_str("## Persons\n\n");
    let _ = writeln!(out, "- Respondents with answers: {}", persons.n);
    let _ = writeln!(
        out,
        "- Extreme: {} at the lowest value on every item, {} at the highest",
        persons.extreme_minimum, persons.extreme_maximum
    );
    let _ = writeln!(out, "- Separation reliability: {}", persons.reliability);
    let _ = writeln!(
        out,
        "- Measures: mean {}, SD {} logits\n",
        persons.mean, persons.sd
    );

    out.push_str(
        "## Areas\n\n| Area | Items | Alpha | Alpha would rise without |\n|---|---:|---:|---|\n",
    );
    for area in &view.areas {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&area.id),
            area.items,
            area.alpha,
            cell(&area.rising)
        );
    }
    out.push('\n');

    out.push_str("## Items\n\n");
    out.push_str("| Id | Area | Stage | Answered | Missing | Mean | SD | Item-total r | Location ± SE | Infit | Outfit | Flags |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for item in &view.items {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} ± {} | {} | {} | {} |",
            cell(&item.id),
            cell(&item.area),
            item.stage,
            item.answered,
            item.missing,
            item.mean,
            item.sd,
            item.item_total_r,
            item.location,
            item.se,
            item.infit,
            item.outfit,
            item.flags.join(", ")
        );
    }
    out.push('\n');
    if view.flagged_items.is_empty() {
        out.push_str("No item is flagged.\n\n");
    } else {
        out.push_str("### Flags\n\n");
        for item in &view.flagged_items {
            for flag in &item.flags {
                let _ = writeln!(out, "- **{}** {}: {}", item.id, flag.label, flag.detail);
            }
        }
        out.push('\n');
    }

    if !view.thresholds.is_empty() {
        out.push_str(
            "## Thresholds\n\nThe step between two answer values is where both are equally likely, in logits; steps out of order mean the middle answer is never the most likely one.\n\n| Item | Steps | |\n|---|---|---|\n",
        );
        for row in &view.thresholds {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&row.id),
                row.steps.join(", "),
                if row.disordered { "disordered" } else { "" }
            );
        }
        out.push('\n');
    }

    out.push_str("## Stage bands\n\nItem locations per stage, in logits.\n\n");
    out.push_str("| Area | Stage | Items | Min | Mean | Max |\n|---|---:|---:|---:|---:|---:|\n");
    for band in &view.bands {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&band.scope),
            band.stage,
            band.items,
            band.min,
            band.mean,
            band.max
        );
    }
    out.push('\n');

    out.push_str("## Stage overlaps\n\n");
    let _ = writeln!(out, "{}\n", view.overlap_sentence);
    if view.overlaps.is_empty() {
        out.push_str("No area has items of two adjacent stages.\n\n");
    } else {
        out.push_str("| Area | Stages | Out of order | Heavy |\n|---|---|---:|---|\n");
        for overlap in &view.overlaps {
            let _ = writeln!(
                out,
                "| {} | {} → {} | {} | {} |",
                cell(&overlap.scope),
                overlap.lower,
                overlap.upper,
                overlap.overlap,
                if overlap.heavy { "**heavy**" } else { "" }
            );
        }
        out.push('\n');
    }

    out.push_str("## Suggested moves\n\n");
    if view.suggestions.is_empty() {
        out.push_str("No item's location contradicts its stage; no move is suggested.\n\n");
    } else {
        out.push_str("| Item | From | To | Reason |\n|---|---:|---:|---|\n");
        for suggestion in &view.suggestions {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&suggestion.item),
                suggestion.from,
                suggestion.to,
                cell(&suggestion.reason)
            );
        }
        out.push('\n');
    }

    if let Some(dif) = &view.dif {
        let _ = writeln!(out, "## {}\n", dif.heading);
        out.push_str("| Group | Respondents | Problem |\n|---|---:|---|\n");
        for group in &dif.groups {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&group.name),
                group.respondents,
                cell(&group.problem)
            );
        }
        out.push('\n');
        if !dif.flagged.is_empty() {
            out.push_str("| Item | Groups | Difference ± SE | p |\n|---|---|---:|---:|\n");
            for row in &dif.flagged {
                let _ = writeln!(
                    out,
                    "| {} | {} vs {} | {} ± {} | {} |",
                    cell(&row.item),
                    cell(&row.first),
                    cell(&row.second),
                    row.difference,
                    row.se,
                    row.p
                );
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{}\n", dif.summary);
    }

    if !view.notes.is_empty() {
        out.push_str("## Notes\n\n");
        for note in &view.notes {
            let _ = writeln!(out, "- {note}");
        }
        out.push('\n');
    }
    // One trailing newline, as a text file should end.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

// ---------------------------------------------------------------------------
// HTML

#[derive(Template)]
#[template(path = "calibration.html")]
struct CalibrationFragment<'a> {
    view: &'a CalibrationView,
    map: String,
}

#[derive(Template)]
#[template(path = "calibration_page.html")]
struct CalibrationPage<'a> {
    title: &'a str,
    css: &'static str,
    fragment: String,
}

fn render_fragment(view: &CalibrationView, map: String) -> String {
    CalibrationFragment { view, map }
        .render()
        .expect("the template writes into a String and its values always format")
}

// ---------------------------------------------------------------------------
// The item–person map

const MAP_INK: &str = "#111111";
const MAP_MUTED: &str = "#4b5563";
const MAP_GRID: &str = "#d5dbe1";
const PERSON_FILL: &str = "#8da9c4";
const BAND_FILL: &str = "#e3ebf4";
const MAP_FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
/// Area colours from the Okabe–Ito palette, darkened where needed for 3:1
/// contrast on white. Shapes vary too, so areas stay apart without colour.
const AREA_COLOURS: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#b04a95", "#8a6d00", "#4b5563",
];
const AREA_SHAPES: usize = 5;

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
const LABEL_GAP: f64 = 13.0;
/// A rough width of one character at font size 11; SVG has no text layout.
const LABEL_CHAR_WIDTH: f64 = 6.6;
const MINIMUM_COLUMN_WIDTH: f64 = 110.0;
const LEGEND_ROW_HEIGHT: f64 = 20.0;

/// A coordinate with two decimals, unsigned at zero, so that the same
/// calibration always gives byte-identical markup.
fn coordinate(value: f64) -> String {
    fixed(value, 2)
}

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
fn spread_labels(desired: &[f64], top: f64, bottom: f64) -> Vec<f64> {
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
            .map(|(dx, dy)| format!("{},{}", coordinate(x + dx), coordinate(y + dy)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match shape % AREA_SHAPES {
        0 => format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"{attributes}/>",
            coordinate(x),
            coordinate(y),
            coordinate(r)
        ),
        1 => format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{attributes}/>",
            coordinate(x - r * 0.9),
            coordinate(y - r * 0.9),
            coordinate(r * 1.8),
            coordinate(r * 1.8)
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
        let mut members: Vec<&ItemCalibration> = calibration
            .items
            .iter()
            .filter(|item| item.stage.get() == *stage)
            .collect();
        members.sort_by(|a, b| {
            b.location
                .total_cmp(&a.location)
                .then_with(|| a.id.cmp(&b.id))
        });
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
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"wright-map\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{label}\" font-family=\"{MAP_FONT_FAMILY}\" font-size=\"11\" fill=\"{MAP_INK}\">\n<title>{label}</title>\n<desc>{description}</desc>\n",
        w = coordinate(width),
        h = coordinate(height),
        label = escape(&title),
        description = escape(&map_description(calibration, &stages, low, high)),
    );

    // Headings.
    let heading = |out: &mut String, x: f64, y: f64, anchor: &str, extra: &str, text: &str| {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"{extra}>{}</text>",
            coordinate(x),
            coordinate(y),
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
        &format!(" font-size=\"10\" fill=\"{MAP_MUTED}\""),
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
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{MAP_GRID}\" stroke-dasharray=\"2 3\"/>",
            coordinate(AXIS_X - HISTOGRAM_WIDTH),
            coordinate(width - MAP_MARGIN),
            y = coordinate(y),
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{MAP_MUTED}\">{}</text>",
            coordinate(AXIS_X + 6.0),
            coordinate(y + 3.5),
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
                coordinate(left),
                coordinate(top),
                coordinate(column_width - 8.0),
                coordinate(bottom - top)
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
            coordinate(AXIS_X - length),
            coordinate(top),
            coordinate(length),
            coordinate((bottom - top).max(0.5))
        );
        // Counts only where a bar is tall enough to carry them legibly.
        if bar_height >= 10.0 {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\" fill=\"{MAP_MUTED}\">{}</text>",
                coordinate(AXIS_X - length - 3.0),
                coordinate(centre + 3.5),
                bin.count
            );
        }
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{MAP_INK}\"/>",
        coordinate(scale.top),
        coordinate(scale.bottom),
        x = coordinate(AXIS_X),
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
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{MAP_GRID}\"/>",
                    coordinate(x + MARKER_RADIUS),
                    coordinate(placed.marker_y),
                    coordinate(left + label_offset - 2.0),
                    coordinate(label_middle)
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
            let (stroke, stroke_width) = if flagged {
                (MAP_INK, "2.5")
            } else {
                ("#ffffff", "1")
            };
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
                coordinate(left + label_offset),
                coordinate(placed.label_baseline),
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
                        " class=\"legend-marker\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"",
                        AREA_COLOURS[index % AREA_COLOURS.len()]
                    ),
                )),
                LegendKind::Flagged => out.push_str(&marker(
                    0,
                    sample_x,
                    middle,
                    &format!(
                        " class=\"legend-marker\" fill=\"#ffffff\" stroke=\"{MAP_INK}\" stroke-width=\"2.5\""
                    ),
                )),
                LegendKind::Band => {
                    let _ = write!(
                        out,
                        "<rect class=\"legend-marker\" x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{BAND_FILL}\" stroke=\"{MAP_GRID}\"/>",
                        coordinate(sample_x - 7.0),
                        coordinate(middle - 5.0)
                    );
                }
            }
            out.push('\n');
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                coordinate(x + 20.0),
                coordinate(middle + 4.0),
                escape(&entry.label)
            );
        }
    }
    out.push_str("</svg>\n");
    out
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
        let mut members: Vec<&ItemCalibration> = calibration
            .items
            .iter()
            .filter(|item| item.stage.get() == *stage)
            .collect();
        members.sort_by(|a, b| {
            b.location
                .total_cmp(&a.location)
                .then_with(|| a.id.cmp(&b.id))
        });
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

#[cfg(test)]
mod tests;
