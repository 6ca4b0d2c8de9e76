//! The calibration as already spelled-out texts, the one view that the
//! Markdown and the HTML report are laid out from.

use std::fmt::Write as _;

use simm_core::{Calibration, DIF_LOGITS, DIF_P, FlagKind, HEAVY_OVERLAP, ItemCalibration, Method};

use super::ProposalSummary;
use crate::format::{
    decimal, decimal_or_undefined, one_line, p_value, percent, plural, signed_decimal,
    tenth_percent,
};

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

pub(super) struct CalibrationView {
    pub(super) title: String,
    pub(super) model: String,
    pub(super) method: &'static str,
    pub(super) estimator: String,
    pub(super) respondents: usize,
    pub(super) iterations: usize,
    pub(super) proposal: Option<ProposalView>,
    pub(super) persons: PersonsView,
    pub(super) areas: Vec<AreaRow>,
    pub(super) items: Vec<ItemRow>,
    pub(super) flagged_items: Vec<FlaggedItem>,
    pub(super) bands: Vec<BandRow>,
    /// Per polytomous item: its steps between answer values, in order.
    pub(super) thresholds: Vec<ThresholdRow>,
    pub(super) overlaps: Vec<OverlapRow>,
    pub(super) overlap_sentence: String,
    pub(super) suggestions: Vec<SuggestionRow>,
    pub(super) dif: Option<DifView>,
    pub(super) notes: Vec<String>,
}

pub(super) struct ProposalView {
    pub(super) sentence: String,
    pub(super) skipped: Vec<SkippedMove>,
}

pub(super) struct SkippedMove {
    pub(super) item: String,
    pub(super) why: String,
}

pub(super) struct PersonsView {
    pub(super) n: usize,
    pub(super) extreme_minimum: usize,
    pub(super) extreme_maximum: usize,
    pub(super) reliability: String,
    pub(super) mean: String,
    pub(super) sd: String,
}

pub(super) struct AreaRow {
    pub(super) id: String,
    pub(super) items: usize,
    pub(super) alpha: String,
    /// The items without which alpha would rise, with the alpha then.
    pub(super) rising: String,
}

pub(super) struct ItemRow {
    pub(super) id: String,
    pub(super) area: String,
    pub(super) stage: u8,
    pub(super) answered: usize,
    pub(super) missing: String,
    pub(super) mean: String,
    pub(super) sd: String,
    pub(super) item_total_r: String,
    pub(super) location: String,
    pub(super) se: String,
    pub(super) infit: String,
    pub(super) outfit: String,
    pub(super) flags: Vec<&'static str>,
}

pub(super) struct FlaggedItem {
    pub(super) id: String,
    pub(super) flags: Vec<FlagText>,
}

pub(super) struct FlagText {
    pub(super) label: &'static str,
    pub(super) detail: String,
}

pub(super) struct BandRow {
    pub(super) scope: String,
    pub(super) stage: u8,
    pub(super) items: usize,
    pub(super) min: String,
    pub(super) mean: String,
    pub(super) max: String,
}

pub(super) struct OverlapRow {
    pub(super) scope: String,
    pub(super) lower: u8,
    pub(super) upper: u8,
    pub(super) overlap: String,
    pub(super) heavy: bool,
}

pub(super) struct SuggestionRow {
    pub(super) item: String,
    pub(super) from: u8,
    pub(super) to: u8,
    pub(super) reason: String,
}

pub(super) struct DifView {
    pub(super) heading: String,
    pub(super) groups: Vec<GroupRow>,
    pub(super) flagged: Vec<DifRow>,
    pub(super) summary: String,
}

pub(super) struct GroupRow {
    pub(super) name: String,
    pub(super) respondents: usize,
    pub(super) problem: String,
}

pub(super) struct DifRow {
    pub(super) item: String,
    pub(super) first: String,
    pub(super) second: String,
    pub(super) difference: String,
    pub(super) se: String,
    pub(super) p: String,
}

impl CalibrationView {
    pub(super) fn build(calibration: &Calibration, proposal: Option<&ProposalSummary>) -> Self {
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
                reliability: decimal_or_undefined(persons.separation_reliability),
                mean: decimal_or_undefined(persons.mean),
                sd: decimal_or_undefined(persons.sd),
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
                percent(HEAVY_OVERLAP)
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
pub(super) struct ThresholdRow {
    pub(super) id: String,
    pub(super) steps: Vec<String>,
    pub(super) disordered: bool,
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
                    format!(
                        "{}→{} {}",
                        value(step),
                        value(step + 1),
                        decimal(*threshold)
                    )
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
                alpha: decimal_or_undefined(area.alpha),
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
        mean: decimal_or_undefined(item.mean),
        sd: decimal_or_undefined(item.sd),
        item_total_r: decimal_or_undefined(item.item_total_r),
        location: decimal(item.location),
        se: decimal(item.se),
        infit: decimal_or_undefined(item.infit),
        outfit: decimal_or_undefined(item.outfit),
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
            overlap: percent(overlap.overlap),
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
