//! Presentation of a model calibration: the Markdown report that
//! `simm calibrate` prints, the HTML report (a whole document, or a fragment
//! the web console embeds in its own layout) and the item–person ("Wright")
//! map as inline SVG.
//!
//! Both formats are laid out from one view of already spelled-out texts
//! (`view.rs`), so that Markdown (`markdown.rs`) and HTML (`html.rs`)
//! always show the same digits; [`crate::format`] says which numbers are
//! rounded and which cut off. The map (`wright_map.rs`) draws with the
//! chart primitives of [`crate::svg`].

mod html;
mod markdown;
mod view;
mod wright_map;

use simm_core::{Calibration, Proposal};

use self::view::CalibrationView;
pub use self::wright_map::wright_map;

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
    markdown::render(&CalibrationView::build(calibration, proposal))
}

/// The calibration as one self-contained HTML page: inline CSS and SVG, no
/// scripts and no external resources.
pub fn calibration_html(calibration: &Calibration, proposal: Option<&ProposalSummary>) -> String {
    html::page(
        &CalibrationView::build(calibration, proposal),
        wright_map(calibration),
    )
}

/// The body of [`calibration_html`] without the document around it: one
/// `<div class="simm-calibration">` for a page that has its own layout and
/// title. It uses no `style` attributes, so a policy of `style-src 'self'`
/// holds; style it with [`CALIBRATION_CSS`].
pub fn calibration_html_fragment(
    calibration: &Calibration,
    proposal: Option<&ProposalSummary>,
) -> String {
    html::fragment(
        &CalibrationView::build(calibration, proposal),
        wright_map(calibration),
    )
}

#[cfg(test)]
mod tests;
