//! Presentation of simm results: the results view that every results
//! report is laid out from (a Markdown report for the terminal, a
//! self-contained HTML report with hand-drawn SVG charts, and the web's
//! results page), the one-sentence reason for each area's stage, and the
//! Markdown description of a model.
//!
//! Nothing here decides a score. The renderers only show what
//! `simm_core::score` computed, and suppressed groups arrive without scores,
//! so no renderer can leak them.

mod calibration;
mod content;
pub mod format;
mod html;
mod journey;
mod markdown;
mod model_markdown;
pub mod svg;

use simm_core::{AreaResult, GroupResult, HiddenBecause, Model, Results};

pub use calibration::{
    CALIBRATION_CSS, ProposalSummary, calibration_html, calibration_html_fragment,
    calibration_markdown, wright_map,
};
pub use content::{
    AreaConsensus, AreaView, GroupRow, GroupsView, ItemRow, OverallView, Practice, ResultsView,
    RoadmapStep, ScoreCell, StageRow, WeakItem,
};
pub use html::Charts;
pub use journey::{
    ActionDone, AreaTrendView, JOURNEY_CSS, OutcomeRow, PhaseView, RoadmapPracticeRow, RoadmapView,
    RoundRow, TargetRow, TrendCell, TrendView, TrendViewInput, roadmap_html, roadmap_html_fragment,
    roadmap_markdown, roadmap_view, trend_html, trend_html_fragment, trend_markdown, trend_view,
};
pub use model_markdown::model_markdown;

/// The r_wg below which respondents disagree about whether a practice is
/// in place. 0.5 is the customary cut-off below which agreement is too weak
/// to treat the mean answer as a shared view.
pub const WEAK_CONSENSUS: f64 = 0.5;

/// What a results report shows, for a renderer outside this crate (the
/// web's results page) to lay out as the reports here do.
pub fn results_view(model: &Model, results: &Results) -> ResultsView {
    content::build(model, results)
}

/// The report as Markdown, meant to be read in a terminal.
pub fn markdown(model: &Model, results: &Results) -> String {
    markdown::render(&content::build(model, results))
}

/// The report as one self-contained HTML page: inline CSS and SVG, no
/// scripts and no external resources, so it opens offline and prints.
pub fn html(model: &Model, results: &Results) -> String {
    html::render(
        &content::build(model, results),
        &Charts::draw(model, results),
    )
}

/// An area's name, or its id for an area the model does not have (results
/// of another version of the model).
pub(crate) fn area_name<'a>(model: &'a Model, area: &'a simm_core::AreaId) -> &'a str {
    model
        .area(area)
        .map_or(area.as_str(), |found| found.name.as_str())
}

/// The one-sentence reason for an area's stage, e.g. "Management stays at
/// stage 2: its stage-3 practices are 58 % in place, 75 % is needed."
///
/// The fulfilment is rounded down, so that 74.9 % never reads as the 75 %
/// that is needed; the threshold is rounded to the nearest percent.
pub fn area_reason(model: &Model, area: &AreaResult, threshold: f64) -> String {
    let name = area_name(model, &area.id);
    let stage = area.stage;
    if stage >= model.top_stage() {
        return format!("{name} reaches stage {stage}, the top stage.");
    }
    let next = stage.next();
    match area.fulfilment.get(next) {
        Some(fulfilment) => format!(
            "{name} stays at stage {stage}: its stage-{next} practices are {} in place, {} % is needed.",
            format::percent(fulfilment),
            format::threshold_percent(threshold)
        ),
        None => {
            format!("{name} stays at stage {stage}: nobody answered its stage-{next} statements.")
        }
    }
}

/// The name of a group as shown: its attribute value, or a mark for the
/// respondents who gave none.
pub(crate) fn group_label(group: &GroupResult) -> &str {
    group.value.as_deref().unwrap_or("(not given)")
}

/// The scores a group shows, one per area in model order and then the
/// overall score, or `None` for a group the privacy policy suppressed (or
/// that arrived without scores). An area the group's results lack shows as
/// `None` in its place.
pub(crate) fn group_scores(model: &Model, group: &GroupResult) -> Option<Vec<Option<f64>>> {
    let (false, Some(areas), Some(overall)) = (group.suppressed, &group.areas, &group.overall)
    else {
        return None;
    };
    Some(
        model
            .areas()
            .iter()
            .map(|area| {
                areas
                    .iter()
                    .find(|result| result.id == area.id)
                    .map(|result| result.score)
            })
            .chain([Some(overall.score)])
            .collect(),
    )
}

/// Why a suppressed group is hidden, in the words of the reason the
/// privacy policy gave. A group hidden by complementary suppression is
/// large enough, and saying "fewer than" of it would be false.
pub(crate) fn hidden_reason(group: &GroupResult, anonymity_min: u32) -> String {
    match group.hidden_because {
        Some(HiddenBecause::Complementary) => {
            "hidden (so that a smaller group cannot be worked out by subtraction)".to_owned()
        }
        Some(HiddenBecause::TooFew) | None => {
            format!("hidden (fewer than {anonymity_min} respondents, to protect anonymity)")
        }
    }
}

/// What a suppressed group shows in place of its scores.
pub(crate) fn hidden_group_text(group: &GroupResult, anonymity_min: u32) -> String {
    format!(
        "n = {} — {}",
        group.respondents,
        hidden_reason(group, anonymity_min)
    )
}

#[cfg(test)]
mod tests;
