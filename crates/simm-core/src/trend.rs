//! Changes between two rounds (docs/scoring.md, "Changes between
//! rounds").
//!
//! Two rounds are compared on the items they share: the same id, in the
//! same area at the same stage, shown in both (an item that too few
//! answered in either round is left out, as it is of each round's own
//! results). Each round is resampled on its own, with its own weights, so
//! the spread of a change is the spread of the difference of two
//! independent estimates; a change is real when its interval leaves out 0.

use serde::Serialize;

use crate::domain::{AreaId, ItemId};
use crate::model::Model;
use crate::privacy::Policy;
use crate::results::{Interval, ItemResult};
use crate::scoring::{Evaluation, Tally, evaluate};
use crate::uncertainty::{Resamples, expanded_interval, typical_answers};

/// One round as the comparison needs it: its model, its respondents'
/// tally and replicates, and the privacy policy its results were shown
/// under (`None` for a sheet scored as it is).
#[derive(Clone, Copy)]
pub struct Round<'a> {
    pub model: &'a Model,
    pub tally: &'a Tally,
    pub resamples: &'a Resamples,
    pub policy: Option<Policy>,
}

/// A change from one round to the next with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Delta {
    pub value: f64,
    pub interval: Interval,
    /// True when the interval leaves out 0: the change is larger than the
    /// two rounds' sampling error.
    pub real: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The items compared, in the later round's model order.
    pub shared: Vec<ItemId>,
    /// Items of either round left out of the comparison, in the later
    /// round's model order and then the earlier one's.
    pub left_out: Vec<ItemId>,
    pub overall: Option<Delta>,
    /// For each area of the later round: `None` when the earlier round has
    /// no such area or no shared item of it was answered in both.
    pub areas: Vec<(AreaId, Option<Delta>)>,
    /// For each shared item answered in both rounds: the change of its
    /// fulfilment.
    pub items: Vec<(ItemId, Delta)>,
}

impl Comparison {
    pub fn area(&self, id: &AreaId) -> Option<Delta> {
        self.areas
            .iter()
            .find(|(area, _)| area == id)
            .and_then(|(_, delta)| *delta)
    }

    pub fn item(&self, id: &ItemId) -> Option<Delta> {
        self.items
            .iter()
            .find(|(item, _)| item == id)
            .map(|(_, delta)| *delta)
    }
}

/// Compares a later round with an earlier one.
pub fn compare(earlier: Round<'_>, later: Round<'_>) -> Comparison {
    let shown_earlier = shown(earlier);
    let shown_later = shown(later);
    let mut keep_earlier = vec![false; earlier.model.items().len()];
    let mut keep_later = vec![false; later.model.items().len()];
    let mut shared = Vec::new();
    let mut left_out = Vec::new();
    for (i, item) in later.model.items().iter().enumerate() {
        let twin = earlier
            .model
            .item_index(item.id.as_str())
            .filter(|j| {
                let other = &earlier.model.items()[*j];
                other.area == item.area && other.stage == item.stage
            })
            .filter(|j| shown_earlier[*j] && shown_later[i]);
        match twin {
            Some(j) => {
                keep_earlier[j] = true;
                keep_later[i] = true;
                shared.push(item.id.clone());
            }
            None => left_out.push(item.id.clone()),
        }
    }
    for (j, item) in earlier.model.items().iter().enumerate() {
        if !keep_earlier[j] && later.model.item_index(item.id.as_str()).is_none() {
            left_out.push(item.id.clone());
        }
    }

    let point_earlier = evaluate(earlier.model, &earlier.tally.keeping(&keep_earlier), None);
    let point_later = evaluate(later.model, &later.tally.keeping(&keep_later), None);
    let replicates = earlier.resamples.count().min(later.resamples.count());
    let pairs: Vec<(Evaluation, Evaluation)> = (0..replicates)
        .map(|b| {
            (
                evaluate(
                    earlier.model,
                    &earlier.resamples.replicate(b, &keep_earlier),
                    None,
                ),
                evaluate(
                    later.model,
                    &later.resamples.replicate(b, &keep_later),
                    None,
                ),
            )
        })
        .collect();

    let answered_in_both = |area: Option<&AreaId>| -> u64 {
        let of = |items: &[ItemResult]| {
            typical_answers(
                items
                    .iter()
                    .filter(|item| area.is_none_or(|area| &item.area == area))
                    .filter(|item| shared.contains(&item.id)),
            )
        };
        of(&point_earlier.items).min(of(&point_later.items))
    };
    let delta = |value: f64, n: u64, changes: &mut dyn Iterator<Item = Option<f64>>| {
        expanded_interval(changes, n).map(|interval| Delta {
            value,
            interval,
            real: interval.low > 0.0 || interval.high < 0.0,
        })
    };

    let areas = later
        .model
        .areas()
        .iter()
        .enumerate()
        .map(|(index, area)| {
            let position = earlier.model.areas().iter().position(|a| a.id == area.id);
            let n = answered_in_both(Some(&area.id));
            let change = position.filter(|_| n > 0).and_then(|position| {
                delta(
                    point_later.areas[index].score - point_earlier.areas[position].score,
                    n,
                    &mut pairs
                        .iter()
                        .map(|(e, l)| Some(l.areas[index].score - e.areas[position].score)),
                )
            });
            (area.id.clone(), change)
        })
        .collect();

    let n = answered_in_both(None);
    let overall = (n > 0)
        .then(|| {
            delta(
                point_later.overall.score - point_earlier.overall.score,
                n,
                &mut pairs
                    .iter()
                    .map(|(e, l)| Some(l.overall.score - e.overall.score)),
            )
        })
        .flatten();

    let items = later
        .model
        .items()
        .iter()
        .enumerate()
        .filter(|(i, _)| keep_later[*i])
        .filter_map(|(i, item)| {
            let j = earlier.model.item_index(item.id.as_str())?;
            let before = point_earlier.items[j].fulfilment?;
            let after = point_later.items[i].fulfilment?;
            let n = point_earlier.items[j]
                .answered
                .min(point_later.items[i].answered);
            let change = delta(
                after - before,
                n,
                &mut pairs
                    .iter()
                    .map(|(e, l)| Some(l.items[i].fulfilment? - e.items[j].fulfilment?)),
            )?;
            Some((item.id.clone(), change))
        })
        .collect();

    Comparison {
        shared,
        left_out,
        overall,
        areas,
        items,
    }
}

/// Which items of a round its results show: all, or those the policy's
/// item rule (docs/privacy.md, rule P3) lets through.
fn shown(round: Round<'_>) -> Vec<bool> {
    let items = evaluate(round.model, round.tally, round.policy).items;
    items.iter().map(|item| !item.suppressed).collect()
}
