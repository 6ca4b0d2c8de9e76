//! Presentation of simm results: the results view that every results
//! report is laid out from (a Markdown report for the terminal, a
//! self-contained HTML report with hand-drawn SVG charts, and the web's
//! results page), the one-sentence reason for each area's stage, and the
//! Markdown description of a model.
//!
//! Nothing here decides a score. The renderers only show what
//! `simm_core::score` computed, and suppressed groups arrive without scores,
//! so no renderer can leak them.

mod branding;
mod calibration;
mod content;
pub mod format;
mod html;
mod journey;
mod markdown;
mod model_markdown;
pub mod svg;
mod workbook;

use simm_core::{AreaResult, GroupResult, HiddenBecause, Model, Results, Roadmap, Target};

pub use branding::{Accent, Branding, BrandingError, Logo, LogoFormat, MAX_BRAND_NAME};
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
pub use workbook::{
    ActionRow, ResponseTable, ResultsPart, TrendPart, WorkbookError, WorkbookInput,
    XLSX_MEDIA_TYPE, workbook,
};

/// The r_wg below which respondents disagree about whether a practice is
/// in place. 0.5 is the customary cut-off below which agreement is too weak
/// to treat the mean answer as a shared view.
pub const WEAK_CONSENSUS: f64 = 0.5;

/// What a results report shows, for a renderer outside this crate (the
/// web's results page) to lay out as the reports here do.
pub fn results_view(model: &Model, results: &Results) -> ResultsView {
    content::build(model, results)
}

/// The results view with each area's gap to the target.
pub fn results_view_toward(model: &Model, results: &Results, target: &Target) -> ResultsView {
    content::build_toward(model, results, target)
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
        None,
    )
}

/// The Markdown report towards a target: the gaps named in each area, and
/// the roadmap after the results.
pub fn markdown_toward(model: &Model, results: &Results, roadmap: &Roadmap) -> String {
    let mut out = markdown::render(&content::build_toward(model, results, &roadmap.target));
    out.push('\n');
    out.push_str(&journey::roadmap_markdown(&roadmap_view(
        model, results, roadmap,
    )));
    out
}

/// The HTML report towards a target: the gaps, the target on the radar
/// and the ladder, and the roadmap.
pub fn html_toward(model: &Model, results: &Results, roadmap: &Roadmap) -> String {
    let fragment = roadmap_html_fragment(&roadmap_view(model, results, roadmap), None, "");
    html::render(
        &content::build_toward(model, results, &roadmap.target),
        &Charts::draw_toward(model, results, Some(&roadmap.target)),
        Some(&fragment),
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

/// The probability of another stage from which an area's stage is called
/// close to the line: at 5 % or more, a resample of the same respondents
/// lands on that stage about once in twenty, which is the chance a 95 %
/// interval leaves out. Below it, the stage is called sure.
pub const CLOSE_TO_THE_LINE: f64 = 0.05;

/// How sure an area's stage is, in one sentence: "Management is at stage
/// 2, but close to the line: stage 3 is within reach of sampling error
/// (29 %)." when the resamples put the area at another stage often enough
/// ([`CLOSE_TO_THE_LINE`]), "… it may still be at stage 1 (12 %)." for the
/// side below, and "Vision and Strategy is at stage 3 (98 % of resamples
/// agree)." when it is sure. The probability above is that of reaching
/// the next stage or beyond, the one below that of staying below this
/// stage. `None` for results without stage probabilities.
pub fn stage_confidence(model: &Model, area: &AreaResult) -> Option<String> {
    let probability = area.stage_probability.as_ref()?;
    let name = area_name(model, &area.id);
    let stage = area.stage;
    let share = |keep: &dyn Fn(simm_core::StageLevel) -> bool| -> f64 {
        probability
            .0
            .iter()
            .filter(|(level, _)| keep(*level))
            .map(|(_, p)| p)
            .sum()
    };
    let above = share(&|level| level > stage);
    let below = share(&|level| level < stage);
    let mut near = Vec::new();
    if above >= CLOSE_TO_THE_LINE {
        near.push(format!(
            "stage {} is within reach of sampling error ({})",
            stage.next(),
            format::probability(above)
        ));
    }
    if below >= CLOSE_TO_THE_LINE {
        let lower = simm_core::StageLevel::new(stage.get() - 1).unwrap_or(stage);
        near.push(format!(
            "it may still be at stage {lower} ({})",
            format::probability(below)
        ));
    }
    Some(if near.is_empty() {
        format!(
            "{name} is at stage {stage} ({} of resamples agree).",
            format::probability(probability.get(stage).unwrap_or(0.0))
        )
    } else {
        format!(
            "{name} is at stage {stage}, but close to the line: {}.",
            near.join(", and ")
        )
    })
}

/// The probability of each stage that any resample reached, as "stage 2:
/// 71 %, stage 3: 29 %"; empty for results without stage probabilities.
pub fn stage_probabilities(area: &AreaResult) -> String {
    area.stage_probability
        .as_ref()
        .map(|probability| {
            probability
                .0
                .iter()
                .filter(|(_, p)| *p > 0.0)
                .map(|(level, p)| format!("stage {level}: {}", format::probability(*p)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
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
