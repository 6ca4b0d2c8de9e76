//! What a report says, independent of its format.
//!
//! The Markdown report, the HTML report and the web's results page are all
//! laid out from one [`ResultsView`], so they cannot drift apart in
//! content: every sentence, number and list is decided here, and the
//! renderers only choose the markup. What a group may show was decided by
//! the privacy policy before the results arrive here.

use simm_core::{AreaResult, ItemResult, Model, Results};

use crate::format;
use crate::svg;

/// Everything a results report shows, as text ready to lay out.
pub struct ResultsView {
    pub title: String,
    pub respondents: u64,
    pub threshold: String,
    /// The threshold in whole percent, for drawing it on bars.
    pub threshold_percent: u32,
    pub threshold_sentence: String,
    /// What the intervals and stage probabilities are; empty for results
    /// without them.
    pub uncertainty_sentence: String,
    pub overall: OverallView,
    pub common_language: String,
    pub common_language_sentence: String,
    pub areas: Vec<AreaView>,
    pub roadmap_intro: String,
    pub roadmap: Vec<RoadmapStep>,
    /// The areas already at the top stage, which need no roadmap step.
    pub at_top_stage: Vec<String>,
    pub consensus_intro: String,
    pub consensus: Vec<AreaConsensus>,
    pub weak_consensus_sentence: String,
    pub weak_items: Vec<WeakItem>,
    pub groups: Option<GroupsView>,
    pub items: Vec<ItemRow>,
}

pub struct OverallView {
    pub stage: u8,
    pub stage_name: String,
    pub score: String,
    /// The score's 95 % interval, "1.85–2.26"; empty without intervals.
    pub score_interval: String,
    /// Which area or areas set the overall result, as a sentence.
    pub set_by: String,
    /// The areas that set the overall result, as indices into
    /// [`ResultsView::areas`], for a summary that names their reasons.
    pub weakest: Vec<usize>,
}

pub struct AreaView {
    pub name: String,
    pub stage: u8,
    pub stage_name: String,
    pub score: String,
    /// The score's 95 % interval; empty without intervals.
    pub score_interval: String,
    pub reason: String,
    /// How sure the stage is, as a sentence ([`crate::stage_confidence`]);
    /// empty without stage probabilities.
    pub confidence: String,
    /// "stage 2: 71 %, stage 3: 29 %"; empty without stage probabilities.
    pub stage_probability: String,
    /// The gap to the target, "Information Technology: stage 1, target
    /// stage 3 by 2027-12"; empty without a target.
    pub target: String,
    pub fulfilment: Vec<StageRow>,
}

/// F(area, s) for one stage above the first.
pub struct StageRow {
    pub level: u8,
    pub name: String,
    pub in_place: String,
    /// The fulfilment's 95 % interval, "64–72 %"; empty without intervals.
    pub interval: String,
    /// The bar length in whole percent; zero when undefined.
    pub bar_percent: u32,
    pub status: &'static str,
}

pub struct RoadmapStep {
    pub heading: String,
    pub situation: String,
    pub recommended_intro: String,
    pub recommended: Vec<Practice>,
    pub further_intro: String,
    pub further: Vec<Practice>,
}

pub struct Practice {
    pub id: String,
    pub statement: String,
    pub practice: String,
    pub in_place: String,
}

pub struct AreaConsensus {
    /// The area's id, which ties it to its [`WeakItem`]s.
    pub id: String,
    pub name: String,
    pub consensus: String,
    /// Whether the area's consensus is below [`crate::WEAK_CONSENSUS`].
    pub weak: bool,
}

pub struct WeakItem {
    pub id: String,
    pub area_id: String,
    pub area: String,
    pub statement: String,
    pub rwg: String,
}

pub struct GroupsView {
    /// The name of the attribute the groups are of.
    pub attribute: String,
    pub heading: String,
    pub note: String,
    pub columns: Vec<String>,
    pub rows: Vec<GroupRow>,
}

pub struct GroupRow {
    pub label: String,
    pub respondents: u64,
    /// For a suppressed group, the whole text shown in place of its scores.
    pub hidden: Option<String>,
    pub cells: Vec<ScoreCell>,
}

pub struct ScoreCell {
    pub score: String,
    pub background: String,
    pub foreground: String,
}

pub struct ItemRow {
    pub id: String,
    pub area: String,
    pub stage: u8,
    pub statement: String,
    pub answered: u64,
    pub fulfilment: String,
    pub rwg: String,
    pub weak: bool,
}

impl ResultsView {
    /// The statements with weak consensus of one area, in model order.
    pub fn weak_items_of(&self, area: &AreaConsensus) -> Vec<&WeakItem> {
        self.weak_items
            .iter()
            .filter(|item| item.area_id == area.id)
            .collect()
    }
}

fn weak(agreement: Option<f64>) -> bool {
    agreement.is_some_and(|rwg| rwg < crate::WEAK_CONSENSUS)
}

fn item_result<'a>(results: &'a Results, id: &str) -> Option<&'a ItemResult> {
    results.items.iter().find(|item| item.id.as_str() == id)
}

/// "A", "A and B", "A, B and C".
fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The view with each area's gap to the target.
pub(crate) fn build_toward(
    model: &Model,
    results: &Results,
    target: &simm_core::Target,
) -> ResultsView {
    let mut view = build(model, results);
    let by = crate::journey::target_by(target);
    for (area, result) in view.areas.iter_mut().zip(&results.areas) {
        let goal = target.stage_of(&result.id).unwrap_or(result.stage).get();
        area.target = crate::journey::target_sentence(&area.name, result.stage.get(), goal, &by);
    }
    view
}

pub(crate) fn build(model: &Model, results: &Results) -> ResultsView {
    let threshold = results.threshold;
    let threshold_text = format!("{} %", format::threshold_percent(threshold));
    let top = model.top_stage();

    let weakest_areas: Vec<usize> = results
        .areas
        .iter()
        .enumerate()
        .filter(|(_, area)| area.score == results.overall.score)
        .map(|(index, _)| index)
        .collect();
    let weakest: Vec<String> = weakest_areas
        .iter()
        .map(|&index| crate::area_name(model, &results.areas[index].id).to_owned())
        .collect();
    let set_by = match weakest.as_slice() {
        [] => String::new(),
        [only] => format!("set by the weakest area, {only}"),
        several => format!("set by the weakest areas, {}", join_names(several)),
    };

    let areas = results
        .areas
        .iter()
        .map(|area| area_view(model, area, threshold))
        .collect();

    let mut below_top: Vec<&AreaResult> = results
        .areas
        .iter()
        .filter(|area| area.stage < top && area.gap.is_some())
        .collect();
    // A stable sort keeps model order between areas with equal scores.
    below_top.sort_by(|a, b| a.score.total_cmp(&b.score));
    let roadmap = below_top
        .into_iter()
        .filter_map(|area| roadmap_step(model, results, area, &threshold_text))
        .collect();
    let at_top_stage = results
        .areas
        .iter()
        .filter(|area| area.stage >= top)
        .map(|area| crate::area_name(model, &area.id).to_owned())
        .collect();

    let consensus = results
        .areas
        .iter()
        .map(|area| AreaConsensus {
            id: area.id.to_string(),
            name: crate::area_name(model, &area.id).to_owned(),
            consensus: format::percent_or_undefined(area.consensus),
            weak: weak(area.consensus),
        })
        .collect();
    let weak_items = results
        .items
        .iter()
        .filter(|item| weak(item.rwg))
        .map(|item| WeakItem {
            id: item.id.to_string(),
            area_id: item.area.to_string(),
            area: crate::area_name(model, &item.area).to_owned(),
            statement: statement(model, item.id.as_str()),
            rwg: format::agreement(item.rwg),
        })
        .collect();

    let items = results
        .items
        .iter()
        .map(|item| ItemRow {
            id: item.id.to_string(),
            area: crate::area_name(model, &item.area).to_owned(),
            stage: item.stage.get(),
            statement: statement(model, item.id.as_str()),
            answered: item.answered,
            fulfilment: format::percent_or_undefined(item.fulfilment),
            rwg: format::agreement(item.rwg),
            weak: weak(item.rwg),
        })
        .collect();

    ResultsView {
        title: format!("{} {}", model.title(), model.version()),
        respondents: results.respondents,
        threshold: threshold_text.clone(),
        threshold_percent: format::threshold_percent(threshold),
        threshold_sentence: format!(
            "An area reaches a stage when {threshold_text} of that stage's practices are in place, and of every stage below it."
        ),
        uncertainty_sentence: uncertainty_sentence(results),
        overall: OverallView {
            stage: results.overall.stage.get(),
            stage_name: model.stage(results.overall.stage).name.clone(),
            score: format::score(results.overall.score),
            score_interval: results
                .overall
                .score_interval
                .map(|interval| format::score_interval(Some(interval)))
                .unwrap_or_default(),
            set_by,
            weakest: weakest_areas,
        },
        common_language: format::percent_or_undefined(results.common_language),
        common_language_sentence: "Common language is how far respondents give the same answers (the mean r_wg agreement over all statements): 100 % means everyone answers alike, 0 % that answers are as spread as chance.".to_owned(),
        areas,
        roadmap_intro: format!(
            "The roadmap starts with the weakest area, because the weakest area sets the overall stage. For each area below the top stage it names the recommended practices, the fewest next-stage practices that, fully in place, lift the area to its next stage, and then the further practices of that stage that are below {threshold_text}."
        ),
        roadmap,
        at_top_stage,
        consensus_intro: "Consensus per area is the mean r_wg agreement of its statements; a low value means the people asked see the area differently.".to_owned(),
        consensus,
        weak_consensus_sentence: format!(
            "Statements with weak consensus (r_wg below {:.2}): respondents disagree about whether this is in place. Discuss them before acting on their numbers.",
            crate::WEAK_CONSENSUS
        ),
        weak_items,
        groups: groups_view(model, results),
        items,
    }
}

fn statement(model: &Model, id: &str) -> String {
    model
        .item_index(id)
        .map_or_else(String::new, |index| model.items()[index].text.clone())
}

/// What the intervals and the stage confidence mean, for the reader.
fn uncertainty_sentence(results: &Results) -> String {
    results.uncertainty.map_or_else(String::new, |uncertainty| {
        format!(
            "Ranges are {} % intervals: how far a value could move by chance had other people of the same organisation answered, from {} resamples of the respondents. Stage confidence is the share of those resamples at each stage; a stage is close to the line when another stage gets {} or more.",
            format::threshold_percent(uncertainty.level),
            uncertainty.replicates,
            format::percent(crate::CLOSE_TO_THE_LINE)
        )
    })
}

fn area_view(model: &Model, area: &AreaResult, threshold: f64) -> AreaView {
    let interval_of = |level| {
        area.fulfilment_interval
            .as_ref()
            .map(|by_stage| format::percent_interval(by_stage.get(level).flatten()))
            .unwrap_or_default()
    };
    let fulfilment = area
        .fulfilment
        .0
        .iter()
        .map(|(level, fulfilment)| StageRow {
            level: level.get(),
            name: model.stage(*level).name.clone(),
            in_place: format::percent_or_undefined(*fulfilment),
            interval: interval_of(*level),
            bar_percent: fulfilment.map_or(0, |f| format::whole_percent(f).min(100)),
            status: match fulfilment {
                None => "nobody answered",
                Some(_) if *level <= area.stage => "reached",
                Some(f) if *f >= threshold => "in place, but a lower stage is not",
                Some(_) => "not reached",
            },
        })
        .collect();
    AreaView {
        name: crate::area_name(model, &area.id).to_owned(),
        stage: area.stage.get(),
        stage_name: model.stage(area.stage).name.clone(),
        score: format::score(area.score),
        score_interval: area
            .score_interval
            .map(|interval| format::score_interval(Some(interval)))
            .unwrap_or_default(),
        reason: crate::area_reason(model, area, threshold),
        confidence: crate::stage_confidence(model, area).unwrap_or_default(),
        stage_probability: crate::stage_probabilities(area),
        target: String::new(),
        fulfilment,
    }
}

fn roadmap_step(
    model: &Model,
    results: &Results,
    area: &AreaResult,
    threshold_text: &str,
) -> Option<RoadmapStep> {
    let gap = area.gap.as_ref()?;
    let name = crate::area_name(model, &area.id).to_owned();
    let next = gap.next_stage;
    let practice = |index: usize| {
        let item = &model.items()[index];
        let in_place = item_result(results, item.id.as_str())
            .and_then(|result| result.fulfilment)
            .map_or_else(
                || "nobody answered".to_owned(),
                |f| format!("{} in place", format::percent(f)),
            );
        Practice {
            id: item.id.to_string(),
            statement: item.text.clone(),
            practice: item.practice.clone(),
            in_place,
        }
    };
    let recommended: Vec<Practice> = gap
        .min_items
        .iter()
        .filter_map(|id| model.item_index(id.as_str()))
        .map(practice)
        .collect();
    let further: Vec<Practice> = model
        .item_indices(&area.id, next)
        .filter(|index| !gap.min_items.contains(&model.items()[*index].id))
        .filter(|index| {
            item_result(results, model.items()[*index].id.as_str())
                .and_then(|result| result.fulfilment)
                .is_none_or(|f| f < results.threshold)
        })
        .map(practice)
        .collect();

    let situation = match gap.fulfilment {
        Some(f) => format!(
            "Today {} of the stage-{next} practices are in place; {threshold_text} is needed.",
            format::percent(f)
        ),
        None => format!(
            "Nobody answered the stage-{next} statements, so start by finding out which of these practices are in place."
        ),
    };
    let count = recommended.len();
    let recommended_intro = match count {
        0 => String::new(),
        1 => format!(
            "Recommended: put this practice fully in place; that alone lifts {name} to stage {next}."
        ),
        _ => format!(
            "Recommended: put these {count} practices fully in place; together they lift {name} to stage {next}."
        ),
    };
    let further_intro = if further.is_empty() {
        String::new()
    } else if recommended.is_empty() {
        format!("Stage-{next} practices to check:")
    } else {
        format!("Further practices: the other stage-{next} practices below {threshold_text}.")
    };
    Some(RoadmapStep {
        heading: format!(
            "{name}: from stage {} to stage {next}, {}",
            area.stage,
            model.stage(next).name
        ),
        situation,
        recommended_intro,
        recommended,
        further_intro,
        further,
    })
}

fn groups_view(model: &Model, results: &Results) -> Option<GroupsView> {
    let groups = results.groups.as_ref()?;
    let top = model.top_stage().get();
    let anonymity_min = results.anonymity_min_or(model.scoring().anonymity_min.get());
    let attribute = groups
        .first()
        .and_then(|group| model.attribute(group.attribute.as_str()))
        .map_or_else(|| "group".to_owned(), |attribute| attribute.name.clone());
    let mut columns: Vec<String> = model.areas().iter().map(|a| a.name.clone()).collect();
    columns.push("Overall".to_owned());
    let rows = groups
        .iter()
        .map(|group| {
            let scores = crate::group_scores(model, group);
            let cells = scores.as_ref().map_or_else(Vec::new, |scores| {
                scores
                    .iter()
                    .map(|score| match score {
                        Some(score) => {
                            let (background, foreground) = svg::score_colours(*score, top);
                            ScoreCell {
                                score: format::score(*score),
                                background,
                                foreground,
                            }
                        }
                        None => ScoreCell {
                            score: format::UNDEFINED.to_owned(),
                            background: "#ffffff".to_owned(),
                            foreground: "#111111".to_owned(),
                        },
                    })
                    .collect()
            });
            GroupRow {
                label: crate::group_label(group).to_owned(),
                respondents: group.respondents,
                hidden: scores
                    .is_none()
                    .then(|| crate::hidden_group_text(group, anonymity_min)),
                cells,
            }
        })
        .collect();
    Some(GroupsView {
        heading: format!("Results by {attribute}"),
        note: format!(
            "Scores are coloured from light (stage 1) to dark (stage {top}). A group with fewer than {anonymity_min} respondents is hidden to protect anonymity, and a larger group may be hidden too, so that a small group cannot be worked out by subtracting the shown groups from the total."
        ),
        attribute,
        columns,
        rows,
    })
}
