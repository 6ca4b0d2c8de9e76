//! The roadmap view: the target per area and the phases with their
//! practices, as texts.

use simm_core::{Model, Results, Roadmap, Target};

use crate::format;

#[derive(Debug, Clone, PartialEq)]
pub struct RoadmapView {
    pub title: String,
    /// "by 2027-12", or empty without a date.
    pub by: String,
    pub targets: Vec<TargetRow>,
    pub phases: Vec<PhaseView>,
    /// Said when there is nothing to do.
    pub done: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    pub area: String,
    pub current: u8,
    pub target: u8,
    /// "Information Technology: stage 1, target stage 3 by 2027-12".
    pub sentence: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseView {
    pub number: u32,
    /// "Phase 1: Information Technology to stage 2".
    pub heading: String,
    /// One sentence per lift, e.g. "Management: stage 2 to 3 (stage 3
    /// practices at 61 %)".
    pub lifts: Vec<String>,
    pub practices: Vec<RoadmapPracticeRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoadmapPracticeRow {
    pub item: String,
    pub practice: String,
    pub area: String,
    pub stage: u8,
    /// "40 % (31 % to 49 %)", or "no answers".
    pub fulfilment: String,
    pub consensus: String,
    pub projected: String,
}

/// The sentence that names an area's gap to its target.
pub fn target_sentence(area: &str, current: u8, target: u8, by: &str) -> String {
    if current >= target {
        format!("{area}: stage {current}, at its target (stage {target})")
    } else {
        let by = if by.is_empty() {
            String::new()
        } else {
            format!(" {by}")
        };
        format!("{area}: stage {current}, target stage {target}{by}")
    }
}

/// "by 2027-12", or empty for a target without a date.
pub fn target_by(target: &Target) -> String {
    target
        .date()
        .map(|date| format!("by {}", date.month()))
        .unwrap_or_default()
}

pub fn roadmap_view(model: &Model, results: &Results, roadmap: &Roadmap) -> RoadmapView {
    let by = target_by(&roadmap.target);
    let name = |area: &simm_core::AreaId| crate::area_name(model, area).to_owned();
    let targets = results
        .areas
        .iter()
        .map(|area| {
            let goal = roadmap
                .target
                .stage_of(&area.id)
                .unwrap_or(area.stage)
                .get();
            TargetRow {
                area: name(&area.id),
                current: area.stage.get(),
                target: goal,
                sentence: target_sentence(&name(&area.id), area.stage.get(), goal, &by),
            }
        })
        .collect();
    let phases = roadmap
        .phases
        .iter()
        .map(|phase| {
            let lifted: Vec<String> = phase
                .lifts
                .iter()
                .map(|lift| format!("{} to stage {}", name(&lift.area), lift.to))
                .collect();
            PhaseView {
                number: phase.phase,
                heading: format!("Phase {}: {}", phase.phase, lifted.join(", ")),
                lifts: phase
                    .lifts
                    .iter()
                    .map(|lift| {
                        let state = match lift.fulfilment {
                            Some(f) if phase.practices.iter().all(|p| p.area != lift.area) => {
                                format!(
                                    "its stage {} practices are in place already ({})",
                                    lift.to,
                                    format::percent(f)
                                )
                            }
                            Some(f) => {
                                format!("stage {} practices at {}", lift.to, format::percent(f))
                            }
                            None => format!("nobody answered the stage {} practices", lift.to),
                        };
                        format!(
                            "{}: stage {} to {} ({state})",
                            name(&lift.area),
                            lift.from,
                            lift.to
                        )
                    })
                    .collect(),
                practices: phase
                    .practices
                    .iter()
                    .map(|practice| {
                        let item = model
                            .item_index(practice.item.as_str())
                            .map(|i| &model.items()[i]);
                        RoadmapPracticeRow {
                            item: practice.item.to_string(),
                            practice: item
                                .map(|item| format::one_line(&item.practice))
                                .unwrap_or_default(),
                            area: name(&practice.area),
                            stage: practice.stage.get(),
                            fulfilment: match (practice.fulfilment, practice.fulfilment_interval) {
                                (Some(f), Some(interval)) => format!(
                                    "{} ({})",
                                    format::percent(f),
                                    format::percent_interval(Some(interval))
                                ),
                                (Some(f), None) => format::percent(f),
                                (None, _) => "no answers".to_owned(),
                            },
                            consensus: format::agreement(practice.consensus),
                            projected: format::score(practice.projected_area_score),
                        }
                    })
                    .collect(),
            }
        })
        .collect::<Vec<_>>();
    RoadmapView {
        title: format!(
            "Roadmap to the target{}",
            if by.is_empty() {
                String::new()
            } else {
                format!(" {by}")
            }
        ),
        done: phases
            .is_empty()
            .then(|| "Every area is at its target: there is nothing on the roadmap.".to_owned()),
        by,
        targets,
        phases,
    }
}

pub(super) fn markdown(view: &RoadmapView) -> String {
    let mut out = format!("# {}\n\n", view.title);
    for row in &view.targets {
        out.push_str(&format!("- {}\n", row.sentence));
    }
    out.push('\n');
    if let Some(done) = &view.done {
        out.push_str(&format!("{done}\n"));
    }
    for phase in &view.phases {
        out.push_str(&format!("## {}\n\n", phase.heading));
        for lift in &phase.lifts {
            out.push_str(&format!("- {lift}\n"));
        }
        if !phase.practices.is_empty() {
            out.push_str("\n| Item | Practice | Area | Stage | In place now (95 % interval) | Consensus | Area score once in place |\n|---|---|---|---|---|---|---|\n");
            for p in &phase.practices {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    p.item,
                    format::markdown_cell(&p.practice),
                    format::markdown_cell(&p.area),
                    p.stage,
                    p.fulfilment,
                    p.consensus,
                    p.projected
                ));
            }
        }
        out.push('\n');
    }
    out
}
