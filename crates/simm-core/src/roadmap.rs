//! The roadmap from today's stages to the target, in phases
//! (docs/scoring.md, "Roadmap").
//!
//! Each phase lifts the areas that are lowest among those still below
//! their target by one stage, so no stage is skipped and each phase raises
//! the overall stage, which the weakest area holds back. Within a lift, the
//! practices are those of the fewest-items rule (rule 8) for the stage
//! being reached.

use serde::Serialize;

use crate::domain::{AreaId, ItemId, StageLevel};
use crate::model::Model;
use crate::results::{Interval, ItemResult, Results};
use crate::scoring::{area_result, fewest_items};
use crate::target::Target;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Roadmap {
    pub target: Target,
    pub phases: Vec<Phase>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// 1 for the first phase.
    pub phase: u32,
    /// The areas this phase lifts, one stage each.
    pub lifts: Vec<Lift>,
    pub practices: Vec<RoadmapPractice>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lift {
    pub area: AreaId,
    pub from: StageLevel,
    pub to: StageLevel,
    /// The stage's fulfilment today; `None` when nobody answered its items.
    pub fulfilment: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoadmapPractice {
    pub item: ItemId,
    pub area: AreaId,
    pub stage: StageLevel,
    pub fulfilment: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfilment_interval: Option<Interval>,
    /// r_wg of the item's answers (rule 7).
    pub consensus: Option<f64>,
    /// The area's score with this practice fully in place, together with
    /// the practices before it in the roadmap: where the work stands once
    /// this step is done.
    pub projected_area_score: f64,
}

/// The phases from the results' stages to the target.
pub fn roadmap(model: &Model, results: &Results, target: &Target) -> Roadmap {
    let mut planned: Vec<StageLevel> = results.areas.iter().map(|area| area.stage).collect();
    // The item fulfilments as the plan goes: practices in place count as 1.
    let mut items: Vec<ItemResult> = results.items.clone();
    let mut phases = Vec::new();
    loop {
        let behind: Vec<usize> = (0..planned.len())
            .filter(|index| {
                let area = &results.areas[*index].id;
                target
                    .stage_of(area)
                    .is_some_and(|goal| planned[*index] < goal)
            })
            .collect();
        let Some(lowest) = behind.iter().map(|index| planned[*index]).min() else {
            break;
        };
        let mut phase = Phase {
            phase: phases.len() as u32 + 1,
            lifts: Vec::new(),
            practices: Vec::new(),
        };
        let lifted: Vec<usize> = behind
            .into_iter()
            .filter(|index| planned[*index] == lowest)
            .collect();
        for index in lifted {
            let area = &results.areas[index].id;
            let to = lowest.next();
            let now = area_result(model, area, &items);
            phase.lifts.push(Lift {
                area: area.clone(),
                from: lowest,
                to,
                fulfilment: now.fulfilment.get(to),
            });
            let needed: Vec<ItemId> = match now.fulfilment.get(to) {
                Some(_) => fewest_items(model, area, to, &items),
                // Nobody answered the stage: every practice of it is work
                // to do.
                None => model
                    .item_indices(area, to)
                    .map(|i| items[i].id.clone())
                    .collect(),
            };
            for id in needed {
                let i = model.item_index(id.as_str()).expect("a model item");
                let today = &results.items[i];
                items[i].fulfilment = Some(1.0);
                phase.practices.push(RoadmapPractice {
                    item: id,
                    area: area.clone(),
                    stage: to,
                    fulfilment: today.fulfilment,
                    fulfilment_interval: today.fulfilment_interval,
                    consensus: today.rwg,
                    projected_area_score: area_result(model, area, &items).score,
                });
            }
            planned[index] = to;
        }
        phases.push(phase);
    }
    Roadmap {
        target: target.clone(),
        phases,
    }
}
